/**
 * J read by coloured vjps (learners/pattern-jacobian.ts) is J read one row at a time, on every
 * cell kind, and exact RTRL on the diagonal recurrences costs a number of vjps and combineState
 * calls per step that does not grow with n (issue #14: O(n·d) work).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import { onlineModel } from '../../src/model/online.js';
import type { Cell, CellStep, ImmediateInfluence } from '../../src/cells/cell.js';
import { withNamedDerivatives } from '../../src/cells/derivatives.js';
import { blockEntries, PatternJacobian } from '../../src/learners/pattern-jacobian.js';
import { jacobianSuccessors } from '../../src/learners/pattern.js';
import { snapnPattern } from '../../src/learners/snapn.js';
import { rtrl } from '../../src/learners/rtrl.js';
import { mse } from '../../src/loss/loss.js';
import type { Vec } from '../../src/tensor/dtype.js';
import { Rng, randomVector, unitVector } from '../support/numeric.js';
import { VARIANTS, perturbedModel } from './helpers.js';
import { ringCell } from './ring-cell.js';

const CORES: ReadonlyArray<{ name: string; core: Cell }> = [
  ...VARIANTS.map(({ name, config }) => ({ name, core: perturbedModel(config, 7).online().core })),
  { name: '2-layer stack (lru, elstm)', core: createModel({ inputSize: 2, layers: [{ cell: { kind: 'lru', hiddenSize: 3 } }, { cell: { kind: 'elstm', hiddenSize: 2 } }] }).online().core },
  { name: 'ring (a user cell)', core: ringCell(2, 5) },
];

/** Row i of J at the step's point, by the vjp with e_i alone. */
function rowOf(step: CellStep, i: number, n: number, theta: Float64Array): Float64Array {
  const row = new Float64Array(n);
  step.vjp(null, row, null, unitVector(n, i), theta);
  return row;
}

for (const { name, core } of CORES) {
  test(`the coloured read of J equals the row-by-row one bit for bit (its diagonal rows to 1e-15), and J outside its entries is zero: ${name}`, () => {
    const n = core.stateSize;
    const rng = new Rng(11);
    const theta = randomVector(core.paramSize, rng, 0.5);
    const successors = jacobianSuccessors(core, theta);
    const every = successors.map(() => [] as number[]);
    successors.forEach((rows, j) => rows.forEach((i) => every[i]!.push(j)));
    const entrySets = [
      { what: "all of J's pattern", needs: every.map((row) => row.sort((a, b) => a - b)) },
      { what: "SnAp-2's blocks", needs: blockEntries(snapnPattern('test', core, theta, 2).supports, successors, n) },
    ];
    for (const { what, needs } of entrySets) {
      const step = withNamedDerivatives(core.createStep(1));
      const jacobian = new PatternJacobian(step, 'float64', needs, successors);
      for (let point = 0; point < 3; point++) {
        step.forward(new Float64Array(n), randomVector(core.inputSize, rng), randomVector(n, rng), theta);
        jacobian.read(theta);
        for (let i = 0; i < n; i++) {
          const row = rowOf(step, i, n, theta);
          const read = new Map<number, number>();
          for (let e = jacobian.rowStart[i]!; e < jacobian.rowStart[i + 1]!; e++) read.set(jacobian.columns[e]!, jacobian.values[e]!);
          for (let j = 0; j < n; j++) {
            const value = read.get(j);
            // A row from the cell's diagonal is its own formula: equal to rounding, not bit for bit.
            const tolerance = jacobian.colours.some((colour) => colour.includes(i)) ? 0 : 1e-15 * Math.abs(row[j]!);
            if (value !== undefined) assert.ok(Math.abs(value - row[j]!) <= tolerance, `${what}: J[${i}, ${j}] = ${row[j]} read as ${value}`);
            else if (what === "all of J's pattern") assert.ok(row[j] === 0, `J[${i}, ${j}] = ${row[j]} is outside the probed pattern`);
          }
        }
      }
    }
  });
}

