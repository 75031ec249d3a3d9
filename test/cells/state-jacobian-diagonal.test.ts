/**
 * The contract's cheap extras, checked on every built-in cell and a stack: stateJacobianDiagonal
 * against the full Jacobian (n jvps) and central differences; the named entry points against
 * the general vjp/jvp they stand for, bit for bit; paramNorms against norms' ‖u_k‖.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cell } from '../../src/cells/cell.js';
import { withNamedDerivatives } from '../../src/cells/derivatives.js';
import { rnn } from '../../src/cells/rnn.js';
import { lstm } from '../../src/cells/lstm.js';
import { gru } from '../../src/cells/gru.js';
import { stack } from '../../src/model/stack.js';
import { influenceBalancingCell } from '../../src/cells/influence.js';
import { leaky } from '../../src/cells/leaky.js';
import { elstm } from '../../src/cells/elstm.js';
import { lru } from '../../src/cells/lru.js';
import { evaluate, randomPoint } from '../support/cell-harness.js';
import { Rng, addScaled, maxAbsDiff, randomVector, unitVector } from '../support/numeric.js';

const CELLS: ReadonlyArray<{ name: string; make: () => Cell }> = [
  { name: 'rnn tanh', make: () => rnn({ inputSize: 3, hiddenSize: 5 }) },
  { name: 'rnn relu without bias', make: () => rnn({ inputSize: 3, hiddenSize: 5, nonlinearity: 'relu', bias: false }) },
  { name: 'lstm', make: () => lstm({ inputSize: 3, hiddenSize: 4 }) },
  { name: 'lstm peephole', make: () => lstm({ inputSize: 3, hiddenSize: 4, peephole: true }) },
  { name: 'lstm projection', make: () => lstm({ inputSize: 3, hiddenSize: 4, projSize: 2 }) },
  { name: 'lstm peephole+projection, hardSigmoid', make: () => lstm({ inputSize: 3, hiddenSize: 4, projSize: 3, peephole: true, gateActivation: 'hardSigmoid' }) },
  { name: 'gru reset-after', make: () => gru({ inputSize: 3, hiddenSize: 4, resetAfter: true }) },
  { name: 'gru reset-before', make: () => gru({ inputSize: 3, hiddenSize: 4, resetAfter: false }) },
  { name: 'gru reset-before without bias', make: () => gru({ inputSize: 3, hiddenSize: 4, resetAfter: false, bias: false }) },
  { name: 'influence balancing', make: () => influenceBalancingCell() },
  { name: 'leaky rnn, α = 0.5', make: () => leaky(rnn({ inputSize: 3, hiddenSize: 5 }), 0.5) },
  { name: 'elstm', make: () => elstm({ inputSize: 3, hiddenSize: 4 }) },
  { name: 'lru', make: () => lru({ inputSize: 3, hiddenSize: 3 }) },
  { name: 'stack (lstm peephole, gru reset-before)', make: () => stack([lstm({ inputSize: 3, hiddenSize: 3, peephole: true }), gru({ inputSize: 3, hiddenSize: 2, resetAfter: false })]) },
];

for (const { name, make } of CELLS) {
  for (const batch of [1, 2]) {
    test(`${name} (batch ${batch}): stateJacobianDiagonal equals the diagonal of the full state Jacobian and of central differences`, () => {
      const cell = make();
      const p = randomPoint(cell, batch, new Rng(batch * 31 + name.length));
      const n = cell.stateSize;
      const step = cell.createStep(batch);
      step.forward(new Float64Array(batch * n), p.x, p.s, p.theta);
      assert.ok(step.stateJacobianDiagonal !== undefined, 'every built-in cell offers it');
      const diagonal = new Float64Array(batch * n);
      step.stateJacobianDiagonal!(diagonal, p.theta);
      const viaJvp = new Float64Array(batch * n);
      const viaDifference = new Float64Array(batch * n);
      const column = new Float64Array(batch * n);
      const epsilon = 1e-6;
      for (let i = 0; i < n; i++) {
        // One tangent per state entry i, set in every batch row (rows do not mix).
        const sDot = new Float64Array(batch * n);
        for (let b = 0; b < batch; b++) sDot[b * n + i] = 1;
        step.jvp(column, null, sDot, null, p.theta);
        const plus = evaluate(cell, p.theta, p.x, addScaled(p.s, sDot, epsilon), batch);
        const minus = evaluate(cell, p.theta, p.x, addScaled(p.s, sDot, -epsilon), batch);
        for (let b = 0; b < batch; b++) {
          viaJvp[b * n + i] = column[b * n + i]!;
          viaDifference[b * n + i] = (plus[b * n + i]! - minus[b * n + i]!) / (2 * epsilon);
        }
      }
      assert.ok(maxAbsDiff(diagonal, viaJvp) <= 1e-12, `against the jvp columns: ${maxAbsDiff(diagonal, viaJvp)}`);
      assert.ok(maxAbsDiff(diagonal, viaDifference) <= 1e-7, `against central differences: ${maxAbsDiff(diagonal, viaDifference)}`);
    });
  }

  test(`${name}: the named entry points give bit for bit what the general vjp and jvp give`, () => {
    const cell = make();
    const rng = new Rng(7);
    const p = randomPoint(cell, 2, rng);
    const step = withNamedDerivatives(cell.createStep(2));
    step.forward(new Float64Array(p.s.length), p.x, p.s, p.theta);
    const u = randomVector(p.s.length, rng);
    const sDot = randomVector(p.s.length, rng);
    const xDot = randomVector(p.x.length, rng);
    const { s, x, theta } = p;
    const out = () => [new Float64Array(s.length), new Float64Array(theta.length), new Float64Array(x.length)] as const;
    // Each named call against the general call it stands for: [name, general, named], writing into fresh (dS, dθ, dX).
    const pairs: ReadonlyArray<[string, (o: ReturnType<typeof out>) => void, (o: ReturnType<typeof out>) => void]> = [
      ['stateVjp', ([dS]) => step.vjp(null, dS, null, u, theta), ([dS]) => step.stateVjp(dS, u, theta)],
      ['paramVjp', ([, dT]) => step.vjp(null, null, dT, u, theta), ([, dT]) => step.paramVjp(dT, u, theta)],
      ['stateParamVjp', ([dS, dT]) => step.vjp(null, dS, dT, u, theta), ([dS, dT]) => step.stateParamVjp(dS, dT, u, theta)],
      ['inputVjp', ([, , dX]) => step.vjp(dX, null, null, u, theta), ([, , dX]) => step.inputVjp(dX, u, theta)],
      ['stateJvp', ([j]) => step.jvp(j, null, sDot, null, theta), ([j]) => step.stateJvp(j, sDot, theta)],
      ['inputJvp', ([j]) => step.jvp(j, xDot, null, null, theta), ([j]) => step.inputJvp(j, xDot, theta)],
    ];
    for (const [entry, general, named] of pairs) {
      const expected = out();
      const actual = out();
      general(expected);
      named(actual);
      assert.deepEqual(actual, expected, entry);
    }
  });

  test(`${name}: paramNorms gives the ‖u_k‖ that norms gives`, () => {
    const cell = make();
    const p = randomPoint(cell, 2, new Rng(11));
    const step = cell.createStep(2);
    step.forward(new Float64Array(p.s.length), p.x, p.s, p.theta);
    const influence = step.influence!;
    assert.ok(influence.paramNorms !== undefined);
    const K = influence.termCount;
    const vNorm = new Float64Array(2 * K);
    const uNorm = new Float64Array(2 * K);
    influence.norms(vNorm, uNorm, p.theta);
    const alone = new Float64Array(2 * K);
    influence.paramNorms!(alone);
    assert.deepEqual(alone, uNorm);
  });
}

test('a user cell without the named entry points gets them from withNamedDerivatives, which keeps its influence and diagonal', () => {
  const cell = rnn({ inputSize: 2, hiddenSize: 3 });
  const inner = cell.createStep(1);
  const plain = { batch: 1, forward: inner.forward.bind(inner), vjp: inner.vjp.bind(inner), jvp: inner.jvp.bind(inner) };
  const named = withNamedDerivatives(plain);
  assert.notEqual(named, plain);
  assert.equal(named.influence, undefined);
  assert.equal(named.stateJacobianDiagonal, undefined);
  const p = randomPoint(cell, 1, new Rng(3));
  named.forward(new Float64Array(3), p.x, p.s, p.theta);
  const viaNamed = new Float64Array(3);
  named.stateJvp(viaNamed, unitVector(3, 1), p.theta);
  const viaGeneral = new Float64Array(3);
  inner.jvp(viaGeneral, null, unitVector(3, 1), null, p.theta);
  assert.deepEqual(viaNamed, viaGeneral);
  const builtIn = cell.createStep(1);
  assert.equal(withNamedDerivatives(builtIn), builtIn, 'a built-in step is its own named view');
});
