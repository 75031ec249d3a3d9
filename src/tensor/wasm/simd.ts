/**
 * The WebAssembly SIMD kernels bound to an arena's memory: same names and shapes as the
 * plain-TypeScript kernels, but the buffers are passed as byte addresses into the arena.
 * Callers (src/tensor/kernels.ts) check `accepts` first: every operand in the arena and of one
 * dtype. The module is compiled synchronously from the embedded binary; where a platform
 * refuses that (a browser's main thread limits synchronous compiles to 4 KiB), use
 * `compileKernels()` first, which compiles asynchronously.
 */
import type { Vec } from '../dtype.js';
import type { LstmGateBuffers, LstmGateGradientBuffers } from '../reference.js';
import type { Arena } from '../arena.js';
import type { RankOneBlock } from '../kernels.js';
import { PLAIN_MEMORY_FMA_KERNELS, PLAIN_MEMORY_KERNELS, SHARED_MEMORY_FMA_KERNELS, SHARED_MEMORY_KERNELS } from './binary.generated.js';

type Product = (out: number, A: number, B: number, m: number, n: number, k: number, accumulate: number) => void;
type Gemv = (out: number, x: number, B: number, n: number, k: number, accumulate: number) => void;
type Accumulate = (out: number, A: number, B: number, m: number, n: number, k: number) => void;
interface Exports {
  matmulABt_f64: Product;
  matmulABt_f32: Product;
  matmulAB_f64: Product;
  matmulAB_f32: Product;
  matmulAtBAdd_f64: Accumulate;
  matmulAtBAdd_f32: Accumulate;
  dot_f64: (a: number, b: number, n: number) => number;
  dot_f32: (a: number, b: number, n: number) => number;
  axpby_f64: (y: number, alpha: number, x: number, beta: number, n: number) => void;
  axpby_f32: (y: number, alpha: number, x: number, beta: number, n: number) => void;
  scale_f64: (x: number, alpha: number, n: number) => void;
  scale_f32: (x: number, alpha: number, n: number) => void;
  scaleInto_f64: (out: number, alpha: number, x: number, n: number) => number;
  axpyScaled_f64: (y: number, alpha: number, x: number, scale: number, factor: number, n: number) => number;
  matvecTransposed_f64: MatvecT;
  matvecTransposed_f32: MatvecT;
  rankOneAxpyScaled_f64: RankOneStep;
  lstmGates_f64: Gates;
  lstmGates_f32: Gates;
  gemvABt_f64: Gemv;
  gemvABt_f32: Gemv;
  lstmGatesBackward_f64: GateGradients;
  lstmGatesBackward_f32: GateGradients;
  setScratch: (address: number, bytes: number) => void;
  termScalings_f64: TermScalings;
  termScalings_f32: TermScalings;
  orderedSquares_f64: (a: number, b: number, K: number) => number;
  orderedSquares_f32: (a: number, b: number, K: number) => number;
  termScale_f64: (coefficient: number, factor: number, K: number, reciprocal: number) => void;
  termScale_f32: (coefficient: number, factor: number, K: number, reciprocal: number) => void;
  combineWide_f64: CombineWide;
  combineWide_f32: CombineWide;
  sumSquaresLanes_f32: (x: number, n: number) => number;
  scaleIntoLanes_f32: (out: number, alpha: number, x: number, n: number) => number;
  axpyScaledLanes_f32: (y: number, alpha: number, x: number, scale: number, factor: number, n: number) => number;
  rankOneAxpyScaledLanes_f32: (y: number, alpha: number, x: number, scale: number, factor: number, rows: number, m: number, cols: number, n: number, acc: number) => number;
}
type TermScalings = (coefficient: number, signs: number, uNorm: number, vNorm: number, epsilon: number, K: number) => number;
type CombineWide = (out: number, alpha: number, x: number, beta: number, y: number, n: number) => void;
type MatvecT = (out: number, a: number, B: number, n: number, k: number, accumulate: number) => void;
type RankOneStep = (y: number, alpha: number, x: number, scale: number, factor: number, rows: number, m: number, cols: number, n: number, acc: number) => void;
type Gates = (y: number, cNext: number, tc: number, m: number, a: number, c: number, bias: number, peephole: number, B: number, H: number) => void;
type GateGradients = (da: number, dc: number, y: number, c: number, tc: number, dm: number, dcIn: number, stride: number, peephole: number, B: number, H: number) => void;
interface WasmModuleApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  compile(bytes: Uint8Array): Promise<object>;
  validate(bytes: Uint8Array): boolean;
}

