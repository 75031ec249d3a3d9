import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zeros, type DType, type Vec } from '../../src/tensor/dtype.js';
import { bufferBackend, kernelBackend, setKernelBackend } from '../../src/tensor/backend.js';
import { axpyScaled, combine, dot, fusesRankOne, normSquared, orderedSquares, reciprocalTerms, scaleTerms, termScalings, matmulAB, matmulAtBAdd, matvecTransposed, rankOneAxpyScaled, type RankOneBlock } from '../../src/tensor/kernels.js';
import { Rng } from '../../src/tensor/rng.js';

const skip = kernelBackend() === 'wasm' ? false : 'the WebAssembly kernels are off (ONLINE_RNN_KERNELS=ts)';

function random(dtype: DType, n: number, rng: Rng): Vec {
  const v = zeros(dtype, n);
  for (let i = 0; i < n; i++) v[i] = rng.normal();
  return v;
}

test('matvecTransposed equals matmulAB with one row bit for bit, in both dtypes and for row counts that are and are not multiples of 4', () => {
  const rng = new Rng(7);
  for (const dtype of ['float64', 'float32'] as const) {
    for (const [n, k] of [[8, 5], [64, 128], [36, 131], [7, 9]] as const) {
      const a = random(dtype, k, rng);
      const B = random(dtype, k * n, rng);
      const expected = zeros(dtype, n);
      matmulAB(expected, a, B, 1, n, k);
      const out = random(dtype, n, rng); // overwritten, not added to
      matvecTransposed(out, a, B, n, k);
      assert.deepEqual(out, expected, `${dtype} n ${n} k ${k}`);
    }
  }
});

/** θ̃-like values with blocks [c ⊗ x, c ⊗ h, 1 ⊗ c] as the LSTM's deferred terms lay them out. */
function rankOneCase(dtype: DType, rng: Rng, R: number, I: number, S: number): { values: Vec; blocks: RankOneBlock[] } {
  const c = random(dtype, R, rng);
  const one = zeros(dtype, 1);
  one[0] = 1;
  const blocks = [
    { offset: 0, rows: c, cols: random(dtype, I, rng) },
    { offset: R * I, rows: c, cols: random(dtype, S, rng) },
    { offset: R * (I + S), rows: one, cols: c },
  ];
  return { values: random(dtype, R * (I + S + 1), rng), blocks };
}

test('the fused rank-one SGD pass equals the rank-one updates then axpyScaled, θ, values and ‖values‖² bit for bit (clipped or not, float64 and float32)', { skip }, () => {
  const rng = new Rng(11);
  for (const dtype of ['float64', 'float32'] as const) {
    for (const factor of [1, 0.37]) {
      const { values, blocks } = rankOneCase(dtype, rng, 24, 8, 16);
      const theta = random(dtype, values.length, rng);
      const round = dtype === 'float32' ? Math.fround : (x: number) => x;
      const [alpha, scale] = [round(-0.013), round(2.5)];
      // two passes: the terms (as the cells' accumulate adds them), then the SGD step
      const twoPassValues = Float64Array.from(values) as Vec;
      const plainValues = zeros(dtype, values.length);
      plainValues.set(values);
      for (const { offset, rows, cols } of blocks) matmulAtBAdd(plainValues.subarray(offset, offset + rows.length * cols.length), rows, cols, rows.length, cols.length, 1);
      const plainTheta = zeros(dtype, theta.length);
      plainTheta.set(theta);
      const plainNorm = axpyScaled(plainTheta, alpha, plainValues, scale, round(factor));
      assert.ok(fusesRankOne(theta, values, blocks), `${dtype}: the fused kernel applies`);
      const fusedNorm = rankOneAxpyScaled(theta, alpha, values, scale, round(factor), blocks);
      assert.deepEqual(values, plainValues, `${dtype} factor ${factor}: values`);
      assert.deepEqual(theta, plainTheta, `${dtype} factor ${factor}: θ`);
      assert.equal(fusedNorm, plainNorm, `${dtype} factor ${factor}: ‖values‖²`);
      assert.equal(fusedNorm, normSquared(values));
      if (dtype === 'float64') assert.equal(fusedNorm, dot(values, values));
      assert.notDeepEqual(Float64Array.from(values), twoPassValues, 'the terms were added');
    }
  }
});

