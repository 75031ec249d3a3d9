/**
 * Issue #17's online-step targets: each online learner's time per step as a ratio to a forward
 * step (cell + head + loss, as in bench/online.ts) at every hidden size and in both dtypes —
 * UORO ≤ 4×, NoBackTrack ≤ 5×, TBPTT (k2 = 16) ≤ 5×. Each (learner, H, dtype) runs in a fresh
 * process that alternates bursts of forward steps and learner steps (five rounds) and keeps the
 * fastest burst of each, so both see the same load, timed in the process's CPU time (a shared
 * machine deschedules bursts, which wall-clock time would count); the whole grid is measured `--repeat` times
 * and the ratio printed is the median over the repeats (the machine is shared: single figures
 * move, ratios of figures taken side by side much less).
 *
 *   node dist/bench/online-ratios.js [--hidden 32,64,128,256,512] [--dtypes float64,float32] [--kinds tbptt,uoro,nbt] [--repeat 3] [--burst-ms 200]
 *
 * `npm run bench` runs the same grid once (repeat 1) and prints it as its "online step ratios" table.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DType } from '../src/tensor/dtype.js';
import { zeros } from '../src/tensor/dtype.js';
import { Rng } from '../src/tensor/rng.js';
import { stepper } from './online.js';
import { cpuBurst } from './stats.js';

export type RatioKind = 'tbptt' | 'uoro' | 'nbt';
export const RATIO_KINDS: readonly RatioKind[] = ['tbptt', 'uoro', 'nbt'];
/** The issue's ceilings, as multiples of a forward step. */
export const RATIO_TARGETS: Readonly<Record<RatioKind, number>> = { tbptt: 5, uoro: 4, nbt: 5 };

export interface OnlineRatio {
  readonly kind: RatioKind;
  readonly hiddenSize: number;
  readonly dtype: DType;
  /** Median over repeats of (learner ms per step) / (forward ms per step). */
  readonly ratio: number;
  /** Every repeat's ratio. */
  readonly ratios: readonly number[];
  /** Median over the repeats of the best ms per step of the learner and of the forward step. */
  readonly learnerMs: number;
  readonly forwardMs: number;
}


function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface PairTask {
  readonly kind: RatioKind;
  readonly hiddenSize: number;
  readonly dtype: DType;
  readonly milliseconds: number;
}

/** Best ms per step of the forward step and of the learner, measured in alternating bursts in this process. */
async function measurePair(task: PairTask): Promise<{ forward: number; learner: number }> {
  const forward = await stepper('forward', 'lstm', task.hiddenSize, task.dtype);
  const learner = await stepper(task.kind, 'lstm', task.hiddenSize, task.dtype);
  const rng = new Rng(3);
  const data = Array.from({ length: 64 }, () => {
    const x = zeros(task.dtype, 32);
    const y = zeros(task.dtype, 32);
    for (let i = 0; i < 32; i++) x[i] = rng.normal();
    for (let i = 0; i < 32; i++) y[i] = rng.normal();
    return { x, y };
  });
  // CPU time, not wall-clock (stats.ts cpuBurst)
  const burst = (step: typeof forward, milliseconds: number): number =>
    cpuBurst((i) => {
      const d = data[i % 64]!;
      step(d.x, d.y);
    }, milliseconds);
  burst(forward, task.milliseconds / 2);
  burst(learner, task.milliseconds / 2);
  let best = { forward: Infinity, learner: Infinity };
  for (let round = 0; round < 5; round++) {
    best = { forward: Math.min(best.forward, burst(forward, task.milliseconds / 2)), learner: Math.min(best.learner, burst(learner, task.milliseconds)) };
  }
  return best;
}

function childPair(task: PairTask): { forward: number; learner: number } {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--pair', JSON.stringify(task)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`online ratio child ${JSON.stringify(task)} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { forward: number; learner: number };
}

