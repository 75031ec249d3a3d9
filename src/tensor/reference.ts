/**
 * The plain-TypeScript kernels: the reference every faster path is tested against, and the
 * fallback wherever WebAssembly is unavailable, switched off (ONLINE_RNN_KERNELS=ts) or a buffer
 * lives outside the arena. Row-major matrices, output argument first, shapes in the comment
 * (llm.c style). Arguments must not alias the output unless a kernel says so.
 */
import type { Vec } from './dtype.js';

/** out (m×n) = A (m×k) · Bᵀ, B (n×k). With m = 1 this is the matrix-vector product B·a. */
export function matmulABt(out: Vec, A: Vec, B: Vec, m: number, n: number, k: number): void {
  for (let i = 0; i < m; i++) {
    const aRow = i * k;
    const outRow = i * n;
    for (let j = 0; j < n; j++) out[outRow + j] = dotAt(A, aRow, B, j * k, k);
  }
}

/** out (m×n) += A (m×k) · Bᵀ, B (n×k). */
export function matmulABtAdd(out: Vec, A: Vec, B: Vec, m: number, n: number, k: number): void {
  for (let i = 0; i < m; i++) {
    const aRow = i * k;
    const outRow = i * n;
    for (let j = 0; j < n; j++) out[outRow + j] += dotAt(A, aRow, B, j * k, k);
  }
}

/** out (m×n) = A (m×k) · B (k×n). With m = 1 this is the transposed product Bᵀ·a. */
export function matmulAB(out: Vec, A: Vec, B: Vec, m: number, n: number, k: number): void {
  out.fill(0, 0, m * n);
  matmulABAdd(out, A, B, m, n, k);
}

/** out (m×n) += A (m×k) · B (k×n). */
export function matmulABAdd(out: Vec, A: Vec, B: Vec, m: number, n: number, k: number): void {
  for (let i = 0; i < m; i++) {
    const outRow = i * n;
    const aRow = i * k;
    for (let l = 0; l < k; l++) {
      const a = A[aRow + l];
      if (a !== 0) axpyAt(out, outRow, a, B, l * n, n);
    }
  }
}

/** out (m×n) += Aᵀ · B, A (k×m), B (k×n). With k = 1 this is the rank-one update a ⊗ b. */
export function matmulAtBAdd(out: Vec, A: Vec, B: Vec, m: number, n: number, k: number): void {
  for (let l = 0; l < k; l++) {
    const aRow = l * m;
    const bRow = l * n;
    for (let i = 0; i < m; i++) {
      const a = A[aRow + i];
      if (a !== 0) axpyAt(out, i * n, a, B, bRow, n);
    }
  }
}

/** Σ_i a[aOff + i] · b[bOff + i] for i < n. */
export function dotAt(a: Vec, aOff: number, b: Vec, bOff: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[aOff + i] * b[bOff + i];
    s1 += a[aOff + i + 1] * b[bOff + i + 1];
    s2 += a[aOff + i + 2] * b[bOff + i + 2];
    s3 += a[aOff + i + 3] * b[bOff + i + 3];
  }
  for (; i < n; i++) s0 += a[aOff + i] * b[bOff + i];
  return s0 + s1 + (s2 + s3);
}

/** y[yOff + i] += alpha · x[xOff + i] for i < n. */
export function axpyAt(y: Vec, yOff: number, alpha: number, x: Vec, xOff: number, n: number): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    y[yOff + i] += alpha * x[xOff + i];
    y[yOff + i + 1] += alpha * x[xOff + i + 1];
    y[yOff + i + 2] += alpha * x[xOff + i + 2];
    y[yOff + i + 3] += alpha * x[xOff + i + 3];
  }
  for (; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
}

/** ⟨a, b⟩ over the whole (equal-length) buffers. */
export function dot(a: Vec, b: Vec): number {
  return dotAt(a, 0, b, 0, a.length);
}

/** y += alpha · x over the whole buffers. */
export function axpy(y: Vec, alpha: number, x: Vec): void {
  axpyAt(y, 0, alpha, x, 0, y.length);
}

