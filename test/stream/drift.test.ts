import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../../src/model/config.js';
import { createLearner } from '../../src/kinds/learners.js';
import { mse } from '../../src/loss/loss.js';
import { DriftResponse, driftPolicyText, parseDriftPolicy, reactToDrift } from '../../src/stream/drift.js';
import { parseDetector } from '../../src/stream/detectors.js';
import { prequential } from '../../src/stream/prequential.js';
import { StreamSession } from '../../src/stream/session.js';
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

test('boost runs exactly the N steps after a detection at factor × the rate, then the rate again; the same seed gives the same θ', () => {
  const lr = 0.01;
  const detectAt = 10;
  const policy = parseDriftPolicy('boost:factor=5:steps=7');
  const run = () => {
    const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 3 } }], outputSize: 2 }, { seed: 1 });
    const learner = createLearner({ kind: 'uoro' }, model, { loss: mse, optimizer: { kind: 'sgd', lr }, seed: 2 });
    const stream = randomStream(30, 2, 2, 3);
    let seen = 0;
    const detector = { kind: 'at', update: () => seen++ === detectAt, reset: () => undefined };
    const rates: number[] = [];
    let previous = Float64Array.from(model.theta);
    const result = prequential({
      session: new StreamSession(learner),
      next: () => ({ input: stream.inputs[seen]!, target: stream.targets[seen]! }),
      steps: 30,
      metrics: [],
      detector,
      policy,
      onStep() {
        // SGD: θ_t − θ_{t−1} = −η_t·g_t, so the rate this step used is −⟨Δθ, g⟩/‖g‖².
        const g = learner.gradient;
        let dot = 0;
        let norm = 0;
        for (let i = 0; i < g.length; i++) {
          dot += (model.theta[i]! - previous[i]!) * g[i]!;
          norm += g[i]! * g[i]!;
        }
        rates.push(-dot / norm);
        previous = Float64Array.from(model.theta);
      },
    });
    return { rates, theta: Float64Array.from(model.theta), detections: result.detections, scale: learner.optimizer!.learningRateScale };
  };
  const a = run();
  assert.deepEqual(a.detections, [detectAt]);
  a.rates.forEach((rate, t) => {
    const boosted = t > detectAt && t <= detectAt + 7;
    assert.ok(Math.abs(rate - (boosted ? 5 : 1) * lr) < 1e-12 * lr, `step ${t}: rate ${rate}, expected ${boosted ? 5 * lr : lr}`);
  });
  assert.equal(a.scale, 1);
  const b = run();
  assert.deepEqual(b.theta, a.theta);
});

test('drift policies are read from their text and bad ones are refused in one line naming the problem', () => {
  assert.deepEqual(parseDriftPolicy('boost:steps=100:factor=2.5'), { kind: 'boost', factor: 2.5, steps: 100 });
  assert.equal(driftPolicyText(parseDriftPolicy('boost:factor=2:steps=10')), 'boost:factor=2:steps=10');
  assert.equal(parseDriftPolicy('reset-both'), 'reset-both');
  assert.throws(() => parseDriftPolicy('boost:factor=2'), /steps must be a positive integer/);
  assert.throws(() => parseDriftPolicy('boost:factor=0:steps=3'), /factor must be a number > 0/);
  assert.throws(() => parseDriftPolicy('boost:rate=2:steps=3'), /unknown part 'rate'/);
  assert.throws(() => parseDriftPolicy('restart'), /unknown drift policy 'restart' \(allowed: none, reset-estimator/);
  assert.deepEqual(parseDetector('page-hinkley:delta=0.05:threshold=100'), { kind: 'page-hinkley', delta: 0.05, threshold: 100 });
  assert.throws(() => parseDetector('adwin:delta=2'), /delta must be in \(0, 1\)/);
  assert.throws(() => parseDetector('cusum'), /unknown drift detector 'cusum'/);
});

test('boost refuses a learner that holds θ fixed', () => {
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 3 } }], outputSize: 2 }, { seed: 1 });
  const learner = createLearner({ kind: 'rtrl' }, model, { loss: mse, optimizer: null });
  assert.throws(() => new DriftResponse(learner, { kind: 'boost', factor: 2, steps: 3 }), /holds θ fixed/);
});
