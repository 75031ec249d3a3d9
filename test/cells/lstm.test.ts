import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstm, type LstmOptions } from '../../src/cells/lstm.js';
import { checkCell, evaluate, randomPoint } from '../support/cell-harness.js';
import { Rng, randomVector, relativeError } from '../support/numeric.js';
import { zeros, type Vec } from '../../src/tensor/dtype.js';
import type { DerivedStep } from '../../src/cells/cell.js';

/** One variant through the whole derivative suite, with its float32 twin. */
function checkVariant(name: string, options: LstmOptions, harness: { batch?: number; seed?: number } = {}): void {
  checkCell(name, () => lstm(options), { ...harness, float32: () => lstm({ ...options, dtype: 'float32' }) });
}

checkVariant('lstm', { inputSize: 3, hiddenSize: 4 });
checkVariant('lstm with peepholes', { inputSize: 3, hiddenSize: 4, peephole: true });
checkVariant('lstm with projection', { inputSize: 3, hiddenSize: 4, projSize: 2 });
checkVariant('lstm with peepholes and projection', { inputSize: 3, hiddenSize: 4, projSize: 2, peephole: true });
checkVariant('lstm without bias', { inputSize: 3, hiddenSize: 3, bias: false });
checkVariant('lstm without bias, with peepholes and projection', { inputSize: 2, hiddenSize: 3, projSize: 1, peephole: true, bias: false });
checkVariant('lstm with hardSigmoid gates', { inputSize: 3, hiddenSize: 4, gateActivation: 'hardSigmoid', peephole: true }, { seed: 5 });
checkVariant('lstm with Keras 3 hard_sigmoid gates', { inputSize: 3, hiddenSize: 3, gateActivation: 'hardSigmoidKeras3', projSize: 2 });
checkVariant('lstm over a batch of 3 rows', { inputSize: 3, hiddenSize: 4, projSize: 3, peephole: true }, { batch: 3, seed: 7 });
checkVariant('lstm with one input and one unit', { inputSize: 1, hiddenSize: 1, peephole: true });

const sigmoid = (a: number): number => 1 / (1 + Math.exp(-a));

/**
 * The equations in the file header, written out by hand on plain arrays, with θ read at the
 * offsets of the documented layout [W_ih (4H×I), W_hh (4H×P), b (4H), w_c (3H), W_hr (P×H)].
 */
function handLstm(options: LstmOptions, theta: Float64Array, x: Float64Array, s: Float64Array, batch: number): number[] {
  const { inputSize: I, hiddenSize: H, peephole = false, bias = true } = options;
  const P = options.projSize ?? H;
  const weightIh = 0;
  const weightHh = weightIh + 4 * H * I;
  const b0 = weightHh + 4 * H * P;
  const w0 = b0 + (bias ? 4 * H : 0);
  const r0 = w0 + (peephole ? 3 * H : 0);
  const out: number[] = [];
  for (let row = 0; row < batch; row++) {
    const xr = Array.from(x.subarray(row * I, (row + 1) * I));
    const h = Array.from(s.subarray(row * (P + H), row * (P + H) + P));
    const c = Array.from(s.subarray(row * (P + H) + P, (row + 1) * (P + H)));
    const pre = (gate: number, j: number): number => {
      const r = gate * H + j;
      let sum = bias ? theta[b0 + r] : 0;
      for (let q = 0; q < I; q++) sum += theta[weightIh + r * I + q] * xr[q];
      for (let q = 0; q < P; q++) sum += theta[weightHh + r * P + q] * h[q];
      return sum;
    };
    const cNext: number[] = [];
    const m: number[] = [];
    for (let j = 0; j < H; j++) {
      const i = sigmoid(pre(0, j) + (peephole ? theta[w0 + j] * c[j] : 0));
      const f = sigmoid(pre(1, j) + (peephole ? theta[w0 + H + j] * c[j] : 0));
      const g = Math.tanh(pre(2, j));
      cNext.push(f * c[j] + i * g);
      const o = sigmoid(pre(3, j) + (peephole ? theta[w0 + 2 * H + j] * cNext[j] : 0));
      m.push(o * Math.tanh(cNext[j]));
    }
    const hNext = options.projSize === undefined ? m : Array.from({ length: P }, (_, r) => m.reduce((sum, mj, j) => sum + theta[r0 + r * H + j] * mj, 0));
    out.push(...hNext, ...cNext);
  }
  return out;
}

