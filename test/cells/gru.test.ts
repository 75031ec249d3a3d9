import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gru, type GruOptions } from '../../src/cells/gru.js';
import { checkCell, evaluate, randomPoint } from '../support/cell-harness.js';
import { Rng, maxAbsDiff, randomVector } from '../support/numeric.js';

const tiny = { inputSize: 3, hiddenSize: 4 };

checkCell('gru reset after', () => gru(tiny), { float32: () => gru({ ...tiny, dtype: 'float32' }) });
checkCell('gru reset before', () => gru({ ...tiny, resetAfter: false }), { float32: () => gru({ ...tiny, resetAfter: false, dtype: 'float32' }) });
checkCell('gru reset after without bias', () => gru({ ...tiny, bias: false }));
checkCell('gru reset before without bias', () => gru({ ...tiny, resetAfter: false, bias: false }));
checkCell('gru with hardSigmoid gates', () => gru({ ...tiny, gateActivation: 'hardSigmoid' }));
checkCell('gru reset before with Keras 3 hardSigmoid gates', () => gru({ ...tiny, resetAfter: false, gateActivation: 'hardSigmoidKeras3' }), { seed: 2 });
checkCell('gru reset after with a linear candidate (Keras activation linear)', () => gru({ ...tiny, candidateActivation: 'linear' }), { float32: () => gru({ ...tiny, candidateActivation: 'linear', dtype: 'float32' }) });
checkCell('gru reset before with a linear candidate', () => gru({ ...tiny, resetAfter: false, candidateActivation: 'linear' }));

const sigmoid = (a: number) => 1 / (1 + Math.exp(-a));

/** Row `row` of the (rows × cols) row-major matrix at `offset` in θ, dotted with v. */
function rowDot(theta: ArrayLike<number>, offset: number, cols: number, row: number, v: readonly number[]): number {
  let sum = 0;
  for (let j = 0; j < cols; j++) sum += theta[offset + row * cols + j]! * v[j]!;
  return sum;
}

/** One GRU step for one batch row, written from the PyTorch and Keras formulas on plain arrays. */
function handStep(options: GruOptions, theta: ArrayLike<number>, x: readonly number[], h: readonly number[]): number[] {
  const { inputSize: I, hiddenSize: H } = options;
  const resetAfter = options.resetAfter ?? true;
  const weightIh = 0;
  const weightHh = 3 * H * I;
  const bias = weightHh + 3 * H * H;
  const recurrentBias = bias + 3 * H;
  const bI = (k: number) => theta[bias + k]!;
  const bH = (k: number) => (resetAfter ? theta[recurrentBias + k]! : 0);
  const r = h.map((_, i) => sigmoid(rowDot(theta, weightIh, I, i, x) + bI(i) + rowDot(theta, weightHh, H, i, h) + bH(i)));
  const z = h.map((_, i) => sigmoid(rowDot(theta, weightIh, I, H + i, x) + bI(H + i) + rowDot(theta, weightHh, H, H + i, h) + bH(H + i)));
  const rh = h.map((hj, j) => r[j]! * hj);
  const n = h.map((_, i) => {
    const inputPart = rowDot(theta, weightIh, I, 2 * H + i, x) + bI(2 * H + i);
    if (resetAfter) return Math.tanh(inputPart + r[i]! * (rowDot(theta, weightHh, H, 2 * H + i, h) + bH(2 * H + i)));
    return Math.tanh(inputPart + rowDot(theta, weightHh, H, 2 * H + i, rh));
  });
  return h.map((hi, i) => (1 - z[i]!) * n[i]! + z[i]! * hi);
}

