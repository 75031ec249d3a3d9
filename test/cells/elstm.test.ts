import { test } from 'node:test';
import assert from 'node:assert/strict';
import { elstm } from '../../src/cells/elstm.js';
import { stack } from '../../src/model/stack.js';
import { checkCell, evaluate, randomPoint } from '../support/cell-harness.js';
import { Rng } from '../support/numeric.js';

checkCell('elstm', () => elstm({ inputSize: 3, hiddenSize: 4 }), { float32: () => elstm({ inputSize: 3, hiddenSize: 4, dtype: 'float32' }) });
checkCell('elstm without bias', () => elstm({ inputSize: 2, hiddenSize: 3, bias: false }), { seed: 2 });
checkCell('stack of two elstms', () => stack([elstm({ inputSize: 2, hiddenSize: 3 }), elstm({ inputSize: 3, hiddenSize: 2 })]), { exactInfluenceNorms: false });

test('elstm computes Irie et al.’s c′ = f ⊙ c + (1 − f) ⊙ z with z = tanh(W_z·x + w_z ⊙ c + b_z), f = σ(W_f·x + w_f ⊙ c + b_f)', () => {
  const cell = elstm({ inputSize: 2, hiddenSize: 3 });
  const p = randomPoint(cell, 1, new Rng(4));
  const out = evaluate(cell, p.theta, p.x, p.s, 1);
  const H = 3;
  const W = (row: number, j: number) => p.theta[row * 2 + j]!;
  const w = (row: number) => p.theta[2 * H * 2 + row]!;
  const b = (row: number) => p.theta[2 * H * 2 + 2 * H + row]!;
  for (let i = 0; i < H; i++) {
    const c = p.s[i]!;
    const z = Math.tanh(W(i, 0) * p.x[0]! + W(i, 1) * p.x[1]! + w(i) * c + b(i));
    const f = 1 / (1 + Math.exp(-(W(H + i, 0) * p.x[0]! + W(H + i, 1) * p.x[1]! + w(H + i) * c + b(H + i))));
    assert.ok(Math.abs(out[i]! - (f * c + (1 - f) * z)) < 1e-15);
  }
});

test('elstm rejects a bad size and an unknown option, naming it', () => {
  assert.throws(() => elstm({ inputSize: 0, hiddenSize: 4 }), /inputSize must be a positive integer/);
  assert.throws(() => elstm({ inputSize: 3, hiddenSize: 4, peephole: true } as never), /unknown option 'peephole'/);
});

test('the elstm inventory names its gates z and f, with vectors as recurrent kernels', () => {
  assert.deepEqual(elstm({ inputSize: 2, hiddenSize: 3 }).inventory().map((e) => `${e.name} ${e.shape.join('×')}`), [
    'kernels[z] 2×3',
    'kernels[f] 2×3',
    'recurrentKernels[z] 3',
    'recurrentKernels[f] 3',
    'bias[z] 3',
    'bias[f] 3',
  ]);
});
