import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colourRows } from '../../src/learners/colouring.js';
import { Rng } from '../support/numeric.js';

/** A random sparse matrix (rows × width, density in (0, 1)), its nonzero columns per row and a random subset of them needed. */
function randomCase(rng: Rng, rows: number, width: number, density: number) {
  const A = Array.from({ length: rows }, () => Array.from({ length: width }, () => (rng.uniform() < density ? rng.normal() : 0)));
  const touches = A.map((row) => row.flatMap((value, j) => (value !== 0 ? [j] : [])));
  const needs = touches.map((columns) => columns.filter(() => rng.uniform() < 0.7));
  return { A, touches, needs };
}

test('on random sparse matrices every row gets one colour, and the sum of a colour’s rows holds each row exactly on the columns it needs', () => {
  const rng = new Rng(21);
  for (let trial = 0; trial < 300; trial++) {
    const rows = 1 + Math.floor(rng.uniform() * 12);
    const width = 1 + Math.floor(rng.uniform() * 12);
    const { A, touches, needs } = randomCase(rng, rows, width, 0.05 + 0.5 * rng.uniform());
    const colours = colourRows(touches, needs, width);
    assert.deepEqual(colours.flat().sort((a, b) => a - b), [...Array(rows).keys()]);
    for (const colour of colours) {
      const sum = Array.from({ length: width }, (_, j) => colour.reduce((s, a) => s + A[a]![j]!, 0));
      for (const a of colour) for (const j of needs[a]!) assert.equal(sum[j], A[a]![j], `trial ${trial}: row ${a}, column ${j}`);
    }
  }
});

test('a diagonal matrix takes one colour, a block-diagonal one as many as its largest block has rows, a dense one a colour per row', () => {
  for (const n of [1, 5, 40]) {
    const diagonal = Array.from({ length: n }, (_, i) => [i]);
    assert.equal(colourRows(diagonal, diagonal, n).length, 1);
    const pairs = Array.from({ length: 2 * n }, (_, i) => [i - (i % 2), i - (i % 2) + 1]);
    assert.equal(colourRows(pairs, pairs, 2 * n).length, 2);
    const dense = Array.from({ length: n }, () => [...Array(n).keys()]);
    assert.equal(colourRows(dense, dense, n).length, n);
  }
});

test('rows needed only off each other’s touched columns share a colour even when their patterns overlap', () => {
  // Both rows touch columns 0 and 1; row 0 needs only 0, row 1 only 1 — but each touches the other's: two colours.
  assert.equal(colourRows([[0, 1], [0, 1]], [[0], [1]], 2).length, 2);
  // Row 0 touches {0, 2}, needs {0}; row 1 touches {1, 2}, needs {1}: column 2 is touched by both but needed by neither.
  assert.equal(colourRows([[0, 2], [1, 2]], [[0], [1]], 3).length, 1);
});
