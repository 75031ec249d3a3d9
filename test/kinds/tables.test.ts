/**
 * The kind tables are the one place a kind is declared: every entry offers examples that its
 * own parser reads back unchanged, the contract suites run every entry, and what the tables say
 * about learners and cells (LearnerSpec.needs, CellSpec.provides) is what the learners do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CELLS, CELL_KINDS, parseCell, type CellConfig } from '../../src/kinds/cells.js';
import { LEARNERS, LEARNER_KINDS, createLearner, parseLearnerConfig, type LearnerConfig } from '../../src/kinds/learners.js';
import { TASKS, TASK_KINDS, createTask, parseTaskConfig } from '../../src/kinds/tasks.js';
import { OPTIMIZERS, OPTIMIZER_KINDS, createOptimizer, parseOptimizerConfig } from '../../src/kinds/optimizers.js';
import { LOSSES, LOSS_KINDS } from '../../src/kinds/losses.js';
import { supports } from '../../src/kinds/support.js';
import { createModel, type LayerConfig } from '../../src/model/config.js';
import { defaultModel } from '../../src/tasks/task.js';
import { mse } from '../../src/loss/loss.js';
import { VARIANTS } from '../learners/helpers.js';

test('every table entry offers at least one example, and its parser reads each back unchanged', () => {
  const tables: Array<[string, Record<string, { examples: ReadonlyArray<{ config: unknown }> }>, (config: unknown) => unknown]> = [
    ['cell', CELLS, (c) => parseCell(c, 'cell')],
    ['learner', LEARNERS, parseLearnerConfig],
    ['task', TASKS, (c) => parseTaskConfig(c)],
    ['optimizer', OPTIMIZERS, (c) => parseOptimizerConfig(c)],
    ['loss', LOSSES, (c) => c],
  ];
  for (const [what, table, parse] of tables) {
    for (const [kind, spec] of Object.entries(table)) {
      assert.ok(spec.examples.length > 0, `${what} ${kind} has no example`);
      for (const { config } of spec.examples) assert.deepEqual(parse(config), config, `${what} ${kind}`);
    }
  }
});

test('the contract suites run every cell and every learner of the tables', () => {
  const cells = new Set(VARIANTS.flatMap(({ config }) => config.layers.map((layer) => layer.cell.kind)));
  assert.deepEqual([...CELL_KINDS].filter((kind) => !cells.has(kind)), []);
  // learners.test.ts's CONFIGS and snapshot.test.ts's TASKS are the tables' examples; each kind has one (above).
  assert.ok(LEARNER_KINDS.every((kind) => LEARNERS[kind].examples.length > 0));
  assert.ok(TASK_KINDS.every((kind) => TASKS[kind].examples.length > 0));
});

test('every example builds: cells into models, tasks into tasks with a default model, optimizers over θ', () => {
  for (const { config } of VARIANTS) assert.ok(createModel(config).paramSize > 0);
  for (const kind of TASK_KINDS) {
    for (const { config } of TASKS[kind].examples) {
      const task = createTask(config);
      const model = createModel(defaultModel(task));
      assert.equal(model.outputSize, task.outputSize, `${kind}'s default model`);
    }
  }
  for (const kind of OPTIMIZER_KINDS) for (const { config } of OPTIMIZERS[kind].examples) assert.equal(createOptimizer(config, 3, 'float64').constructor.name.length > 0, true);
  for (const kind of LOSS_KINDS) assert.equal(LOSSES[kind].loss.kind, kind);
});

test('a learner builds on a model exactly when the tables say it supports the model’s cells (KF-RTRL: not GRU, stacks or peepholes)', () => {
  const cells: CellConfig[] = CELL_KINDS.flatMap((kind) => CELLS[kind].examples.map(({ config }) => config as CellConfig));
  const models: LayerConfig[][] = [...cells.map((cell) => [{ cell }]), [{ cell: { kind: 'rnn', hiddenSize: 3 } }, { cell: { kind: 'rnn', hiddenSize: 2 } }]];
  for (const kind of LEARNER_KINDS) {
    const config = LEARNERS[kind].examples[0]!.config as LearnerConfig;
    for (const layers of models) {
      const model = createModel({ inputSize: 2, layers, outputSize: 2 });
      const name = `${kind} on ${layers.map((l) => JSON.stringify(l.cell)).join(' + ')}`;
      const build = () => createLearner(config, model, { loss: mse, optimizer: null });
      if (supports(config, layers)) assert.doesNotThrow(build, name);
      else assert.throws(build, TypeError, name);
    }
  }
  const kfrtrl = { kind: 'kfrtrl' } as const;
  assert.equal(supports(kfrtrl, [{ cell: { kind: 'gru', hiddenSize: 3 } }]), false);
  assert.equal(supports(kfrtrl, [{ cell: { kind: 'lstm', hiddenSize: 3, peephole: true } }]), false);
  assert.equal(supports(kfrtrl, [{ cell: { kind: 'lstm', hiddenSize: 3 } }, { cell: { kind: 'lstm', hiddenSize: 3 } }]), false);
  assert.equal(supports(kfrtrl, [{ cell: { kind: 'lstm', hiddenSize: 3 } }]), true);
});
