/**
 * Storage: every number the library keeps lives in a typed array of one dtype.
 * float64 is the default (the notes' byte count assumes 8 bytes a parameter);
 * float32 halves memory and is what TF.js and most deployments use.
 */
import { arena, reportFallback } from './backend.js';
import { currentScope } from './scope.js';

export type DType = 'float64' | 'float32';

/** A flat buffer of one dtype. Matrices are row-major views over it. */
export type Vec = Float64Array | Float32Array;

export const DTYPES: readonly DType[] = ['float64', 'float32'];

export function bytesPerElement(dtype: DType): number {
  return dtype === 'float64' ? 8 : 4;
}

/**
 * A zero-filled buffer of n elements: the single place buffers are made. It lives in the
 * WebAssembly arena when there is one (so the SIMD kernels use it in place), owned by the
 * running MemoryScope if any (scope.ts); else on the heap, which backend.ts reports unless
 * the TypeScript kernels were asked for.
 */
export function zeros(dtype: DType, n: number): Vec {
  if (arena !== null) {
    const inArena = arena.allocate(dtype, n, currentScope());
    if (inArena !== null) return inArena;
    reportFallback(`the WebAssembly arena is full (${arena.size} bytes)`);
  } else {
    reportFallback();
  }
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/** A buffer of the given dtype holding `values`. */
export function fromValues(dtype: DType, values: ArrayLike<number>): Vec {
  const out = zeros(dtype, values.length);
  out.set(values);
  return out;
}

export function dtypeOf(v: Vec): DType {
  return v instanceof Float64Array ? 'float64' : 'float32';
}

export function isDType(value: unknown): value is DType {
  return value === 'float64' || value === 'float32';
}
