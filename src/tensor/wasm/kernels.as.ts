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

/** acc + a·b: fused (one rounding) in the relaxed-SIMD build, a multiply and an add otherwise. */
@inline function madd<T>(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(a, b, acc);
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
  // Blocks of NC rows of B stay in cache while every row of A passes them. The blocks go last to
  // first: an online step's SGD pass has just walked θ front to back, so B's (W_hh's) last rows
  // are the ones still in L2 (UORO at H = 256 float64: the forward + jvp product 124 → 113 µs).
  // Each element is summed as before, so the results do not change.
  const NC = 64;
  for (let j0 = (n - 1) / NC * NC; j0 >= 0; j0 -= NC) {
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
 * Cache blocking: B is cut into panels of KC rows × NC columns (128 KiB, so a panel stays in
 * an L2 of 512 KiB or more beside the rows of out it feeds) and every row of A passes each
 * panel while it is there — without the column cut a tall, wide B (RTRL's J·M: 128 × 25 000)
 * is streamed from memory once per pair of rows. Within a panel, per pair of rows of A, blocks
 * of 4 vectors of out stay in registers while l runs over the panel's rows. out is revisited
 * per panel of rows, so each sum still runs l = 0, 1, … in order whatever the blocking.
 */
function matmulAB<T>(out: usize, A: usize, B: usize, m: i32, n: i32, k: i32, accumulate: bool): void {
  const S = sizeof<T>();
  const NC = PANEL_ROW_BYTES / S;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0);
    for (let l0 = 0; l0 < k; l0 += PANEL_ROWS) {
      const kc = min(PANEL_ROWS, k - l0);
      matmulABBlock<T>(out + <usize>j0 * S, A + <usize>l0 * S, B + <usize>(l0 * n + j0) * S, m, nc, kc, k, n, accumulate || l0 > 0);
    }
  }
}

/** A matmulAB panel of B: PANEL_ROWS rows of PANEL_ROW_BYTES (a multiple of 4 vectors) = 128 KiB. */
const PANEL_ROWS: i32 = 128;
const PANEL_ROW_BYTES: i32 = 1024;

/** matmulAB over kc rows and nc columns of B; A's rows are lda apart, B's and out's ld apart. */
@inline function matmulABBlock<T>(out: usize, A: usize, B: usize, m: i32, n: i32, k: i32, lda: i32, ld: i32, accumulate: bool): void {
  const L = lanes<T>();
  const S = sizeof<T>();
  const V = 16; // bytes per v128
  const rowB = <usize>ld * S;
  let i = 0;
  // Pairs of rows share every load of B: 2 splats and 4 loads feed 8 accumulators.
  for (; i + 2 <= m; i += 2) {
    const a0 = A + <usize>(i * lda) * S;
    const a1 = a0 + <usize>lda * S;
    const o0 = out + <usize>(i * ld) * S;
    const o1 = o0 + rowB;
    let j = 0;
    for (; j + 4 * L <= n; j += 4 * L) {
      const p0 = o0 + <usize>j * S;
      const p1 = o1 + <usize>j * S;
      let c00 = accumulate ? v128.load(p0) : v128.splat<T>(0), c01 = accumulate ? v128.load(p0, V) : v128.splat<T>(0);
      let c02 = accumulate ? v128.load(p0, 2 * V) : v128.splat<T>(0), c03 = accumulate ? v128.load(p0, 3 * V) : v128.splat<T>(0);
      let c10 = accumulate ? v128.load(p1) : v128.splat<T>(0), c11 = accumulate ? v128.load(p1, V) : v128.splat<T>(0);
      let c12 = accumulate ? v128.load(p1, 2 * V) : v128.splat<T>(0), c13 = accumulate ? v128.load(p1, 3 * V) : v128.splat<T>(0);
      let b = B + <usize>j * S;
      for (let l = 0; l < k; l++, b += rowB) {
        const x0 = v128.splat<T>(load<T>(a0 + <usize>l * S));
        const x1 = v128.splat<T>(load<T>(a1 + <usize>l * S));
        const w0 = v128.load(b), w1 = v128.load(b, V), w2 = v128.load(b, 2 * V), w3 = v128.load(b, 3 * V);
        c00 = madd<T>(c00, x0, w0); c01 = madd<T>(c01, x0, w1); c02 = madd<T>(c02, x0, w2); c03 = madd<T>(c03, x0, w3);
        c10 = madd<T>(c10, x1, w0); c11 = madd<T>(c11, x1, w1); c12 = madd<T>(c12, x1, w2); c13 = madd<T>(c13, x1, w3);
      }
      v128.store(p0, c00); v128.store(p0, c01, V); v128.store(p0, c02, 2 * V); v128.store(p0, c03, 3 * V);
      v128.store(p1, c10); v128.store(p1, c11, V); v128.store(p1, c12, 2 * V); v128.store(p1, c13, 3 * V);
    }
    matmulABRow<T>(out, A, B, i, j, n, k, lda, ld, accumulate);
    matmulABRow<T>(out, A, B, i + 1, j, n, k, lda, ld, accumulate);
  }
  for (; i < m; i++) matmulABRow<T>(out, A, B, i, 0, n, k, lda, ld, accumulate);
}

/** Row i of matmulABBlock, columns [from, n). */
@inline function matmulABRow<T>(out: usize, A: usize, B: usize, i: i32, from: i32, n: i32, k: i32, lda: i32, ld: i32, accumulate: bool): void {
  const L = lanes<T>();
  const S = sizeof<T>();
  const V = 16;
  const rowB = <usize>ld * S;
  const a = A + <usize>(i * lda) * S;
  const o = out + <usize>(i * ld) * S;
  let j = from;
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
    for (let l = 0; l < k; l++) s += load<T>(a + <usize>l * S) * load<T>(B + <usize>(l * ld + j) * S);
    store<T>(p, s);
  }
}

/**
 * Scratch for packing (setScratch: bytes of the arena this instance alone uses — each thread
 * has its own instance). 0 until set: the kernels then read their operands in place.
 */
let scratch: usize = 0;
let scratchBytes: i32 = 0;

export function setScratch(address: usize, bytes: i32): void {
  scratch = address;
  scratchBytes = bytes;
}

/**
 * out (m×n) += Aᵀ · B, A (k×m), B (k×n). With k = 1: the rank-one update a ⊗ b.
 * Tiles of 2 rows of out × 4 vectors stay in registers while l runs over k in order.
 * Cache blocking: chunks of KC rows of A and B (KC·n ≤ 128 KiB); per chunk, blocks of MC columns of A are packed
 * transposed (MC × KC, contiguous) into the scratch — read in place, a column of A is KC
 * values m·S bytes apart, which for m a multiple of 512 f64 all fall in one set of the L1
 * cache and evict each other (the gradient GEMMs ∂W = ∂Aᵀ·X of a window, m = 4H). Each sum
 * still runs l = 0, 1, … in order, packed or not.
 */
