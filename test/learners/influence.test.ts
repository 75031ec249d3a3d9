import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onlineModel } from '../../src/model/online.js';
import { influenceBalancingCell, influenceInitialState, INFLUENCE_OPTIMUM, INFLUENCE_TARGET, INFLUENCE_THETA0 } from '../../src/cells/influence.js';
import { createLearner, type LearnerConfig } from '../../src/kinds/learners.js';
import { DivergenceError } from '../../src/learners/learner.js';
import { squaredError } from '../../src/loss/loss.js';

/** Plain online SGD on influence balancing from θ0 = 0.5, s(0) = 1; returns the final θ (Infinity on divergence). */
function train(config: LearnerConfig, lr: number, steps: number, seed = 0): number {
  const model = onlineModel({ core: influenceBalancingCell() });
  model.theta[0] = INFLUENCE_THETA0;
  const learner = createLearner(config, model, { loss: squaredError, optimizer: { kind: 'sgd', lr }, seed, initialState: influenceInitialState() });
  const x = [0];
  const target = [INFLUENCE_TARGET];
  try {
    for (let t = 0; t < steps; t++) learner.step(x, target);
  } catch (error) {
    if (error instanceof DivergenceError) return Infinity;
    throw error;
  }
  return model.theta[0]!;
}

const start = Math.abs(INFLUENCE_THETA0 - INFLUENCE_OPTIMUM);

for (const k of [10, 40]) {
  test(`influence balancing: tbptt(k1 = 1, k2 = ${k}) climbs away from θ* = −1/6 (its truncated influence has the wrong sign)`, (t) => {
    const theta = train({ kind: 'tbptt', k1: 1, k2: k }, 1e-4, 5000);
    t.diagnostic(`θ after 5000 steps: ${theta}`);
    assert.ok(Math.abs(theta - INFLUENCE_OPTIMUM) > 2 * start, `θ = ${theta}`);
  });
}

for (const [k, steps] of [[41, 40_000], [60, 5000]] as const) {
  test(`influence balancing: tbptt(k1 = 1, k2 = ${k}) converges to θ* = −1/6`, (t) => {
    const theta = train({ kind: 'tbptt', k1: 1, k2: k }, 1e-4, steps);
    t.diagnostic(`θ after ${steps} steps: ${theta}`);
    assert.ok(Math.abs(theta - INFLUENCE_OPTIMUM) < 5e-3, `θ = ${theta}`);
  });
}

test('influence balancing: tbptt with k1 = k2 = 60 still diverges — the older losses of each chunk see short windows', (t) => {
  const theta = train({ kind: 'tbptt', k2: 60 }, 1e-4, 5000);
  t.diagnostic(`θ after 5000 steps: ${theta}`);
  assert.ok(Math.abs(theta - INFLUENCE_OPTIMUM) > 2 * start, `θ = ${theta}`);
});

test('influence balancing: rtrl converges to θ* = −1/6 at lr 1e-4', (t) => {
  const theta = train({ kind: 'rtrl' }, 1e-4, 5000);
  t.diagnostic(`θ after 5000 steps: ${theta}`);
  assert.ok(Math.abs(theta - INFLUENCE_OPTIMUM) < 1e-4, `θ = ${theta}`);
});

for (const kind of ['uoro', 'nbt'] as const) {
  test(`influence balancing: ${kind} converges to θ* = −1/6 at lr 1e-5 on 5 of 5 seeds`, (t) => {
    for (let seed = 0; seed < 5; seed++) {
      const theta = train({ kind }, 1e-5, 30_000, seed);
      t.diagnostic(`seed ${seed}: θ after 30,000 steps: ${theta}`);
      assert.ok(Math.abs(theta - INFLUENCE_OPTIMUM) < 1e-3, `seed ${seed}: θ = ${theta}`);
    }
  });
}
