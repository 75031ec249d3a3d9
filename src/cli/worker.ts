/**
 * A worker thread of the job pool: runs the jobs it is sent, one at a time, posting that a job
 * is built and about to take its first step, curve
 * points as they come, checkpoints' files (the main thread writes them, after the points) and
 * the result at the end. A shared flag (set on Ctrl-C) stops the
 * running job cleanly at its next step.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { runJob, type Job } from './job.js';
import type { WorkerMessage } from './pool.js';

const port = parentPort!;
const stop = new Int32Array((workerData as { stop: SharedArrayBuffer }).stop);
const post = (message: WorkerMessage) => port.postMessage(message);

port.on('message', (job: Job) => {
  let started = false;
  try {
    const result = runJob(job, {
      now: () => performance.now() / 1000,
      onReady: () => {
        started = true;
        post({ kind: 'ready', id: job.id });
      },
      onPoints: (points, latest) => post({ kind: 'progress', id: job.id, points, latest: { ...latest } }),
      shouldStop: () => Atomics.load(stop, 0) !== 0,
      onCheckpoint: (step, files) => post({ kind: 'checkpoint', id: job.id, step, files }),
    });
    post({ kind: 'done', id: job.id, result });
  } catch (error) {
    const e = error as Error;
    post({ kind: 'failed', id: job.id, name: e.name, message: e.message, stack: e.stack ?? '', started });
  }
});
