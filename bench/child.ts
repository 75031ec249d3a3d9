/**
 * One measurement in a fresh process, so the JIT's type feedback, the heap and the arena of one
 * figure never colour another's (a process that ran float64 would run float32 kernels
 * polymorphic). Run by bench/run.ts as
 *   node dist/bench/child.js '<task JSON>'      → one JSON line: the Timing, or { skipped }
 */
import { time } from './stats.js';
import { W1, W1_GRU, W2, W3, ours, oursParallel, type SequenceWorkload } from './workloads.js';
import { timePerStep, Skipped, type OnlineKind } from './online.js';
import type { DType } from '../src/tensor/dtype.js';
import { timeProduct, type ProductShape } from './products.js';

export type ChildTask =
  | { readonly type: 'sequence'; readonly workload: string; readonly dtype: DType; readonly runs: number; readonly workers?: number }
  | { readonly type: 'online'; readonly kind: OnlineKind; readonly cell: 'lstm' | 'gru'; readonly hiddenSize: number; readonly dtype: DType; readonly steps: number; readonly runs: number }
  | { readonly type: 'product'; readonly shape: ProductShape; readonly dtype: DType; readonly runs: number };

const WORKLOADS: Record<string, SequenceWorkload> = { W1, 'W1-GRU': W1_GRU, W2, W3 };

/** Short workloads keep running (up to 60 runs) until this much time is timed: a median of many runs shrugs off the other jobs' bursts. */
const MIN_TOTAL_MS = 1500;

async function measure(task: ChildTask): Promise<unknown> {
  if (task.type === 'sequence') {
    const w = WORKLOADS[task.workload]!;
    if (task.workers !== undefined) {
      const { run, close } = await oursParallel(w, task.dtype, task.workers);
      const timing = await time(run, { runs: task.runs, warmup: 2, minTotalMs: MIN_TOTAL_MS, maxRuns: 60 });
      await close();
      return timing;
    }
    return time(ours(w, task.dtype).run, { runs: task.runs, warmup: 2, minTotalMs: MIN_TOTAL_MS, maxRuns: 60 });
  }
  if (task.type === 'product') return timeProduct(task.shape, task.dtype, task.runs);
  try {
    return await timePerStep(task.kind, task);
  } catch (e) {
    if (e instanceof Skipped) return { skipped: e.message };
    throw e;
  }
}

const task = JSON.parse(process.argv[2]!) as ChildTask;
process.stdout.write(JSON.stringify(await measure(task)) + '\n');