/** y ← alpha · x + beta · y over the whole (equal-length) buffers. */
export function axpby(y: Vec, alpha: number, x: Vec, beta: number): void {
  for (let i = 0; i < y.length; i++) y[i] = alpha * x[i] + beta * y[i];
}

/** x ← alpha · x. */
export function scale(x: Vec, alpha: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= alpha;
}

/**
 * y += alpha · ((scale · x) · factor), g = scale·x rounded to y's dtype and then clipped as if it
 * were stored in a gradient buffer; returns ⟨x, x⟩ summed as dotAt sums it. `roundProduct`
 * rounds alpha·g to y's dtype before the sum, as the SIMD axpy does in float32. (The reference
 * takes two passes; the SIMD kernel, the one that matters for speed, one.)
 */
const unrounded = (v: number): number => v;

export function axpyScaled(y: Vec, alpha: number, x: Vec, scale: number, factor: number, roundProduct = false): number {
  const round = y instanceof Float32Array ? Math.fround : unrounded;
  const product = roundProduct ? round : unrounded;
  for (let i = 0; i < x.length; i++) y[i] += product(alpha * round(round(scale * x[i]) * factor));
  return dotAt(x, 0, x, 0, x.length);
}

/** out ← alpha · x; returns ⟨x, x⟩ summed as dotAt sums it (the same four accumulators). */
export function scaleInto(out: Vec, alpha: number, x: Vec): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  const n = x.length;
  for (; i + 3 < n; i += 4) {
    const x0 = x[i];
    const x1 = x[i + 1];
    const x2 = x[i + 2];
    const x3 = x[i + 3];
    s0 += x0 * x0;
    s1 += x1 * x1;
    s2 += x2 * x2;
    s3 += x3 * x3;
    out[i] = alpha * x0;
    out[i + 1] = alpha * x1;
    out[i + 2] = alpha * x2;
    out[i + 3] = alpha * x3;
  }
  for (; i < n; i++) {
    const value = x[i];
    s0 += value * value;
    out[i] = alpha * value;
  }
  return s0 + s1 + (s2 + s3);
}

/** Euclidean norm ‖x‖. */
export function norm(x: Vec): number {
  return Math.sqrt(dotAt(x, 0, x, 0, x.length));
}

/** True when every element is finite (no NaN, no ±Inf). */
export function allFinite(x: ArrayLike<number>): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/**
 * Copies a block of `width` columns between row-major matrices:
 * out[r·outStride + outOffset + j] = src[r·srcStride + srcOffset + j] for r < rows, j < width.
 */
export function copyColumns(out: Vec, outStride: number, outOffset: number, src: Vec, srcStride: number, srcOffset: number, rows: number, width: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * outStride + outOffset;
    const s = r * srcStride + srcOffset;
    for (let j = 0; j < width; j++) out[o + j] = src[s + j];
  }
}

/** As copyColumns, but adds: out[…] += src[…]. */
export function addColumns(out: Vec, outStride: number, outOffset: number, src: Vec, srcStride: number, srcOffset: number, rows: number, width: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * outStride + outOffset;
    const s = r * srcStride + srcOffset;
    for (let j = 0; j < width; j++) out[o + j] += src[s + j];
  }
}

/** The buffers of one LSTM step's pointwise part (B rows each), made once per step. */
export interface LstmGateBuffers {
  /** B×4H pre-activations: in W·[x; h], out with bias and peepholes added. */
  readonly a: Vec;
  /** B×H, c(t−1). */
  readonly c: Vec;
  /** B×4H gate values [i, f, g, o]. */
  readonly y: Vec;
  /** B×H each: c', tanh(c'), m = o ⊙ tanh(c'). */
  readonly cNext: Vec;
  readonly tc: Vec;
  readonly m: Vec;
}

/**
 * An LSTM step's pointwise part for B×H units, σ the gate activation:
 *   a += b [+ w_ci⊙c, w_cf⊙c on i, f];  i, f = σ(a_i), σ(a_f);  g = tanh(a_g);  c' = f⊙c + i⊙g;
 *   a_o [+= w_co⊙c'];  o = σ(a_o);  tc = tanh(c');  m = o⊙tc.
 * bias (4H) and peephole (3H) are null when the cell has none.
 */