function matmulAtBAdd<T>(out: usize, A: usize, B: usize, m: i32, n: i32, k: i32): void {
  const S = sizeof<T>();
  // KC rows of B (n wide) fill at most 128 KiB, so they stay in L2 while every pair of rows of out passes.
  const KC = max(16, min(256, PACK_BYTES / (n * S)));
  const MC = PACK_BYTES / (KC * S);
  const pack = k >= 8 && scratchBytes >= PACK_BYTES;
  for (let l0 = 0; l0 < k; l0 += KC) {
    const kc = min(KC, k - l0);
    const chunkA = A + <usize>(l0 * m) * S;
    const chunkB = B + <usize>(l0 * n) * S;
    if (!pack) {
      matmulAtBAddBlock<T>(out, chunkA, chunkB, m, n, kc, <usize>m * S, S);
      continue;
    }
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mc = min(MC, m - i0);
      for (let l = 0; l < kc; l++) {
        const from = chunkA + <usize>(l * m + i0) * S;
        for (let i = 0; i < mc; i++) store<T>(scratch + <usize>(i * kc + l) * S, load<T>(from + <usize>i * S));
      }
      matmulAtBAddBlock<T>(out + <usize>(i0 * n) * S, scratch, chunkB, mc, n, kc, S, <usize>kc * S);
    }
  }
}

/** Bytes of the packed block of A in matmulAtBAdd (MC × KC). */
const PACK_BYTES: i32 = 131072;

/** matmulAtBAdd over k rows of B; element (l, i) of A is at A + l·stepL + i·stepI (bytes). */
@inline function matmulAtBAddBlock<T>(out: usize, A: usize, B: usize, m: i32, n: i32, k: i32, stepL: usize, stepI: usize): void {
  const L = lanes<T>();
  const S = sizeof<T>();
  const V = 16;
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
      let a = A + <usize>i * stepI;
      let b = B + <usize>j * S;
      for (let l = 0; l < k; l++, a += stepL, b += rowB) {
        const x0 = v128.splat<T>(load<T>(a));
        const x1 = v128.splat<T>(load<T>(a + stepI));
        const w0 = v128.load(b), w1 = v128.load(b, V), w2 = v128.load(b, 2 * V), w3 = v128.load(b, 3 * V);
        c00 = madd<T>(c00, x0, w0); c01 = madd<T>(c01, x0, w1); c02 = madd<T>(c02, x0, w2); c03 = madd<T>(c03, x0, w3);
        c10 = madd<T>(c10, x1, w0); c11 = madd<T>(c11, x1, w1); c12 = madd<T>(c12, x1, w2); c13 = madd<T>(c13, x1, w3);
      }
      v128.store(p0, c00); v128.store(p0, c01, V); v128.store(p0, c02, 2 * V); v128.store(p0, c03, 3 * V);
      v128.store(p1, c10); v128.store(p1, c11, V); v128.store(p1, c12, 2 * V); v128.store(p1, c13, 3 * V);
    }
    rowsTail<T>(out, A, B, i, 2, j, n, k, stepL, stepI);
  }
  for (; i < m; i++) {
    const o0 = out + <usize>(i * n) * S;
    let j = 0;
    for (; j + 4 * L <= n; j += 4 * L) {
      const p = o0 + <usize>j * S;
      let c0 = v128.load(p), c1 = v128.load(p, V), c2 = v128.load(p, 2 * V), c3 = v128.load(p, 3 * V);
      let a = A + <usize>i * stepI;
      let b = B + <usize>j * S;
      for (let l = 0; l < k; l++, a += stepL, b += rowB) {
        const x = v128.splat<T>(load<T>(a));
        c0 = madd<T>(c0, x, v128.load(b)); c1 = madd<T>(c1, x, v128.load(b, V)); c2 = madd<T>(c2, x, v128.load(b, 2 * V)); c3 = madd<T>(c3, x, v128.load(b, 3 * V));
      }
      v128.store(p, c0); v128.store(p, c1, V); v128.store(p, c2, 2 * V); v128.store(p, c3, 3 * V);
    }
    rowsTail<T>(out, A, B, i, 1, j, n, k, stepL, stepI);
  }
}

