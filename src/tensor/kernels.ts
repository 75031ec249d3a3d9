/**
 * The few dense kernels everything else is built on — the only hot loops. Row-major matrices,
 * output argument first, shapes in the comment (llm.c style). Arguments must not alias the
 * output unless a kernel says so.
 *
 * Each product runs on the WebAssembly SIMD kernels (src/tensor/wasm) when every operand lives
 * in the arena (src/tensor/arena.ts; `zeros()` puts buffers there) and on the plain-TypeScript
 * reference (src/tensor/reference.ts) otherwise. The two agree within rounding (test/tensor).
 */
import type { Vec } from './dtype.js';
import { sigmoid, type Activation } from './activations.js';
import { simd } from './backend.js';
import * as reference from './reference.js';

export { dotAt, axpyAt, allFinite, copyColumns, addColumns, type LstmGateBuffers, type LstmGateGradientBuffers } from './reference.js';

/** Below this length a vector kernel stays in TypeScript: the call would cost more than the loop. */
const SIMD_VECTOR_MIN = 64;

/** ⟨a, b⟩ over the whole (equal-length) buffers. */
export function dot(a: Vec, b: Vec): number {
  if (simd !== null && a.length >= SIMD_VECTOR_MIN && simd.acceptsPair(a, b)) return simd.dot(a, b, a.length);
  return reference.dot(a, b);
}

/**
 * Σ x², the squared norm the scaled passes below return: dot(x, x) bit for bit, except on the
 * float32 SIMD kernels, which sum it in float32 lanes (kernels.as.ts, sumSquaresLanes: the
 * float64 widening cost the fused SGD pass as much as its update). For θ̃'s body T, whose norm
 * only scales UORO's and NoBackTrack's factors and sizes the clipping.
 */
export function normSquared(x: Vec): number {
  if (simd !== null && x.length >= SIMD_VECTOR_MIN && simd.owns(x)) return simd.sumSquares(x, x.length);
  return reference.dot(x, x);
}

/** Euclidean norm ‖x‖. */
export function norm(x: Vec): number {
  return Math.sqrt(dot(x, x));
}

/** y += alpha · x over the whole buffers. */
export function axpy(y: Vec, alpha: number, x: Vec): void {
  if (simd !== null && y.length >= SIMD_VECTOR_MIN && simd.acceptsPair(y, x)) simd.axpby(y, alpha, x, 1, y.length);
  else reference.axpy(y, alpha, x);
}

/** x ← alpha · x. */
export function scale(x: Vec, alpha: number): void {
  if (simd !== null && x.length >= SIMD_VECTOR_MIN && simd.owns(x)) simd.scale(x, alpha, x.length);
  else reference.scale(x, alpha);
}

/**
 * out ← alpha · x, returning ⟨x, x⟩ — equal bit for bit to normSquared(x) — in the same pass (a
 * scaled copy whose norm the caller needs, as a gradient estimate α·θ̃ and its size).
 */
export function scaleInto(out: Vec, alpha: number, x: Vec): number {
  if (simd !== null && x.length >= SIMD_VECTOR_MIN && simd.acceptsPair(out, x)) return simd.scaleInto(out, alpha, x, x.length);
  return reference.scaleInto(out, alpha, x);
}

/**
 * y += alpha · ((scale · x) · factor) over the whole buffers, returning ⟨x, x⟩ — equal bit for
 * bit to normSquared(x) — in the same pass: the SGD step on a scaled gradient segment (alpha = −η,
 * factor the clipping factor or 1), rounded as writing g = scale·x, clipping it and stepping
 * would round it (src/optim/structured-gradient.ts). `roundProduct`: on the TypeScript path, round
 * alpha·g as the SIMD axpy would (a short segment of a θ the SIMD kernels step).
 */
export function axpyScaled(y: Vec, alpha: number, x: Vec, scale: number, factor: number, roundProduct = false): number {
  if (simd !== null && x.length >= SIMD_VECTOR_MIN && simd.acceptsPair(y, x)) return simd.axpyScaled(y, alpha, x, scale, factor, x.length);
  return reference.axpyScaled(y, alpha, x, scale, factor, roundProduct);
}

/** One block of a rank-one update of x: x[offset + r·n + c] += rows[r]·cols[c], n = cols.length. */
export interface RankOneBlock {
  readonly offset: number;
  readonly rows: Vec;
  readonly cols: Vec;
}

