import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tbptt } from '../../src/learners/tbptt.js';
import { rtrl } from '../../src/learners/rtrl.js';
import { bptt } from '../../src/learners/bptt.js';
import { mse } from '../../src/loss/loss.js';
import { sgd } from '../../src/optim/sgd.js';
import { relativeError, Rng } from '../support/numeric.js';
import { createModel } from '../../src/model/config.js';
import { VARIANTS, bpttSumGradient, perturbedModel, randomStream, sumOfEstimates } from './helpers.js';

const T = 8;

for (const { name, config } of VARIANTS) {
  test(`tbptt with k1 = k2 = sequence length equals bptt: ${name}`, () => {
    const model = perturbedModel(config, 4);
    const stream = randomStream(T, config.inputSize, config.outputSize!, 12);
    const exact = bpttSumGradient(model, stream);
    const learner = tbptt(model, { k2: T, loss: mse, optimizer: null });
    const updates = stream.inputs.map((x, t) => learner.step(x, stream.targets[t]).updated);
    assert.equal(updates.filter(Boolean).length, 0, 'optimizer: null reports no update');
    const error = relativeError(learner.gradient, exact);
    assert.ok(error <= 1e-10, `relative error ${error.toExponential(2)}`);
  });
}

test('tbptt with k1 = 1 and k2 ≥ the sequence length gives every step its exact gradient (as rtrl does)', () => {
  const { config } = VARIANTS[2]!;
  const stream = randomStream(T, config.inputSize, config.outputSize!, 13);
  const truncated = sumOfEstimates(tbptt(perturbedModel(config, 5), { k1: 1, k2: T + 3, loss: mse, optimizer: null }), stream).sum;
  const exact = sumOfEstimates(rtrl(perturbedModel(config, 5), { loss: mse, optimizer: null }), stream).sum;
  assert.ok(relativeError(truncated, exact) <= 1e-10);
});

test('tbptt with a short window is biased: it misses the dependencies longer than k2', () => {
  const { config } = VARIANTS[2]!;
  const model = perturbedModel(config, 4);
  const stream = randomStream(T, config.inputSize, config.outputSize!, 12);
  const exact = bpttSumGradient(model, stream);
  const { sum } = sumOfEstimates(tbptt(model, { k1: 1, k2: 2, loss: mse, optimizer: null }), stream);
  const error = relativeError(sum, exact);
  assert.ok(error > 1e-2, `relative error ${error.toExponential(2)} should show the truncation bias`);
});

// gru: one step's vjp at a time; the lstms: the ring is their window, ∂θ summed by its GEMMs over slots
for (const { name, config } of [VARIANTS[7]!, VARIANTS[2]!, VARIANTS[5]!]) test(`tbptt(k1 = 1, k2 = 3) after the ring wrapped equals bptt of the last loss over the last 3 steps from the stored state: ${name}`, () => {
  const model = perturbedModel(config, 6);
  const stream = randomStream(10, config.inputSize, config.outputSize!, 14);
  const learner = tbptt(model, { k1: 1, k2: 3, loss: mse, optimizer: null });
  let stateBefore = new Float64Array(0);
  stream.inputs.forEach((x, t) => {
    if (t === 7) stateBefore = Float64Array.from(learner.state);
    learner.step(x, stream.targets[t]);
  });
  const reference = bptt(model, { loss: mse, optimizer: sgd({ lr: 0 }), lossAt: 'last' });
  reference.computeGradient({
    inputs: new Float64Array(stream.inputs.slice(7).flatMap((x) => Array.from(x))),
    targets: stream.targets[9]!,
    steps: 3,
    batch: 1,
    initialStates: [stateBefore],
  });
  assert.ok(relativeError(learner.gradient, reference.gradient) <= 1e-12);
});

test('tbptt updates θ every k1 steps and rejects k1 > k2', () => {
  const { config } = VARIANTS[0]!;
  const model = perturbedModel(config, 1);
  const learner = tbptt(model, { k1: 3, k2: 5, loss: mse, optimizer: { kind: 'sgd', lr: 0.01 } });
  const stream = randomStream(9, config.inputSize, config.outputSize!, 2);
  const updated = stream.inputs.map((x, t) => learner.step(x, stream.targets[t]).updated);
  assert.deepEqual(updated, [false, false, true, false, false, true, false, false, true]);
  assert.throws(() => tbptt(model, { k1: 6, k2: 5, loss: mse, optimizer: null }), /k1 must be an integer with 1 ≤ k1 ≤ k2 = 5/);
  assert.throws(() => tbptt(model, { k2: 0, loss: mse, optimizer: null }), /k2 must be a positive integer/);
});

test('reset() applies the losses of an unfinished chunk, so chunked tbptt over an episode equals bptt of that episode', () => {
  const config = { inputSize: 2, layers: [{ cell: { kind: 'gru' as const, hiddenSize: 3 } }], outputSize: 1 };
  const rng = new Rng(4);
  const steps = 7;
  const inputs = Float64Array.from({ length: steps * 2 }, () => rng.normal());
  const targets = Float64Array.from({ length: steps }, () => rng.normal());
  // Chunks of 25 never fill within a 7-step episode: only reset() hands over the gradient.
  const learner = tbptt(createModel(config, { seed: 2 }), { k2: 25, loss: mse, optimizer: null });
  for (let t = 0; t < steps; t++) learner.step(inputs.subarray(t * 2, t * 2 + 2), targets.subarray(t, t + 1));
  assert.ok(learner.gradient.every((g) => g === 0), 'no update before the episode ends');
  learner.reset();
  const reference = bptt(createModel(config, { seed: 2 }), { loss: mse, optimizer: sgd({ lr: 0 }) });
  reference.computeGradient({ inputs, targets, steps, batch: 1 });
  // bptt averages the episode's losses; tbptt sums them.
  const summed = reference.gradient.map((g) => steps * g);
  assert.ok(relativeError(learner.gradient, summed) < 1e-12, `relative error ${relativeError(learner.gradient, summed)}`);
});