/** Columns [from, n) of rows [i, i + rows) of matmulAtBAddBlock, one vector or one element at a time. */
@inline function rowsTail<T>(out: usize, A: usize, B: usize, i: i32, rows: i32, from: i32, n: i32, k: i32, stepL: usize, stepI: usize): void {
  const L = lanes<T>();
  const S = sizeof<T>();
  for (let r = i; r < i + rows; r++) {
    const o = out + <usize>(r * n) * S;
    const a = A + <usize>r * stepI;
    let j = from;
    for (; j + L <= n; j += L) {
      const p = o + <usize>j * S;
      let c = v128.load(p);
      for (let l = 0; l < k; l++) c = madd<T>(c, v128.splat<T>(load<T>(a + <usize>l * stepL)), v128.load(B + <usize>(l * n + j) * S));
      v128.store(p, c);
    }
    for (; j < n; j++) {
      const p = o + <usize>j * S;
      let s = load<T>(p);
      for (let l = 0; l < k; l++) s += load<T>(a + <usize>l * stepL) * load<T>(B + <usize>(l * n + j) * S);
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

// ---- the LSTM's fused gate nonlinearities -------------------------------------------------
//
// e^x = 2ⁿ·(1 + r·q(r)) with n = round(x·log₂e), r = x − n·ln2 (|r| ≤ ln2/2) and
// q(r) = (e^r − 1)/r = Σ r^k/(k+1)! (to r¹¹ in f64, r⁶ in f32: within an ulp or two);
// e^x − 1 = 2ⁿ·r·q(r) + (2ⁿ − 1) keeps full relative precision near 0, so
// tanh x = (e^{2x} − 1)/(e^{2x} + 1) does too, and σ(a) = 1/(1 + e^{−a}).

@inline function fma<T>(a: v128, b: v128, c: v128): v128 {
  return v128.add<T>(v128.mul<T>(a, b), c);
}

/** 2ⁿ lane-wise for integral n (built in the exponent bits). */
@inline function pow2<T>(n: v128): v128 {
  if (sizeof<T>() == 8) return i64x2.shl(i64x2.add(i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(n)), i64x2.splat(1023)), 52);
  return i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
}

@inline function rq<T>(r: v128): v128 {
  let p: v128;
  if (sizeof<T>() == 8) {
    p = f64x2.splat(1.0 / 479001600.0);
    p = fma<T>(p, r, f64x2.splat(1.0 / 39916800.0));
    p = fma<T>(p, r, f64x2.splat(1.0 / 3628800.0));
    p = fma<T>(p, r, f64x2.splat(1.0 / 362880.0));
    p = fma<T>(p, r, f64x2.splat(1.0 / 40320.0));
    p = fma<T>(p, r, f64x2.splat(1.0 / 5040.0));
    p = fma<T>(p, r, f64x2.splat(1.0 / 720.0));
    p = fma<T>(p, r, f64x2.splat(1.0 / 120.0));
    p = fma<T>(p, r, f64x2.splat(1.0 / 24.0));
    p = fma<T>(p, r, f64x2.splat(1.0 / 6.0));
    p = fma<T>(p, r, f64x2.splat(0.5));
    p = fma<T>(p, r, f64x2.splat(1.0));
  } else {
    p = f32x4.splat(<f32>(1.0 / 5040.0));
    p = fma<T>(p, r, f32x4.splat(<f32>(1.0 / 720.0)));
    p = fma<T>(p, r, f32x4.splat(<f32>(1.0 / 120.0)));
    p = fma<T>(p, r, f32x4.splat(<f32>(1.0 / 24.0)));
    p = fma<T>(p, r, f32x4.splat(<f32>(1.0 / 6.0)));
    p = fma<T>(p, r, f32x4.splat(<f32>0.5));
    p = fma<T>(p, r, f32x4.splat(<f32>1.0));
  }
  return v128.mul<T>(r, p);
}

/** n = round(x·log₂e); then r = x − n·ln2, with ln2 split in two so n·ln2_hi is exact. */
@inline function reduceN<T>(x: v128): v128 {
  return v128.nearest<T>(v128.mul<T>(x, v128.splat<T>(<T>1.4426950408889634)));
}
@inline function reduceR<T>(x: v128, n: v128): v128 {
  if (sizeof<T>() == 8) return v128.sub<T>(v128.sub<T>(x, v128.mul<T>(n, f64x2.splat(6.93147180369123816490e-1))), v128.mul<T>(n, f64x2.splat(1.90821492927058770002e-10)));
  return v128.sub<T>(v128.sub<T>(x, v128.mul<T>(n, f32x4.splat(<f32>0.693145751953125))), v128.mul<T>(n, f32x4.splat(<f32>1.428606765330187045e-6)));
}

/** σ(a) = 1/(1 + e^{−a}), lane-wise. */
@inline function vsigmoid<T>(a: v128): v128 {
  const limit = sizeof<T>() == 8 ? <T>708 : <T>87;
  const x = v128.max<T>(v128.min<T>(v128.neg<T>(a), v128.splat<T>(limit)), v128.splat<T>(-limit));
  const n = reduceN<T>(x);
  const s = pow2<T>(n);
  const e = fma<T>(s, rq<T>(reduceR<T>(x, n)), s); // 2ⁿ·(1 + r·q)
  const one = v128.splat<T>(<T>1);
  return v128.div<T>(one, v128.add<T>(one, e));
}

/** tanh x = (e^{2x} − 1)/(e^{2x} + 1), lane-wise (2x clamped to ±40, where tanh is ±1 to the last bit). */
@inline function vtanh<T>(v: v128): v128 {
  const x = v128.max<T>(v128.min<T>(v128.add<T>(v, v), v128.splat<T>(<T>40)), v128.splat<T>(<T>-40));
  const n = reduceN<T>(x);
  const s = pow2<T>(n);
  const one = v128.splat<T>(<T>1);
  const em = fma<T>(s, rq<T>(reduceR<T>(x, n)), v128.sub<T>(s, one)); // 2ⁿ·r·q + (2ⁿ − 1)
  return v128.div<T>(em, v128.add<T>(em, v128.splat<T>(<T>2)));
}

/**
 * One LSTM step's pointwise part for B×H units (sigmoid gates), in place of the cell's loop:
 *   a (B×4H) += bias [+ peepholes w_ci⊙c, w_cf⊙c, then w_co⊙c'];  y = [σ(a_i), σ(a_f), tanh(a_g), σ(a_o)];
 *   c' = f⊙c + i⊙g;  tc = tanh(c');  m = o⊙tc.
 * bias (4H) and peephole (3H) are addresses, 0 when absent. Lanes run over units j; the last
 * H mod lanes units go one at a time through lane 0 of the same vector code (same results).
 */
function lstmGates<T>(y: usize, cNext: usize, tc: usize, m: usize, a: usize, c: usize, bias: usize, peephole: usize, B: i32, H: i32): void {
  const L = lanes<T>();
  const S = <usize>sizeof<T>();
  const gate = <usize>H * S;
  for (let b = 0; b < B; b++) {
    const aRow = a + <usize>(b * 4 * H) * S;
    const yRow = y + <usize>(b * 4 * H) * S;
    const u = <usize>(b * H) * S;
    for (let j = 0; j < H; ) {
      const one = j + L > H; // the tail: one unit through lane 0
      const o = <usize>j * S;
      const pa = aRow + o;
      let ai = one ? v128.splat<T>(load<T>(pa)) : v128.load(pa);
      let af = one ? v128.splat<T>(load<T>(pa + gate)) : v128.load(pa + gate);
      let ag = one ? v128.splat<T>(load<T>(pa + 2 * gate)) : v128.load(pa + 2 * gate);
      let ao = one ? v128.splat<T>(load<T>(pa + 3 * gate)) : v128.load(pa + 3 * gate);
      const cv = one ? v128.splat<T>(load<T>(c + u + o)) : v128.load(c + u + o);
      if (bias != 0) {
        const pb = bias + o;
        ai = v128.add<T>(ai, one ? v128.splat<T>(load<T>(pb)) : v128.load(pb));
        af = v128.add<T>(af, one ? v128.splat<T>(load<T>(pb + gate)) : v128.load(pb + gate));
        ag = v128.add<T>(ag, one ? v128.splat<T>(load<T>(pb + 2 * gate)) : v128.load(pb + 2 * gate));
        ao = v128.add<T>(ao, one ? v128.splat<T>(load<T>(pb + 3 * gate)) : v128.load(pb + 3 * gate));
      }
      if (peephole != 0) {
        const pp = peephole + o;
        ai = fma<T>(one ? v128.splat<T>(load<T>(pp)) : v128.load(pp), cv, ai);
        af = fma<T>(one ? v128.splat<T>(load<T>(pp + gate)) : v128.load(pp + gate), cv, af);
      }
      const i = vsigmoid<T>(ai);
      const f = vsigmoid<T>(af);
      const g = vtanh<T>(ag);
      const cn = v128.add<T>(v128.mul<T>(f, cv), v128.mul<T>(i, g));
      if (peephole != 0) {
        const pp = peephole + 2 * gate + o;
        ao = fma<T>(one ? v128.splat<T>(load<T>(pp)) : v128.load(pp), cn, ao);
      }
      const og = vsigmoid<T>(ao);
      const t = vtanh<T>(cn);
      const mv = v128.mul<T>(og, t);
      if (one) {
        store<T>(pa, v128.extract_lane<T>(ai, 0));
        store<T>(pa + gate, v128.extract_lane<T>(af, 0));
        store<T>(pa + 2 * gate, v128.extract_lane<T>(ag, 0));
        store<T>(pa + 3 * gate, v128.extract_lane<T>(ao, 0));
        const py = yRow + o;
        store<T>(py, v128.extract_lane<T>(i, 0));
        store<T>(py + gate, v128.extract_lane<T>(f, 0));
        store<T>(py + 2 * gate, v128.extract_lane<T>(g, 0));
        store<T>(py + 3 * gate, v128.extract_lane<T>(og, 0));
        store<T>(cNext + u + o, v128.extract_lane<T>(cn, 0));
        store<T>(tc + u + o, v128.extract_lane<T>(t, 0));
        store<T>(m + u + o, v128.extract_lane<T>(mv, 0));
        j++;
      } else {
        v128.store(pa, ai);
        v128.store(pa + gate, af);
        v128.store(pa + 2 * gate, ag);
        v128.store(pa + 3 * gate, ao);
        const py = yRow + o;
        v128.store(py, i);
        v128.store(py + gate, f);
        v128.store(py + 2 * gate, g);
        v128.store(py + 3 * gate, og);
        v128.store(cNext + u + o, cn);
        v128.store(tc + u + o, t);
        v128.store(m + u + o, mv);
        j += L;
      }
    }
  }
}

export function lstmGates_f64(y: usize, cNext: usize, tc: usize, m: usize, a: usize, c: usize, bias: usize, peephole: usize, B: i32, H: i32): void {
  lstmGates<f64>(y, cNext, tc, m, a, c, bias, peephole, B, H);
}
export function lstmGates_f32(y: usize, cNext: usize, tc: usize, m: usize, a: usize, c: usize, bias: usize, peephole: usize, B: i32, H: i32): void {
  lstmGates<f32>(y, cNext, tc, m, a, c, bias, peephole, B, H);
}

// ---- vectors: the O(p) passes of the online learners and optimizers -------------------------

/** Σ a[i]·b[i], accumulated in f64 (f32 lanes are widened), four vector partial sums. */
function dotVec<T>(a: usize, b: usize, n: i32): f64 {
  const S = <usize>sizeof<T>();
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let i = 0;
  if (sizeof<T>() == 8) {
    for (; i + 8 <= n; i += 8) {
      const o = <usize>i * S;
      s0 = f64x2.add(s0, f64x2.mul(v128.load(a + o), v128.load(b + o)));
      s1 = f64x2.add(s1, f64x2.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
      s2 = f64x2.add(s2, f64x2.mul(v128.load(a + o, 32), v128.load(b + o, 32)));
      s3 = f64x2.add(s3, f64x2.mul(v128.load(a + o, 48), v128.load(b + o, 48)));
    }
  } else {
    for (; i + 8 <= n; i += 8) {
      const o = <usize>i * S;
      const x0 = v128.load(a + o), y0 = v128.load(b + o), x1 = v128.load(a + o, 16), y1 = v128.load(b + o, 16);
      s0 = f64x2.add(s0, f64x2.mul(f64x2.promote_low_f32x4(x0), f64x2.promote_low_f32x4(y0)));
      s1 = f64x2.add(s1, f64x2.mul(f64x2.promote_low_f32x4(i8x16.shuffle(x0, x0, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)), f64x2.promote_low_f32x4(i8x16.shuffle(y0, y0, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7))));
      s2 = f64x2.add(s2, f64x2.mul(f64x2.promote_low_f32x4(x1), f64x2.promote_low_f32x4(y1)));
      s3 = f64x2.add(s3, f64x2.mul(f64x2.promote_low_f32x4(i8x16.shuffle(x1, x1, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)), f64x2.promote_low_f32x4(i8x16.shuffle(y1, y1, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7))));
    }
  }
  const v = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
  let s = f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
  for (; i < n; i++) s += <f64>load<T>(a + <usize>i * S) * <f64>load<T>(b + <usize>i * S);
  return s;
}

/** y[i] = alpha·x[i] + beta·y[i] (beta = 1: axpy; alpha = 0 and x = y: scale). */
function axpby<T>(y: usize, alpha: T, x: usize, beta: T, n: i32): void {
  const L = lanes<T>();
  const S = <usize>sizeof<T>();
  const a = v128.splat<T>(alpha);
  const b = v128.splat<T>(beta);
  let i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const o = <usize>i * S;
    v128.store(y + o, v128.add<T>(v128.mul<T>(a, v128.load(x + o)), v128.mul<T>(b, v128.load(y + o))));
    v128.store(y + o, v128.add<T>(v128.mul<T>(a, v128.load(x + o, 16)), v128.mul<T>(b, v128.load(y + o, 16))), 16);
  }
  for (; i < n; i++) {
    const p = y + <usize>i * S;
    store<T>(p, alpha * load<T>(x + <usize>i * S) + beta * load<T>(p));
  }
}

export function dot_f64(a: usize, b: usize, n: i32): f64 {
  return dotVec<f64>(a, b, n);
}
export function dot_f32(a: usize, b: usize, n: i32): f64 {
  return dotVec<f32>(a, b, n);
}
export function axpby_f64(y: usize, alpha: f64, x: usize, beta: f64, n: i32): void {
  axpby<f64>(y, alpha, x, beta, n);
}
export function axpby_f32(y: usize, alpha: f32, x: usize, beta: f32, n: i32): void {
  axpby<f32>(y, alpha, x, beta, n);
}

/** x[i] *= alpha. */
function scaleVec<T>(x: usize, alpha: T, n: i32): void {
  const L = lanes<T>();
  const S = <usize>sizeof<T>();
  const a = v128.splat<T>(alpha);
  let i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const o = <usize>i * S;
    v128.store(x + o, v128.mul<T>(a, v128.load(x + o)));
    v128.store(x + o, v128.mul<T>(a, v128.load(x + o, 16)), 16);
  }
  for (; i < n; i++) store<T>(x + <usize>i * S, alpha * load<T>(x + <usize>i * S));
}

/**
 * One pass over x that returns Σ x[i]² summed exactly as dotVec sums ⟨x, x⟩ (same lanes, same
 * four accumulators, same order), so the result equals dot(x, x) bit for bit, and writes y:
 * - update = false (scaleInto): y[i] = scale·x[i] — one pass where a copy, a scaling and a norm
 *   would take three;
 * - update = true (axpyScaled, the fused SGD step on one scaled segment of a structured gradient,
 *   src/optim/structured-gradient.ts): g[i] = (scale·x[i])·factor, y[i] = alpha·g[i] + y[i]
 *   (alpha = −η, factor the clipping factor or 1), each operation rounded as scaleInto, scale
 *   and axpby round it one after another, so θ ends bit-identical to writing g and stepping on it.
 */
@inline function scaledPassVec(y: usize, alpha: f64, x: usize, scale: f64, factor: f64, n: i32, update: bool): f64 {
  // float64 only: float32 sums the norm in float32 lanes (scaledPassLanes, below)
  const a = f64x2.splat(alpha);
  const s = f64x2.splat(scale);
  const f = f64x2.splat(factor);
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i * 8;
    const x0 = v128.load(x + o), x1 = v128.load(x + o, 16), x2 = v128.load(x + o, 32), x3 = v128.load(x + o, 48);
    s0 = f64x2.add(s0, f64x2.mul(x0, x0));
    s1 = f64x2.add(s1, f64x2.mul(x1, x1));
    s2 = f64x2.add(s2, f64x2.mul(x2, x2));
    s3 = f64x2.add(s3, f64x2.mul(x3, x3));
    v128.store(y + o, scaledLanes<f64>(a, s, f, x0, y + o, update, true));
    v128.store(y + o + 16, scaledLanes<f64>(a, s, f, x1, y + o + 16, update, true));
    v128.store(y + o + 32, scaledLanes<f64>(a, s, f, x2, y + o + 32, update, true));
    v128.store(y + o + 48, scaledLanes<f64>(a, s, f, x3, y + o + 48, update, true));
  }
  const v = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
  let sum = f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
  for (; i < n; i++) {
    const value = load<f64>(x + <usize>i * 8);
    sum += value * value;
    const p = y + <usize>i * 8;
    store<f64>(p, update ? alpha * ((scale * value) * factor) + load<f64>(p) : scale * value);
  }
  return sum;
}

