import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zeros, type DType, type Vec } from '../../src/tensor/dtype.js';
import { arena, fusedMultiplyAdd, kernelBackend, setKernelBackend } from '../../src/tensor/backend.js';
import { axpby, axpy, dot, norm, normSquared, scaleInto, lstmGates, lstmGatesBackward, matmulAB, matmulABAdd, matmulABt, matmulABtAdd, matmulAtBAdd } from '../../src/tensor/kernels.js';
import { gateActivation, sigmoid } from '../../src/tensor/activations.js';
import { Rng } from '../../src/tensor/rng.js';
import { relativeError } from '../support/numeric.js';

const wasm = kernelBackend() === 'wasm';
const skip = wasm ? false : 'the WebAssembly kernels are off (ONLINE_RNN_KERNELS=ts)';

function random(dtype: DType, n: number, rng: Rng): Vec {
  const v = zeros(dtype, n);
  for (let i = 0; i < n; i++) v[i] = rng.normal();
  return v;
}

type Kernel = (out: Vec, A: Vec, B: Vec, m: number, n: number, k: number) => void;
const KERNELS: Array<{ name: string; kernel: Kernel; sizes: (m: number, n: number, k: number) => [number, number, number]; exactInF64: boolean }> = [
  { name: 'matmulABt', kernel: matmulABt, sizes: (m, n, k) => [m * n, m * k, n * k], exactInF64: false },
  { name: 'matmulABtAdd', kernel: matmulABtAdd, sizes: (m, n, k) => [m * n, m * k, n * k], exactInF64: false },
  { name: 'matmulAB', kernel: matmulAB, sizes: (m, n, k) => [m * n, m * k, k * n], exactInF64: true },
  { name: 'matmulABAdd', kernel: matmulABAdd, sizes: (m, n, k) => [m * n, m * k, k * n], exactInF64: true },
  { name: 'matmulAtBAdd', kernel: matmulAtBAdd, sizes: (m, n, k) => [m * n, k * m, k * n], exactInF64: true },
];

/** Random shapes: every size 1…9 somewhere (odd ones too) and a few past the tile sizes. */
function shapes(rng: Rng): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [
    [1, 1, 1],
    [1, 7, 3],
    [2, 4, 2],
    [3, 5, 9],
    [1, 128, 32],
    [1, 33, 130],
    [5, 67, 17],
    [3, 530, 150], // across matmulAB's panels of B (128 rows × 1 KiB) with ragged edges
    [300, 20, 300], // across matmulAtBAdd's packed blocks of A (64 columns × 256 rows at n = 20)
  ];
  for (let i = 0; i < 25; i++) out.push([1 + rng.int(9), 1 + rng.int(40), 1 + rng.int(40)]);
  return out;
}

for (const dtype of ['float64', 'float32'] as const) {
  for (const { name, kernel, sizes, exactInF64 } of KERNELS) {
    test(`${name} on WebAssembly SIMD agrees with the TypeScript reference in ${dtype} on random shapes`, { skip }, () => {
      const rng = new Rng(11);
      for (const [m, n, k] of shapes(rng)) {
        const [outSize, aSize, bSize] = sizes(m, n, k);
        const A = random(dtype, aSize, rng);
        const B = random(dtype, bSize, rng);
        const start = random(dtype, outSize, rng);
        const viaWasm = zeros(dtype, outSize);
        const viaTs = zeros(dtype, outSize);
        viaWasm.set(start);
        viaTs.set(start);
        try {
          setKernelBackend('ts');
          kernel(viaTs, A, B, m, n, k);
        } finally {
          setKernelBackend('wasm');
        }
        kernel(viaWasm, A, B, m, n, k);
        const shape = `m=${m} n=${n} k=${k}`;
        // Unfused, these kernels do the reference's sums in its order; fused multiply-adds round once less.
        if (dtype === 'float64' && exactInF64 && !fusedMultiplyAdd()) assert.deepEqual(viaWasm, viaTs, `${shape}: the same sums in the same order`);
        else assert.ok(relativeError(viaWasm, viaTs) < (dtype === 'float64' ? 1e-14 : 2e-6), `${shape}: relative error ${relativeError(viaWasm, viaTs)}`);
      }
    });
  }
}

