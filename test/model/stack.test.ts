import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rnn } from '../../src/cells/rnn.js';
import { stack } from '../../src/model/stack.js';
import { checkCell, evaluate, randomPoint } from '../support/cell-harness.js';
import { Rng } from '../support/numeric.js';

const twoLayers = () => stack([rnn({ inputSize: 3, hiddenSize: 4 }), rnn({ inputSize: 4, hiddenSize: 2, nonlinearity: 'relu' })]);

checkCell('stack of two rnn cells', twoLayers, { exactInfluenceNorms: false });
checkCell('stack of three rnn cells with batch 3', () => stack([rnn({ inputSize: 2, hiddenSize: 3 }), rnn({ inputSize: 3, hiddenSize: 3 }), rnn({ inputSize: 3, hiddenSize: 2 })]), {
  batch: 3,
  exactInfluenceNorms: false,
  sweep: false,
});

test('a stack of one cell computes exactly what the cell computes', () => {
  const rng = new Rng(7);
  const cell = rnn({ inputSize: 3, hiddenSize: 4 });
  const p = randomPoint(cell, 2, rng);
  assert.deepEqual(evaluate(stack([cell]), p.theta, p.x, p.s, 2), evaluate(cell, p.theta, p.x, p.s, 2));
});

test('a stack equals a hand loop feeding each layer the new output of the layer below', () => {
  const rng = new Rng(8);
  const s = twoLayers();
  const p = randomPoint(s, 2, rng);
  const [first, second] = s.layers as [ReturnType<typeof rnn>, ReturnType<typeof rnn>];
  const theta1 = p.theta.subarray(0, first.paramSize);
  const theta2 = p.theta.subarray(first.paramSize);
  const expected = new Float64Array(2 * s.stateSize);
  for (let b = 0; b < 2; b++) {
    const h1 = evaluate(first, Float64Array.from(theta1), p.x.slice(b * 3, b * 3 + 3), p.s.slice(b * 6, b * 6 + 4), 1);
    const h2 = evaluate(second, Float64Array.from(theta2), h1, p.s.slice(b * 6 + 4, b * 6 + 6), 1);
    expected.set(h1, b * 6);
    expected.set(h2, b * 6 + 4);
  }
  assert.deepEqual(evaluate(s, p.theta, p.x, p.s, 2), expected);
  assert.equal(s.outputOffset, 4);
  assert.equal(s.outputSize, 2);
});

test('a stack rejects layers whose sizes do not chain, naming the layers', () => {
  assert.throws(() => stack([rnn({ inputSize: 3, hiddenSize: 4 }), rnn({ inputSize: 5, hiddenSize: 2 })]), /layer 1 expects input size 5 but layer 0 outputs 4/);
  assert.throws(() => stack([]), /at least one cell/);
});
