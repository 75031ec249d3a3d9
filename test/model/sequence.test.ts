import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../../src/model/config.js';
import { SequenceTape } from '../../src/model/sequence.js';
import { Rng, randomVector, maxAbsDiff } from '../support/numeric.js';

test('the sequence runner equals a hand loop over the cell', () => {
  const model = createModel({ inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 4, peephole: true } }] }, { seed: 2 });
  const rng = new Rng(1);
  const T = 5;
  const B = 2;
  const inputs = randomVector(T * B * 3, rng);
  const tape = new SequenceTape(model, T, B);
  tape.forward(inputs, T);
  const cell = model.layers[0]!.cells[0]!;
  const step = cell.createStep(B);
  const s = new Float64Array(B * cell.stateSize);
  for (let t = 0; t < T; t++) {
    step.forward(s, inputs.subarray(t * B * 3, (t + 1) * B * 3), s, model.theta);
    for (let b = 0; b < B; b++) {
      assert.deepEqual(tape.output(t).subarray(b * 4, b * 4 + 4), s.subarray(b * cell.stateSize, b * cell.stateSize + 4));
    }
  }
  assert.deepEqual(tape.finalState(0, 0), s);
});

test('a bidirectional layer runs its second cell on the reversed sequence and concatenates the outputs', () => {
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3 }, bidirectional: true }] }, { seed: 4 });
  const rng = new Rng(2);
  const T = 4;
  const inputs = randomVector(T * 2, rng);
  const tape = new SequenceTape(model, T, 1);
  tape.forward(inputs, T);
  const backward = model.layers[0]!.cells[1]!;
  const step = backward.createStep(1);
  const s = new Float64Array(3);
  for (let t = T - 1; t >= 0; t--) {
    step.forward(s, inputs.subarray(t * 2, t * 2 + 2), s, model.cellTheta(0, 1));
    assert.deepEqual(tape.output(t).subarray(3, 6), s);
  }
  assert.equal(model.layers[0]!.outputSize, 6);
});

test('layers may have different sizes, and the next layer of a bidirectional one reads 2·P', () => {
  const model = createModel({
    inputSize: 3,
    layers: [
      { cell: { kind: 'lstm', hiddenSize: 6, projSize: 2 }, bidirectional: true },
      { cell: { kind: 'gru', hiddenSize: 5 } },
      { cell: { kind: 'rnn', hiddenSize: 2, nonlinearity: 'relu' } },
    ],
    outputSize: 1,
  });
  assert.equal(model.layers[1]!.cells[0]!.inputSize, 4);
  assert.equal(model.layers[2]!.cells[0]!.inputSize, 5);
  const tape = new SequenceTape(model, 3, 2);
  tape.forward(randomVector(3 * 2 * 3, new Rng(1)), 3);
  assert.equal(tape.allOutputs().length, 3 * 2 * 2);
});

test('given initial states are used and omitted ones are zero', () => {
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 3 } }] }, { seed: 1 });
  const inputs = randomVector(2, new Rng(3));
  const zero = new SequenceTape(model, 1, 1);
  zero.forward(inputs, 1);
  const explicitZero = new SequenceTape(model, 1, 1);
  explicitZero.forward(inputs, 1, [new Float64Array(3)]);
  assert.deepEqual(zero.allOutputs(), explicitZero.allOutputs());
  const other = new SequenceTape(model, 1, 1);
  other.forward(inputs, 1, [Float64Array.of(1, -1, 0.5)]);
  assert.ok(maxAbsDiff(other.allOutputs(), zero.allOutputs()) > 1e-3);
});

test('a wrong input width, sequence length or initial-state shape is rejected with the expected shape', () => {
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3 } }] });
  const tape = new SequenceTape(model, 4, 1);
  assert.throws(() => tape.forward(new Float64Array(7), 4), /inputs must be \(4 × 1 × 2\) = 8 numbers, got 7/);
  assert.throws(() => tape.forward(new Float64Array(10), 5), /length must be in 1\.\.4/);
  assert.throws(() => tape.forward(new Float64Array(8), 4, [new Float64Array(3)]), /initial state 0 must have 6 numbers \(batch 1 × state 6\), got 3/);
});

/** The time-major rows of `inputs` (T × B × width) in reverse time order. */
function reversedInTime(inputs: Float64Array, T: number, rowSize: number): Float64Array {
  const out = new Float64Array(inputs.length);
  for (let t = 0; t < T; t++) out.set(inputs.subarray(t * rowSize, (t + 1) * rowSize), (T - 1 - t) * rowSize);
  return out;
}

test('a goBackwards layer computes the same layer on the input reversed in time, emitting rows in the order it read them', () => {
  const T = 5;
  const B = 2;
  const inputs = randomVector(T * B * 3, new Rng(6));
  for (const bidirectional of [false, true]) {
    const plain = createModel({ inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 2 }, bidirectional }] }, { seed: 3 });
    const backwards = createModel({ inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 2 }, bidirectional, goBackwards: true }] }, { seed: 3 });
    const a = new SequenceTape(plain, T, B);
    a.forward(reversedInTime(inputs, T, B * 3), T);
    const b = new SequenceTape(backwards, T, B);
    b.forward(inputs, T);
    assert.deepEqual(b.allOutputs(), a.allOutputs());
  }
  assert.throws(() => createModel({ inputSize: 3, layers: [{ cell: { kind: 'rnn', hiddenSize: 2 }, goBackwards: true }] }).online(), /layer 0 has goBackwards/);
});

test('sum, ave and mul merge the two directions row by row, and the final output takes each direction after the whole sequence', () => {
  const T = 4;
  const B = 2;
  const inputs = randomVector(T * B * 2, new Rng(7));
  const concat = createModel({ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3 }, bidirectional: true }] }, { seed: 8 });
  const whole = new SequenceTape(concat, T, B);
  whole.forward(inputs, T);
  const halves = (t: number, b: number) => [whole.output(t).subarray(b * 6, b * 6 + 3), whole.output(t).subarray(b * 6 + 3, b * 6 + 6)] as const;
  const modes = { sum: (x: number, y: number) => x + y, ave: (x: number, y: number) => (x + y) / 2, mul: (x: number, y: number) => x * y } as const;
  for (const [merge, f] of Object.entries(modes) as Array<['sum' | 'ave' | 'mul', (x: number, y: number) => number]>) {
    const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3 }, bidirectional: true, merge }] }, { seed: 8 });
    assert.equal(model.layers[0]!.outputSize, 3);
    const tape = new SequenceTape(model, T, B);
    tape.forward(inputs, T);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const [forward, backward] = halves(t, b);
        assert.deepEqual(Array.from(tape.output(t).subarray(b * 3, b * 3 + 3)), Array.from(forward, (x, j) => f(x, backward[j]!)));
      }
    }
    const final = tape.finalOutput();
    for (let b = 0; b < B; b++) {
      const forward = halves(T - 1, b)[0];
      const backward = halves(0, b)[1];
      assert.deepEqual(Array.from(final.subarray(b * 3, b * 3 + 3)), Array.from(forward, (x, j) => f(x, backward[j]!)));
    }
  }
  assert.throws(() => createModel({ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3 }, merge: 'sum' }] }), /layers\[0\]\.merge is for bidirectional layers only/);
});
