/**
 * A sweep worker: a BullMQ Worker whose processor is processor.ts in child processes, taking
 * up to `concurrency` runs at once. A run whose worker died (its lock not renewed for
 * `lockDuration`) is found stalled by another worker and run again there, from the run's last
 * checkpoint in the shared --out. Failed runs are retried with backoff (the job's options).
 * With `untilEmpty` the worker stops once nothing is waiting, delayed or active.
 */
import { Queue, Worker } from 'bullmq';
import { fileURLToPath } from 'node:url';
import { connectionOf, type QueueAddress } from './queue.js';
import { CHECKPOINT_VARIABLE, OUT_VARIABLE, type JobSummary } from './processor.js';

export interface WorkerOptions {
  readonly out: string;
  readonly concurrency: number;
  /** null: a tenth of each run. */
  readonly checkpointEvery: number | null;
  /** Milliseconds a job's lock lives without renewal; also how often stalled jobs are looked for. */
  readonly lockDuration: number;
  readonly untilEmpty: boolean;
  readonly log: (line: string) => void;
}

const EMPTY_POLL_MS = 1000;

/** Runs jobs until SIGINT/SIGTERM (finishing the running ones) or, with untilEmpty, until the queue is empty. */
export async function runWorker(address: QueueAddress, options: WorkerOptions): Promise<{ completed: number; failed: number }> {
  // The processor's children inherit this environment.
  process.env[OUT_VARIABLE] = options.out;
  if (options.checkpointEvery !== null) process.env[CHECKPOINT_VARIABLE] = String(options.checkpointEvery);
  const connection = connectionOf(address);
  const worker = new Worker<unknown, JobSummary>(address.name, fileURLToPath(new URL('./processor.js', import.meta.url)), {
    connection,
    concurrency: options.concurrency,
    lockDuration: options.lockDuration,
    stalledInterval: options.lockDuration,
    maxStalledCount: 3,
  });
  let completed = 0;
  let failed = 0;
  worker.on('active', (job) => options.log(`start  ${job.id} ${job.name}`));
  worker.on('completed', (job, summary) => {
    completed++;
    options.log(`done   ${job.id} ${job.name}: ${summary.end} at step ${summary.steps}${summary.resumedFrom !== null ? ` (resumed from step ${summary.resumedFrom})` : ''}`);
  });
  worker.on('failed', (job, error) => {
    failed++;
    options.log(`failed ${job?.id ?? '?'} ${job?.name ?? ''} (attempt ${job?.attemptsMade ?? '?'}): ${error.message}`);
  });
  worker.on('error', (error) => options.log(`redis: ${error.message}`));

  const queue = new Queue(address.name, { connection });
  let closing: Promise<void> | null = null;
  const close = () => (closing ??= worker.close());
  const onSignal = () => void close();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (options.untilEmpty) {
      while (closing === null) {
        await new Promise((resolve) => setTimeout(resolve, EMPTY_POLL_MS));
        const counts = await queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active');
        if (Object.values(counts).every((n) => n === 0)) break;
      }
      await close();
    } else {
      await new Promise<void>((resolve) => worker.on('closed', () => resolve()));
    }
    await closing;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await queue.close();
  }
  return { completed, failed };
}
