import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sgd } from '../../src/optim/sgd.js';
import { momentum } from '../../src/optim/momentum.js';
import { adam } from '../../src/optim/adam.js';
import { clipGradNorm } from '../../src/optim/clip.js';
import { scheduledRate } from '../../src/optim/schedule.js';

test('sgd moves θ by −η·g', () => {
  const theta = Float64Array.of(1, 2);
  sgd({ lr: 0.5 }).step(theta, Float64Array.of(2, -4));
  assert.deepEqual(theta, Float64Array.of(0, 4));
});

test('momentum follows v ← μv + g, θ ← θ − ηv over two steps', () => {
  const theta = Float64Array.of(0);
  const opt = momentum(1, 'float64', { lr: 0.1, momentum: 0.5 });
  opt.step(theta, Float64Array.of(1));
  opt.step(theta, Float64Array.of(1));
  assert.ok(Math.abs(theta[0]! - -(0.1 * 1 + 0.1 * 1.5)) < 1e-15);
});

test("adam's first step moves every coordinate by about η whatever the gradient's scale", () => {
  const theta = Float64Array.of(0, 0);
  adam(2, 'float64', { lr: 0.01 }).step(theta, Float64Array.of(1e-3, -50));
  assert.ok(Math.abs(theta[0]! + 0.01) < 1e-7 && Math.abs(theta[1]! - 0.01) < 1e-7);
});

test('adam matches a hand computation of two steps with bias correction', () => {
  const theta = Float64Array.of(1);
  const opt = adam(1, 'float64', { lr: 0.1, beta1: 0.9, beta2: 0.99, epsilon: 1e-8 });
  const g = [0.5, -0.25];
  let m = 0;
  let v = 0;
  let expected = 1;
  for (let t = 1; t <= 2; t++) {
    opt.step(theta, Float64Array.of(g[t - 1]!));
    m = 0.9 * m + 0.1 * g[t - 1]!;
    v = 0.99 * v + 0.01 * g[t - 1]! ** 2;
    expected -= (0.1 * (m / (1 - 0.9 ** t))) / (Math.sqrt(v / (1 - 0.99 ** t)) + 1e-8);
  }
  assert.ok(Math.abs(theta[0]! - expected) < 1e-15);
});

test('optimizer state restored into a fresh optimizer continues bit for bit', () => {
  const grads = [Float64Array.of(0.3, -1), Float64Array.of(2, 0.1), Float64Array.of(-0.5, 0.5)];
  const a = adam(2, 'float64', { lr: 0.01 });
  const thetaA = Float64Array.of(1, 1);
  a.step(thetaA, grads[0]!);
  const b = adam(2, 'float64', { lr: 0.01 });
  const saved = a.getState();
  b.setState({ ...saved, buffers: Object.fromEntries(Object.entries(saved.buffers).map(([k, v]) => [k, Float64Array.from(v)])) });
  const thetaB = Float64Array.from(thetaA);
  for (const g of grads.slice(1)) {
    a.step(thetaA, g);
    b.step(thetaB, g);
  }
  assert.deepEqual(thetaB, thetaA);
});

test('gradient-norm clipping rescales only gradients longer than the bound and reports the norm', () => {
  const long = Float64Array.of(3, 4);
  assert.equal(clipGradNorm(long, 1), 5);
  assert.ok(Math.abs(Math.hypot(...long) - 1) < 1e-15);
  const short = Float64Array.of(0.3, 0.4);
  clipGradNorm(short, 1);
  assert.deepEqual(short, Float64Array.of(0.3, 0.4));
});

test("the inverse-square-root schedule is the UORO paper's η/(1 + 0.03·√t)", () => {
  assert.equal(scheduledRate(1e-3, { kind: 'inverseSqrt', decay: 0.03 }, 0), 1e-3);
  assert.ok(Math.abs(scheduledRate(1e-3, { kind: 'inverseSqrt', decay: 0.03 }, 10000) - 1e-3 / 4) < 1e-18);
});

test('invalid optimizer settings are rejected by name', () => {
  assert.throws(() => sgd({ lr: -1 }), /sgd: lr must be a finite number ≥ 0/);
  assert.throws(() => adam(1, 'float64', { lr: 0.1, beta1: 1 }), /beta1 must be in \[0, 1\)/);
  assert.throws(() => momentum(1, 'float64', { lr: 0.1, momentum: 1.5 }), /momentum must be in \[0, 1\)/);
  assert.throws(() => sgd({ lr: 0.1, schedule: { kind: 'cosine' } as never }), /unknown schedule kind 'cosine'/);
});

test("every optimizer's rate is the schedule's η(t) times its learning-rate scale, and scale 1 gives θ bit for bit as before", () => {
  const schedule = { kind: 'inverseSqrt', decay: 0.5 } as const;
  const make = [() => sgd({ lr: 0.1, schedule }), () => momentum(2, 'float64', { lr: 0.1, schedule }), () => adam(2, 'float64', { lr: 0.1, schedule })];
  const grads = [Float64Array.of(0.3, -1), Float64Array.of(2, 0.1), Float64Array.of(-0.5, 0.5)];
  for (const create of make) {
    const plain = create();
    const scaled = create();
    const thetaPlain = Float64Array.of(1, 1);
    const thetaScaled = Float64Array.of(1, 1);
    assert.equal(scaled.learningRateScale, 1);
    grads.forEach((g, t) => {
      // Step 1 runs at 4× the rate, the others at the plain rate again.
      scaled.setLearningRateScale(t === 1 ? 4 : 1);
      assert.equal(scaled.currentRate(), (t === 1 ? 4 : 1) * scheduledRate(0.1, schedule, t), `${plain.kind} step ${t}`);
      const before = Float64Array.from(thetaScaled);
      plain.step(thetaPlain, g);
      scaled.step(thetaScaled, g);
      if (t === 0) assert.deepEqual(thetaScaled, thetaPlain, plain.kind);
      if (t === 1 && plain.kind === 'sgd') assert.ok(Math.abs(thetaScaled[0]! - (before[0]! - 4 * scheduledRate(0.1, schedule, 1) * g[0]!)) < 1e-15);
    });
    assert.notDeepEqual(thetaScaled, thetaPlain, plain.kind);
    assert.throws(() => scaled.setLearningRateScale(0), /learning-rate scale must be a finite number > 0, got 0/);
    assert.throws(() => scaled.setLearningRateScale(Number.NaN), /learning-rate scale/);
  }
});