test('a row of a SIMD matrix product equals the matrix-vector product of that row, bit for bit, added or not', { skip }, () => {
  const rng = new Rng(3);
  for (const dtype of ['float64', 'float32'] as const) {
    // k = 44 takes the matrix-vector kernel (gemvABt: 8 rows of B at a time, then the 5 left); k = 45 matmulABt's m = 1 path.
    for (const [m, n, k] of [[7, 37, 45], [7, 37, 44], [3, 512, 128]] as const) {
      const A = random(dtype, m * k, rng);
      const B = random(dtype, n * k, rng);
      const start = random(dtype, m * n, rng);
      const whole = zeros(dtype, m * n);
      matmulABt(whole, A, B, m, n, k);
      const wholeAdded = zeros(dtype, m * n);
      wholeAdded.set(start);
      matmulABtAdd(wholeAdded, A, B, m, n, k);
      const row = zeros(dtype, n);
      for (let i = 0; i < m; i++) {
        matmulABt(row, A.subarray(i * k, (i + 1) * k), B, 1, n, k);
        assert.deepEqual(row, whole.subarray(i * n, (i + 1) * n), `${dtype} ${m}×${n}×${k} row ${i}`);
        row.set(start.subarray(i * n, (i + 1) * n));
        matmulABtAdd(row, A.subarray(i * k, (i + 1) * k), B, 1, n, k);
        assert.deepEqual(row, wholeAdded.subarray(i * n, (i + 1) * n), `${dtype} ${m}×${n}×${k} row ${i}, added`);
      }
    }
  }
});

test('a buffer outside the arena takes the TypeScript path and gives the same product', () => {
  const rng = new Rng(4);
  const A = random('float64', 6 * 5, rng);
  const B = random('float64', 4 * 5, rng);
  const inArena = zeros('float64', 6 * 4);
  const onHeap = new Float64Array(6 * 4);
  matmulABt(inArena, A, B, 6, 4, 5);
  matmulABt(onHeap, A, B, 6, 4, 5);
  assert.ok(relativeError(inArena, onHeap) < 1e-14);
});

test('buffers made before the arena grows stay valid and zero-filled buffers keep coming', { skip }, () => {
  const first = zeros('float64', 1000);
  first.fill(2.5);
  const before = arena!.used;
  const big = zeros('float32', 8 * 2 ** 20); // 32 MiB: more than the initial 16 MiB
  assert.ok(arena!.used >= before + big.byteLength);
  assert.ok(big.every((v) => v === 0));
  assert.ok(first.every((v) => v === 2.5), 'the older view still reads the same memory');
  assert.ok(arena!.owns(first) && arena!.owns(big));
});

test('the fused SIMD LSTM gates agree with the TypeScript reference, with and without bias and peepholes', { skip }, () => {
  const rng = new Rng(21);
  for (const dtype of ['float64', 'float32'] as const) {
    for (const [B, H] of [[1, 1], [1, 3], [2, 5], [3, 8], [1, 33]] as const) {
      for (const withBias of [false, true]) {
        for (const withPeephole of [false, true]) {
          // Pre-activations over a wide range, so both tails of σ and tanh are exercised.
          const a = random(dtype, B * 4 * H, rng).map((v) => 6 * v) as Vec;
          const c = random(dtype, B * H, rng);
          const bias = withBias ? random(dtype, 4 * H, rng) : null;
          const peephole = withPeephole ? random(dtype, 3 * H, rng) : null;
          const run = (backend: 'ts' | 'wasm') => {
            const t = { a: zeros(dtype, a.length), c, y: zeros(dtype, B * 4 * H), cNext: zeros(dtype, B * H), tc: zeros(dtype, B * H), m: zeros(dtype, B * H) };
            t.a.set(a);
            setKernelBackend(backend);
            try {
              lstmGates(t, bias, peephole, sigmoid, B, H);
            } finally {
              setKernelBackend('wasm');
            }
            return t;
          };
          const viaTs = run('ts');
          const viaWasm = run('wasm');
          const tolerance = dtype === 'float64' ? 1e-14 : 1e-6;
          for (const name of ['a', 'y', 'cNext', 'tc', 'm'] as const) {
            const error = relativeError(viaWasm[name], viaTs[name]);
            assert.ok(error < tolerance, `${dtype} B=${B} H=${H} bias=${withBias} peephole=${withPeephole}: ${name} differs by ${error}`);
          }
        }
      }
    }
  }
});

