import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import { bptt, type SequenceBatch } from '../../src/learners/bptt.js';
import { crossEntropy, mse, squaredError, type Loss } from '../../src/loss/loss.js';
import { sgd } from '../../src/optim/sgd.js';
import { adam } from '../../src/optim/adam.js';
import { Rng, randomVector, relativeError } from '../support/numeric.js';

function lossAt(config: ModelConfig, theta: Float64Array, loss: Loss, batch: SequenceBatch, at: 'every' | 'last'): number {
  const model = createModel(config, { initialize: false });
  model.theta.set(theta);
  return bptt(model, { loss, optimizer: sgd({ lr: 0 }), lossAt: at }).computeGradient(batch);
}

const cases: Array<{ name: string; config: ModelConfig; loss: Loss; at: 'every' | 'last' }> = [
  { name: 'bidirectional LSTM + GRU stack with a dense head, mse at every step', config: { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3, peephole: true }, bidirectional: true }, { cell: { kind: 'gru', hiddenSize: 2 } }], outputSize: 2 }, loss: mse, at: 'every' },
  { name: 'projected LSTM with softmax cross-entropy at the last step', config: { inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 4, projSize: 2 } }], outputSize: 3 }, loss: crossEntropy, at: 'last' },
  { name: 'bidirectional GRU read backwards and summed, then a product-merged LSTM, head without bias', config: { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3 }, bidirectional: true, goBackwards: true, merge: 'sum' }, { cell: { kind: 'lstm', hiddenSize: 2 }, bidirectional: true, merge: 'mul' }], outputSize: 2, headBias: false }, loss: mse, at: 'every' },
  { name: 'linear RNN read backwards, then an averaged bidirectional RNN, last step', config: { inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 3, nonlinearity: 'linear' }, goBackwards: true }, { cell: { kind: 'rnn', hiddenSize: 2 }, bidirectional: true, merge: 'ave' }], outputSize: 2 }, loss: mse, at: 'last' },
  { name: 'RNN without a head, half squared error at every step', config: { inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 3 } }, { cell: { kind: 'gru', hiddenSize: 2, resetAfter: false } }] }, loss: squaredError, at: 'every' },
];

for (const { name, config, loss, at } of cases) {
  test(`bptt's gradient matches central differences of the sequence loss: ${name}`, () => {
    const rng = new Rng(5);
    const model = createModel(config, { seed: 9 });
    const T = 4;
    const B = 2;
    const targetSize = loss.targetSize(model.outputSize);
    const lossSteps = at === 'every' ? T : 1;
    const targets = loss === crossEntropy ? Array.from({ length: lossSteps * B }, () => rng.int(model.outputSize)) : Array.from(randomVector(lossSteps * B * targetSize, rng));
    const batch: SequenceBatch = { inputs: randomVector(T * B * config.inputSize, rng), targets, steps: T, batch: B };
    const learner = bptt(model, { loss, optimizer: sgd({ lr: 0 }), lossAt: at });
    learner.computeGradient(batch);
    const analytic = Float64Array.from(learner.gradient);
    const theta = Float64Array.from(model.theta);
    const numeric = new Float64Array(theta.length);
    const epsilon = 1e-6;
    for (let j = 0; j < theta.length; j++) {
      const plus = Float64Array.from(theta);
      plus[j] += epsilon;
      const minus = Float64Array.from(theta);
      minus[j] -= epsilon;
      numeric[j] = (lossAt(config, plus, loss, batch, at) - lossAt(config, minus, loss, batch, at)) / (2 * epsilon);
    }
    const error = relativeError(analytic, numeric);
    assert.ok(error < 1e-6, `relative error ${error.toExponential(2)}`);
  });
}

test('a mini-batch gradient is the mean of the per-sequence gradients', () => {
  const config: ModelConfig = { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3 } }], outputSize: 1 };
  const rng = new Rng(3);
  const T = 3;
  const inputs = randomVector(T * 2 * 2, rng);
  const targets = randomVector(T * 2, rng);
  const model = createModel(config, { seed: 1 });
  const learner = bptt(model, { loss: mse, optimizer: sgd({ lr: 0 }) });
  learner.computeGradient({ inputs, targets, steps: T, batch: 2 });
  const both = Float64Array.from(learner.gradient);
  const mean = new Float64Array(both.length);
  for (let b = 0; b < 2; b++) {
    const one = { inputs: new Float64Array(T * 2), targets: new Float64Array(T), steps: T, batch: 1 };
    for (let t = 0; t < T; t++) {
      one.inputs.set(inputs.subarray((t * 2 + b) * 2, (t * 2 + b) * 2 + 2), t * 2);
      one.targets[t] = targets[t * 2 + b]!;
    }
    learner.computeGradient(one);
    for (let j = 0; j < mean.length; j++) mean[j] += learner.gradient[j]! / 2;
  }
  assert.ok(relativeError(both, mean) < 1e-12);
});

test('bptt training lowers the loss of a task that needs memory well below the memoryless level', () => {
  const model = createModel({ inputSize: 1, layers: [{ cell: { kind: 'gru', hiddenSize: 8 } }], outputSize: 1 }, { seed: 1 });
  const learner = bptt(model, { loss: mse, optimizer: adam(model.paramSize, model.dtype, { lr: 0.02 }), clip: 1 });
  const rng = new Rng(2);
  const T = 10;
  const B = 8;
  let last = Infinity;
  for (let i = 0; i < 150; i++) {
    const inputs = Float64Array.from({ length: T * B }, () => rng.uniformIn(-1, 1));
    const targets = new Float64Array(T * B);
    for (let t = 2; t < T; t++) for (let b = 0; b < B; b++) targets[t * B + b] = inputs[(t - 2) * B + b]!;
    last = learner.trainBatch({ inputs, targets, steps: T, batch: B });
  }
  // Predicting 0 gives (8/10)·(1/3) ≈ 0.27.
  assert.ok(last < 0.05, `loss after training ${last}`);
});

test('NaN or Inf in inputs or targets, and a wrong target length, are rejected by name', () => {
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 2 } }], outputSize: 1 });
  const learner = bptt(model, { loss: mse, optimizer: sgd({ lr: 0.1 }) });
  const good = { inputs: new Float64Array(6), targets: new Float64Array(3), steps: 3, batch: 1 };
  assert.throws(() => learner.trainBatch({ ...good, inputs: Float64Array.of(0, 0, NaN, 0, 0, 0) }), /inputs contain NaN or Inf \(first at index 2\)/);
  assert.throws(() => learner.trainBatch({ ...good, targets: Float64Array.of(0, Infinity, 0) }), /targets contain NaN or Inf \(first at index 1\)/);
  assert.throws(() => learner.trainBatch({ ...good, targets: new Float64Array(2) }), /targets must be \(3 × batch 1 × 1\) = 3 numbers/);
  assert.throws(() => learner.trainBatch({ ...good, inputs: new Float64Array(5) }), /inputs must be \(steps 3 × batch 1 × inputSize 2\) = 6 numbers, got 5/);
});