test('the fused rank-one pass is refused where it could not round as the two passes do: rows not a multiple of 8, blocks not tiling the values', { skip }, () => {
  const rng = new Rng(12);
  const { values, blocks } = rankOneCase('float64', rng, 24, 3, 16);
  const theta = random('float64', values.length, rng);
  assert.equal(fusesRankOne(theta, values, blocks), false, 'rows of 3');
  const aligned = rankOneCase('float64', rng, 24, 8, 16);
  assert.equal(fusesRankOne(random('float64', aligned.values.length, rng), aligned.values, aligned.blocks.slice(0, 2)), false, 'the bias block missing');
  assert.equal(fusesRankOne(random('float64', aligned.values.length, rng), aligned.values, aligned.blocks), true);
});

/** A copy in the arena (slice() would make an ordinary array, which the SIMD kernels refuse). */
function copy(v: Vec): Vec {
  const out = zeros(v instanceof Float32Array ? 'float32' : 'float64', v.length);
  out.set(v);
  return out;
}

/** Runs `f` on the TypeScript kernels, then restores the SIMD ones. */
function onTypeScript<R>(f: () => R): R {
  setKernelBackend('ts');
  try {
    return f();
  } finally {
    setKernelBackend('wasm');
  }
}

test("the per-term scalar kernels (NoBackTrack's scalings, UORO's ordered squares, term scalings, s̃'s combination) give the TypeScript loops' numbers bit for bit, float64 and float32, odd and even lengths", { skip }, () => {
  const rng = new Rng(13);
  assert.equal(bufferBackend(zeros('float32', 1)), 'wasm');
  for (const dtype of ['float64', 'float32'] as const) {
    for (const K of [64, 65, 256, 513]) {
      const [uNorm, vNorm] = [random(dtype, K, rng), random(dtype, K, rng)];
      for (let k = 0; k < K; k++) [uNorm[k], vNorm[k]] = [Math.abs(uNorm[k]!), Math.abs(vNorm[k]!)];
      vNorm[3] = 0; // a saturated gate: ε keeps c_k finite
      const signs = zeros(dtype, K + 1);
      rng.fillSigns(signs);
      const [wide, narrow] = [zeros(dtype, K), zeros(dtype, K)];
      const sums = [termScalings(wide, signs, uNorm, vNorm, 1e-7), onTypeScript(() => termScalings(narrow, signs, uNorm, vNorm, 1e-7))];
      assert.equal(sums[0], sums[1], `termScalings sum ${dtype} K ${K}`);
      assert.deepEqual(wide, narrow, `termScalings ${dtype} K ${K}`);
      assert.equal(orderedSquares(wide, uNorm), onTypeScript(() => orderedSquares(narrow, uNorm)), `orderedSquares ${dtype} K ${K}`);
      for (const [name, f] of [['scaleTerms', scaleTerms], ['reciprocalTerms', reciprocalTerms]] as const) {
        f(wide, 0.3 / 7);
        onTypeScript(() => f(narrow, 0.3 / 7));
        assert.deepEqual(wide, narrow, `${name} ${dtype} K ${K}`);
      }
      const [x, y] = [random(dtype, K, rng), random(dtype, K, rng)];
      const [out, expected] = [copy(x), copy(x)];
      combine(out, 1, out, -1.7 / 3, y); // in place, as NoBackTrack's s̃ += ε_0ρ_0·J·s̃
      onTypeScript(() => combine(expected, 1, expected, -1.7 / 3, y));
      assert.deepEqual(out, expected, `combine in place ${dtype} K ${K}`);
      combine(out, 0.1 / 3, x, 2.2 / 7, y);
      onTypeScript(() => combine(expected, 0.1 / 3, x, 2.2 / 7, y));
      assert.deepEqual(out, expected, `combine ${dtype} K ${K}`);
    }
  }
});