export function lstmGates(t: LstmGateBuffers, bias: Vec | null, peephole: Vec | null, sigma: (a: number) => number, B: number, H: number): void {
  const { a, c, y, cNext, tc, m } = t;
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const k = 4 * H * b + j; // row of gate i; f, g, o follow H apart
      const u = H * b + j;
      if (bias !== null) for (let gate = 0; gate < 4; gate++) a[k + gate * H] += bias[gate * H + j];
      if (peephole !== null) {
        a[k] += peephole[j] * c[u];
        a[k + H] += peephole[H + j] * c[u];
      }
      const i = (y[k] = sigma(a[k]));
      const f = (y[k + H] = sigma(a[k + H]));
      const g = (y[k + 2 * H] = Math.tanh(a[k + 2 * H]));
      cNext[u] = f * c[u] + i * g;
      if (peephole !== null) a[k + 3 * H] += peephole[2 * H + j] * cNext[u];
      const o = (y[k + 3 * H] = sigma(a[k + 3 * H]));
      tc[u] = Math.tanh(cNext[u]);
      m[u] = o * tc[u];
    }
  }
}

/** The buffers of an LSTM step's backward pointwise part (B rows each); t.y, t.c, t.tc and t.a as lstmGates left them. */
export interface LstmGateGradientBuffers {
  readonly t: Pick<LstmGateBuffers, 'a' | 'c' | 'y' | 'tc'>;
  /** B×H, ∂L/∂m. */
  readonly dm: Vec;
  /** ∂L/∂c' from outside the step: row b's H values at dcIn[b·stride + offset …]. Set per call. */
  dcIn: Vec;
  /** Out: B×4H, ∂L/∂a. */
  readonly da: Vec;
  /** Out, or null: ∂L/∂c, row b at dc[b·stride + offset …]. Set per call. */
  dc: Vec | null;
  readonly stride: number;
  readonly offset: number;
}

/**
 * The chain rule back through lstmGates for B×H units, σ the gate activation and σ' its
 * derivative as a function of (a, σ(a)):
 *   ∂a_o = ∂m⊙tanh(c')⊙σ'(a_o);   ∂c' = ∂c'_in + ∂m⊙o⊙(1 − tanh²c') [+ ∂a_o⊙w_co];
 *   ∂a_i = ∂c'⊙g⊙σ'(a_i);   ∂a_f = ∂c'⊙c⊙σ'(a_f);   ∂a_g = ∂c'⊙i⊙(1 − g²);
 *   ∂c = ∂c'⊙f [+ ∂a_i⊙w_ci + ∂a_f⊙w_cf]   (c' = f⊙c + i⊙g, and the peepholes read c).
 */
export function lstmGatesBackward(d: LstmGateGradientBuffers, peephole: Vec | null, sigmaGrad: (a: number, y: number) => number, B: number, H: number): void {
  const { t, dm, dcIn, da, dc, stride, offset } = d;
  const { a, y, c, tc } = t;
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const k = 4 * H * b + j;
      const u = H * b + j;
      const s = stride * b + offset + j;
      const i = y[k];
      const f = y[k + H];
      const g = y[k + 2 * H];
      const o = y[k + 3 * H];
      const daO = dm[u] * tc[u] * sigmaGrad(a[k + 3 * H], o);
      // ∂L/∂c' gathers the state's c part, the path through tanh(c'), and o's peephole.
      let dcNext = dcIn[s] + dm[u] * o * (1 - tc[u] * tc[u]);
      if (peephole !== null) dcNext += daO * peephole[2 * H + j];
      da[k] = dcNext * g * sigmaGrad(a[k], i);
      da[k + H] = dcNext * c[u] * sigmaGrad(a[k + H], f);
      da[k + 2 * H] = dcNext * i * (1 - g * g);
      da[k + 3 * H] = daO;
      if (dc !== null) {
        let dcPrev = dcNext * f;
        if (peephole !== null) dcPrev += da[k] * peephole[j] + da[k + H] * peephole[H + j];
        dc[s] = dcPrev;
      }
    }
  }
}
