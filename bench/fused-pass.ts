/**
 * The fused rank-one SGD pass timed alone (issue #17): `rankOneAxpyScaled` on the blocks an LSTM
 * 32 → H lays out for UORO's and NoBackTrack's deferred terms ([c ⊗ x, c ⊗ h, 1 ⊗ c] over
 * [W_ih, W_hh, b]: T and θ each read and written once), beside the matrix-vector product W_hh·h
 * (`matmulABt` with one row, the largest item of a forward step), both on the wasm kernels of
 * this engine. Prints µs per call, ns per parameter and the pass's time in products, each the
 * fastest of seven bursts in CPU time.
 *
 *   node dist/bench/fused-pass.js [--hidden 64,128,256,512] [--dtypes float64,float32] [--burst-ms 150]
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zeros, type DType, type Vec } from '../src/tensor/dtype.js';
import { fusesRankOne, matmulABt, rankOneAxpyScaled, type RankOneBlock } from '../src/tensor/kernels.js';
import { Rng } from '../src/tensor/rng.js';
import { cpuBurst } from './stats.js';

const INPUT_SIZE = 32;

export interface PassTiming {
  readonly hiddenSize: number;
  readonly dtype: DType;
  /** Parameters the pass covers (the LSTM's p without the head). */
  readonly parameters: number;
  readonly passMicroseconds: number;
  readonly productMicroseconds: number;
}

function random(dtype: DType, n: number, rng: Rng, scale: number): Vec {
  const v = zeros(dtype, n);
  for (let i = 0; i < n; i++) v[i] = scale * rng.normal();
  return v;
}

/** Fastest µs per call of `f` over seven bursts of `milliseconds` of CPU time each. */
function fastest(f: () => void, milliseconds: number): number {
  let best = Infinity;
  for (let round = 0; round < 7; round++) best = Math.min(best, cpuBurst(f, milliseconds) * 1000);
  return best;
}

export function timePass(hiddenSize: number, dtype: DType, milliseconds: number): PassTiming {
  const rng = new Rng(17);
  const R = 4 * hiddenSize;
  const widths = [INPUT_SIZE, hiddenSize];
  const p = R * (INPUT_SIZE + hiddenSize + 1);
  const theta = random(dtype, p, rng, 0.1);
  const values = random(dtype, p, rng, 0.01);
  const c = random(dtype, R, rng, 1e-3);
  const one = zeros(dtype, 1);
  one[0] = 1;
  let offset = 0;
  const blocks: RankOneBlock[] = widths.map((width) => {
    const block = { offset, rows: c, cols: random(dtype, width, rng, 1) };
    offset += R * width;
    return block;
  });
  blocks.push({ offset, rows: one, cols: c });
  if (!fusesRankOne(theta, values, blocks)) throw new Error('the wasm kernels are not available here (the pass would not be fused)');
  const weightHh = theta.subarray(R * INPUT_SIZE, R * (INPUT_SIZE + hiddenSize));
  const h = random(dtype, hiddenSize, rng, 1);
  const a = zeros(dtype, R);
  // A tiny rate keeps θ and T finite over millions of calls; the time does not depend on it.
  const passMicroseconds = fastest(() => rankOneAxpyScaled(theta, -1e-9, values, 0.5, 1, blocks), milliseconds);
  const productMicroseconds = fastest(() => matmulABt(a, h, weightHh, 1, R, hiddenSize), milliseconds);
  return { hiddenSize, dtype, parameters: p, passMicroseconds, productMicroseconds };
}

/** A bad argument or an engine without the kernels: one line, exit 2. */
function fail(message: string): never {
  process.stderr.write(`fused-pass: ${message}\n`);
  process.exit(2);
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const flag = (name: string) => {
    const at = process.argv.indexOf(name);
    return at < 0 ? undefined : process.argv[at + 1];
  };
  const hiddenSizes = (flag('--hidden') ?? '64,128,256,512').split(',').map(Number);
  const dtypes = (flag('--dtypes') ?? 'float64,float32').split(',') as DType[];
  const milliseconds = Number(flag('--burst-ms') ?? 150);
  if (hiddenSizes.some((H) => !(Number.isInteger(H) && H > 0 && H % 8 === 0))) fail(`--hidden takes multiples of 8 separated by commas, got ${flag('--hidden')}`);
  if (dtypes.some((d) => d !== 'float64' && d !== 'float32')) fail(`--dtypes takes float64 and/or float32, got ${flag('--dtypes')}`);
  if (!(milliseconds > 0)) fail(`--burst-ms takes a positive number, got ${flag('--burst-ms')}`);
  process.stdout.write('fused rank-one SGD pass (LSTM 32 → H blocks) against W_hh·h, fastest of 7 bursts, CPU time\n');
  process.stdout.write('dtype     H   parameters   pass µs   ns/param   W_hh·h µs   pass ÷ W_hh·h\n');
  for (const dtype of dtypes) {
    for (const H of hiddenSizes) {
      let t: PassTiming;
      try {
        t = timePass(H, dtype, milliseconds);
      } catch (error) {
        fail((error as Error).message);
      }
      process.stdout.write(
        `${dtype.padEnd(8)}${String(H).padStart(4)}${String(t.parameters).padStart(13)}${t.passMicroseconds.toFixed(1).padStart(10)}${((t.passMicroseconds * 1000) / t.parameters).toFixed(3).padStart(11)}${t.productMicroseconds.toFixed(1).padStart(12)}${(t.passMicroseconds / t.productMicroseconds).toFixed(2).padStart(16)}\n`,
      );
    }
  }
}