test('a dense J needs one vjp per row, a diagonal recurrence as many as a unit has state entries (LRU 2), whatever n', () => {
  const colours = (config: ModelConfig) => {
    const core = createModel(config).online().core;
    const theta = randomVector(core.paramSize, new Rng(3), 0.5);
    const successors = jacobianSuccessors(core, theta);
    const needs = blockEntries(snapnPattern('test', core, theta, core.stateSize).supports, successors, core.stateSize);
    return new PatternJacobian(withNamedDerivatives(core.createStep(1)), 'float64', needs, successors).colours.length;
  };
  for (const hiddenSize of [2, 7, 20]) {
    assert.equal(colours({ inputSize: 3, layers: [{ cell: { kind: 'lru', hiddenSize } }] }), 2);
    assert.equal(colours({ inputSize: 3, layers: [{ cell: { kind: 'elstm', hiddenSize } }] }), 0, 'the diagonal serves every row');
    assert.equal(colours({ inputSize: 3, layers: [{ cell: { kind: 'rnn', hiddenSize } }] }), hiddenSize);
  }
});

/** Counts of the reverse passes and combineState calls a learner makes through the contract. */
interface Calls {
  vjp: number;
  combineState: number;
}

/** The cell as a user's own Cell whose steps count their vjp and combineState calls (and otherwise delegate). */
function countingCell(cell: Cell, calls: Calls): Cell {
  const countingInfluence = (influence: ImmediateInfluence): ImmediateInfluence => ({
    termCount: influence.termCount,
    norms: (vNorm, uNorm, theta) => influence.norms(vNorm, uNorm, theta),
    combineState: (sOut, coefficient, theta) => {
      calls.combineState++;
      influence.combineState(sOut, coefficient, theta);
    },
    addCombinedParams: (dTheta, coefficient) => influence.addCombinedParams(dTheta, coefficient),
  });
  const countingStep = (step: CellStep): CellStep => ({
    batch: step.batch,
    forward: (sNext, x, s, theta) => step.forward(sNext, x, s, theta),
    vjp: (dX, dS, dTheta, dSNext, theta) => {
      calls.vjp++;
      step.vjp(dX, dS, dTheta, dSNext, theta);
    },
    jvp: (sNextDot, xDot, sDot, thetaDot, theta) => step.jvp(sNextDot, xDot, sDot, thetaDot, theta),
    ...(step.influence === undefined ? {} : { influence: countingInfluence(step.influence) }),
    ...(step.stateJacobianDiagonal === undefined ? {} : { stateJacobianDiagonal: (out: Vec, theta: Vec) => step.stateJacobianDiagonal!(out, theta) }),
  });
  return {
    kind: cell.kind,
    dtype: cell.dtype,
    inputSize: cell.inputSize,
    stateSize: cell.stateSize,
    outputSize: cell.outputSize,
    outputOffset: cell.outputOffset,
    paramSize: cell.paramSize,
    params: cell.params,
    stateParts: cell.stateParts,
    inventory: () => cell.inventory(),
    initParams: (theta, rng) => cell.initParams(theta, rng),
    createStep: (batch) => countingStep(cell.createStep(batch)),
  };
}

/** vjp and combineState calls per step of rtrl over 5 steps, after construction. */
function callsPerStep(cell: Cell): Calls {
  const calls = { vjp: 0, combineState: 0 };
  const core = countingCell(cell, calls);
  const model = onlineModel({ core });
  core.initParams(model.theta, new Rng(5));
  const learner = rtrl(model, { loss: mse, optimizer: null });
  assert.ok('blocks' in learner.estimator.tensors(), 'the closed-pattern estimator');
  calls.vjp = calls.combineState = 0;
  const rng = new Rng(9);
  for (let t = 0; t < 5; t++) learner.step(randomVector(cell.inputSize, rng), randomVector(cell.outputSize, rng));
  return { vjp: calls.vjp / 5, combineState: calls.combineState / 5 };
}

test('exact rtrl on the LRU takes 2 vjps and 5 combineState calls a step, on the eLSTM none and 2, at every n', (t) => {
  for (const hiddenSize of [4, 16, 64]) {
    const lru = callsPerStep(createModel({ inputSize: 3, layers: [{ cell: { kind: 'lru', hiddenSize } }] }).online().core);
    const elstm = callsPerStep(createModel({ inputSize: 3, layers: [{ cell: { kind: 'elstm', hiddenSize } }] }).online().core);
    t.diagnostic(`hidden ${hiddenSize}: lru ${JSON.stringify(lru)}, elstm ${JSON.stringify(elstm)}`);
    assert.deepEqual(lru, { vjp: 2, combineState: 5 });
    assert.deepEqual(elstm, { vjp: 0, combineState: 2 });
  }
});
