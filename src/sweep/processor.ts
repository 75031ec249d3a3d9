/**
 * The sandboxed BullMQ processor: BullMQ forks a child process that loads this file and hands it
 * one job at a time, while the worker process keeps the job's lock renewed — a CPU-bound run
 * never starves it. Here the run goes through executeRuns, i.e. the job pool's worker thread
 * (cli/worker.ts → runJob), so this process's own thread stays free to report progress and to
 * exit the moment its worker dies (on the IPC channel's disconnect, or when its parent is gone).
 *
 * The worker process passes its --out and --checkpoint-every in the environment it forks with.
 * A run already recorded in --out (its lock lost and the run finished by another worker) is
 * not run again: its record is the result.
 */
import type { SandboxedJob } from 'bullmq';
import { KeptThreads, StopSignal } from '../cli/pool.js';
import { packageVersion, versions } from '../cli/provenance.js';
import { executeRuns } from './execute.js';
import { exitWhenOrphaned } from './orphan-watch.js';
import { readRecords, type RunRecord } from './records.js';
import { configOf, runId, type SweepRun } from './run-config.js';
import type { QueuedRun } from './queue.js';

export const OUT_VARIABLE = 'ONLINE_RNN_SWEEP_OUT';
export const CHECKPOINT_VARIABLE = 'ONLINE_RNN_SWEEP_CHECKPOINT_EVERY';

/** What a finished job returns to the queue: the record without its curve (the curve is in --out). */
export type JobSummary = Pick<RunRecord, 'id' | 'label'> & Pick<RunRecord['result'], 'end' | 'steps' | 'finalLoss' | 'finalMetric' | 'prequentialLoss'> & { readonly resumedFrom: number | null };

const PROGRESS_SECONDS = 1;

/**
 * A failure that retrying cannot mend: BullMQ fails the job at once. BullMQ knows it by its
 * name, which crosses the IPC channel as an own property; defined here because importing
 * bullmq's index in the processor would load all of BullMQ and ioredis (≈ 0.5 CPU s per
 * processor start) for one class.
 */
class UnrecoverableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnrecoverableError';
  }
}

// One job thread for this processor's life: BullMQ hands it job after job, and a new thread
// for each would cost its start-up every time.
const threads = new KeptThreads(new StopSignal());

// A worker killed outright cannot stop its children: an orphan would finish a run that another
// worker has taken over. The IPC channel closes when the worker dies, and so does this process;
// since that event was seen not to come, the parent is also watched (orphan-watch.ts).
if (process.send !== undefined) {
  process.once('disconnect', () => process.exit(1));
  exitWhenOrphaned();
}

export default async function process_(job: SandboxedJob<QueuedRun, JobSummary>): Promise<JobSummary> {
  const mine = packageVersion();
  const { version, run: data } = job.data;
  if (version !== mine) throw new UnrecoverableError(`run ${job.id} was enqueued by online-rnn ${version}; this worker is online-rnn ${mine}: refused`);
  const out = process.env[OUT_VARIABLE];
  if (out === undefined || out === '') throw new UnrecoverableError(`the worker did not pass --out (${OUT_VARIABLE})`);
  const run: SweepRun = data;
  if (runId(configOf(run.job)) !== run.id) throw new UnrecoverableError(`run ${run.id}: its config does not hash to its id (a job edited in the queue?)`);

  const recorded = readRecords(out).finished.get(run.id);
  if (recorded !== undefined) return summaryOf(recorded);
  const every = process.env[CHECKPOINT_VARIABLE];
  let lastReport = 0;
  const [finished] = await executeRuns([run], {
    out,
    workers: 1,
    stop: threads.stop,
    threads,
    versions: versions(),
    checkpointEvery: every === undefined || every === '' ? null : Number(every),
    onProgress: (_run, latest) => {
      const now = Date.now() / 1000;
      if (now - lastReport < PROGRESS_SECONDS) return;
      lastReport = now;
      void job.updateProgress({ step: latest.step, steps: run.job.steps, loss: finiteOrNull(latest.loss), metric: finiteOrNull(latest.metric) });
    },
  });
  if (finished?.record == null) throw new Error(`run ${run.id} ended without a record`);
  return summaryOf(finished.record);
}

function summaryOf(record: RunRecord): JobSummary {
  const { end, steps, finalLoss, finalMetric, prequentialLoss } = record.result;
  return { id: record.id, label: record.label, end, steps, finalLoss, finalMetric, prequentialLoss, resumedFrom: record.provenance.resumedFrom };
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
