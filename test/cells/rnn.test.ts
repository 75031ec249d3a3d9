import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rnn } from '../../src/cells/rnn.js';
import { checkCell } from '../support/cell-harness.js';

checkCell('rnn tanh', () => rnn({ inputSize: 3, hiddenSize: 4 }), { float32: () => rnn({ inputSize: 3, hiddenSize: 4, dtype: 'float32' }) });
checkCell('rnn relu', () => rnn({ inputSize: 2, hiddenSize: 5, nonlinearity: 'relu' }));
checkCell('rnn satlin', () => rnn({ inputSize: 2, hiddenSize: 3, nonlinearity: 'satlin' }), { seed: 3 });
checkCell('rnn without bias', () => rnn({ inputSize: 3, hiddenSize: 2, bias: false }));

test('rnn rejects a non-positive or fractional size, naming the option', () => {
  assert.throws(() => rnn({ inputSize: 0, hiddenSize: 4 }), /inputSize must be a positive integer/);
  assert.throws(() => rnn({ inputSize: 3, hiddenSize: -2 }), /hiddenSize must be a positive integer/);
  assert.throws(() => rnn({ inputSize: 3, hiddenSize: 2.5 }), /hiddenSize/);
});

test('rnn rejects an unknown option and an unknown nonlinearity', () => {
  assert.throws(() => rnn({ inputSize: 3, hiddenSize: 4, peephole: true } as never), /unknown option 'peephole'/);
  assert.throws(() => rnn({ inputSize: 3, hiddenSize: 4, nonlinearity: 'gelu' as never }), /nonlinearity must be one of/);
});
