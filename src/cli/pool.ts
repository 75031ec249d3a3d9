/**
 * Runs jobs on worker threads — as many as the machine has cores, or fewer — so the learners
 * of a comparison train in parallel while the main thread keeps the progress bars, the files
 * and Ctrl-C. Jobs are handed out in the order given; each worker takes the next when done.
 */
import { Worker } from 'node:worker_threads';
import type { RunResult } from '../report/comparison.js';
import type { CurvePoint } from '../report/curve.js';
import type { Job } from './job.js';
import { describeSystemError, isSystemError } from './io-errors.js';

export type WorkerMessage =
  | { readonly kind: 'progress'; readonly id: number; readonly points: CurvePoint[]; readonly latest: { step: number; loss: number; metric: number } }
  | { readonly kind: 'checkpoint'; readonly id: number; readonly step: number; readonly files: Record<string, Uint8Array | string> }
  | { readonly kind: 'done'; readonly id: number; readonly result: RunResult }
  | { readonly kind: 'failed'; readonly id: number; readonly name: string; readonly message: string; readonly stack: string };

export interface PoolEvents {
  onProgress?(job: Job, points: CurvePoint[], latest: { step: number; loss: number; metric: number }): void;
  /** A checkpoint's files, after every progress event up to its step; an error here ends the pool. */
  onCheckpoint?(job: Job, step: number, files: Record<string, Uint8Array | string>): void;
  onDone?(job: Job, result: RunResult): void;
}

/** Set to stop every running job at its next step (the jobs not started yet are skipped). */
export class StopSignal {
  readonly buffer = new SharedArrayBuffer(4);
  private readonly flag = new Int32Array(this.buffer);

  stop(): void {
    Atomics.store(this.flag, 0, 1);
  }

  get stopped(): boolean {
    return Atomics.load(this.flag, 0) !== 0;
  }
}

/** An error inside a job, rethrown in the main thread with its original name and message. */
export class JobError extends Error {
  constructor(
    readonly job: Job,
    readonly originalName: string,
    message: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
    this.name = originalName;
  }
}

/** A failure inside a job is not the user's doing: one line naming the run, exit code 1. */
export function reportJobError(error: unknown): boolean {
  if (!(error instanceof JobError)) return false;
  if (isSystemError(error.cause)) {
    // Writing its files failed (a full disk, a folder taken away): the machine's doing, exit 2.
    process.stderr.write(`online-rnn: error: ${describeSystemError(error.cause)}\n`);
    process.exitCode = 2;
    return true;
  }
  process.stderr.write(`online-rnn: error: ${error.job.label} (seed ${error.job.seed}) failed: ${error.originalName}: ${error.message}\n`);
  process.exitCode = 1;
  return true;
}

/**
 * Worker threads kept from one runPool call to the next, for a long-lived process that runs one
 * job after another (a sweep's sandboxed processor): a new thread costs about half a second of
 * start-up (loading the modules, compiling the kernels), a kept one nothing. Their stop flag is
 * the keeper's, so runPool is given that signal with them.
 */
export class KeptThreads {
  private readonly idle: Worker[] = [];

  constructor(readonly stop: StopSignal) {}

  take(): Worker {
    const worker = this.idle.pop() ?? jobThread(this.stop);
    worker.ref();
    return worker;
  }

  /** Back from a pool that ended well: its listeners go, the thread waits (not keeping the process alive). */
  give(worker: Worker): void {
    worker.removeAllListeners('message');
    worker.removeAllListeners('error');
    worker.unref();
    this.idle.push(worker);
  }
}

function jobThread(stop: StopSignal): Worker {
  return new Worker(new URL('./worker.js', import.meta.url), { workerData: { stop: stop.buffer } });
}

export function runPool(jobs: readonly Job[], options: { workers: number; stop: StopSignal; events?: PoolEvents; threads?: KeptThreads }): Promise<Map<number, RunResult>> {
  const kept = options.threads ?? null;
  if (kept !== null && kept.stop !== options.stop) throw new RangeError('runPool: kept threads answer to their own stop signal; pass it as the stop');
  const results = new Map<number, RunResult>();
  const queue = [...jobs];
  const byId = new Map(jobs.map((job) => [job.id, job]));
  const count = Math.max(1, Math.min(options.workers, jobs.length));
  if (jobs.length === 0) return Promise.resolve(results);
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    let finished = 0;
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      for (const w of workers) void w.terminate();
      reject(error);
    };
    const next = (worker: Worker) => {
      const job = options.stop.stopped ? undefined : queue.shift();
      if (job === undefined) {
        if (kept !== null) kept.give(worker);
        else void worker.terminate();
        if (++finished === workers.length) resolve(results);
        return;
      }
      worker.postMessage(job);
    };
    for (let i = 0; i < count; i++) {
      const worker = kept?.take() ?? jobThread(options.stop);
      workers.push(worker);
      worker.on('message', (message: WorkerMessage) => {
        if (failed) return; // a failed pool writes nothing more
        const job = byId.get(message.id)!;
        switch (message.kind) {
          case 'progress':
            try {
              options.events?.onProgress?.(job, message.points, message.latest);
            } catch (error) {
              fail(new JobError(job, 'ProgressError', `cannot record the curve: ${(error as Error).message}`, { cause: error }));
            }
            break;
          case 'checkpoint':
            try {
              options.events?.onCheckpoint?.(job, message.step, message.files);
            } catch (error) {
              fail(new JobError(job, 'CheckpointError', `cannot write the checkpoint at step ${message.step}: ${(error as Error).message}`, { cause: error }));
            }
            break;
          case 'done':
            results.set(job.id, message.result);
            options.events?.onDone?.(job, message.result);
            next(worker);
            break;
          case 'failed':
            fail(new JobError(job, message.name, message.message));
            break;
        }
      });
      worker.on('error', fail);
    }
    for (const worker of workers) next(worker);
  });
}
