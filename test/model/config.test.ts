import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, parseModelConfig } from '../../src/model/config.js';
import { lstm } from '../../src/cells/lstm.js';
import { gru } from '../../src/cells/gru.js';

test('an unknown cell kind or option in a config is rejected, naming it', () => {
  assert.throws(() => parseModelConfig({ inputSize: 3, layers: [{ cell: { kind: 'transformer', hiddenSize: 4 } }] }), /unknown cell 'transformer'/);
  assert.throws(() => parseModelConfig({ inputSize: 3, layers: [{ cell: { kind: 'gru', hiddenSize: 4, peephole: true } }] }), /unknown option 'peephole'/);
  assert.throws(() => parseModelConfig({ inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 4 } }], dropout: 0.1 }), /model config: unknown option 'dropout'/);
});

test('zero, negative or fractional sizes and projSize ≥ hidden are rejected, naming the field', () => {
  assert.throws(() => parseModelConfig({ inputSize: 0, layers: [{ cell: { kind: 'rnn', hiddenSize: 4 } }] }), /inputSize must be a positive integer/);
  assert.throws(() => parseModelConfig({ inputSize: 3, layers: [{ cell: { kind: 'rnn', hiddenSize: -4 } }] }), /layers\[0\]\.cell\.hiddenSize must be a positive integer/);
  assert.throws(() => parseModelConfig({ inputSize: 3, layers: [{ cell: { kind: 'rnn', hiddenSize: 4 } }], outputSize: 1.5 }), /outputSize must be a positive integer/);
  assert.throws(() => parseModelConfig({ inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 4, projSize: 4 } }] }), /projSize must be smaller than hiddenSize/);
  assert.throws(() => lstm({ inputSize: 3, hiddenSize: 4, projSize: 5 }), /projSize/);
  assert.throws(() => gru({ inputSize: 3, hiddenSize: 0 }), /hiddenSize must be a positive integer/);
  assert.throws(() => parseModelConfig({ inputSize: 3, layers: [] }), /layers must be a non-empty array/);
});

test('the same seed gives bit-identical parameters and a different seed different ones', () => {
  const config = { inputSize: 3, layers: [{ cell: { kind: 'lstm' as const, hiddenSize: 4 } }], outputSize: 2 };
  assert.deepEqual(createModel(config, { seed: 5 }).theta, createModel(config, { seed: 5 }).theta);
  assert.notDeepEqual(createModel(config, { seed: 5 }).theta, createModel(config, { seed: 6 }).theta);
});

test('a bidirectional model refuses to become an online model, saying why', () => {
  const model = createModel({ inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 4 } }, { cell: { kind: 'lstm', hiddenSize: 4 }, bidirectional: true }] });
  assert.throws(() => model.online(), /layer 1 is bidirectional: its backward direction reads the future/);
});
