import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uoro, UORO_EPSILON } from '../../src/learners/uoro.js';
import { onlineModel } from '../../src/model/online.js';
import { createModel } from '../../src/model/config.js';
import { influenceBalancingCell, influenceVector, INFLUENCE_TARGET } from '../../src/cells/influence.js';
import { mse, squaredError } from '../../src/loss/loss.js';
import { Rng } from '../../src/tensor/rng.js';
import { TINY_FAMILIES, randomStream, statsOnRnn } from './helpers.js';
import { checkUnbiased } from './unbiased.js';

for (const family of TINY_FAMILIES) {
  test(`uoro is unbiased: the mean of N estimates approaches rtrl's gradient like 1/√N (${family.name})`, (t) => {
    t.diagnostic(checkUnbiased({ kind: 'uoro' }, family));
  });
}

test("the ρ0, ρ1 scalings lower uoro's variance several-fold on a 16-unit tanh rnn", (t) => {
  const [scaled, unscaled] = statsOnRnn(16, [[{ kind: 'uoro' }, 2000], [{ kind: 'uoro', rescale: false }, 2000]]);
  t.diagnostic(`relative variance: ${scaled.relativeVariance.toFixed(1)} with ρ, ${unscaled.relativeVariance.toFixed(1)} without`);
  assert.ok(unscaled.relativeVariance > 2 * scaled.relativeVariance, `variance ${scaled.relativeVariance.toFixed(1)} with ρ, ${unscaled.relativeVariance.toFixed(1)} without`);
});

test('uoro puts ε inside the denominators of ρ0 and ρ1 and adds it to each (Algorithm 1), checked by hand on a linear cell', () => {
  // s' = A·s + θ·c, so J s̃ = A s̃ and νᵀ∂F/∂θ = ⟨ν, c⟩; the output is s₁ with ½(s₁ − 1)².
  const epsilon = 0.5; // large, so any other placement would show
  const seed = 3;
  const learner = uoro(onlineModel({ core: influenceBalancingCell() }), { loss: squaredError, optimizer: null, epsilon, seed });
  learner.model.theta[0] = 0.2;
  const c = Array.from(influenceVector());
  const n = c.length;
  const rng = new Rng(seed);
  const nu = new Float64Array(n);
  let sTilde = new Array<number>(n).fill(0);
  let thetaTilde = 0;
  const s = new Array<number>(n).fill(0);
  const applyA = (v: number[]) => v.map((vi, i) => 0.5 * vi + 0.5 * (v[i + 1] ?? 0));
  const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((a, b) => a + b * b, 0));
  for (let t = 0; t < 5; t++) {
    learner.step([0], [INFLUENCE_TARGET]);
    const next = applyA(s).map((v, i) => v + 0.2 * c[i]!);
    s.splice(0, n, ...next);
    const jsTilde = applyA(sTilde);
    rng.fillSigns(nu);
    const deltaTheta = c.reduce((a, ci, i) => a + ci * nu[i]!, 0);
    const rho0 = Math.sqrt(Math.abs(thetaTilde) / (norm(jsTilde) + epsilon)) + epsilon;
    const rho1 = Math.sqrt(Math.abs(deltaTheta) / (norm(nu) + epsilon)) + epsilon;
    sTilde = jsTilde.map((v, i) => rho0 * v + rho1 * nu[i]!);
    thetaTilde = thetaTilde / rho0 + deltaTheta / rho1;
    const expected = (s[0]! - INFLUENCE_TARGET) * sTilde[0]! * thetaTilde; // eq. (6) with s̃_{t+1}, θ̃_{t+1}
    assert.ok(Math.abs(learner.gradient[0]! - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `step ${t}: ${learner.gradient[0]} vs ${expected}`);
  }
  assert.equal(UORO_EPSILON, 1e-7);
});

