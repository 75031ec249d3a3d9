import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import type { Model } from '../../src/model/model.js';
import { createLearner, type LearnerConfig } from '../../src/kinds/learners.js';
import { bptt } from '../../src/learners/bptt.js';
import { mse } from '../../src/loss/loss.js';
import { sgd } from '../../src/optim/sgd.js';
import { StreamSession } from '../../src/stream/session.js';
import { relativeError } from '../support/numeric.js';
import { perturbedModel, randomStream, type Stream } from '../learners/helpers.js';
import { bpttGradientOfStep } from './helpers.js';

const stacked: ModelConfig = { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3, peephole: true } }, { cell: { kind: 'gru', hiddenSize: 2 } }], outputSize: 2 };
const plainLstm: ModelConfig = { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3 } }], outputSize: 2 };

/** Every learner kind, with the model it runs on (KF-RTRL needs a plain LSTM). */
const LEARNERS: ReadonlyArray<{ name: string; config: LearnerConfig; model: ModelConfig }> = [
  { name: 'tbptt k1 = k2 = 4', config: { kind: 'tbptt', k2: 4 }, model: stacked },
  { name: 'tbptt k1 = 2, k2 = 5', config: { kind: 'tbptt', k1: 2, k2: 5 }, model: stacked },
  { name: 'rtrl', config: { kind: 'rtrl' }, model: stacked },
  { name: 'uoro', config: { kind: 'uoro' }, model: stacked },
  { name: 'nbt', config: { kind: 'nbt' }, model: stacked },
  { name: 'snap1', config: { kind: 'snap1' }, model: stacked },
  { name: 'kfrtrl', config: { kind: 'kfrtrl' }, model: plainLstm },
];

const adam = { kind: 'adam' as const, lr: 0.01 };

function twin(config: ModelConfig, seed: number): [Model, Model] {
  const a = perturbedModel(config, seed, 0.1);
  const b = createModel(config, { initialize: false });
  b.theta.set(a.theta);
  return [a, b];
}

for (const { name, config, model: modelConfig } of LEARNERS) {
  test(`${name}: with delay 0 the session's observe gives bit-identical predictions and θ to a plain learner.step loop`, () => {
    const stream = randomStream(30, 2, 2, 4);
    const [a, b] = twin(modelConfig, 3);
    const plain = createLearner(config, a, { loss: mse, optimizer: adam, seed: 9 });
    const session = new StreamSession(createLearner(config, b, { loss: mse, optimizer: adam, seed: 9 }));
    stream.inputs.forEach((x, t) => {
      const expected = Float64Array.from(plain.step(x, stream.targets[t]).prediction);
      const { prediction, learned } = session.observe(x, stream.targets[t]);
      assert.deepEqual(prediction.prediction, expected, `prediction at step ${t}`);
      assert.ok(learned !== null);
    });
    assert.deepEqual(Float64Array.from(b.theta), Float64Array.from(a.theta));
  });
}

for (const { name, config, model: modelConfig } of LEARNERS.filter((l) => l.config.kind !== 'tbptt' || l.config.k1 === undefined)) {
  if (name === 'tbptt k1 = k2 = 4') continue;
  test(`${name}: predict then learn at once (the replay path) equals learner.step bit for bit`, () => {
    const stream = randomStream(20, 2, 2, 5);
    const [a, b] = twin(modelConfig, 4);
    const plain = createLearner(config, a, { loss: mse, optimizer: adam, seed: 2 });
    const session = new StreamSession(createLearner(config, b, { loss: mse, optimizer: adam, seed: 2 }));
    stream.inputs.forEach((x, t) => {
      const expected = Float64Array.from(plain.step(x, stream.targets[t]).prediction);
      assert.deepEqual(session.predict(x).prediction, expected, `prediction at step ${t}`);
      session.learn(stream.targets[t]!);
    });
    assert.deepEqual(Float64Array.from(b.theta), Float64Array.from(a.theta));
  });
}

test('tbptt with k1 = 1: predict then learn at once equals learner.step bit for bit', () => {
  const stream = randomStream(20, 2, 2, 6);
  const [a, b] = twin(stacked, 5);
  const config: LearnerConfig = { kind: 'tbptt', k1: 1, k2: 4 };
  const plain = createLearner(config, a, { loss: mse, optimizer: adam });
  const session = new StreamSession(createLearner(config, b, { loss: mse, optimizer: adam }));
  stream.inputs.forEach((x, t) => {
    plain.step(x, stream.targets[t]);
    session.predict(x);
    session.learn(stream.targets[t]!);
  });
  assert.deepEqual(Float64Array.from(b.theta), Float64Array.from(a.theta));
});

/** Runs the stream with targets d steps late; returns each applied gradient by the step it belongs to. */
function delayedGradients(session: StreamSession, stream: Stream, d: number): Map<number, Float64Array> {
  const applied = new Map<number, Float64Array>();
  const T = stream.inputs.length;
  for (let t = 0; t < T + d; t++) {
    const late = t >= d ? stream.targets[t - d]! : null;
    if (t < T) {
      const { learned } = session.observe(stream.inputs[t]!, late);
      if (learned !== null) applied.set(learned.step, Float64Array.from(session.learner.gradient));
    } else {
      const learned = session.learn(late!);
      applied.set(learned.step, Float64Array.from(session.learner.gradient));
    }
  }
  return applied;
}