test('the SIMD LSTM backward pointwise step equals the TypeScript reference bit for bit in float64 and within rounding in float32, with and without peepholes and ∂L/∂c', { skip }, () => {
  const rng = new Rng(23);
  const logistic = gateActivation('sigmoid');
  for (const dtype of ['float64', 'float32'] as const) {
    for (const [B, H] of [[1, 1], [1, 3], [2, 5], [3, 8], [1, 33], [2, 128]] as const) {
      for (const withPeephole of [false, true]) {
        for (const withDc of [false, true]) {
          // A forward step first, so y, c and tanh(c') are consistent; ∂c' and ∂c sit in rows of a wider state.
          const t = { a: random(dtype, B * 4 * H, rng).map((v) => 3 * v) as Vec, c: random(dtype, B * H, rng), y: zeros(dtype, B * 4 * H), cNext: zeros(dtype, B * H), tc: zeros(dtype, B * H), m: zeros(dtype, B * H) };
          const peephole = withPeephole ? random(dtype, 3 * H, rng) : null;
          lstmGates(t, null, peephole, sigmoid, B, H);
          const stride = 2 * H + 3;
          const offset = H + 1;
          const dm = random(dtype, B * H, rng);
          const dcIn = random(dtype, B * stride, rng);
          const run = (backend: 'ts' | 'wasm') => {
            const d = { t, dm, dcIn, da: zeros(dtype, B * 4 * H), dc: withDc ? zeros(dtype, B * stride) : null, stride, offset };
            setKernelBackend(backend);
            try {
              lstmGatesBackward(d, peephole, logistic, B, H);
            } finally {
              setKernelBackend('wasm');
            }
            return d;
          };
          const viaTs = run('ts');
          const viaWasm = run('wasm');
          const label = `${dtype} B=${B} H=${H} peephole=${withPeephole} dc=${withDc}`;
          if (dtype === 'float64') {
            assert.deepEqual(viaWasm.da, viaTs.da, `${label}: ∂a`);
            assert.deepEqual(viaWasm.dc, viaTs.dc, `${label}: ∂c`);
          } else {
            assert.ok(relativeError(viaWasm.da, viaTs.da) < 1e-6, `${label}: ∂a differs by ${relativeError(viaWasm.da, viaTs.da)}`);
            if (withDc) assert.ok(relativeError(viaWasm.dc!, viaTs.dc!) < 1e-6, `${label}: ∂c differs by ${relativeError(viaWasm.dc!, viaTs.dc!)}`);
          }
          // Only the c columns of each ∂L/∂s row are written.
          if (withDc) for (let b = 0; b < B; b++) for (let j = 0; j < stride; j++) if (j < offset || j >= offset + H) assert.equal(viaWasm.dc![b * stride + j], 0, `${label}: wrote outside the c part`);
          assert.ok(viaWasm.da.some((v) => v !== 0), `${label}: ∂a is all zero`);
        }
      }
    }
  }
});

