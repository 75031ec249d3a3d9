import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../../src/model/config.js';
import { createLearner } from '../../src/kinds/learners.js';
import { mse } from '../../src/loss/loss.js';
import { reactToDrift } from '../../src/stream/drift.js';
import { switchingTask } from '../../src/stream/switching.js';
import { addTask } from '../../src/tasks/add.js';
import { Rng } from '../../src/tensor/rng.js';
import { randomStream } from '../learners/helpers.js';

test('reset-estimator zeroes the estimator but keeps the recurrent state and θ; reset-optimizer zeroes the moments and the update count', () => {
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3 } }], outputSize: 2 }, { seed: 1 });
  const learner = createLearner({ kind: 'uoro' }, model, { loss: mse, optimizer: { kind: 'adam', lr: 0.01 }, seed: 2 });
  const stream = randomStream(10, 2, 2, 3);
  stream.inputs.forEach((x, t) => learner.step(x, stream.targets[t]));
  const before = learner.snapshot();
  const theta = Float64Array.from(model.theta);
  reactToDrift(learner, 'reset-estimator');
  const after = learner.snapshot();
  assert.deepEqual(after.tensors.state, before.tensors.state);
  assert.ok(Object.entries(after.tensors).filter(([name]) => name !== 'state').every(([, t]) => t.every((v) => v === 0)));
  assert.deepEqual(after.optimizer, before.optimizer);
  reactToDrift(learner, 'reset-optimizer');
  const reset = learner.snapshot().optimizer!;
  assert.equal(reset.t, 0);
  assert.ok(Object.values(reset.buffers).every((b) => b.every((v) => v === 0)));
  assert.deepEqual(Float64Array.from(model.theta), theta);
});

test('a switching task draws from its first task until the switch and from the next after it, and its snapshot continues bit for bit', () => {
  const task = switchingTask([addTask({ t1: 5, t2: 9 }), addTask({ t1: 9, t2: 5 })], [50]);
  const a = task.stream(new Rng(4));
  const phaseA = addTask({ t1: 5, t2: 9 }).stream(new Rng(4).split());
  for (let t = 0; t < 50; t++) assert.deepEqual(Array.from(a.next().input), Array.from(phaseA.next().input), `step ${t}`);
  for (let t = 0; t < 10; t++) a.next();
  const b = task.stream(new Rng(99));
  b.restore(a.snapshot());
  for (let t = 0; t < 20; t++) {
    const x = a.next();
    const y = b.next();
    assert.deepEqual([Array.from(y.input), Array.from(y.target!)], [Array.from(x.input), Array.from(x.target!)]);
  }
  assert.throws(() => switchingTask([addTask()], []), /k ≥ 2 tasks/);
});