for (const options of [
  { inputSize: 3, hiddenSize: 4 },
  { inputSize: 3, hiddenSize: 4, projSize: 2 },
  { inputSize: 2, hiddenSize: 5, projSize: 3, peephole: true },
  { inputSize: 2, hiddenSize: 3, projSize: 2, peephole: true, bias: false },
] satisfies LstmOptions[]) {
  test(`lstm forward equals a hand computation of the equations (${JSON.stringify(options)})`, () => {
    const rng = new Rng(11);
    const p = randomPoint(lstm(options), 2, rng);
    const expected = handLstm(options, p.theta, p.x, p.s, 2);
    const actual = evaluate(p.cell, p.theta, p.x, p.s, 2);
    assert.ok(relativeError(actual, expected) < 1e-14, `relative error ${relativeError(actual, expected)}`);
  });
}

test('lstm with projection emits h = W_hr·(o ⊙ tanh c) for a small example worked by hand', () => {
  // inputSize 1, hiddenSize 2, projSize 1, no bias: every gate row k has W_ih = [0.5·(k+1)/8], W_hh = [−0.25].
  const cell = lstm({ inputSize: 1, hiddenSize: 2, projSize: 1, bias: false });
  const theta = new Float64Array(cell.paramSize);
  for (let k = 0; k < 8; k++) {
    theta[k] = (0.5 * (k + 1)) / 8;
    theta[8 + k] = -0.25;
  }
  theta[16] = 2; // W_hr = [2, −1]
  theta[17] = -1;
  const x = Float64Array.of(1);
  const s = Float64Array.of(0.4, 0.3, -0.6); // h, c₁, c₂
  const a = (k: number): number => (0.5 * (k + 1)) / 8 - 0.25 * 0.4;
  const cNext = [0, 1].map((j) => sigmoid(a(2 + j)) * s[1 + j] + sigmoid(a(j)) * Math.tanh(a(4 + j)));
  const m = [0, 1].map((j) => sigmoid(a(6 + j)) * Math.tanh(cNext[j]));
  const expected = [2 * m[0] - m[1], ...cNext];
  const actual = evaluate(cell, theta, x, s, 1);
  assert.ok(relativeError(actual, expected) < 1e-15, `got ${Array.from(actual)}, expected ${expected}`);
});