for (const resetAfter of [true, false]) {
  test(`gru (resetAfter ${resetAfter}) matches a hand computation of one step, row by row`, () => {
    const options = { ...tiny, resetAfter };
    const p = randomPoint(gru(options), 2, new Rng(11));
    const out = evaluate(p.cell, p.theta, p.x, p.s, 2);
    for (let b = 0; b < 2; b++) {
      const expected = handStep(options, p.theta, Array.from(p.x.subarray(3 * b, 3 * b + 3)), Array.from(p.s.subarray(4 * b, 4 * b + 4)));
      assert.ok(maxAbsDiff(out.subarray(4 * b, 4 * b + 4), expected) < 1e-14, `row ${b}: ${out.subarray(4 * b, 4 * b + 4)} vs ${expected}`);
    }
  });
}

test('gru conventions differ for the same weights, and coincide when h = 0 and the recurrent bias is 0', () => {
  const after = gru({ ...tiny, resetAfter: true });
  const before = gru({ ...tiny, resetAfter: false });
  const rng = new Rng(5);
  const thetaBefore = randomVector(before.paramSize, rng);
  // The same weightIh, weightHh and bias, then a zero recurrent bias.
  const thetaAfter = new Float64Array(after.paramSize);
  thetaAfter.set(thetaBefore);
  assert.equal(after.paramSize - before.paramSize, 3 * tiny.hiddenSize);
  const x = randomVector(tiny.inputSize, rng);
  const h = randomVector(tiny.hiddenSize, rng);
  assert.ok(maxAbsDiff(evaluate(after, thetaAfter, x, h, 1), evaluate(before, thetaBefore, x, h, 1)) > 1e-3);
  const zero = new Float64Array(tiny.hiddenSize);
  assert.deepEqual(evaluate(after, thetaAfter, x, zero, 1), evaluate(before, thetaBefore, x, zero, 1));
});

test('gru inventory lists Keras names in Keras gate order z, r, h with Keras shapes', () => {
  const gates = ['z', 'r', 'h'];
  const expected = (name: string, shape: number[]) => gates.map((gate) => ({ name: `${name}[${gate}]`, shape }));
  assert.deepEqual(gru(tiny).inventory(), [
    ...expected('kernels', [3, 4]),
    ...expected('recurrentKernels', [4, 4]),
    ...expected('bias', [4]),
    ...expected('recurrentBias', [4]),
  ]);
  assert.deepEqual(gru({ ...tiny, resetAfter: false }).inventory(), [...expected('kernels', [3, 4]), ...expected('recurrentKernels', [4, 4]), ...expected('bias', [4])]);
  assert.deepEqual(gru({ ...tiny, bias: false }).inventory(), [...expected('kernels', [3, 4]), ...expected('recurrentKernels', [4, 4])]);
});

test('gru lays out θ as weightIh, weightHh, bias, recurrentBias with the Keras parameter count', () => {
  const { inputSize: I, hiddenSize: H } = tiny;
  const cell = gru(tiny);
  assert.deepEqual(
    cell.params.map(({ name, shape, offset }) => ({ name, shape, offset })),
    [
      { name: 'weightIh', shape: [3 * H, I], offset: 0 },
      { name: 'weightHh', shape: [3 * H, H], offset: 3 * H * I },
      { name: 'bias', shape: [3 * H], offset: 3 * H * (I + H) },
      { name: 'recurrentBias', shape: [3 * H], offset: 3 * H * (I + H + 1) },
    ],
  );
  // Keras: 3·(H·I + H² + 2H) with reset_after=True, 3·(H·I + H² + H) without.
  assert.equal(cell.paramSize, 3 * (H * I + H * H + 2 * H));
  assert.equal(gru({ ...tiny, resetAfter: false }).paramSize, 3 * (H * I + H * H + H));
  assert.deepEqual(cell.stateParts, [{ name: 'h', offset: 0, size: H }]);
  assert.equal(cell.kind, 'gru');
});

