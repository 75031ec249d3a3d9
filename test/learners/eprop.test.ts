import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eprop } from '../../src/learners/eprop.js';
import { rtrl } from '../../src/learners/rtrl.js';
import { mse } from '../../src/loss/loss.js';
import { relativeError } from '../support/numeric.js';
import { VARIANTS, perturbedModel, randomStream, sumOfEstimates } from './helpers.js';
import { maskedRtrl, referenceLearner } from './dense-reference.js';

/** RTRL with every off-diagonal entry of the exact J set to zero. */
const diagonalRtrl = maskedRtrl({
  jacobian: (J, n) => {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) J[i * n + j] = 0;
  },
});

for (const { name, config } of VARIANTS) {
  test(`eprop equals RTRL with the off-diagonal state Jacobian dropped, built from the exact dense Jacobians: ${name}`, () => {
    const stream = randomStream(8, config.inputSize, config.outputSize!, 11);
    const traces = sumOfEstimates(eprop(perturbedModel(config, 4), { loss: mse, optimizer: null }), stream).sum;
    const reference = sumOfEstimates(referenceLearner(perturbedModel(config, 4), diagonalRtrl), stream).sum;
    assert.ok(relativeError(traces, reference) <= 1e-10, `relative error ${relativeError(traces, reference)}`);
  });
}

test('eprop equals rtrl on an rnn whose units feed only themselves (J is diagonal, so nothing is dropped)', () => {
  const config = VARIANTS[0]!.config;
  const make = () => {
    const model = perturbedModel(config, 5);
    const block = model.online().core.params.find((b) => b.name === 'weightHh')!;
    const H = block.shape[0]!;
    for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) if (i !== j) model.theta[block.offset + i * H + j] = 0;
    return model;
  };
  const stream = randomStream(8, config.inputSize, config.outputSize!, 6);
  const traces = sumOfEstimates(eprop(make(), { loss: mse, optimizer: null }), stream).sum;
  const exact = sumOfEstimates(rtrl(make(), { loss: mse, optimizer: null }), stream).sum;
  assert.ok(relativeError(traces, exact) <= 1e-12);
});

test('eprop on a dense lstm is biased: dropping the couplings between units and between h and c changes the gradient', () => {
  const config = VARIANTS.find((v) => v.name === 'lstm')!.config;
  const stream = randomStream(8, config.inputSize, config.outputSize!, 7);
  const traces = sumOfEstimates(eprop(perturbedModel(config, 6), { loss: mse, optimizer: null }), stream).sum;
  const exact = sumOfEstimates(rtrl(perturbedModel(config, 6), { loss: mse, optimizer: null }), stream).sum;
  assert.ok(relativeError(traces, exact) > 1e-4);
});