/**
 * The lanes a scaled pass stores at address p: alpha·((scale·x)·factor) + y[p] when updating, else
 * scale·x. `clipped` false leaves out the ·factor, exact when factor = 1 (the fused rank-one
 * passes test that once per call, outside their loops).
 */
@inline function scaledLanes<T>(a: v128, s: v128, f: v128, x: v128, p: usize, update: bool, clipped: bool): v128 {
  if (!update) return v128.mul<T>(s, x);
  const g = clipped ? v128.mul<T>(v128.mul<T>(s, x), f) : v128.mul<T>(s, x);
  return v128.add<T>(v128.mul<T>(a, g), v128.load(p));
}

export function scaleInto_f64(out: usize, alpha: f64, x: usize, n: i32): f64 {
  return scaledPassVec(out, 0, x, alpha, 1, n, false);
}
export function axpyScaled_f64(y: usize, alpha: f64, x: usize, scale: f64, factor: f64, n: i32): f64 {
  return scaledPassVec(y, alpha, x, scale, factor, n, true);
}

export function scale_f64(x: usize, alpha: f64, n: i32): void {
  scaleVec<f64>(x, alpha, n);
}
export function scale_f32(x: usize, alpha: f32, n: i32): void {
  scaleVec<f32>(x, alpha, n);
}