test("uoro's estimate at step t is (∂ℓ_t/∂s_{t+1}·s̃_{t+1})·θ̃_{t+1}: the loss reads the state after the update", () => {
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 3 } }] }, { seed: 2 }).online();
  const learner = uoro(model, { loss: mse, optimizer: null, seed: 1 });
  const stream = randomStream(4, 2, 3, 9);
  stream.inputs.forEach((x, t) => {
    const { prediction, loss } = learner.step(x, stream.targets[t]);
    const h = Array.from(learner.state); // s_{t+1}: the head-less model predicts h itself
    assert.deepEqual(Array.from(prediction), h);
    const y = stream.targets[t]!;
    assert.ok(Math.abs(loss - h.reduce((a, hi, i) => a + (hi - y[i]!) ** 2, 0) / 3) < 1e-15);
    const snapshot = learner.snapshot();
    const { sTilde, thetaTilde } = snapshot.tensors;
    const sigma = snapshot.values['thetaTildeScale']!; // θ̃ = σ·T, T the stored body
    const signal = h.reduce((a, hi, i) => a + ((2 * (hi - y[i]!)) / 3) * sTilde![i]!, 0);
    Array.from(thetaTilde!).forEach((v, i) => assert.ok(Math.abs(learner.gradient[i]! - signal * sigma * v) <= 1e-14));
  });
});

for (const [name, layers] of [
  ['lstm with peepholes and projection', [{ cell: { kind: 'lstm' as const, hiddenSize: 6, peephole: true, projSize: 3 } }]],
  ['gru reset before', [{ cell: { kind: 'gru' as const, hiddenSize: 5, resetAfter: false } }]],
  ['rnn under gru (a stack)', [{ cell: { kind: 'rnn' as const, hiddenSize: 4 } }, { cell: { kind: 'gru' as const, hiddenSize: 3 } }]],
] as const) {
  test(`uoro forming δθ term by term (projectState) gives the black-box vjp path's estimates and training run within rounding (${name})`, () => {
    const run = (deltaTheta: 'vjp' | 'terms') => {
      const model = createModel({ inputSize: 2, layers: [...layers], outputSize: 2 }, { seed: 5 }).online();
      const learner = uoro(model, { loss: mse, optimizer: { kind: 'sgd', lr: 0.05 }, seed: 9, deltaTheta });
      assert.equal(learner.estimator.termwise, deltaTheta === 'terms');
      const stream = randomStream(60, 2, 2, 11);
      const gradients: number[][] = [];
      stream.inputs.forEach((x, t) => {
        learner.step(x, t % 7 === 3 ? null : stream.targets[t]); // some steps without a target
        gradients.push(Array.from(learner.gradient));
      });
      return { gradients, theta: Array.from(model.theta) };
    };
    const black = run('vjp');
    const terms = run('terms');
    let worst = 0;
    black.gradients.forEach((g, t) => g.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - terms.gradients[t]![i]!) / (1e-3 + Math.abs(v))))));
    assert.ok(worst < 1e-9, `largest relative difference of the estimates ${worst.toExponential(2)}`);
    black.theta.forEach((v, i) => assert.ok(Math.abs(v - terms.theta[i]!) <= 1e-10 * Math.max(1, Math.abs(v))));
  });
}

test("uoro's termwise δθ is chosen automatically when the cell offers projectState, and refused with a clear error when asked for without it", () => {
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3 } }] }, { seed: 1 }).online();
  assert.equal(uoro(model, { loss: mse, optimizer: null }).estimator.termwise, true);
  const custom = onlineModel({ core: influenceBalancingCell() }); // a user's cell: influence without projectState
  assert.equal(uoro(custom, { loss: squaredError, optimizer: null }).estimator.termwise, false);
  assert.throws(() => uoro(custom, { loss: squaredError, optimizer: null, deltaTheta: 'terms' }), /deltaTheta 'terms' needs a cell whose steps offer influence.projectState/);
  assert.throws(() => uoro(model, { loss: mse, optimizer: null, deltaTheta: 'fast' as 'terms' }), /deltaTheta must be 'auto', 'vjp' or 'terms'/);
});

test('a float32 uoro keeps θ̃ = σ·T finite over thousands of steps in which σ drifts steadily (bench: H = 128, SGD 1e-3, random data)', () => {
  const model = createModel({ inputSize: 8, layers: [{ cell: { kind: 'lstm', hiddenSize: 32 } }], outputSize: 8, dtype: 'float32' }, { seed: 1 }).online();
  const learner = uoro(model, { loss: mse, optimizer: { kind: 'sgd', lr: 1e-3 }, seed: 1 });
  const stream = randomStream(3000, 8, 8, 3);
  stream.inputs.forEach((x, t) => learner.step(x, stream.targets[t]));
  const sigma = learner.snapshot().values['thetaTildeScale']!;
  assert.ok(Math.abs(sigma) >= 2 ** -20 && Math.abs(sigma) <= 2 ** 20, `σ = ${sigma}`);
  assert.ok(Array.from(learner.gradient).every(Number.isFinite));
});
