/**
 * WebAssembly SIMD kernels (AssemblyScript): the hot loops of src/tensor/kernels.ts, one generic
 * body per kernel instantiated for f64 (f64x2 lanes) and f32 (f32x4 lanes). Compiled by
 * scripts/build-wasm.mjs into src/tensor/wasm/binary.generated.ts at `npm run build`.
 *
 * Arguments are byte addresses in the imported memory (the arena of src/tensor/arena.ts) and
 * sizes in elements; matrices are row-major, output first, as in kernels.ts. Every output
 * element is summed in one fixed order whatever the tiling, so a matrix-vector product (m = 1)
 * and the same row inside a GEMM give bit-identical results:
 *   matmulABt    out[i][j] = Σ_l A[i][l]·B[j][l], lanes over l, reduced at the end;
 *   matmulAB     out[i][j] = Σ_l A[i][l]·B[l][j], sequential in l (lanes over j);
 *   matmulAtBAdd out[i][j] += A[l][i]·B[l][j] for l = 0, 1, … in turn (lanes over j).
 * The last two equal the plain-TS reference bit for bit; the first differs only by the order
 * of its sum (lanes of 2 or 4 instead of 4 scalar partial sums).
 */

// @ts-nocheck  (AssemblyScript: f64, usize, v128 and the generic builtins are not TypeScript)

/** Elements of T in one v128. */
@inline function lanes<T>(): i32 {
  return 16 / sizeof<T>();
}

/** The sum of the lanes of v: (l0 + l1) for f64x2, (l0 + l1) + (l2 + l3) for f32x4. */
@inline function hsum<T>(v: v128): T {
  if (sizeof<T>() == 8) return v128.extract_lane<T>(v, 0) + v128.extract_lane<T>(v, 1);
  return (v128.extract_lane<T>(v, 0) + v128.extract_lane<T>(v, 1)) + (v128.extract_lane<T>(v, 2) + v128.extract_lane<T>(v, 3));
}

@inline function madd<T>(acc: v128, a: v128, b: v128): v128 {
  return v128.add<T>(acc, v128.mul<T>(a, b));
}

/** Σ_l a[l]·b[l] for l < k: lanes over l, reduced once, then the scalar tail. */
@inline function dot<T>(a: usize, b: usize, k: i32): T {
  const L = lanes<T>();
  const S = sizeof<T>();
  let acc = v128.splat<T>(0);
  let l = 0;
  for (; l + L <= k; l += L) acc = madd<T>(acc, v128.load(a + <usize>l * S), v128.load(b + <usize>l * S));
  let s = hsum<T>(acc);
  for (; l < k; l++) s += load<T>(a + <usize>l * S) * load<T>(b + <usize>l * S);
  return s;
}

/**
 * out (m×n) = [out +] A (m×k) · Bᵀ, B (n×k). With m = 1: the matrix-vector product B·a.
 * Tiles of 2 rows of A × 4 rows of B share their loads; each element keeps its own accumulator.
 */
function matmulABt<T>(out: usize, A: usize, B: usize, m: i32, n: i32, k: i32, accumulate: bool): void {
  // Blocks of NC rows of B stay in cache while every row of A passes them.
  const NC = 64;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0);
    matmulABtBlock<T>(out + <usize>j0 * sizeof<T>(), A, B + <usize>(j0 * k) * sizeof<T>(), m, nc, k, n, accumulate);
  }
}

