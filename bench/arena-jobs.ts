/**
 * The arena over jobs run back to back in one worker thread, as `compare` runs them: 50 jobs
 * (LSTM hidden 64 on the adding task, RTRL and UORO alternating, a few steps each) through
 * cli/job.ts's runJob in one Worker, printing the arena's size after each. A job's buffers
 * should go back to the arena when it ends, so the size stays flat after the first RTRL job.
 * Not a test: it prints figures and writes nothing.
 *
 *   npm run build && node dist/bench/arena-jobs.js [jobs=50] [steps=3]
 *
 * It uses only what main already had (runJob, the arena), so the same file measures main.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { runJob, type Job } from '../src/cli/job.js';
import { arena } from '../src/tensor/backend.js';

const MiB = 2 ** 20;

interface Report {
  readonly job: number;
  readonly learner: string;
  /** The memory's size and the bump pointer, in bytes. */
  readonly size: number;
  readonly used: number;
}

function job(id: number, steps: number): Job {
  const learner = id % 2 === 0 ? ({ kind: 'rtrl' } as const) : ({ kind: 'uoro' } as const);
  return {
    id,
    label: learner.kind,
    task: { kind: 'adding', lag: 10 },
    model: { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 64 } }], outputSize: 1 },
    learner,
    optimizer: { kind: 'sgd', lr: 1e-3 },
    steps,
    seed: id,
    logEvery: steps,
  };
}

if (isMainThread) {
  const jobs = Number(process.argv[2] ?? 50);
  const steps = Number(process.argv[3] ?? 3);
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { jobs, steps } });
  console.log('job  learner  arena size (MiB)  bump pointer (MiB)');
  worker.on('message', (r: Report) => {
    console.log(`${String(r.job + 1).padStart(3)}  ${r.learner.padEnd(7)}  ${(r.size / MiB).toFixed(1).padStart(16)}  ${(r.used / MiB).toFixed(1).padStart(18)}`);
  });
  worker.on('error', (error) => {
    console.error(error);
    process.exitCode = 1;
  });
} else {
  const { jobs, steps } = workerData as { jobs: number; steps: number };
  if (arena === null) throw new Error('no WebAssembly arena here (ONLINE_RNN_KERNELS=ts?): nothing to measure');
  for (let id = 0; id < jobs; id++) {
    const j = job(id, steps);
    runJob(j, { now: () => performance.now() / 1000, onPoints: () => {}, shouldStop: () => false });
    parentPort!.postMessage({ job: id, learner: j.label, size: arena.memory.buffer.byteLength, used: arena.used } satisfies Report);
  }
}