test('gru initialises each recurrent gate block orthogonal and the biases to zero', () => {
  const H = tiny.hiddenSize;
  const cell = gru(tiny);
  const theta = new Float64Array(cell.paramSize).fill(7);
  cell.initParams(theta, new Rng(3));
  const weightHh = cell.params[1]!.offset;
  for (let gate = 0; gate < 3; gate++) {
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < H; j++) {
        const row = Array.from(theta.subarray(weightHh + (gate * H + j) * H, weightHh + (gate * H + j + 1) * H));
        const inner = rowDot(theta, weightHh, H, gate * H + i, row);
        assert.ok(Math.abs(inner - (i === j ? 1 : 0)) < 1e-12, `gate ${gate}: ⟨row ${i}, row ${j}⟩ = ${inner}`);
      }
    }
  }
  const limit = Math.sqrt(6 / (tiny.inputSize + H));
  assert.ok(theta.subarray(0, weightHh).every((w) => Math.abs(w) <= limit));
  assert.ok(theta.subarray(cell.params[2]!.offset).every((b) => b === 0));
});

for (const resetAfter of [true, false]) {
  test(`gru (resetAfter ${resetAfter}) vjp skips null outputs and accumulates into dTheta`, () => {
    const p = randomPoint(gru({ ...tiny, resetAfter }), 2, new Rng(8));
    const step = p.cell.createStep(2);
    step.forward(new Float64Array(p.s.length), p.x, p.s, p.theta);
    const dSNext = randomVector(p.s.length, new Rng(9));
    const full = { dX: new Float64Array(p.x.length), dS: new Float64Array(p.s.length), dTheta: new Float64Array(p.theta.length) };
    step.vjp(full.dX, full.dS, full.dTheta, dSNext, p.theta);
    const dTheta = Float64Array.from(full.dTheta);
    step.vjp(null, null, dTheta, dSNext, p.theta);
    assert.ok(maxAbsDiff(dTheta, full.dTheta.map((v) => 2 * v)) < 1e-14);
    const dS = new Float64Array(p.s.length);
    step.vjp(null, dS, null, dSNext, p.theta);
    assert.deepEqual(dS, full.dS);
  });

  test(`gru (resetAfter ${resetAfter}) jvp counts a null tangent as zero`, () => {
    const p = randomPoint(gru({ ...tiny, resetAfter }), 2, new Rng(10));
    const step = p.cell.createStep(2);
    step.forward(new Float64Array(p.s.length), p.x, p.s, p.theta);
    const rng = new Rng(12);
    const sDot = randomVector(p.s.length, rng);
    const withZeros = new Float64Array(p.s.length);
    step.jvp(withZeros, new Float64Array(p.x.length), sDot, new Float64Array(p.theta.length), p.theta);
    const withNulls = new Float64Array(p.s.length);
    step.jvp(withNulls, null, sDot, null, p.theta);
    assert.deepEqual(withNulls, withZeros);
  });
}

test('gru rejects a non-positive or fractional size, naming the option', () => {
  assert.throws(() => gru({ inputSize: 0, hiddenSize: 4 }), /gru: inputSize must be a positive integer/);
  assert.throws(() => gru({ inputSize: 3, hiddenSize: -2 }), /gru: hiddenSize must be a positive integer/);
  assert.throws(() => gru({ inputSize: 3, hiddenSize: 2.5 }), /hiddenSize must be a positive integer, got 2.5/);
  assert.throws(() => gru(tiny).createStep(0), /batch must be a positive integer/);
});

test('gru rejects an unknown option, an unknown gate activation and a non-boolean flag', () => {
  assert.throws(() => gru({ ...tiny, resetGate: 'after' } as never), /gru: unknown option 'resetGate'/);
  assert.throws(() => gru({ ...tiny, gateActivation: 'relu' as never }), /gateActivation must be one of sigmoid, hardSigmoid, hardSigmoidKeras3/);
  assert.throws(() => gru({ ...tiny, resetAfter: 'yes' as never }), /resetAfter must be true or false/);
  assert.throws(() => gru({ ...tiny, dtype: 'float16' as never }), /dtype must be/);
});
