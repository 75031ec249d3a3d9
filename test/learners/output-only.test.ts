import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../../src/model/config.js';
import { outputOnly } from '../../src/learners/output-only.js';
import { rtrl } from '../../src/learners/rtrl.js';
import { squaredError } from '../../src/loss/loss.js';
import { perturbedModel, randomStream } from './helpers.js';

const config = { inputSize: 2, layers: [{ cell: { kind: 'gru' as const, hiddenSize: 3 } }], outputSize: 2 };

test('output-only’s gradient is the exact head gradient (RTRL’s head part) with zero on the core', () => {
  const model = perturbedModel(config, 2, 0.2);
  const stream = randomStream(6, 2, 2, 3);
  const baseline = outputOnly(model, { loss: squaredError, optimizer: null });
  const exact = rtrl(model, { loss: squaredError, optimizer: null });
  const online = model.online();
  stream.inputs.forEach((x, t) => {
    baseline.step(x, stream.targets[t]!);
    exact.step(x, stream.targets[t]!);
    assert.deepEqual(Array.from(online.headSlice(baseline.gradient)!), Array.from(online.headSlice(exact.gradient)!));
    assert.ok(online.coreSlice(baseline.gradient).every((g) => g === 0));
  });
});

test('trained with output-only, the core keeps its initial θ and the head moves', () => {
  const model = perturbedModel(config, 4, 0.2);
  const before = model.theta.slice();
  const learner = outputOnly(model, { loss: squaredError, optimizer: { kind: 'sgd', lr: 0.1 } });
  const stream = randomStream(20, 2, 2, 5);
  stream.inputs.forEach((x, t) => learner.step(x, stream.targets[t]!));
  const online = model.online();
  assert.deepEqual(Array.from(online.coreSlice(model.theta)), Array.from(online.coreSlice(before)));
  assert.notDeepEqual(Array.from(online.headSlice(model.theta)!), Array.from(online.headSlice(before)!));
});

test('output-only refuses a model without a dense head: it would have nothing to train', () => {
  const headless = createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 2 } }] });
  assert.throws(() => outputOnly(headless, { loss: squaredError, optimizer: null }), /output-only: the model has no dense head/);
});
