import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snapn } from '../../src/learners/snapn.js';
import { snap1 } from '../../src/learners/snap1.js';
import { rtrl } from '../../src/learners/rtrl.js';
import { onlineModel, type OnlineModel } from '../../src/model/online.js';
import { mse } from '../../src/loss/loss.js';
import { Rng, randomVector, relativeError } from '../support/numeric.js';
import { VARIANTS, perturbedModel, randomStream, sumOfEstimates } from './helpers.js';
import { maskedRtrl, referenceLearner, type DenseRule } from './dense-reference.js';
import { ringCell } from './ring-cell.js';

for (const { name, config } of VARIANTS) {
  test(`snapn with n = 1 equals the existing snap1: ${name}`, () => {
    const stream = randomStream(7, config.inputSize, config.outputSize!, 3);
    const viaSnapn = sumOfEstimates(snapn(perturbedModel(config, 2), { loss: mse, optimizer: null, n: 1 }), stream).sum;
    const viaSnap1 = sumOfEstimates(snap1(perturbedModel(config, 2), { loss: mse, optimizer: null }), stream).sum;
    assert.ok(relativeError(viaSnapn, viaSnap1) <= 1e-12, `relative error ${relativeError(viaSnapn, viaSnap1)}`);
  });
}

const H = 5;
function ringModel(seed: number): OnlineModel {
  const core = ringCell(2, H);
  const model = onlineModel({ core });
  core.initParams(model.theta, new Rng(seed));
  return model;
}

/**
 * SnAp-n's pattern by its definition: the entries of M = ∂s/∂θ that are nonzero after n steps
 * of exact RTRL from M = 0 (Σ_{j<n} J^j·I), seen on three random streams from random states
 * (from s = 0 the first step's influence on W_hh would be zero).
 */
function patternAfter(n: number): Uint8Array {
  let pattern: Uint8Array | null = null;
  for (let probe = 0; probe < 3; probe++) {
    const model = ringModel(40 + probe);
    const record = (size: number, p: number): DenseRule => {
      const rule = maskedRtrl({})(size, p);
      pattern ??= new Uint8Array(size * p);
      return {
        propagate(J, I) {
          rule.propagate(J, I);
          const seen = new Float64Array(p);
          for (let i = 0; i < size; i++) {
            seen.fill(0);
            // M's row i is dState = e_i read through the rule's own gradient.
            const unit = new Float64Array(size);
            unit[i] = 1;
            rule.gradient(seen, unit);
            seen.forEach((value, q) => value !== 0 && (pattern![i * p + q] = 1));
          }
        },
        gradient: rule.gradient,
      };
    };
    const stream = randomStream(n, 2, H, 50 + probe);
    sumOfEstimates(referenceLearner(model, record, randomVector(H, new Rng(60 + probe))), stream);
  }
  return pattern!;
}

for (let n = 1; n <= H + 1; n++) {
  test(`snapn equals its definition — exact RTRL masked to the nonzeros of M after ${n} steps — on a ring rnn of ${H} units (n = ${n})`, () => {
    const pattern = patternAfter(n);
    const p = ringModel(1).core.paramSize;
    const stream = randomStream(12, 2, H, 9);
    const sparse = sumOfEstimates(snapn(ringModel(1), { loss: mse, optimizer: null, n }), stream).sum;
    const reference = sumOfEstimates(referenceLearner(ringModel(1), maskedRtrl({ mask: (i, q) => pattern[i * p + q] === 1 })), stream).sum;
    assert.ok(relativeError(sparse, reference) <= 1e-10, `relative error ${relativeError(sparse, reference)}`);
    const exact = sumOfEstimates(rtrl(ringModel(1), { loss: mse, optimizer: null }), stream).sum;
    // A ring of H units connects every unit to every other after H − 1 steps: from n = H on, SnAp-n is RTRL.
    if (n >= H) assert.ok(relativeError(sparse, exact) <= 1e-10, `n = ${n}: ${relativeError(sparse, exact)} from RTRL`);
    else assert.ok(relativeError(sparse, exact) > 1e-6, `n = ${n} already equals RTRL`);
  });
}

test('snapn with n = 2 equals rtrl on a dense tanh rnn (every unit reaches every other in one step)', () => {
  const config = VARIANTS[0]!.config;
  const stream = randomStream(8, config.inputSize, config.outputSize!, 4);
  const sparse = sumOfEstimates(snapn(perturbedModel(config, 3), { loss: mse, optimizer: null, n: 2 }), stream).sum;
  const exact = sumOfEstimates(rtrl(perturbedModel(config, 3), { loss: mse, optimizer: null }), stream).sum;
  assert.ok(relativeError(sparse, exact) <= 1e-12);
});

test('snapn refuses n that is not a positive integer', () => {
  assert.throws(() => snapn(ringModel(1), { loss: mse, optimizer: null, n: 0 }), /n must be a positive integer/);
  assert.throws(() => snapn(ringModel(1), { loss: mse, optimizer: null, n: 1.5 }), /n must be a positive integer/);
});