/** The grid of ratios; `log` hears of each figure as it is taken. */
export function measureOnlineRatios(options: { hiddenSizes: readonly number[]; dtypes: readonly DType[]; kinds?: readonly RatioKind[]; repeat: number; milliseconds: number; log?: (line: string) => void }): OnlineRatio[] {
  const out: OnlineRatio[] = [];
  const kinds = options.kinds ?? RATIO_KINDS;
  for (const dtype of options.dtypes) {
    for (const H of options.hiddenSizes) {
      const per: Record<RatioKind, { ratios: number[]; learner: number[]; forward: number[] }> = { tbptt: { ratios: [], learner: [], forward: [] }, uoro: { ratios: [], learner: [], forward: [] }, nbt: { ratios: [], learner: [], forward: [] } };
      for (let r = 0; r < options.repeat; r++) {
        for (const kind of kinds) {
          options.log?.(`online ratio ${kind} ${dtype} H=${H} (repeat ${r + 1}/${options.repeat}) …`);
          const { forward, learner } = childPair({ kind, hiddenSize: H, dtype, milliseconds: options.milliseconds });
          per[kind].ratios.push(learner / forward);
          per[kind].learner.push(learner);
          per[kind].forward.push(forward);
        }
      }
      for (const kind of kinds) {
        const p = per[kind];
        out.push({ kind, hiddenSize: H, dtype, ratio: median(p.ratios), ratios: p.ratios, learnerMs: median(p.learner), forwardMs: median(p.forward) });
      }
    }
  }
  return out;
}

/** The table: one row per learner and dtype, one column per H, ✓/✗ against the issue's ceiling. */
export function ratioTable(ratios: readonly OnlineRatio[]): string {
  const hiddenSizes = [...new Set(ratios.map((r) => r.hiddenSize))].sort((a, b) => a - b);
  const dtypes = [...new Set(ratios.map((r) => r.dtype))];
  const lines = [`online step ÷ forward step (LSTM 32 → H, dense 32; median over repeats; target: ${RATIO_KINDS.map((k) => `${k} ≤ ${RATIO_TARGETS[k]}×`).join(', ')})`];
  lines.push('kind    dtype   ' + hiddenSizes.map((H) => `H=${H}`.padStart(10)).join(''));
  for (const dtype of dtypes) {
    for (const kind of RATIO_KINDS.filter((k) => ratios.some((r) => r.kind === k))) {
      const cells = hiddenSizes.map((H) => {
        const r = ratios.find((x) => x.kind === kind && x.dtype === dtype && x.hiddenSize === H);
        return (r === undefined ? '—' : `${r.ratio.toFixed(2)}× ${r.ratio <= RATIO_TARGETS[kind] ? '✓' : '✗'}`).padStart(10);
      });
      lines.push(`${kind.padEnd(8)}${dtype.padEnd(8)}${cells.join('')}`);
    }
  }
  return lines.join('\n');
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain && process.argv[2] === '--pair') {
  process.stdout.write(JSON.stringify(await measurePair(JSON.parse(process.argv[3]!) as PairTask)) + '\n');
} else if (isMain) {
  const flag = (name: string) => {
    const at = process.argv.indexOf(name);
    return at < 0 ? undefined : process.argv[at + 1];
  };
  const fail = (message: string): never => {
    process.stderr.write(`online-ratios: ${message}\n`);
    process.exit(2);
  };
  const hiddenSizes = (flag('--hidden') ?? '32,64,128,256,512').split(',').map(Number);
  if (hiddenSizes.some((h) => !(Number.isInteger(h) && h > 0))) fail(`--hidden takes positive integers separated by commas, got ${flag('--hidden')}`);
  const dtypes = (flag('--dtypes') ?? 'float64,float32').split(',') as DType[];
  if (dtypes.some((d) => d !== 'float64' && d !== 'float32')) fail(`--dtypes takes float64 and/or float32, got ${flag('--dtypes')}`);
  const kinds = (flag('--kinds') ?? RATIO_KINDS.join(',')).split(',') as RatioKind[];
  if (kinds.some((k) => !RATIO_KINDS.includes(k))) fail(`--kinds takes ${RATIO_KINDS.join(', ')}, got ${flag('--kinds')}`);
  const repeat = Number(flag('--repeat') ?? 3);
  const milliseconds = Number(flag('--burst-ms') ?? 200);
  if (!(Number.isInteger(repeat) && repeat > 0) || !(milliseconds > 0)) fail('--repeat takes a positive integer, --burst-ms a positive number');
  const ratios = measureOnlineRatios({ hiddenSizes, dtypes, kinds, repeat, milliseconds, log: (line) => process.stderr.write(line + '\n') });
  process.stdout.write(ratioTable(ratios) + '\n');
  process.stdout.write(JSON.stringify(ratios) + '\n');
}
