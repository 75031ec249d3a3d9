/** What learners gain from the contract's extras: SnAp-1 on J's diagonal, stateBytes without copies. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cell, CellStep } from '../../src/cells/cell.js';
import { snap1 } from '../../src/learners/snap1.js';
import { learnerStateBytes, type Learner } from '../../src/learners/learner.js';
import { rtrl } from '../../src/learners/rtrl.js';
import { uoro } from '../../src/learners/uoro.js';
import { nbt } from '../../src/learners/nbt.js';
import { kfrtrl } from '../../src/learners/kfrtrl.js';
import { tbptt } from '../../src/learners/tbptt.js';
import type { Model } from '../../src/model/model.js';
import { onlineModel } from '../../src/model/online.js';
import { mse } from '../../src/loss/loss.js';
import { relativeError } from '../support/numeric.js';
import { VARIANTS, perturbedModel, randomStream, sumOfEstimates } from './helpers.js';

/** The same cell with its steps' stateJacobianDiagonal hidden, as a user's cell without one. */
function withoutDiagonal(cell: Cell): Cell {
  return Object.assign(Object.create(cell) as Cell, {
    createStep(batch?: number): CellStep {
      const step = cell.createStep(batch);
      return { batch: step.batch, forward: step.forward.bind(step), vjp: step.vjp.bind(step), jvp: step.jvp.bind(step), influence: step.influence! };
    },
  });
}

for (const { name, config } of VARIANTS) {
  test(`snap1 reading J's diagonal from the cell keeps the sensitivity that n vjps give: ${name}`, () => {
    const stream = randomStream(6, config.inputSize, config.outputSize!, 4);
    const model = perturbedModel(config, 8);
    const online = model.online();
    const withDiagonal = sumOfEstimates(snap1(onlineModel({ core: online.core, head: online.head, theta: model.theta.slice() }), { loss: mse, optimizer: null }), stream).sum;
    const viaVjps = sumOfEstimates(snap1(onlineModel({ core: withoutDiagonal(online.core), head: online.head, theta: model.theta.slice() }), { loss: mse, optimizer: null }), stream).sum;
    assert.ok(relativeError(withDiagonal, viaVjps) <= 1e-12, `${relativeError(withDiagonal, viaVjps)}`);
  });
}

const LEARNERS: ReadonlyArray<{ kind: string; variant: number; make: (model: Model) => Learner }> = [
  { kind: 'rtrl', variant: 2, make: (model) => rtrl(model, { loss: mse, optimizer: null }) },
  { kind: 'uoro', variant: 2, make: (model) => uoro(model, { loss: mse, optimizer: null }) },
  { kind: 'nbt', variant: 2, make: (model) => nbt(model, { loss: mse, optimizer: null }) },
  { kind: 'snap1', variant: 2, make: (model) => snap1(model, { loss: mse, optimizer: null }) },
  { kind: 'kfrtrl', variant: 0, make: (model) => kfrtrl(model, { loss: mse, optimizer: null }) },
  { kind: 'tbptt', variant: 2, make: (model) => tbptt(model, { loss: mse, optimizer: null, k2: 3 }) },
];

for (const { kind, variant, make } of LEARNERS) {
  test(`${kind}'s stateBytes counts what a snapshot holds, without a snapshot`, () => {
    const learner = make(perturbedModel(VARIANTS[variant]!.config, 1));
    learner.step([0.1, 0.2], [0.3, 0.4]);
    const copied = Object.values(learner.snapshot().tensors).reduce((sum, t) => sum + t.byteLength, 0);
    assert.equal(learner.stateBytes!(), copied);
    assert.equal(learnerStateBytes(learner), copied);
  });
}