test('the SIMD σ and tanh keep their relative precision near zero and saturate to within the smallest normal number far from it', { skip }, () => {
  for (const dtype of ['float64', 'float32'] as const) {
    const values = [0, 1e-12, -3e-9, 1e-5, 0.3, -0.7, 5, -30, 200, -800];
    const a = zeros(dtype, 4 * values.length);
    values.forEach((v, j) => {
      for (let gate = 0; gate < 4; gate++) a[gate * values.length + j] = v;
    });
    const H = values.length;
    const t = { a, c: zeros(dtype, H), y: zeros(dtype, 4 * H), cNext: zeros(dtype, H), tc: zeros(dtype, H), m: zeros(dtype, H) };
    lstmGates(t, null, null, sigmoid, 1, H);
    const eps = dtype === 'float64' ? 4e-16 : 3e-7;
    values.forEach((v, j) => {
      const g = t.y[2 * H + j]!;
      const i = t.y[j]!;
      const exactTanh = Math.tanh(v);
      const exactSigmoid = sigmoid(v);
      assert.ok(Math.abs(g - exactTanh) <= 2 * eps * Math.abs(exactTanh) + (dtype === 'float32' ? 1e-45 : 0), `${dtype} tanh(${v}) = ${g}, want ${exactTanh}`);
      assert.ok(Math.abs(i - exactSigmoid) <= 4 * eps * exactSigmoid + (dtype === 'float64' ? 2.3e-308 * 2 : 1.2e-38 * 2), `${dtype} σ(${v}) = ${i}, want ${exactSigmoid}`);
    });
  }
});

test('the SIMD vector kernels (dot, norm, axpy, axpby, scaleInto) agree with the TypeScript reference on odd lengths', { skip }, () => {
  const rng = new Rng(31);
  for (const dtype of ['float64', 'float32'] as const) {
    for (const n of [64, 65, 67, 100, 1031]) {
      const a = random(dtype, n, rng);
      const b = random(dtype, n, rng);
      const both = (body: () => number | Vec) => {
        setKernelBackend('ts');
        let viaTs: number | Vec;
        try {
          viaTs = body();
        } finally {
          setKernelBackend('wasm');
        }
        return [viaTs, body()] as const;
      };
      const [dotTs, dotWasm] = both(() => dot(a, b)) as [number, number];
      assert.ok(Math.abs(dotTs - dotWasm) < (dtype === 'float64' ? 1e-12 : 1e-4) * Math.sqrt(n), `${dtype} n=${n}: dot ${dotWasm} vs ${dotTs}`);
      const [normTs, normWasm] = both(() => norm(a)) as [number, number];
      assert.ok(Math.abs(normTs - normWasm) < 1e-12 * normTs, `${dtype} n=${n}: norm`);
      for (const backend of ['ts', 'wasm'] as const) {
        setKernelBackend(backend);
        try {
          const out = zeros(dtype, n);
          const squares = scaleInto(out, -0.75, a);
          assert.ok(Object.is(squares, normSquared(a)), `${dtype} n=${n} ${backend}: scaleInto's ⟨x, x⟩ ${squares} must equal normSquared(x) ${normSquared(a)} bit for bit`);
          // normSquared is dot(x, x) except on float32 SIMD, which sums in float32 lanes: within float32 rounding of it
          if (dtype === 'float64' || backend === 'ts') assert.ok(Object.is(squares, dot(a, a)), `${dtype} n=${n} ${backend}: normSquared is dot(x, x)`);
          else assert.ok(Math.abs(squares - dot(a, a)) < 1e-6 * dot(a, a), `${dtype} n=${n}: float32 lanes ${squares} vs dot ${dot(a, a)}`);
          const expected = zeros(dtype, n);
          expected.set(a);
          axpby(expected, 0, a, -0.75);
          assert.ok(relativeError(out, expected) <= (dtype === 'float64' ? 0 : 1e-7), `${dtype} n=${n} ${backend}: scaleInto's copy`);
        } finally {
          setKernelBackend('wasm');
        }
      }
      for (const [alpha, beta] of [[0.5, 1], [-1.25, 0.75]] as const) {
        const [yTs, yWasm] = both(() => {
          const y = zeros(dtype, n);
          y.set(b);
          if (beta === 1) axpy(y, alpha, a);
          else axpby(y, alpha, a, beta);
          return y;
        }) as [Vec, Vec];
        const error = relativeError(yWasm, yTs);
        assert.ok(dtype === 'float64' ? error === 0 : error < 1e-7, `${dtype} n=${n} α=${alpha} β=${beta}: relative error ${error}`);
      }
    }
  }
});