/** matmulABt on columns [0, n) of out, whose rows are ldo apart. */
@inline function matmulABtBlock<T>(out: usize, A: usize, B: usize, m: i32, n: i32, k: i32, ldo: i32, accumulate: bool): void {
  const L = lanes<T>();
  const S = sizeof<T>();
  const kv = k - (k % L);
  let i = 0;
  for (; i + 2 <= m; i += 2) {
    const a0 = A + <usize>(i * k) * S;
    const a1 = a0 + <usize>k * S;
    const o0 = out + <usize>(i * ldo) * S;
    const o1 = o0 + <usize>ldo * S;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = B + <usize>(j * k) * S;
      const b1 = b0 + <usize>k * S;
      const b2 = b1 + <usize>k * S;
      const b3 = b2 + <usize>k * S;
      let c00 = v128.splat<T>(0), c01 = v128.splat<T>(0), c02 = v128.splat<T>(0), c03 = v128.splat<T>(0);
      let c10 = v128.splat<T>(0), c11 = v128.splat<T>(0), c12 = v128.splat<T>(0), c13 = v128.splat<T>(0);
      for (let l = 0; l < kv; l += L) {
        const off = <usize>l * S;
        const x0 = v128.load(a0 + off);
        const x1 = v128.load(a1 + off);
        const w0 = v128.load(b0 + off);
        const w1 = v128.load(b1 + off);
        const w2 = v128.load(b2 + off);
        const w3 = v128.load(b3 + off);
        c00 = madd<T>(c00, x0, w0); c01 = madd<T>(c01, x0, w1); c02 = madd<T>(c02, x0, w2); c03 = madd<T>(c03, x0, w3);
        c10 = madd<T>(c10, x1, w0); c11 = madd<T>(c11, x1, w1); c12 = madd<T>(c12, x1, w2); c13 = madd<T>(c13, x1, w3);
      }
      let s00 = hsum<T>(c00), s01 = hsum<T>(c01), s02 = hsum<T>(c02), s03 = hsum<T>(c03);
      let s10 = hsum<T>(c10), s11 = hsum<T>(c11), s12 = hsum<T>(c12), s13 = hsum<T>(c13);
      for (let l = kv; l < k; l++) {
        const off = <usize>l * S;
        const x0 = load<T>(a0 + off);
        const x1 = load<T>(a1 + off);
        s00 += x0 * load<T>(b0 + off); s01 += x0 * load<T>(b1 + off); s02 += x0 * load<T>(b2 + off); s03 += x0 * load<T>(b3 + off);
        s10 += x1 * load<T>(b0 + off); s11 += x1 * load<T>(b1 + off); s12 += x1 * load<T>(b2 + off); s13 += x1 * load<T>(b3 + off);
      }
      const p0 = o0 + <usize>j * S;
      const p1 = o1 + <usize>j * S;
      if (accumulate) {
        store<T>(p0, load<T>(p0) + s00); store<T>(p0, load<T>(p0, S) + s01, S); store<T>(p0, load<T>(p0, 2 * S) + s02, 2 * S); store<T>(p0, load<T>(p0, 3 * S) + s03, 3 * S);
        store<T>(p1, load<T>(p1) + s10); store<T>(p1, load<T>(p1, S) + s11, S); store<T>(p1, load<T>(p1, 2 * S) + s12, 2 * S); store<T>(p1, load<T>(p1, 3 * S) + s13, 3 * S);
      } else {
        store<T>(p0, s00); store<T>(p0, s01, S); store<T>(p0, s02, 2 * S); store<T>(p0, s03, 3 * S);
        store<T>(p1, s10); store<T>(p1, s11, S); store<T>(p1, s12, 2 * S); store<T>(p1, s13, 3 * S);
      }
    }
    for (; j < n; j++) {
      const b = B + <usize>(j * k) * S;
      const s0 = dot<T>(a0, b, k);
      const s1 = dot<T>(a1, b, k);
      const p0 = o0 + <usize>j * S;
      const p1 = o1 + <usize>j * S;
      store<T>(p0, accumulate ? load<T>(p0) + s0 : s0);
      store<T>(p1, accumulate ? load<T>(p1) + s1 : s1);
    }
  }
  for (; i < m; i++) {
    const a0 = A + <usize>(i * k) * S;
    const o0 = out + <usize>(i * ldo) * S;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = B + <usize>(j * k) * S;
      const b1 = b0 + <usize>k * S;
      const b2 = b1 + <usize>k * S;
      const b3 = b2 + <usize>k * S;
      let c0 = v128.splat<T>(0), c1 = v128.splat<T>(0), c2 = v128.splat<T>(0), c3 = v128.splat<T>(0);
      for (let l = 0; l < kv; l += L) {
        const off = <usize>l * S;
        const x = v128.load(a0 + off);
        c0 = madd<T>(c0, x, v128.load(b0 + off));
        c1 = madd<T>(c1, x, v128.load(b1 + off));
        c2 = madd<T>(c2, x, v128.load(b2 + off));
        c3 = madd<T>(c3, x, v128.load(b3 + off));
      }
      let s0 = hsum<T>(c0), s1 = hsum<T>(c1), s2 = hsum<T>(c2), s3 = hsum<T>(c3);
      for (let l = kv; l < k; l++) {
        const off = <usize>l * S;
        const x = load<T>(a0 + off);
        s0 += x * load<T>(b0 + off); s1 += x * load<T>(b1 + off); s2 += x * load<T>(b2 + off); s3 += x * load<T>(b3 + off);
      }
      const p = o0 + <usize>j * S;
      if (accumulate) {
        store<T>(p, load<T>(p) + s0); store<T>(p, load<T>(p, S) + s1, S); store<T>(p, load<T>(p, 2 * S) + s2, 2 * S); store<T>(p, load<T>(p, 3 * S) + s3, 3 * S);
      } else {
        store<T>(p, s0); store<T>(p, s1, S); store<T>(p, s2, 2 * S); store<T>(p, s3, 3 * S);
      }
    }
    for (; j < n; j++) {
      const s = dot<T>(a0, B + <usize>(j * k) * S, k);
      const p = o0 + <usize>j * S;
      store<T>(p, accumulate ? load<T>(p) + s : s);
    }
  }
}