// ---- W1 (issue #17): the LSTM's backward pointwise step -------------------------------------

/** The lanes at p, or (single) the one value at p in every lane. */
@inline function lanesAt<T>(p: usize, single: bool): v128 {
  return single ? v128.splat<T>(load<T>(p)) : v128.load(p);
}

/** Stores the lanes of v at p, or (single) lane 0 alone. */
@inline function storeLanes<T>(p: usize, v: v128, single: bool): void {
  if (single) store<T>(p, v128.extract_lane<T>(v, 0));
  else v128.store(p, v);
}

/**
 * The chain rule through one LSTM step's pointwise part for B×H units (sigmoid gates), in place
 * of the cell's loop (reference.lstmGatesBackward, whose operation order this follows, so f64
 * results are bit-identical to it):
 *   ∂a_o = ∂m⊙tanh(c')⊙o(1−o);   ∂c' = ∂c'_in + ∂m⊙o⊙(1 − tanh²c') [+ ∂a_o⊙w_co];
 *   ∂a_i = ∂c'⊙g⊙i(1−i);   ∂a_f = ∂c'⊙c⊙f(1−f);   ∂a_g = ∂c'⊙i⊙(1 − g²);
 *   ∂c = ∂c'⊙f [+ ∂a_i⊙w_ci + ∂a_f⊙w_cf].
 * ∂c'_in and ∂c are rows `stride` elements apart (the c part of ∂L/∂s' and ∂L/∂s); dc and
 * peephole are 0 when absent. The last H mod lanes units go through lane 0, as in lstmGates.
 */
function lstmGatesBackward<T>(da: usize, dc: usize, y: usize, c: usize, tc: usize, dm: usize, dcIn: usize, stride: i32, peephole: usize, B: i32, H: i32): void {
  const L = lanes<T>();
  const S = <usize>sizeof<T>();
  const gate = <usize>H * S;
  const one = v128.splat<T>(<T>1);
  for (let b = 0; b < B; b++) {
    const yRow = y + <usize>(b * 4 * H) * S;
    const daRow = da + <usize>(b * 4 * H) * S;
    const u = <usize>(b * H) * S;
    const s = <usize>(b * stride) * S;
    for (let j = 0; j < H; ) {
      const single = j + L > H; // the tail: one unit through lane 0
      const o = <usize>j * S;
      const py = yRow + o;
      const i = lanesAt<T>(py, single);
      const f = lanesAt<T>(py + gate, single);
      const g = lanesAt<T>(py + 2 * gate, single);
      const og = lanesAt<T>(py + 3 * gate, single);
      const t = lanesAt<T>(tc + u + o, single);
      const dmv = lanesAt<T>(dm + u + o, single);
      const cv = lanesAt<T>(c + u + o, single);
      const cin = lanesAt<T>(dcIn + s + o, single);
      const daO = v128.mul<T>(v128.mul<T>(dmv, t), v128.mul<T>(og, v128.sub<T>(one, og)));
      let dcn = v128.add<T>(cin, v128.mul<T>(v128.mul<T>(dmv, og), v128.sub<T>(one, v128.mul<T>(t, t))));
      if (peephole != 0) {
        const pp = peephole + 2 * gate + o;
        dcn = v128.add<T>(dcn, v128.mul<T>(daO, lanesAt<T>(pp, single)));
      }
      const daI = v128.mul<T>(v128.mul<T>(dcn, g), v128.mul<T>(i, v128.sub<T>(one, i)));
      const daF = v128.mul<T>(v128.mul<T>(dcn, cv), v128.mul<T>(f, v128.sub<T>(one, f)));
      const daG = v128.mul<T>(v128.mul<T>(dcn, i), v128.sub<T>(one, v128.mul<T>(g, g)));
      let dcv = v128.mul<T>(dcn, f);
      if (peephole != 0) {
        const pp = peephole + o;
        const wi = lanesAt<T>(pp, single);
        const wf = lanesAt<T>(pp + gate, single);
        dcv = v128.add<T>(dcv, v128.add<T>(v128.mul<T>(daI, wi), v128.mul<T>(daF, wf)));
      }
      const pd = daRow + o;
      storeLanes<T>(pd, daI, single);
      storeLanes<T>(pd + gate, daF, single);
      storeLanes<T>(pd + 2 * gate, daG, single);
      storeLanes<T>(pd + 3 * gate, daO, single);
      if (dc != 0) storeLanes<T>(dc + s + o, dcv, single);
      j += single ? 1 : L;
    }
  }
}

export function lstmGatesBackward_f64(da: usize, dc: usize, y: usize, c: usize, tc: usize, dm: usize, dcIn: usize, stride: i32, peephole: usize, B: i32, H: i32): void {
  lstmGatesBackward<f64>(da, dc, y, c, tc, dm, dcIn, stride, peephole, B, H);
}
export function lstmGatesBackward_f32(da: usize, dc: usize, y: usize, c: usize, tc: usize, dm: usize, dcIn: usize, stride: i32, peephole: usize, B: i32, H: i32): void {
  lstmGatesBackward<f32>(da, dc, y, c, tc, dm, dcIn, stride, peephole, B, H);
}

// ---- W1 (issue #17): matrix-vector products -------------------------------------------------
//
// At batch 1 every step runs W_hh·h as a matrix-vector product. matmulABt at m = 1 dots 4 rows
// at a time and reduces each sum lane by lane; gemvABt dots 8 (one load of h per 8 of W, 8
// add chains in flight) and reduces 4 sums at once with shuffles: 29 → 34 GFLOP/s at
// 512×128 in f32 (bench/products.ts). Each element is summed exactly as matmulABt sums it,
// so results are bit-identical. (W_hhᵀ·∂a, matmulAB at m = 1, already runs near the
// two-instruction multiply-add's limit; 8 columns of vectors instead of 4 made it slower.)

/** The four sums [hsum(c0), hsum(c1), hsum(c2), hsum(c3)] as one f32x4, each added as hsum<f32> adds. */
@inline function hsum4(c0: v128, c1: v128, c2: v128, c3: v128): v128 {
  // Adjacent lanes first: [c0₀+c0₁, c0₂+c0₃, c1₀+c1₁, c1₂+c1₃], then the pairs.
  const p01 = f32x4.add(v128.shuffle<f32>(c0, c1, 0, 2, 4, 6), v128.shuffle<f32>(c0, c1, 1, 3, 5, 7));
  const p23 = f32x4.add(v128.shuffle<f32>(c2, c3, 0, 2, 4, 6), v128.shuffle<f32>(c2, c3, 1, 3, 5, 7));
  return f32x4.add(v128.shuffle<f32>(p01, p23, 0, 2, 4, 6), v128.shuffle<f32>(p01, p23, 1, 3, 5, 7));
}

/** [hsum(c0), hsum(c1)] as one f64x2. */
@inline function hsum2(c0: v128, c1: v128): v128 {
  return f64x2.add(v128.shuffle<f64>(c0, c1, 0, 2), v128.shuffle<f64>(c0, c1, 1, 3));
}

