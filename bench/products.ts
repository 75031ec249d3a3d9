/**
 * The kernels' own rate on the products the workloads and learners run: GFLOP/s of one
 * matmulAB / matmulABt / matmulAtBAdd on a given shape (2·m·n·k flops), in the process's
 * kernel set. The bench uses it for RTRL's J·M alone (the product eq. (3) of learners/rtrl.ts
 * runs every step: J (n×n) · M (n×p)) and for the rate of an in-cache product, the kernels'
 * peak, against which that time is stated.
 *
 *   node dist/bench/products.js [ab|abt|atb] m n k [float64|float32]    → one JSON line
 */
import { pathToFileURL } from 'node:url';
import { zeros, type DType } from '../src/tensor/dtype.js';
import { matmulAB, matmulABt, matmulAtBAdd } from '../src/tensor/kernels.js';
import { Rng } from '../src/tensor/rng.js';
import { time, type Timing } from './stats.js';

export type ProductKind = 'ab' | 'abt' | 'atb';

export interface ProductShape {
  readonly product: ProductKind;
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

/** The shape of RTRL's J·M for an LSTM 32 → H (state n = 2H, p = 4H·(32 + H + 1)). */
export function rtrlProduct(hiddenSize: number, inputSize = 32): ProductShape {
  const n = 2 * hiddenSize;
  return { product: 'ab', m: n, n: 4 * hiddenSize * (inputSize + hiddenSize + 1), k: n };
}

/** An in-cache product (every operand fits in L2): the kernels' peak rate. */
export const IN_CACHE: ProductShape = { product: 'ab', m: 64, n: 256, k: 64 };

/** Milliseconds per product and its GFLOP/s. */
export async function timeProduct(shape: ProductShape, dtype: DType, runs: number): Promise<{ timing: Timing; gflops: number }> {
  const { product, m, n, k } = shape;
  const rng = new Rng(5);
  const random = (length: number) => {
    const v = zeros(dtype, length);
    for (let i = 0; i < length; i++) v[i] = rng.normal();
    return v;
  };
  const out = zeros(dtype, m * n);
  const A = random(m * k);
  const B = random(k * n);
  const flops = 2 * m * n * k;
  // Enough repetitions per timed run that each run takes a few milliseconds.
  const repeat = Math.max(1, Math.round(2e7 / flops));
  const once =
    product === 'ab' ? () => matmulAB(out, A, B, m, n, k) : product === 'abt' ? () => matmulABt(out, A, B, m, n, k) : () => matmulAtBAdd(out, A, B, m, n, k);
  const t = await time(
    () => {
      for (let r = 0; r < repeat; r++) once();
    },
    { runs, warmup: 2, minTotalMs: 1000, maxRuns: 40 },
  );
  const timing = { median: t.median / repeat, min: t.min / repeat, max: t.max / repeat, runs: t.runs };
  return { timing, gflops: flops / (timing.median * 1e6) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [product = 'ab', m = '128', n = '24832', k = '128', dtype = 'float64'] = process.argv.slice(2);
  const result = await timeProduct({ product: product as ProductKind, m: Number(m), n: Number(n), k: Number(k) }, dtype as DType, 7);
  process.stdout.write(JSON.stringify(result) + '\n');
}
