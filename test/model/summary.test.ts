import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createModel, repeatedLayers } from '../../src/model/config.js';
import { repoRoot } from '../support/fixtures.js';

const notesModel = (dtype: 'float64' | 'float32' = 'float64') =>
  createModel({ inputSize: 10, layers: repeatedLayers({ kind: 'lstm', hiddenSize: 256 }, 3, true), outputSize: 50, dtype }, { initialize: false });

test("the inventory of the notes' model matches the notes character for character", () => {
  const expected = readFileSync(join(repoRoot, 'test/fixtures/notes-inventory.txt'), 'utf8').trimEnd();
  assert.equal(notesModel().summary(), expected);
});

test('the byte count follows the dtype: 8 bytes a parameter in float64, 4 in float32', () => {
  assert.match(notesModel('float64').summary(), /n_params=3722290, bytes=29778320$/);
  assert.match(notesModel('float32').summary(), /n_params=3722290, bytes=14889160$/);
});

test('n_params is the sum of the inventory shapes and equals the length of θ', () => {
  for (const model of [
    notesModel(),
    createModel({ inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 5, projSize: 2, peephole: true } }, { cell: { kind: 'gru', hiddenSize: 4, resetAfter: true }, bidirectional: true }], outputSize: 2 }),
    createModel({ inputSize: 3, layers: [{ cell: { kind: 'gru', hiddenSize: 4, resetAfter: false, bias: false } }, { cell: { kind: 'rnn', hiddenSize: 2 } }] }),
  ]) {
    const total = model.inventory().reduce((n, line) => n + line.shape.reduce((a, b) => a * b, 1), 0);
    assert.equal(total, model.paramSize);
    assert.equal(model.theta.length, model.paramSize);
  }
});

test('peephole and projection entries are named in the notes style; a unidirectional layer is a forward_layer', () => {
  const model = createModel({ inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 5, projSize: 2, peephole: true } }] }, { initialize: false });
  const lines = model.summary().split('\n');
  assert.ok(lines.includes('layers[0][forward_layer][peepholes][i].shape=(5,)'));
  assert.ok(lines.includes('layers[0][forward_layer][peepholes][o].shape=(5,)'));
  assert.ok(lines.includes('layers[0][forward_layer][projection].shape=(5, 2)'));
  assert.ok(lines.includes('layers[0][forward_layer][recurrentKernels][c].shape=(2, 5)'));
  assert.ok(lines.every((line) => !line.includes('backward_layer')));
});

test('a reset-after GRU lists recurrentBias[z|r|h]; a reset-before GRU does not', () => {
  const after = createModel({ inputSize: 3, layers: [{ cell: { kind: 'gru', hiddenSize: 4, resetAfter: true } }] }, { initialize: false }).summary();
  const before = createModel({ inputSize: 3, layers: [{ cell: { kind: 'gru', hiddenSize: 4, resetAfter: false } }] }, { initialize: false }).summary();
  for (const gate of ['z', 'r', 'h']) assert.ok(after.includes(`layers[0][forward_layer][recurrentBias][${gate}].shape=(4,)`));
  assert.ok(!before.includes('recurrentBias'));
});
