import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nbt } from '../../src/learners/nbt.js';
import { onlineModel } from '../../src/model/online.js';
import { influenceBalancingCell, influenceVector, INFLUENCE_TARGET } from '../../src/cells/influence.js';
import type { Cell } from '../../src/cells/cell.js';
import { squaredError } from '../../src/loss/loss.js';
import { Rng } from '../../src/tensor/rng.js';
import { TINY_FAMILIES, statsOnRnn } from './helpers.js';
import { checkUnbiased } from './unbiased.js';

for (const family of TINY_FAMILIES) {
  test(`nbt is unbiased: the mean of N estimates approaches rtrl's gradient like 1/√N (${family.name})`, (t) => {
    t.diagnostic(checkUnbiased({ kind: 'nbt' }, family));
  });
}

test('nbt is unbiased on a 2-layer stack, whose term norms are layer-local proxies', () => {
  checkUnbiased({ kind: 'nbt' }, { name: 'stack', config: { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 2 } }, { cell: { kind: 'rnn', hiddenSize: 2 } }], outputSize: 2 } });
});

test("nbt's single-estimate relative variance is lower than uoro's on a 16-unit tanh rnn", (t) => {
  const [ofNbt, ofUoro] = statsOnRnn(16, [[{ kind: 'nbt' }, 3000], [{ kind: 'uoro' }, 3000]]);
  t.diagnostic(`relative variance: nbt ${ofNbt.relativeVariance.toFixed(1)}, uoro ${ofUoro.relativeVariance.toFixed(1)}`);
  assert.ok(ofNbt.relativeVariance < ofUoro.relativeVariance, `nbt ${ofNbt.relativeVariance.toFixed(1)} vs uoro ${ofUoro.relativeVariance.toFixed(1)}`);
});

test('nbt draws one sign per influence term and one for the propagated term, with ε as in uoro, checked by hand on a linear cell', () => {
  const epsilon = 0.5;
  const seed = 4;
  const learner = nbt(onlineModel({ core: influenceBalancingCell() }), { loss: squaredError, optimizer: null, epsilon, seed });
  learner.model.theta[0] = 0.2;
  const c = Array.from(influenceVector());
  const n = c.length;
  const rng = new Rng(seed);
  const signs = new Float64Array(2); // [ε_1 (the one term v = c, u = e_θ), ε_0 (propagated)]
  let sTilde = new Array<number>(n).fill(0);
  let thetaTilde = 0;
  const s = new Array<number>(n).fill(0);
  const applyA = (v: number[]) => v.map((vi, i) => 0.5 * vi + 0.5 * (v[i + 1] ?? 0));
  const norm = (v: number[]) => Math.sqrt(v.reduce((a, b) => a + b * b, 0));
  for (let t = 0; t < 5; t++) {
    learner.step([0], [INFLUENCE_TARGET]);
    s.splice(0, n, ...applyA(s).map((v, i) => v + 0.2 * c[i]!));
    const jsTilde = applyA(sTilde);
    rng.fillSigns(signs);
    const rho0 = Math.sqrt(Math.abs(thetaTilde) / (norm(jsTilde) + epsilon)) + epsilon;
    const rho1 = Math.sqrt(1 / (norm(c) + epsilon)) + epsilon;
    sTilde = jsTilde.map((v, i) => signs[1]! * rho0 * v + signs[0]! * rho1 * c[i]!);
    thetaTilde = (signs[1]! * thetaTilde) / rho0 + signs[0]! / rho1;
    const expected = (s[0]! - INFLUENCE_TARGET) * sTilde[0]! * thetaTilde;
    assert.ok(Math.abs(learner.gradient[0]! - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `step ${t}: ${learner.gradient[0]} vs ${expected}`);
  }
});

test('nbt refuses a core without a structured influence and says why', () => {
  const base = influenceBalancingCell();
  const opaque: Cell = {
    ...base,
    inventory: () => base.inventory(),
    initParams: (theta, rng) => base.initParams(theta, rng),
    createStep: (batch) => {
      const step = base.createStep(batch);
      return { batch: step.batch, forward: step.forward.bind(step), vjp: step.vjp.bind(step), jvp: step.jvp.bind(step) };
    },
  };
  assert.throws(() => nbt(onlineModel({ core: opaque }), { loss: squaredError, optimizer: null }), /does not expose its immediate influence.*uoro/s);
});