/**
 * Whether `rankOneAxpyScaled` runs on these operands: the SIMD kernels, every operand in the
 * arena, the blocks tiling x in order, every block's rows a multiple of 8 long (so the norm's
 * partial sums see each element in the lane `normSquared` gives it). Otherwise the caller takes the
 * two passes (the rank-one update, then axpyScaled).
 */
export function fusesRankOne(y: Vec, x: Vec, blocks: readonly RankOneBlock[]): boolean {
  if (simd === null || !simd.fusesRankOne || x.length < SIMD_VECTOR_MIN || !simd.acceptsPair(y, x)) return false;
  let end = 0;
  for (const { offset, rows, cols } of blocks) {
    if (offset !== end || cols.length % 8 !== 0 || !simd.acceptsPair(x, rows) || !simd.acceptsPair(x, cols)) return false;
    end += rows.length * cols.length;
  }
  return end === x.length;
}

/**
 * x += Σ_blocks rows ⊗ cols and then y += alpha · ((scale · x) · factor), one pass over x and y
 * instead of two over x (θ̃'s rank-one update, then the fused SGD step of axpyScaled), each
 * number rounded as those two passes round it; returns ⟨x, x⟩ of the updated x, equal bit for
 * bit to normSquared(x). Only where `fusesRankOne` said yes.
 */
export function rankOneAxpyScaled(y: Vec, alpha: number, x: Vec, scale: number, factor: number, blocks: readonly RankOneBlock[]): number {
  return simd!.rankOneAxpyScaled(y, alpha, x, scale, factor, blocks);
}

/** y ← alpha · x + beta · y over the whole buffers (the update of a running estimate). */
export function axpby(y: Vec, alpha: number, x: Vec, beta: number): void {
  if (simd !== null && y.length >= SIMD_VECTOR_MIN && simd.acceptsPair(y, x)) simd.axpby(y, alpha, x, beta, y.length);
  else reference.axpby(y, alpha, x, beta);
}

/** out (m×n) = A (m×k) · Bᵀ, B (n×k). With m = 1 this is the matrix-vector product B·a. */
export function matmulABt(out: Vec, A: Vec, B: Vec, m: number, n: number, k: number): void {
  if (simd !== null && simd.accepts(out, A, B)) simd.matmulABt(out, A, B, m, n, k, false);
  else reference.matmulABt(out, A, B, m, n, k);
}

/** out (m×n) += A (m×k) · Bᵀ, B (n×k). */
export function matmulABtAdd(out: Vec, A: Vec, B: Vec, m: number, n: number, k: number): void {
  if (simd !== null && simd.accepts(out, A, B)) simd.matmulABt(out, A, B, m, n, k, true);
  else reference.matmulABtAdd(out, A, B, m, n, k);
}

/** out (m×n) = A (m×k) · B (k×n). With m = 1 this is the transposed product Bᵀ·a. */
export function matmulAB(out: Vec, A: Vec, B: Vec, m: number, n: number, k: number): void {
  if (simd !== null && simd.accepts(out, A, B)) simd.matmulAB(out, A, B, m, n, k, false);
  else reference.matmulAB(out, A, B, m, n, k);
}

/**
 * out (n) = a (k) · B (k×n), the transposed matrix-vector product Bᵀ·a: bit-identical to
 * matmulAB with m = 1; on the SIMD kernels with n a multiple of 4 it streams B's rows instead of
 * walking its columns (matvecTransposed in kernels.as.ts).
 */
export function matvecTransposed(out: Vec, a: Vec, B: Vec, n: number, k: number): void {
  if (simd !== null && n % 4 === 0 && simd.accepts(out, a, B)) simd.matvecTransposed(out, a, B, n, k, false);
  else matmulAB(out, a, B, 1, n, k);
}

/** out (m×n) += A (m×k) · B (k×n). */
export function matmulABAdd(out: Vec, A: Vec, B: Vec, m: number, n: number, k: number): void {
  if (simd !== null && simd.accepts(out, A, B)) simd.matmulAB(out, A, B, m, n, k, true);
  else reference.matmulABAdd(out, A, B, m, n, k);
}

/** out (m×n) += Aᵀ · B, A (k×m), B (k×n). With k = 1 this is the rank-one update a ⊗ b. */
export function matmulAtBAdd(out: Vec, A: Vec, B: Vec, m: number, n: number, k: number): void {
  if (simd !== null && simd.accepts(out, A, B)) simd.matmulAtBAdd(out, A, B, m, n, k);
  else reference.matmulAtBAdd(out, A, B, m, n, k);
}