/**
 * out (m×n) = [out +] A (m×k) · B (k×n). With m = 1: the transposed product Bᵀ·a.
 * Per row of A, blocks of 4 vectors of out stay in registers while l runs over k.
 */
function matmulAB<T>(out: usize, A: usize, B: usize, m: i32, n: i32, k: i32, accumulate: bool): void {
  // Chunks of KC rows of B stay in cache; out is revisited per chunk, so each sum still runs l = 0, 1, … in order.
  const KC = 128;
  for (let l0 = 0; l0 < k; l0 += KC) {
    const kc = min(KC, k - l0);
    matmulABBlock<T>(out, A + <usize>l0 * sizeof<T>(), B + <usize>(l0 * n) * sizeof<T>(), m, n, kc, k, accumulate || l0 > 0);
  }
}

/** matmulAB over kc rows of B, with A's rows lda apart. */
@inline function matmulABBlock<T>(out: usize, A: usize, B: usize, m: i32, n: i32, k: i32, lda: i32, accumulate: bool): void {
  const L = lanes<T>();
  const S = sizeof<T>();
  const V = 16; // bytes per v128
  const rowB = <usize>n * S;
  for (let i = 0; i < m; i++) {
    const a = A + <usize>(i * lda) * S;
    const o = out + <usize>(i * n) * S;
    let j = 0;
    for (; j + 4 * L <= n; j += 4 * L) {
      const p = o + <usize>j * S;
      let c0 = accumulate ? v128.load(p) : v128.splat<T>(0);
      let c1 = accumulate ? v128.load(p, V) : v128.splat<T>(0);
      let c2 = accumulate ? v128.load(p, 2 * V) : v128.splat<T>(0);
      let c3 = accumulate ? v128.load(p, 3 * V) : v128.splat<T>(0);
      let b = B + <usize>j * S;
      for (let l = 0; l < k; l++, b += rowB) {
        const x = v128.splat<T>(load<T>(a + <usize>l * S));
        c0 = madd<T>(c0, x, v128.load(b));
        c1 = madd<T>(c1, x, v128.load(b, V));
        c2 = madd<T>(c2, x, v128.load(b, 2 * V));
        c3 = madd<T>(c3, x, v128.load(b, 3 * V));
      }
      v128.store(p, c0); v128.store(p, c1, V); v128.store(p, c2, 2 * V); v128.store(p, c3, 3 * V);
    }
    for (; j + L <= n; j += L) {
      const p = o + <usize>j * S;
      let c = accumulate ? v128.load(p) : v128.splat<T>(0);
      let b = B + <usize>j * S;
      for (let l = 0; l < k; l++, b += rowB) c = madd<T>(c, v128.splat<T>(load<T>(a + <usize>l * S)), v128.load(b));
      v128.store(p, c);
    }
    for (; j < n; j++) {
      const p = o + <usize>j * S;
      let s: T = accumulate ? load<T>(p) : <T>0;
      for (let l = 0; l < k; l++) s += load<T>(a + <usize>l * S) * load<T>(B + <usize>(l * n + j) * S);
      store<T>(p, s);
    }
  }
}

/**
 * out (m×n) += Aᵀ · B, A (k×m), B (k×n). With k = 1: the rank-one update a ⊗ b.
 * Tiles of 2 rows of out × 4 vectors stay in registers while l runs over k in order.
 */
function matmulAtBAdd<T>(out: usize, A: usize, B: usize, m: i32, n: i32, k: i32): void {
  // Chunks of KC rows of A and B stay in cache; each sum still runs l = 0, 1, … in order.
  const KC = 64;
  for (let l0 = 0; l0 < k; l0 += KC) {
    matmulAtBAddBlock<T>(out, A + <usize>(l0 * m) * sizeof<T>(), B + <usize>(l0 * n) * sizeof<T>(), m, n, min(KC, k - l0));
  }
}