for (const d of [1, 5]) {
  test(`rtrl with targets ${d} step(s) late: each applied gradient equals bptt's gradient of that step's loss at fixed θ to 1e-9`, (t) => {
    const model = perturbedModel(stacked, 7);
    const stream = randomStream(12, 2, 2, 8);
    const session = new StreamSession(createLearner({ kind: 'rtrl' }, model, { loss: mse, optimizer: null }), { delay: d });
    const applied = delayedGradients(session, stream, d);
    assert.equal(applied.size, 12);
    let worst = 0;
    for (const [s, gradient] of applied) worst = Math.max(worst, relativeError(gradient, bpttGradientOfStep(model, stream, s)));
    t.diagnostic(`worst relative error over 12 delayed losses: ${worst.toExponential(2)}`);
    assert.ok(worst <= 1e-9, `relative error ${worst.toExponential(2)}`);
  });

  test(`tbptt (k2 = 4) with targets ${d} step(s) late: each applied gradient is bptt's gradient of that step's loss through the 4 steps that ended at it`, () => {
    const model = perturbedModel(stacked, 9);
    const stream = randomStream(10, 2, 2, 10);
    const session = new StreamSession(createLearner({ kind: 'tbptt', k2: 4 }, model, { loss: mse, optimizer: null }), { delay: d });
    const applied = delayedGradients(session, stream, d);
    const n = model.online().core.stateSize;
    for (const [s, gradient] of applied) {
      // The window starts at s − 3 from the state the model had there, held constant.
      const start = Math.max(0, s - 3);
      const prefix = createLearner({ kind: 'rtrl' }, model, { loss: mse, optimizer: null });
      for (let k = 0; k < start; k++) prefix.step(stream.inputs[k]!, null);
      const learner = bptt(model, { loss: mse, optimizer: sgd({ lr: 0 }), lossAt: 'last' });
      const window = stream.inputs.slice(start, s + 1);
      const states = splitStates(model, prefix.state, n);
      learner.computeGradient({ inputs: new Float64Array(window.flatMap((x) => Array.from(x))), targets: stream.targets[s]!, steps: window.length, batch: 1, initialStates: states });
      const error = relativeError(gradient, learner.gradient);
      assert.ok(error <= 1e-9, `step ${s}: relative error ${error.toExponential(2)}`);
    }
  });
}

/** The stacked core's state split into one state per layer (the stack's layout: layer by layer). */
function splitStates(model: Model, state: Float64Array | Float32Array, n: number): Float64Array[] {
  const sizes = model.layers.map((layer) => layer.cells[0]!.stateSize);
  assert.equal(sizes.reduce((a, b) => a + b, 0), n);
  let at = 0;
  return sizes.map((size) => Float64Array.from(state.subarray(at, (at += size))));
}

test('learn by id applies targets in any order, and an unknown id or a wrong width is a clear error that changes nothing', () => {
  const model = perturbedModel(stacked, 11);
  const session = new StreamSession(createLearner({ kind: 'uoro' }, model, { loss: mse, optimizer: adam, seed: 1 }));
  session.predict([0.1, 0.2], 'a');
  session.predict([0.3, -0.1], 'b');
  assert.throws(() => session.predict([0, 0], 'a'), /already waiting/);
  const theta = Float64Array.from(model.theta);
  assert.throws(() => session.learn([1, 2], 'zzz'), /no prediction with id "zzz"/);
  assert.throws(() => session.learn([1], 'b'), /target/);
  assert.deepEqual(Float64Array.from(model.theta), theta);
  assert.deepEqual(session.pendingIds(), ['a', 'b']);
  assert.equal(session.learn([1, 0], 'b').id, 'b');
  assert.equal(session.learn([0, 1]).id, 'a');
  assert.equal(session.waiting, 0);
});

test('a session snapshot restored into a fresh session on a copy of θ continues bit for bit, pending predictions included', () => {
  const stream = randomStream(24, 2, 2, 12);
  const [a, b] = twin(stacked, 13);
  const original = new StreamSession(createLearner({ kind: 'nbt' }, a, { loss: mse, optimizer: adam, seed: 4 }), { delay: 3 });
  const copy = new StreamSession(createLearner({ kind: 'nbt' }, b, { loss: mse, optimizer: adam, seed: 4 }), { delay: 3 });
  for (let t = 0; t < 12; t++) original.observe(stream.inputs[t]!, t >= 3 ? stream.targets[t - 3]! : null);
  b.theta.set(a.theta);
  copy.restore(original.snapshot());
  for (let t = 12; t < 24; t++) {
    const x = original.observe(stream.inputs[t]!, stream.targets[t - 3]!);
    const y = copy.observe(stream.inputs[t]!, stream.targets[t - 3]!);
    assert.deepEqual(y.prediction.prediction, x.prediction.prediction);
    assert.ok(Object.is(y.learned!.loss, x.learned!.loss));
  }
  assert.deepEqual(Float64Array.from(b.theta), Float64Array.from(a.theta));
});

test('forecast rolls a copy of the state forward without learning: the session continues as if it had not been called', () => {
  const config: ModelConfig = { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3 } }], outputSize: 2 };
  const stream = randomStream(10, 2, 2, 14);
  const [a, b] = twin(config, 15);
  const plain = new StreamSession(createLearner({ kind: 'uoro' }, a, { loss: mse, optimizer: adam, seed: 3 }));
  const session = new StreamSession(createLearner({ kind: 'uoro' }, b, { loss: mse, optimizer: adam, seed: 3 }));
  stream.inputs.forEach((x, t) => {
    plain.observe(x, stream.targets[t]);
    session.observe(x, stream.targets[t]);
    const auto = session.forecast(3);
    assert.equal(auto.length, 3);
    const given = session.forecast(2, [x, x]);
    assert.equal(given[0]!.length, 2);
  });
  assert.deepEqual(Float64Array.from(b.theta), Float64Array.from(a.theta));
  assert.deepEqual(Float64Array.from(session.learner.state), Float64Array.from(plain.learner.state));
});