/**
 * An LSTM step's pointwise part for B×H units (see reference.lstmGates): fused in one SIMD
 * pass when the gates are the logistic sigmoid and the buffers live in the arena.
 */
export function lstmGates(t: reference.LstmGateBuffers, bias: Vec | null, peephole: Vec | null, sigma: (a: number) => number, B: number, H: number): void {
  if (simd !== null && sigma === sigmoid && simd.acceptsGates(t, bias, peephole)) simd.lstmGates(t, bias, peephole, B, H);
  else reference.lstmGates(t, bias, peephole, sigma, B, H);
}

/**
 * The chain rule back through lstmGates for B×H units (see reference.lstmGatesBackward): one
 * SIMD pass when the gates are the logistic sigmoid and the buffers live in the arena —
 * bit-identical to the reference in float64; in float32 within rounding, as the reference
 * computes in double and rounds once per stored value.
 */
export function lstmGatesBackward(d: reference.LstmGateGradientBuffers, peephole: Vec | null, sigma: Activation, B: number, H: number): void {
  if (simd !== null && sigma.value === sigmoid && simd.acceptsGateGradients(d, peephole)) simd.lstmGatesBackward(d, peephole, B, H);
  else reference.lstmGatesBackward(d, peephole, sigma.grad, B, H);
}

// ---- The rank-one estimators' per-term scalars (UORO, NoBackTrack: src/learners/uoro.ts, nbt.ts) ----
// Loops over the K terms or the n state entries, with a square root or a division per element.
// Each is computed in float64 and rounded once at the store, in the same operations and summing
// order on both paths, so the SIMD kernels (two elements per operation) give the TypeScript
// loops' numbers bit for bit (test/tensor/online-kernels.test.ts).

/**
 * NoBackTrack's term scalings, eq. (3): c_k = ε_k·(√(‖u_k‖/(‖v_k‖ + ε)) + ε) into `coefficient`
 * (K numbers; ε_k the signs ±1, the first K of `signs`); returns Σ_k (‖u_k‖/c_k)², summed in order over the stored c_k.
 */
export function termScalings(coefficient: Vec, signs: Vec, uNorm: Vec, vNorm: Vec, epsilon: number): number {
  if (simd !== null && coefficient.length >= SIMD_VECTOR_MIN && simd.accepts(coefficient, signs, uNorm) && simd.acceptsPair(coefficient, vNorm)) return simd.termScalings(coefficient, signs, uNorm, vNorm, epsilon);
  let sum = 0;
  for (let k = 0; k < coefficient.length; k++) {
    coefficient[k] = signs[k]! * (Math.sqrt(uNorm[k]! / (vNorm[k]! + epsilon)) + epsilon);
    sum += (uNorm[k]! / coefficient[k]!) ** 2;
  }
  return sum;
}

/** Σ_k (a_k·b_k)², summed in order (UORO's ‖δθ‖² from ⟨v_k, ν⟩ and ‖u_k‖). */
export function orderedSquares(a: Vec, b: Vec): number {
  if (simd !== null && a.length >= SIMD_VECTOR_MIN && simd.acceptsPair(a, b)) return simd.orderedSquares(a, b);
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += (a[k]! * b[k]!) ** 2;
  return sum;
}

/** c_k ← c_k·factor, computed in float64 and rounded once (unlike `scale`, whose float32 kernel rounds factor first). */
export function scaleTerms(coefficient: Vec, factor: number): void {
  if (simd !== null && coefficient.length >= SIMD_VECTOR_MIN && simd.owns(coefficient)) simd.termScale(coefficient, factor, false);
  else for (let k = 0; k < coefficient.length; k++) coefficient[k] *= factor;
}

/** c_k ← factor/c_k. */
export function reciprocalTerms(coefficient: Vec, factor: number): void {
  if (simd !== null && coefficient.length >= SIMD_VECTOR_MIN && simd.owns(coefficient)) simd.termScale(coefficient, factor, true);
  else for (let k = 0; k < coefficient.length; k++) coefficient[k] = factor / coefficient[k]!;
}

/** out ← alpha·x + beta·y, each element computed in float64 and rounded once (out may be x or y). */
export function combine(out: Vec, alpha: number, x: Vec, beta: number, y: Vec): void {
  if (simd !== null && out.length >= SIMD_VECTOR_MIN && simd.accepts(out, x, y)) simd.combineWide(out, alpha, x, beta, y);
  else for (let i = 0; i < out.length; i++) out[i] = alpha * x[i]! + beta * y[i]!;
}