test('lstm initialises the forget-gate bias to 1 and the other biases to 0', () => {
  const cell = lstm({ inputSize: 3, hiddenSize: 5 });
  const theta = new Float64Array(cell.paramSize);
  cell.initParams(theta, new Rng(1));
  const [, , bias] = cell.blocks.of(theta);
  assert.deepEqual(Array.from(bias), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
});

test('lstm initialises peepholes to zero, so a fresh peephole lstm computes what the plain one does', () => {
  const plain = lstm({ inputSize: 3, hiddenSize: 4, projSize: 2 });
  const peephole = lstm({ inputSize: 3, hiddenSize: 4, projSize: 2, peephole: true });
  const thetaPlain = new Float64Array(plain.paramSize);
  const thetaPeephole = new Float64Array(peephole.paramSize);
  plain.initParams(thetaPlain, new Rng(4));
  peephole.initParams(thetaPeephole, new Rng(4));
  assert.ok(peephole.blocks.of(thetaPeephole)[3].every((w) => w === 0));
  const rng = new Rng(5);
  const x = randomVector(2 * 3, rng);
  const s = randomVector(2 * 6, rng);
  assert.deepEqual(evaluate(peephole, thetaPeephole, x, s, 2), evaluate(plain, thetaPlain, x, s, 2));
});

test('lstm initialises each recurrent gate block with orthonormal columns', () => {
  const cell = lstm({ inputSize: 2, hiddenSize: 4, projSize: 3 });
  const theta = new Float64Array(cell.paramSize);
  cell.initParams(theta, new Rng(2));
  const weightHh = cell.blocks.of(theta)[1];
  for (let gate = 0; gate < 4; gate++) {
    for (let p = 0; p < 3; p++) {
      for (let q = 0; q < 3; q++) {
        let d = 0;
        for (let r = 0; r < 4; r++) d += weightHh[(gate * 4 + r) * 3 + p] * weightHh[(gate * 4 + r) * 3 + q];
        assert.ok(Math.abs(d - (p === q ? 1 : 0)) < 1e-12, `gate ${gate}: column ${p}·column ${q} = ${d}`);
      }
    }
  }
});

test('lstm inventory lists kernels, recurrent kernels and biases per gate i, f, c, o in Keras shapes', () => {
  const cell = lstm({ inputSize: 10, hiddenSize: 256 });
  assert.deepEqual(cell.inventory(), [
    { name: 'kernels[i]', shape: [10, 256] },
    { name: 'kernels[f]', shape: [10, 256] },
    { name: 'kernels[c]', shape: [10, 256] },
    { name: 'kernels[o]', shape: [10, 256] },
    { name: 'recurrentKernels[i]', shape: [256, 256] },
    { name: 'recurrentKernels[f]', shape: [256, 256] },
    { name: 'recurrentKernels[c]', shape: [256, 256] },
    { name: 'recurrentKernels[o]', shape: [256, 256] },
    { name: 'bias[i]', shape: [256] },
    { name: 'bias[f]', shape: [256] },
    { name: 'bias[c]', shape: [256] },
    { name: 'bias[o]', shape: [256] },
  ]);
  assert.equal(cell.paramSize, 4 * 256 * (10 + 256 + 1));
});

test('lstm inventory lists peepholes and the projection only when enabled, and counts every parameter', () => {
  const names = (options: LstmOptions) => lstm(options).inventory().map((entry) => entry.name);
  assert.ok(!names({ inputSize: 2, hiddenSize: 4 }).some((name) => name.startsWith('peepholes') || name === 'projection'));
  assert.ok(!names({ inputSize: 2, hiddenSize: 4, bias: false }).some((name) => name.startsWith('bias')));
  const cell = lstm({ inputSize: 2, hiddenSize: 4, projSize: 3, peephole: true });
  const inventory = cell.inventory();
  assert.deepEqual(inventory.slice(4), [
    { name: 'recurrentKernels[i]', shape: [3, 4] },
    { name: 'recurrentKernels[f]', shape: [3, 4] },
    { name: 'recurrentKernels[c]', shape: [3, 4] },
    { name: 'recurrentKernels[o]', shape: [3, 4] },
    { name: 'bias[i]', shape: [4] },
    { name: 'bias[f]', shape: [4] },
    { name: 'bias[c]', shape: [4] },
    { name: 'bias[o]', shape: [4] },
    { name: 'peepholes[i]', shape: [4] },
    { name: 'peepholes[f]', shape: [4] },
    { name: 'peepholes[o]', shape: [4] },
    { name: 'projection', shape: [4, 3] },
  ]);
  const counted = inventory.reduce((n, entry) => n + entry.shape.reduce((a, b) => a * b, 1), 0);
  assert.equal(counted, cell.paramSize);
});

test('lstm lays θ out as weightIh, weightHh, bias, peephole, weightHr', () => {
  const blocks = (options: LstmOptions) => lstm(options).params.map(({ name, shape, offset }) => ({ name, shape, offset }));
  assert.deepEqual(blocks({ inputSize: 2, hiddenSize: 4, projSize: 3, peephole: true }), [
    { name: 'weightIh', shape: [16, 2], offset: 0 },
    { name: 'weightHh', shape: [16, 3], offset: 32 },
    { name: 'bias', shape: [16], offset: 80 },
    { name: 'peephole', shape: [12], offset: 96 },
    { name: 'weightHr', shape: [3, 4], offset: 108 },
  ]);
  assert.deepEqual(
    blocks({ inputSize: 2, hiddenSize: 4, bias: false }).map((block) => block.name),
    ['weightIh', 'weightHh'],
  );
});

test('lstm state is [h (P); c (H)] and the output is h', () => {
  const projected = lstm({ inputSize: 3, hiddenSize: 5, projSize: 2 });
  assert.equal(projected.stateSize, 7);
  assert.equal(projected.outputSize, 2);
  assert.equal(projected.outputOffset, 0);
  assert.deepEqual(projected.stateParts, [
    { name: 'h', offset: 0, size: 2 },
    { name: 'c', offset: 2, size: 5 },
  ]);
  const plain = lstm({ inputSize: 3, hiddenSize: 5 });
  assert.equal(plain.stateSize, 10);
  assert.equal(plain.outputSize, 5);
});

test('lstm rejects a projection not smaller than the hidden size, naming projSize', () => {
  assert.throws(() => lstm({ inputSize: 3, hiddenSize: 4, projSize: 4 }), { name: 'RangeError', message: /projSize must be smaller than hiddenSize \(4\), got 4/ });
  assert.throws(() => lstm({ inputSize: 3, hiddenSize: 4, projSize: 9 }), { name: 'RangeError', message: /projSize/ });
});

test('lstm rejects a non-positive or fractional size, naming the option', () => {
  assert.throws(() => lstm({ inputSize: 0, hiddenSize: 4 }), /inputSize must be a positive integer/);
  assert.throws(() => lstm({ inputSize: 3, hiddenSize: -2 }), /hiddenSize must be a positive integer/);
  assert.throws(() => lstm({ inputSize: 3, hiddenSize: 2.5 }), /hiddenSize must be a positive integer/);
  assert.throws(() => lstm({ inputSize: 3, hiddenSize: 4, projSize: 0 }), /projSize must be a positive integer/);
  assert.throws(() => lstm({ inputSize: 3, hiddenSize: 4, projSize: -1 }), /projSize must be a positive integer/);
  assert.throws(() => lstm({ inputSize: 3, hiddenSize: 4, projSize: 1.5 }), /projSize must be a positive integer/);
  assert.throws(() => lstm({ inputSize: 3, hiddenSize: 4 }).createStep(0), /batch must be a positive integer/);
});

test('lstm rejects an unknown option, an unknown gate activation and a non-boolean flag', () => {
  assert.throws(() => lstm({ inputSize: 3, hiddenSize: 4, nonlinearity: 'tanh' } as never), /unknown option 'nonlinearity'/);
  assert.throws(() => lstm({ inputSize: 3, hiddenSize: 4, gateActivation: 'relu' as never }), /gateActivation must be one of/);
  assert.throws(() => lstm({ inputSize: 3, hiddenSize: 4, peephole: 1 as never }), /peephole must be true or false/);
  assert.throws(() => lstm({ inputSize: 3, hiddenSize: 4, dtype: 'float16' as never }), /dtype must be/);
});

test('lstm vjp with only dTheta adds the same ∂θ as the full vjp, onto what dTheta held', () => {
  const rng = new Rng(21);
  const p = randomPoint(lstm({ inputSize: 3, hiddenSize: 4, projSize: 2, peephole: true }), 2, rng);
  const step = p.cell.createStep(2);
  step.forward(new Float64Array(p.s.length), p.x, p.s, p.theta);
  const dSNext = randomVector(p.s.length, rng);
  const full = new Float64Array(p.theta.length);
  step.vjp(new Float64Array(p.x.length), new Float64Array(p.s.length), full, dSNext, p.theta);
  const start = randomVector(p.theta.length, rng);
  const only = Float64Array.from(start);
  step.vjp(null, null, only, dSNext, p.theta);
  assert.ok(relativeError(only.map((v, k) => v - start[k]), full) < 1e-14);
});

test('lstm jvp treats a null tangent as zero', () => {
  const rng = new Rng(22);
  const p = randomPoint(lstm({ inputSize: 3, hiddenSize: 4, projSize: 2, peephole: true }), 2, rng);
  const step = p.cell.createStep(2);
  step.forward(new Float64Array(p.s.length), p.x, p.s, p.theta);
  const tangents = { xDot: randomVector(p.x.length, rng), sDot: randomVector(p.s.length, rng), thetaDot: randomVector(p.theta.length, rng) };
  const zero = { xDot: new Float64Array(p.x.length), sDot: new Float64Array(p.s.length), thetaDot: new Float64Array(p.theta.length) };
  for (const part of ['xDot', 'sDot', 'thetaDot'] as const) {
    const withZeros = new Float64Array(p.s.length);
    const withNulls = new Float64Array(p.s.length);
    const t = { ...zero, [part]: tangents[part] };
    step.jvp(withZeros, t.xDot, t.sDot, t.thetaDot, p.theta);
    step.jvp(withNulls, part === 'xDot' ? t.xDot : null, part === 'sDot' ? t.sDot : null, part === 'thetaDot' ? t.thetaDot : null, p.theta);
    assert.deepEqual(withNulls, withZeros, `only ${part} given`);
  }
});

test('lstm forwardWithStateJvp gives the state and J·ṡ of forward then stateJvp bit for bit (one product [h; ḣ]·W_hhᵀ), in place, with peepholes and projection, float64 and float32', () => {
  const rng = new Rng(23);
  for (const dtype of ['float64', 'float32'] as const) {
    for (const options of [{}, { peephole: true }, { projSize: 12 }, { peephole: true, projSize: 12 }, { bias: false }]) {
      for (const batch of [1, 2]) {
        const cell = lstm({ inputSize: 8, hiddenSize: 24, dtype, ...options });
        const theta = zeros(dtype, cell.paramSize);
        cell.initParams(theta, rng);
        for (let i = 0; i < theta.length; i++) theta[i] += 0.3 * rng.normal();
        const fused = cell.createStep(batch) as unknown as { forwardWithStateJvp(sNext: Vec, x: Vec, s: Vec, theta: Vec, sNextDot: Vec, sDot: Vec): void };
        const apart = cell.createStep(batch) as DerivedStep;
        const sFused = zeros(dtype, batch * cell.stateSize);
        const sApart = zeros(dtype, batch * cell.stateSize);
        for (let t = 0; t < 3; t++) {
          const x = zeros(dtype, batch * cell.inputSize);
          const sDot = zeros(dtype, batch * cell.stateSize);
          for (let i = 0; i < x.length; i++) x[i] = rng.normal();
          for (let i = 0; i < sDot.length; i++) sDot[i] = rng.normal();
          const jvpFused = zeros(dtype, sDot.length);
          const jvpApart = zeros(dtype, sDot.length);
          fused.forwardWithStateJvp(sFused, x, sFused, theta, jvpFused, sDot);
          apart.forward(sApart, x, sApart, theta);
          apart.stateJvp(jvpApart, sDot, theta);
          const what = `${dtype} ${JSON.stringify(options)} batch ${batch} step ${t}`;
          assert.deepEqual(sFused, sApart, `${what}: s'`);
          assert.deepEqual(jvpFused, jvpApart, `${what}: J·ṡ`);
        }
      }
    }
  }
});
