import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snap1 } from '../../src/learners/snap1.js';
import { rtrl } from '../../src/learners/rtrl.js';
import { mse } from '../../src/loss/loss.js';
import { relativeError } from '../support/numeric.js';
import { VARIANTS, perturbedModel, randomStream, statsOnRnn, sumOfEstimates } from './helpers.js';

for (const { name, config } of VARIANTS) {
  test(`snap1's first step is exact (M_1 = ∂F/∂θ has the pattern by definition): ${name}`, () => {
    const stream = randomStream(1, config.inputSize, config.outputSize!, 3);
    const sparse = sumOfEstimates(snap1(perturbedModel(config, 2), { loss: mse, optimizer: null }), stream).sum;
    const exact = sumOfEstimates(rtrl(perturbedModel(config, 2), { loss: mse, optimizer: null }), stream).sum;
    assert.ok(relativeError(sparse, exact) <= 1e-12);
  });
}

test('snap1 equals rtrl on an rnn whose units feed only themselves (J is diagonal, so nothing is dropped)', () => {
  const config = VARIANTS[0]!.config;
  const make = () => {
    const model = perturbedModel(config, 5);
    const core = model.online().core;
    const block = core.params.find((b) => b.name === 'weightHh')!;
    const H = block.shape[0]!;
    for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) if (i !== j) model.theta[block.offset + i * H + j] = 0;
    return model;
  };
  const stream = randomStream(8, config.inputSize, config.outputSize!, 6);
  const sparse = sumOfEstimates(snap1(make(), { loss: mse, optimizer: null }), stream).sum;
  const exact = sumOfEstimates(rtrl(make(), { loss: mse, optimizer: null }), stream).sum;
  assert.ok(relativeError(sparse, exact) <= 1e-12);
});

test('snap1 is biased but deterministic and well aligned on a dense rnn, with less error than one uoro estimate', () => {
  const [sparse, ofUoro] = statsOnRnn(8, [[{ kind: 'snap1' }, 2], [{ kind: 'uoro' }, 500]]);
  assert.ok(sparse.meanRelativeError > 1e-6, 'dropping J off the pattern changes the gradient');
  assert.ok(Math.abs(sparse.relativeVariance - sparse.meanRelativeError ** 2) < 1e-12, 'deterministic: its variance is its squared bias');
  assert.ok(sparse.meanCosine > 0.5 && sparse.relativeVariance < ofUoro.relativeVariance, `cosine ${sparse.meanCosine}, error² ${sparse.relativeVariance} vs uoro's ${ofUoro.relativeVariance}`);
});

test("snap1's memory is one number per parameter on an rnn, and fewer than two per parameter on an lstm", () => {
  const rnnModel = perturbedModel(VARIANTS[0]!.config, 1);
  const lstmModel = perturbedModel(VARIANTS[2]!.config, 1);
  const size = (model: typeof rnnModel) => snap1(model, { loss: mse, optimizer: null }).snapshot().tensors.blocks!.length;
  assert.equal(size(rnnModel), rnnModel.online().core.paramSize);
  const p = lstmModel.online().core.paramSize;
  assert.ok(size(lstmModel) > p && size(lstmModel) < 2 * p);
});