type Variant = 'shared' | 'plain' | 'sharedFma' | 'plainFma';
const compiled: Record<Variant, object | null> = { shared: null, plain: null, sharedFma: null, plainFma: null };
const BINARIES: Record<Variant, string> = { shared: SHARED_MEMORY_KERNELS, plain: PLAIN_MEMORY_KERNELS, sharedFma: SHARED_MEMORY_FMA_KERNELS, plainFma: PLAIN_MEMORY_FMA_KERNELS };

function wasmApi(): WasmModuleApi {
  return (globalThis as unknown as { WebAssembly: WasmModuleApi }).WebAssembly;
}

function bytesOf(variant: Variant): Uint8Array {
  const { atob } = globalThis as unknown as { atob(base64: string): string };
  const text = atob(BINARIES[variant]);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Whether this engine has relaxed SIMD, so the fused multiply-add build validates. */
export function engineHasFma(): boolean {
  try {
    return wasmApi().validate(bytesOf('plainFma'));
  } catch {
    return false;
  }
}

/** Compiles the variants this engine can run asynchronously (for browsers, before the first model is made). */
export async function compileKernels(options: { fma: boolean }): Promise<void> {
  for (const variant of options.fma ? (['sharedFma', 'plainFma'] as const) : (['shared', 'plain'] as const)) {
    compiled[variant] ??= await wasmApi().compile(bytesOf(variant));
  }
}

/** Bytes of packing space per kernel instance (PACK_BYTES in kernels.as.ts). */
const SCRATCH_BYTES = 131072;

export class SimdKernels {
  private readonly k: Exports;
  /** rankOneAxpyScaled's four float64x2 partial sums (null: the arena had no room). */
  private readonly accumulators: Float64Array | null;

  /**
   * @param options.fma use the relaxed-SIMD build, whose multiply-adds are fused (one rounding
   *   instead of two): faster, and within rounding of the other build, not bit-identical to it.
   */
  constructor(
    private readonly arena: Arena,
    readonly options: { fma: boolean },
  ) {
    const api = wasmApi();
    const variant: Variant = `${arena.shared ? 'shared' : 'plain'}${options.fma ? 'Fma' : ''}` as Variant;
    const module = (compiled[variant] ??= new api.Module(bytesOf(variant)));
    this.k = new api.Instance(module, { env: { memory: arena.memory, abort: () => {} } }).exports as Exports;
    // The instance's own packing space (matmulAtBAdd); without it the kernels read operands in place.
    const scratch = arena.allocate('float64', SCRATCH_BYTES / 8, null);
    if (scratch !== null) this.k.setScratch(scratch.byteOffset, SCRATCH_BYTES);
    this.accumulators = arena.allocate('float64', 8, null) as Float64Array | null;
  }

  /** Whether the kernels can run on these operands in place: all in the arena, one dtype. */
  accepts(out: Vec, A: Vec, B: Vec): boolean {
    const arena = this.arena;
    return A.BYTES_PER_ELEMENT === out.BYTES_PER_ELEMENT && B.BYTES_PER_ELEMENT === out.BYTES_PER_ELEMENT && arena.owns(out) && arena.owns(A) && arena.owns(B);
  }

  /** out (m×n) = [out +] A (m×k) · Bᵀ, B (n×k); at m = 1 the matrix-vector kernel (same sums). */
  matmulABt(out: Vec, A: Vec, B: Vec, m: number, n: number, k: number, accumulate: boolean): void {
    const f64 = out.BYTES_PER_ELEMENT === 8;
    if (m === 1) (f64 ? this.k.gemvABt_f64 : this.k.gemvABt_f32)(out.byteOffset, A.byteOffset, B.byteOffset, n, k, accumulate ? 1 : 0);
    else (f64 ? this.k.matmulABt_f64 : this.k.matmulABt_f32)(out.byteOffset, A.byteOffset, B.byteOffset, m, n, k, accumulate ? 1 : 0);
  }

  /** out (m×n) = [out +] A (m×k) · B (k×n). */
  matmulAB(out: Vec, A: Vec, B: Vec, m: number, n: number, k: number, accumulate: boolean): void {
    (out.BYTES_PER_ELEMENT === 8 ? this.k.matmulAB_f64 : this.k.matmulAB_f32)(out.byteOffset, A.byteOffset, B.byteOffset, m, n, k, accumulate ? 1 : 0);
  }

  /** out (n) = [out +] aᵀ·B, B (k×n), n a multiple of 4: matmulAB with m = 1, bit for bit, streaming B's rows. */
  matvecTransposed(out: Vec, a: Vec, B: Vec, n: number, k: number, accumulate: boolean): void {
    (out.BYTES_PER_ELEMENT === 8 ? this.k.matvecTransposed_f64 : this.k.matvecTransposed_f32)(out.byteOffset, a.byteOffset, B.byteOffset, n, k, accumulate ? 1 : 0);
  }

  /** Whether x lives in the arena. */
  owns(x: Vec): boolean {
    return this.arena.owns(x);
  }

  /** Whether a vector kernel can run on a and b in place: both in the arena, one dtype. */
  acceptsPair(a: Vec, b: Vec): boolean {
    return a.BYTES_PER_ELEMENT === b.BYTES_PER_ELEMENT && this.arena.owns(a) && this.arena.owns(b);
  }

  /** ⟨a, b⟩ over n elements, summed in float64. */
  dot(a: Vec, b: Vec, n: number): number {
    return (a.BYTES_PER_ELEMENT === 8 ? this.k.dot_f64 : this.k.dot_f32)(a.byteOffset, b.byteOffset, n);
  }

  /** y ← alpha·x + beta·y over n elements. */
  axpby(y: Vec, alpha: number, x: Vec, beta: number, n: number): void {
    (y.BYTES_PER_ELEMENT === 8 ? this.k.axpby_f64 : this.k.axpby_f32)(y.byteOffset, alpha, x.byteOffset, beta, n);
  }

  /** x ← alpha·x over n elements. */
  scale(x: Vec, alpha: number, n: number): void {
    (x.BYTES_PER_ELEMENT === 8 ? this.k.scale_f64 : this.k.scale_f32)(x.byteOffset, alpha, n);
  }

  /** out ← alpha·x over n elements; returns Σ x² summed as `sumSquares` sums it. */
  scaleInto(out: Vec, alpha: number, x: Vec, n: number): number {
    return (x.BYTES_PER_ELEMENT === 8 ? this.k.scaleInto_f64 : this.k.scaleIntoLanes_f32)(out.byteOffset, alpha, x.byteOffset, n);
  }

  /** y ← alpha·((scale·x)·factor) + y over n elements; returns Σ x² summed as `sumSquares` sums it. */
  axpyScaled(y: Vec, alpha: number, x: Vec, scale: number, factor: number, n: number): number {
    return (x.BYTES_PER_ELEMENT === 8 ? this.k.axpyScaled_f64 : this.k.axpyScaledLanes_f32)(y.byteOffset, alpha, x.byteOffset, scale, factor, n);
  }

  /** Σ x² over n elements: `dot(x, x)` in float64; in float32 summed in float32 lanes (kernels.as.ts, sumSquaresLanes). */
  sumSquares(x: Vec, n: number): number {
    return x.BYTES_PER_ELEMENT === 8 ? this.k.dot_f64(x.byteOffset, x.byteOffset, n) : this.k.sumSquaresLanes_f32(x.byteOffset, n);
  }

  /**
   * The fused SGD step on a segment x whose pending rank-one blocks are applied on the way
   * (kernels.ts rankOneAxpyScaled); returns Σ x² after the update, summed as `sumSquares` sums it.
   */
  rankOneAxpyScaled(y: Vec, alpha: number, x: Vec, scale: number, factor: number, blocks: readonly RankOneBlock[]): number {
    const acc = this.accumulators!;
    acc.fill(0);
    if (x.BYTES_PER_ELEMENT === 4) {
      // float32: the partial sums in float32 lanes; the last block's call returns their reduction
      let sum = 0;
      for (const { offset, rows, cols } of blocks) {
        const at = offset * 4;
        sum = this.k.rankOneAxpyScaledLanes_f32(y.byteOffset + at, alpha, x.byteOffset + at, scale, factor, rows.byteOffset, rows.length, cols.byteOffset, cols.length, acc.byteOffset);
      }
      return sum;
    }
    const kernel = this.k.rankOneAxpyScaled_f64;
    for (const { offset, rows, cols } of blocks) {
      const at = offset * x.BYTES_PER_ELEMENT;
      kernel(y.byteOffset + at, alpha, x.byteOffset + at, scale, factor, rows.byteOffset, rows.length, cols.byteOffset, cols.length, acc.byteOffset);
    }
    // The four float64x2 sums, reduced as scaledPassVec reduces them: (s0 + s1) + (s2 + s3), then its two lanes.
    return (acc[0]! + acc[2]! + (acc[4]! + acc[6]!)) + (acc[1]! + acc[3]! + (acc[5]! + acc[7]!));
  }

  /** Whether rankOneAxpyScaled has its 64 bytes of partial sums in the arena. */
  get fusesRankOne(): boolean {
    return this.accumulators !== null;
  }

  /** Whether the LSTM gate kernel can run in place on these buffers (bias and peephole may be null). */
  acceptsGates(t: LstmGateBuffers, bias: Vec | null, peephole: Vec | null): boolean {
    const { arena } = this;
    const size = t.a.BYTES_PER_ELEMENT;
    return (
      arena.owns(t.a) && arena.owns(t.c) && arena.owns(t.y) && arena.owns(t.cNext) && arena.owns(t.tc) && arena.owns(t.m) &&
      t.c.BYTES_PER_ELEMENT === size && t.y.BYTES_PER_ELEMENT === size &&
      (bias === null || (arena.owns(bias) && bias.BYTES_PER_ELEMENT === size)) &&
      (peephole === null || (arena.owns(peephole) && peephole.BYTES_PER_ELEMENT === size))
    );
  }

  /** The LSTM's pointwise step with sigmoid gates (see reference.lstmGates). */
  lstmGates(t: LstmGateBuffers, bias: Vec | null, peephole: Vec | null, B: number, H: number): void {
    (t.a.BYTES_PER_ELEMENT === 8 ? this.k.lstmGates_f64 : this.k.lstmGates_f32)(
      t.y.byteOffset, t.cNext.byteOffset, t.tc.byteOffset, t.m.byteOffset, t.a.byteOffset, t.c.byteOffset,
      bias === null ? 0 : bias.byteOffset, peephole === null ? 0 : peephole.byteOffset, B, H,
    );
  }

  /** Whether the LSTM's backward pointwise kernel can run in place on these buffers (dc and peephole may be null). */
  acceptsGateGradients(d: LstmGateGradientBuffers, peephole: Vec | null): boolean {
    const size = d.da.BYTES_PER_ELEMENT;
    return this.holds(d.da, size) && this.holds(d.dc, size) && this.holds(d.t.y, size) && this.holds(d.t.c, size) && this.holds(d.t.tc, size) && this.holds(d.dm, size) && this.holds(d.dcIn, size) && this.holds(peephole, size);
  }

  /** Whether v is absent, or in the arena with elements of `size` bytes. */
  private holds(v: Vec | null, size: number): boolean {
    return v === null || (this.arena.owns(v) && v.BYTES_PER_ELEMENT === size);
  }

  /** The chain rule back through the LSTM's pointwise step with sigmoid gates (see reference.lstmGatesBackward). */
  lstmGatesBackward(d: LstmGateGradientBuffers, peephole: Vec | null, B: number, H: number): void {
    const S = d.da.BYTES_PER_ELEMENT;
    (S === 8 ? this.k.lstmGatesBackward_f64 : this.k.lstmGatesBackward_f32)(
      d.da.byteOffset, d.dc === null ? 0 : d.dc.byteOffset + d.offset * S, d.t.y.byteOffset, d.t.c.byteOffset, d.t.tc.byteOffset, d.dm.byteOffset,
      d.dcIn.byteOffset + d.offset * S, d.stride, peephole === null ? 0 : peephole.byteOffset, B, H,
    );
  }

  /** out (m×n) += Aᵀ · B, A (k×m), B (k×n). */
  matmulAtBAdd(out: Vec, A: Vec, B: Vec, m: number, n: number, k: number): void {
    (out.BYTES_PER_ELEMENT === 8 ? this.k.matmulAtBAdd_f64 : this.k.matmulAtBAdd_f32)(out.byteOffset, A.byteOffset, B.byteOffset, m, n, k);
  }

  // The rank-one estimators' per-term scalars (kernels.as.ts, branch perf3): float64 arithmetic, results rounded once to the buffers' dtype.

  /** NoBackTrack's c_k = ε_k·(√(u_k/(v_k + ε)) + ε) into coefficient; returns Σ (u_k/c_k)² in order. */
  termScalings(coefficient: Vec, signs: Vec, uNorm: Vec, vNorm: Vec, epsilon: number): number {
    return (coefficient.BYTES_PER_ELEMENT === 8 ? this.k.termScalings_f64 : this.k.termScalings_f32)(coefficient.byteOffset, signs.byteOffset, uNorm.byteOffset, vNorm.byteOffset, epsilon, coefficient.length);
  }

  /** Σ (a_k·b_k)², in order. */
  orderedSquares(a: Vec, b: Vec): number {
    return (a.BYTES_PER_ELEMENT === 8 ? this.k.orderedSquares_f64 : this.k.orderedSquares_f32)(a.byteOffset, b.byteOffset, a.length);
  }

  /** c_k ← factor/c_k (reciprocal) or c_k·factor. */
  termScale(coefficient: Vec, factor: number, reciprocal: boolean): void {
    (coefficient.BYTES_PER_ELEMENT === 8 ? this.k.termScale_f64 : this.k.termScale_f32)(coefficient.byteOffset, factor, coefficient.length, reciprocal ? 1 : 0);
  }

  /** out ← alpha·x + beta·y. */
  combineWide(out: Vec, alpha: number, x: Vec, beta: number, y: Vec): void {
    (out.BYTES_PER_ELEMENT === 8 ? this.k.combineWide_f64 : this.k.combineWide_f32)(out.byteOffset, alpha, x.byteOffset, beta, y.byteOffset, out.length);
  }
}