/** The sums of 4 accumulators (rows j … j + 3 of out) stored at p, added to what is there when accumulating. */
@inline function storeSums4<T>(p: usize, c0: v128, c1: v128, c2: v128, c3: v128, accumulate: bool): void {
  if (sizeof<T>() == 4) {
    const s = hsum4(c0, c1, c2, c3);
    v128.store(p, accumulate ? f32x4.add(v128.load(p), s) : s);
  } else {
    const s01 = hsum2(c0, c1);
    const s23 = hsum2(c2, c3);
    v128.store(p, accumulate ? f64x2.add(v128.load(p), s01) : s01);
    v128.store(p, accumulate ? f64x2.add(v128.load(p, 16), s23) : s23, 16);
  }
}

/**
 * out (n) = [out +] B (n×k) · x (k): matmulABt at m = 1. Rows of B in groups of 8 share each
 * load of x; the lane sums go out as vectors. With k not a multiple of the lanes, matmulABt.
 */
function gemvABt<T>(out: usize, x: usize, B: usize, n: i32, k: i32, accumulate: bool): void {
  const L = lanes<T>();
  const S = sizeof<T>();
  if (k % L != 0) {
    matmulABt<T>(out, x, B, 1, n, k, accumulate);
    return;
  }
  const row = <usize>k * S;
  const end = x + row;
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    let b = B + <usize>j * row;
    let c0 = v128.splat<T>(0), c1 = v128.splat<T>(0), c2 = v128.splat<T>(0), c3 = v128.splat<T>(0);
    let c4 = v128.splat<T>(0), c5 = v128.splat<T>(0), c6 = v128.splat<T>(0), c7 = v128.splat<T>(0);
    for (let a = x; a < end; a += 16, b += 16) {
      const v = v128.load(a);
      c0 = madd<T>(c0, v, v128.load(b));
      c1 = madd<T>(c1, v, v128.load(b + row));
      c2 = madd<T>(c2, v, v128.load(b + 2 * row));
      c3 = madd<T>(c3, v, v128.load(b + 3 * row));
      c4 = madd<T>(c4, v, v128.load(b + 4 * row));
      c5 = madd<T>(c5, v, v128.load(b + 5 * row));
      c6 = madd<T>(c6, v, v128.load(b + 6 * row));
      c7 = madd<T>(c7, v, v128.load(b + 7 * row));
    }
    const p = out + <usize>j * S;
    storeSums4<T>(p, c0, c1, c2, c3, accumulate);
    storeSums4<T>(p + 4 * S, c4, c5, c6, c7, accumulate);
  }
  if (j < n) matmulABt<T>(out + <usize>j * S, x, B + <usize>j * row, 1, n - j, k, accumulate);
}

export function gemvABt_f64(out: usize, x: usize, B: usize, n: i32, k: i32, accumulate: bool): void {
  gemvABt<f64>(out, x, B, n, k, accumulate);
}
export function gemvABt_f32(out: usize, x: usize, B: usize, n: i32, k: i32, accumulate: bool): void {
  gemvABt<f32>(out, x, B, n, k, accumulate);
}

// ---- Fused online updates (issue #17, branch perfonline): θ̃'s rank-one update inside the SGD pass ----

/**
 * One block of a pending rank-one update fused with the SGD step on it (src/optim/sgd.ts,
 * src/learners/rank-one.ts): for each row r < m and column c < n (n a multiple of 8),
 *   t = x[r·n + c] + rows[r]·cols[c]          (written back to x: θ̃'s body T, updated)
 *   y[r·n + c] = alpha·((scale·t)·factor) + y  (θ, the SGD step on the updated T)
 * and Σ t² accumulated in the four float64x2 partial sums stored at acc (8 f64), lane for lane
 * as scaledPassVec accumulates them. Each number rounds as matmulAtBAdd (k = 1) and then
 * axpyScaled round it, and a caller that runs the blocks of a segment one after another and
 * reduces acc as scaledPassVec does gets dot(T, T) bit for bit — so the fused step equals the
 * two passes it replaces, reading and writing T and θ once instead of T twice.
 */
@inline function rankOneScaledPass(y: usize, alpha: f64, x: usize, scale: f64, factor: f64, rows: usize, m: i32, cols: usize, n: i32, acc: usize): void {
  // Unclipped (factor = 1), (scale·t)·1 = scale·t exactly: the multiplication is left out. The
  // test is made here, once, so that each inlined copy of the loop has no branch in it.
  if (factor != 1) rankOneScaledRows(y, alpha, x, scale, factor, rows, m, cols, n, acc, true);
  else rankOneScaledRows(y, alpha, x, scale, factor, rows, m, cols, n, acc, false);
}

/**
 * rankOneScaledPass's loop (`clipped` a constant in each inlined copy; float64 only: float32 has
 * rankOneScaledRowsLanes). The rows of a block are contiguous, so x and y are walked by pointers
 * that only advance, and each 64-byte step loads and stores T's four vectors before θ's: about a
 * fifth fewer instructions than indexing every access, which is what bounds this pass while T
 * and θ fit in L2.
 */
@inline function rankOneScaledRows(y: usize, alpha: f64, x: usize, scale: f64, factor: f64, rows: usize, m: i32, cols: usize, n: i32, acc: usize, clipped: bool): void {
  const a = f64x2.splat(alpha);
  const s = f64x2.splat(scale);
  const f = f64x2.splat(factor);
  let s0 = v128.load(acc), s1 = v128.load(acc, 16), s2 = v128.load(acc, 32), s3 = v128.load(acc, 48);
  const colsEnd = cols + <usize>(n >> 3) * 64;
  let px = x, py = y;
  for (let r = 0; r < m; r++) {
    const w = f64x2.splat(load<f64>(rows + <usize>r * 8));
    for (let u = cols; u < colsEnd; u += 64) {
      const t0 = madd<f64>(v128.load(px), w, v128.load(u)), t1 = madd<f64>(v128.load(px, 16), w, v128.load(u, 16));
      const t2 = madd<f64>(v128.load(px, 32), w, v128.load(u, 32)), t3 = madd<f64>(v128.load(px, 48), w, v128.load(u, 48));
      v128.store(px, t0); v128.store(px, t1, 16); v128.store(px, t2, 32); v128.store(px, t3, 48);
      v128.store(py, scaledLanes<f64>(a, s, f, t0, py, true, clipped)); v128.store(py, scaledLanes<f64>(a, s, f, t1, py + 16, true, clipped), 16);
      v128.store(py, scaledLanes<f64>(a, s, f, t2, py + 32, true, clipped), 32); v128.store(py, scaledLanes<f64>(a, s, f, t3, py + 48, true, clipped), 48);
      s0 = addSquares(s0, t0); s1 = addSquares(s1, t1); s2 = addSquares(s2, t2); s3 = addSquares(s3, t3);
      px += 64;
      py += 64;
    }
  }
  v128.store(acc, s0); v128.store(acc, s1, 16); v128.store(acc, s2, 32); v128.store(acc, s3, 48);
}

/** acc + v·v in float64x2 lanes. */
@inline function addSquares(acc: v128, v: v128): v128 {
  return f64x2.add(acc, f64x2.mul(v, v));
}

export function rankOneAxpyScaled_f64(y: usize, alpha: f64, x: usize, scale: f64, factor: f64, rows: usize, m: i32, cols: usize, n: i32, acc: usize): void {
  rankOneScaledPass(y, alpha, x, scale, factor, rows, m, cols, n, acc);
}