@inline function matmulAtBAddBlock<T>(out: usize, A: usize, B: usize, m: i32, n: i32, k: i32): void {
  const L = lanes<T>();
  const S = sizeof<T>();
  const V = 16;
  const rowA = <usize>m * S;
  const rowB = <usize>n * S;
  let i = 0;
  for (; i + 2 <= m; i += 2) {
    const o0 = out + <usize>(i * n) * S;
    const o1 = o0 + rowB;
    let j = 0;
    for (; j + 4 * L <= n; j += 4 * L) {
      const p0 = o0 + <usize>j * S;
      const p1 = o1 + <usize>j * S;
      let c00 = v128.load(p0), c01 = v128.load(p0, V), c02 = v128.load(p0, 2 * V), c03 = v128.load(p0, 3 * V);
      let c10 = v128.load(p1), c11 = v128.load(p1, V), c12 = v128.load(p1, 2 * V), c13 = v128.load(p1, 3 * V);
      let a = A + <usize>i * S;
      let b = B + <usize>j * S;
      for (let l = 0; l < k; l++, a += rowA, b += rowB) {
        const x0 = v128.splat<T>(load<T>(a));
        const x1 = v128.splat<T>(load<T>(a, S));
        const w0 = v128.load(b), w1 = v128.load(b, V), w2 = v128.load(b, 2 * V), w3 = v128.load(b, 3 * V);
        c00 = madd<T>(c00, x0, w0); c01 = madd<T>(c01, x0, w1); c02 = madd<T>(c02, x0, w2); c03 = madd<T>(c03, x0, w3);
        c10 = madd<T>(c10, x1, w0); c11 = madd<T>(c11, x1, w1); c12 = madd<T>(c12, x1, w2); c13 = madd<T>(c13, x1, w3);
      }
      v128.store(p0, c00); v128.store(p0, c01, V); v128.store(p0, c02, 2 * V); v128.store(p0, c03, 3 * V);
      v128.store(p1, c10); v128.store(p1, c11, V); v128.store(p1, c12, 2 * V); v128.store(p1, c13, 3 * V);
    }
    rowsTail<T>(out, A, B, i, 2, j, m, n, k);
  }
  for (; i < m; i++) {
    const o0 = out + <usize>(i * n) * S;
    let j = 0;
    for (; j + 4 * L <= n; j += 4 * L) {
      const p = o0 + <usize>j * S;
      let c0 = v128.load(p), c1 = v128.load(p, V), c2 = v128.load(p, 2 * V), c3 = v128.load(p, 3 * V);
      let a = A + <usize>i * S;
      let b = B + <usize>j * S;
      for (let l = 0; l < k; l++, a += rowA, b += rowB) {
        const x = v128.splat<T>(load<T>(a));
        c0 = madd<T>(c0, x, v128.load(b)); c1 = madd<T>(c1, x, v128.load(b, V)); c2 = madd<T>(c2, x, v128.load(b, 2 * V)); c3 = madd<T>(c3, x, v128.load(b, 3 * V));
      }
      v128.store(p, c0); v128.store(p, c1, V); v128.store(p, c2, 2 * V); v128.store(p, c3, 3 * V);
    }
    rowsTail<T>(out, A, B, i, 1, j, m, n, k);
  }
}

/** Columns [from, n) of rows [i, i + rows) of matmulAtBAdd, one vector or one element at a time. */
@inline function rowsTail<T>(out: usize, A: usize, B: usize, i: i32, rows: i32, from: i32, m: i32, n: i32, k: i32): void {
  const L = lanes<T>();
  const S = sizeof<T>();
  for (let r = i; r < i + rows; r++) {
    const o = out + <usize>(r * n) * S;
    let j = from;
    for (; j + L <= n; j += L) {
      const p = o + <usize>j * S;
      let c = v128.load(p);
      for (let l = 0; l < k; l++) c = madd<T>(c, v128.splat<T>(load<T>(A + <usize>(l * m + r) * S)), v128.load(B + <usize>(l * n + j) * S));
      v128.store(p, c);
    }
    for (; j < n; j++) {
      const p = o + <usize>j * S;
      let s = load<T>(p);
      for (let l = 0; l < k; l++) s += load<T>(A + <usize>(l * m + r) * S) * load<T>(B + <usize>(l * n + j) * S);
      store<T>(p, s);
    }
  }
}

export function matmulABt_f64(out: usize, A: usize, B: usize, m: i32, n: i32, k: i32, accumulate: bool): void {
  matmulABt<f64>(out, A, B, m, n, k, accumulate);
}
export function matmulABt_f32(out: usize, A: usize, B: usize, m: i32, n: i32, k: i32, accumulate: bool): void {
  matmulABt<f32>(out, A, B, m, n, k, accumulate);
}
export function matmulAB_f64(out: usize, A: usize, B: usize, m: i32, n: i32, k: i32, accumulate: bool): void {
  matmulAB<f64>(out, A, B, m, n, k, accumulate);
}
export function matmulAB_f32(out: usize, A: usize, B: usize, m: i32, n: i32, k: i32, accumulate: bool): void {
  matmulAB<f32>(out, A, B, m, n, k, accumulate);
}
export function matmulAtBAdd_f64(out: usize, A: usize, B: usize, m: i32, n: i32, k: i32): void {
  matmulAtBAdd<f64>(out, A, B, m, n, k);
}
export function matmulAtBAdd_f32(out: usize, A: usize, B: usize, m: i32, n: i32, k: i32): void {
  matmulAtBAdd<f32>(out, A, B, m, n, k);
}
