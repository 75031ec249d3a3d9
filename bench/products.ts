/**
 * The kernels' own rate on the products the workloads and learners run: GFLOP/s of one
 * matmulAB / matmulABt / matmulAtBAdd on a given shape (2·m·n·k flops), in the process's
 * kernel set. The bench uses it for RTRL's J·M alone (the product eq. (3) of learners/rtrl.ts
 * runs every step: J (n×n) · M (n×p)) and for the rate of an in-cache product, the kernels'
 * peak, against which that time is stated.
 *
 *   node dist/bench/products.js [ab|abt|atb] m n k [float64|float32]    → one JSON line
 *   node dist/bench/products.js W1|W2 [float64|float32]    → the same for a training workload's
 *       products alone (workloadProducts): the share of its time the kernels' rates allow
 */
import { pathToFileURL } from 'node:url';
import { zeros, type DType } from '../src/tensor/dtype.js';
import { matmulAB, matmulABt, matmulABtAdd, matmulAtBAdd } from '../src/tensor/kernels.js';
import { Rng } from '../src/tensor/rng.js';
import { time, type Timing } from './stats.js';
import { W1, W2, type SequenceWorkload } from './workloads.js';

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

/**
 * Every matrix product one training run of an LSTM workload makes (bench/workloads.ts; as
 * src/cells/lstm-window.ts, src/model/sequence.ts and the dense head run them), in that order,
 * on operands of its sizes, with nothing else: G = 4H gates, R = T·B rows.
 *   forward   A = X·W_ihᵀ (R×G);  per step a_t += h_t·W_hhᵀ (B×G);  head P = Hs·W_oᵀ
 *   backward  head ∂Hs = ∂P·W_o, ∂W_o += ∂Pᵀ·Hs;  per step ∂h = ∂a_t·W_hh;
 *             ∂W_ih += ∂Aᵀ·X,  ∂W_hh += ∂Aᵀ·Hs,  ∂b += 1ᵀ·∂A
 */
export function workloadProducts(w: SequenceWorkload, dtype: DType): () => void {
  const { inputSize: I, hiddenSize: H, outputSize: O, steps: T, batch: B } = w;
  const G = 4 * H;
  const R = T * B;
  const rng = new Rng(5);
  const random = (length: number) => {
    const v = zeros(dtype, length);
    for (let i = 0; i < length; i++) v[i] = 0.1 * rng.normal();
    return v;
  };
  const [X, A, Hs, dA, P, dP, dHs] = [random(R * I), random(R * G), random(R * H), random(R * G), random(R * O), random(R * O), random(R * H)];
  const [weightIh, weightHh, weightO, dWeightIh, dWeightHh, dWeightO, dBias, dh] = [random(G * I), random(G * H), random(O * H), random(G * I), random(G * H), random(O * H), random(G), random(B * H)];
  const ones = zeros(dtype, R).fill(1);
  const aRows = Array.from({ length: T }, (_, t) => A.subarray(t * B * G, (t + 1) * B * G));
  const hRows = Array.from({ length: T }, (_, t) => Hs.subarray(t * B * H, (t + 1) * B * H));
  const daRows = Array.from({ length: T }, (_, t) => dA.subarray(t * B * G, (t + 1) * B * G));
  return () => {
    matmulABt(A, X, weightIh, R, G, I);
    for (let t = 0; t < T; t++) matmulABtAdd(aRows[t]!, hRows[t]!, weightHh, B, G, H);
    matmulABt(P, Hs, weightO, R, O, H);
    matmulAB(dHs, dP, weightO, R, H, O);
    matmulAtBAdd(dWeightO, dP, Hs, O, H, R);
    for (let t = T - 1; t >= 0; t--) matmulAB(dh, daRows[t]!, weightHh, B, H, G);
    matmulAtBAdd(dWeightIh, dA, X, G, I, R);
    matmulAtBAdd(dWeightHh, dA, Hs, G, H, R);
    matmulAtBAdd(dBias, ones, dA, 1, G, R);
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && (process.argv[2] === 'W1' || process.argv[2] === 'W2')) {
  const [name, dtype = 'float32'] = process.argv.slice(2);
  const timing = await time(workloadProducts(name === 'W1' ? W1 : W2, dtype as DType), { runs: 7, warmup: 2, minTotalMs: 1500, maxRuns: 60 });
  process.stdout.write(JSON.stringify({ timing }) + '\n');
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [product = 'ab', m = '128', n = '24832', k = '128', dtype = 'float64'] = process.argv.slice(2);
  const result = await timeProduct({ product: product as ProductKind, m: Number(m), n: Number(n), k: Number(k) }, dtype as DType, 7);
  process.stdout.write(JSON.stringify(result) + '\n');
}