/**
 * out (n) = [out +] Σ_l a[l]·B[l][·] for l < k (B: k×n, n a multiple of the lanes): matmulAB
 * with m = 1 (Wᵀ·a, the state cotangent of a recurrent step), each element summed in the same
 * order l = 0, 1, … with the same multiply-adds, so bit-identical to it. matmulAB walks a panel
 * of B down its columns (one cache line per row, rows a page apart); here four rows of B are
 * read front to back at a time and out (n numbers) stays in L1, which streams B at the memory's
 * speed (at H = 512 B = W_hh is 8 MB in float64).
 */
function matvecTransposed<T>(out: usize, a: usize, B: usize, n: i32, k: i32, accumulate: bool): void {
  const L = lanes<T>();
  const S = <usize>sizeof<T>();
  const row = <usize>n * S;
  if (!accumulate) memory.fill(out, 0, <usize>n * S);
  let l = 0;
  for (; l + 4 <= k; l += 4) {
    const b0 = B + <usize>l * row;
    const b1 = b0 + row, b2 = b1 + row, b3 = b2 + row;
    const x0 = v128.splat<T>(load<T>(a + <usize>l * S));
    const x1 = v128.splat<T>(load<T>(a + <usize>(l + 1) * S));
    const x2 = v128.splat<T>(load<T>(a + <usize>(l + 2) * S));
    const x3 = v128.splat<T>(load<T>(a + <usize>(l + 3) * S));
    for (let j = 0; j < n; j += L) {
      const o = <usize>j * S;
      // out[j] + a_l·B[l][j] for l, l + 1, l + 2, l + 3 in turn
      const c = madd<T>(madd<T>(v128.load(out + o), x0, v128.load(b0 + o)), x1, v128.load(b1 + o));
      v128.store(out + o, madd<T>(madd<T>(c, x2, v128.load(b2 + o)), x3, v128.load(b3 + o)));
    }
  }
  for (; l < k; l++) {
    const b = B + <usize>l * row;
    const x = v128.splat<T>(load<T>(a + <usize>l * S));
    for (let j = 0; j < n; j += L) {
      const o = <usize>j * S;
      v128.store(out + o, madd<T>(v128.load(out + o), x, v128.load(b + o)));
    }
  }
}

export function matvecTransposed_f64(out: usize, a: usize, B: usize, n: i32, k: i32, accumulate: bool): void {
  matvecTransposed<f64>(out, a, B, n, k, accumulate);
}
export function matvecTransposed_f32(out: usize, a: usize, B: usize, n: i32, k: i32, accumulate: bool): void {
  matvecTransposed<f32>(out, a, B, n, k, accumulate);
}

// ---- Per-term scalars of the rank-one estimators (issue #17, branch perf3) ----------------------
//
// UORO and NoBackTrack scale each of their K = 4H terms every step (ρ_k, ‖δθ‖, the coefficients
// of θ̃'s update) and combine two n-vectors into s̃. In JavaScript those loops run one element at
// a time, and a square root or a division per element is most of their cost. Here two elements
// share each f64x2 operation. Every value is computed in float64 — float32 inputs are widened,
// results rounded once at the store — with the operations and (for the sums) the order of the
// JavaScript loops they replace (kernels.ts), so the results are theirs bit for bit.

/** Elements p, p + 1 as float64 lanes. */
@inline function loadWide<T>(p: usize): v128 {
  if (sizeof<T>() == 8) return v128.load(p);
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** Stores two float64 lanes at p, rounded to T. */
@inline function storeNarrow<T>(p: usize, v: v128): void {
  if (sizeof<T>() == 8) v128.store(p, v);
  else v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

/** The lanes rounded to T and widened back: what a read of the stored value gives. */
@inline function roundWide<T>(v: v128): v128 {
  if (sizeof<T>() == 8) return v;
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(v));
}

/**
 * NoBackTrack's term scalings (src/learners/nbt.ts, eq. 3): c_k = ε_k·(√(‖u_k‖/(‖v_k‖ + ε)) + ε),
 * stored in T, and returns Σ_k (‖u_k‖/c_k)² over the stored c_k, summed in order k = 0, 1, ….
 */
function termScalings<T>(coefficient: usize, signs: usize, uNorm: usize, vNorm: usize, epsilon: f64, K: i32): f64 {
  const S = <usize>sizeof<T>();
  const e = f64x2.splat(epsilon);
  let sum: f64 = 0;
  let k = 0;
  for (; k + 2 <= K; k += 2) {
    const o = <usize>k * S;
    const u = loadWide<T>(uNorm + o);
    const c = f64x2.mul(loadWide<T>(signs + o), f64x2.add(f64x2.sqrt(f64x2.div(u, f64x2.add(loadWide<T>(vNorm + o), e))), e));
    storeNarrow<T>(coefficient + o, c);
    const q = f64x2.div(u, roundWide<T>(c));
    const q2 = f64x2.mul(q, q);
    sum += f64x2.extract_lane(q2, 0);
    sum += f64x2.extract_lane(q2, 1);
  }
  for (; k < K; k++) {
    const o = <usize>k * S;
    const u = <f64>load<T>(uNorm + o);
    store<T>(coefficient + o, <T>(<f64>load<T>(signs + o) * (Math.sqrt(u / (<f64>load<T>(vNorm + o) + epsilon)) + epsilon)));
    const q = u / <f64>load<T>(coefficient + o);
    sum += q * q;
  }
  return sum;
}

/** Σ_k (a_k·b_k)², summed in order k = 0, 1, … (UORO's ‖δθ‖², the u_k being disjoint). */
function orderedSquares<T>(a: usize, b: usize, K: i32): f64 {
  const S = <usize>sizeof<T>();
  let sum: f64 = 0;
  let k = 0;
  for (; k + 2 <= K; k += 2) {
    const o = <usize>k * S;
    const p = f64x2.mul(loadWide<T>(a + o), loadWide<T>(b + o));
    const p2 = f64x2.mul(p, p);
    sum += f64x2.extract_lane(p2, 0);
    sum += f64x2.extract_lane(p2, 1);
  }
  for (; k < K; k++) {
    const p = <f64>load<T>(a + <usize>k * S) * <f64>load<T>(b + <usize>k * S);
    sum += p * p;
  }
  return sum;
}

/** c_k ← factor/c_k (reciprocal) or c_k·factor, in float64, stored in T. */
function termScale<T>(coefficient: usize, factor: f64, K: i32, reciprocal: bool): void {
  const S = <usize>sizeof<T>();
  const f = f64x2.splat(factor);
  let k = 0;
  for (; k + 2 <= K; k += 2) {
    const p = coefficient + <usize>k * S;
    const c = loadWide<T>(p);
    storeNarrow<T>(p, reciprocal ? f64x2.div(f, c) : f64x2.mul(c, f));
  }
  for (; k < K; k++) {
    const p = coefficient + <usize>k * S;
    store<T>(p, <T>(reciprocal ? factor / <f64>load<T>(p) : <f64>load<T>(p) * factor));
  }
}

/** out_i ← alpha·x_i + beta·y_i in float64, stored in T (out may be x or y). */
function combineWide<T>(out: usize, alpha: f64, x: usize, beta: f64, y: usize, n: i32): void {
  const S = <usize>sizeof<T>();
  const a = f64x2.splat(alpha);
  const b = f64x2.splat(beta);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i * S;
    storeNarrow<T>(out + o, f64x2.add(f64x2.mul(a, loadWide<T>(x + o)), f64x2.mul(b, loadWide<T>(y + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i * S;
    store<T>(out + o, <T>(alpha * <f64>load<T>(x + o) + beta * <f64>load<T>(y + o)));
  }
}

export function termScalings_f64(coefficient: usize, signs: usize, uNorm: usize, vNorm: usize, epsilon: f64, K: i32): f64 {
  return termScalings<f64>(coefficient, signs, uNorm, vNorm, epsilon, K);
}
export function termScalings_f32(coefficient: usize, signs: usize, uNorm: usize, vNorm: usize, epsilon: f64, K: i32): f64 {
  return termScalings<f32>(coefficient, signs, uNorm, vNorm, epsilon, K);
}
export function orderedSquares_f64(a: usize, b: usize, K: i32): f64 {
  return orderedSquares<f64>(a, b, K);
}
export function orderedSquares_f32(a: usize, b: usize, K: i32): f64 {
  return orderedSquares<f32>(a, b, K);
}
export function termScale_f64(coefficient: usize, factor: f64, K: i32, reciprocal: bool): void {
  termScale<f64>(coefficient, factor, K, reciprocal);
}
export function termScale_f32(coefficient: usize, factor: f64, K: i32, reciprocal: bool): void {
  termScale<f32>(coefficient, factor, K, reciprocal);
}
export function combineWide_f64(out: usize, alpha: f64, x: usize, beta: f64, y: usize, n: i32): void {
  combineWide<f64>(out, alpha, x, beta, y, n);
}
export function combineWide_f32(out: usize, alpha: f64, x: usize, beta: f64, y: usize, n: i32): void {
  combineWide<f32>(out, alpha, x, beta, y, n);
}

// ---- θ̃'s ‖T‖² in float32 lanes (issue #17, branch perf3) --------------------------------------
//
// In float32 the fused SGD pass spent as much on ‖T‖² as on the update: dotVec widens every
// lane to float64 (a shuffle, two promotions, two float64 multiplies and adds per four numbers).
// UORO and NoBackTrack need ‖T‖ only for their scalings (ρ0) and the clipping norm, so in float32
// it is summed in float32 lanes: element i of x in f32x4 accumulator (i / 4) mod 2, lane i mod 4,
// the two accumulators added, then their lanes as hsum adds them, and any tail (< 8 numbers)
// added in float64. sumSquaresLanes, scaledPassLanes and rankOneScaledPassLanes all sum so, so
// the fused pass, the plain pass and a pass of its own give one ‖T‖² bit for bit.

@inline function addSquaresF32(acc: v128, v: v128): v128 {
  return f32x4.add(acc, f32x4.mul(v, v));
}

/** The two accumulators reduced: (a0 + a1), then its lanes as hsum<f32> adds them, widened. */
@inline function reduceLanes(a0: v128, a1: v128): f64 {
  return <f64>hsum<f32>(f32x4.add(a0, a1));
}

/** Σ x[i]² of n float32 numbers in the order above. */
function sumSquaresLanes(x: usize, n: i32): f64 {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i * 4;
    a0 = addSquaresF32(a0, v128.load(x + o));
    a1 = addSquaresF32(a1, v128.load(x + o, 16));
  }
  let sum = reduceLanes(a0, a1);
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + <usize>i * 4);
    sum += v * v;
  }
  return sum;
}

/** scaledPassVec in float32 (y rounded as scaledLanes<f32> rounds it) with Σ x² summed as sumSquaresLanes sums it. */
function scaledPassLanes(y: usize, alpha: f32, x: usize, scale: f32, factor: f32, n: i32, update: bool): f64 {
  const a = f32x4.splat(alpha);
  const s = f32x4.splat(scale);
  const f = f32x4.splat(factor);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i * 4;
    const x0 = v128.load(x + o), x1 = v128.load(x + o, 16);
    a0 = addSquaresF32(a0, x0);
    a1 = addSquaresF32(a1, x1);
    v128.store(y + o, scaledLanes<f32>(a, s, f, x0, y + o, update, true));
    v128.store(y + o + 16, scaledLanes<f32>(a, s, f, x1, y + o + 16, update, true));
  }
  let sum = reduceLanes(a0, a1);
  for (; i < n; i++) {
    const value = load<f32>(x + <usize>i * 4);
    sum += <f64>value * <f64>value;
    const p = y + <usize>i * 4;
    store<f32>(p, update ? alpha * ((scale * value) * factor) + load<f32>(p) : scale * value);
  }
  return sum;
}

/**
 * rankOneScaledPass in float32 (x and y rounded as scaledLanes<f32> rounds them) with Σ t² in the two f32x4
 * accumulators at acc (32 bytes), carried from block to block; returns their reduction so far,
 * which after the last block (blocks tiling x in order, n a multiple of 8) is sumSquaresLanes(x).
 */
function rankOneScaledPassLanes(y: usize, alpha: f32, x: usize, scale: f32, factor: f32, rows: usize, m: i32, cols: usize, n: i32, acc: usize): f64 {
  // as rankOneScaledPass: the clip test once, outside the loop
  if (factor != <f32>1) return rankOneScaledRowsLanes(y, alpha, x, scale, factor, rows, m, cols, n, acc, true);
  return rankOneScaledRowsLanes(y, alpha, x, scale, factor, rows, m, cols, n, acc, false);
}

/** rankOneScaledPassLanes's loop, walked by pointers as rankOneScaledRows walks it. */
@inline function rankOneScaledRowsLanes(y: usize, alpha: f32, x: usize, scale: f32, factor: f32, rows: usize, m: i32, cols: usize, n: i32, acc: usize, clipped: bool): f64 {
  const a = f32x4.splat(alpha);
  const s = f32x4.splat(scale);
  const f = f32x4.splat(factor);
  let a0 = v128.load(acc), a1 = v128.load(acc, 16);
  const colsEnd = cols + <usize>(n >> 3) * 32;
  let px = x, py = y;
  for (let r = 0; r < m; r++) {
    const w = f32x4.splat(load<f32>(rows + <usize>r * 4));
    for (let u = cols; u < colsEnd; u += 32) {
      const t0 = madd<f32>(v128.load(px), w, v128.load(u)), t1 = madd<f32>(v128.load(px, 16), w, v128.load(u, 16));
      v128.store(px, t0); v128.store(px, t1, 16);
      v128.store(py, scaledLanes<f32>(a, s, f, t0, py, true, clipped)); v128.store(py, scaledLanes<f32>(a, s, f, t1, py + 16, true, clipped), 16);
      a0 = addSquaresF32(a0, t0);
      a1 = addSquaresF32(a1, t1);
      px += 32;
      py += 32;
    }
  }
  v128.store(acc, a0);
  v128.store(acc, a1, 16);
  return reduceLanes(a0, a1);
}

export function sumSquaresLanes_f32(x: usize, n: i32): f64 {
  return sumSquaresLanes(x, n);
}
export function scaleIntoLanes_f32(out: usize, alpha: f32, x: usize, n: i32): f64 {
  return scaledPassLanes(out, 0, x, alpha, 1, n, false);
}
export function axpyScaledLanes_f32(y: usize, alpha: f32, x: usize, scale: f32, factor: f32, n: i32): f64 {
  return scaledPassLanes(y, alpha, x, scale, factor, n, true);
}
export function rankOneAxpyScaledLanes_f32(y: usize, alpha: f32, x: usize, scale: f32, factor: f32, rows: usize, m: i32, cols: usize, n: i32, acc: usize): f64 {
  return rankOneScaledPassLanes(y, alpha, x, scale, factor, rows, m, cols, n, acc);
}
