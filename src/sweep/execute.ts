/**
 * Running sweep runs on this machine with the job pool of `compare` (cli/pool.ts, whose worker
 * threads call runJob), each run in its own directory under the sweep's --out:
 *
 *   DIR/runs/<id>/curve.jsonl     the learning curve so far (one point a line)
 *   DIR/runs/<id>/checkpoints/    train's checkpoints (model, learner, stream, loop)
 *
 * A run that finds a checkpoint there goes on from it, as `train --resume` does (the curve is
 * cut back to the checkpoint's step), so a run interrupted anywhere — Ctrl-C, a kill, a node
 * lost — costs at most the steps since its last checkpoint, and gives the same numbers as a run
 * never stopped. When a run finishes, its record is appended to records.jsonl and its directory
 * removed.
 *
 * `until` stops every run at that step with a checkpoint (a rung of successive halving): the
 * run is not finished, nothing is recorded, and the next call goes on from there.
 */
import { appendFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { LATEST_FILE, loadCheckpoint, writeCheckpoint } from '../io/checkpoint.js';
import { syncFile } from '../io/files.js';
import { FormatError } from '../io/safetensors.js';
import { writeAtomically } from '../report/write.js';
import { finalLoss, type RunResult } from '../report/comparison.js';
import type { CurvePoint } from '../report/curve.js';
import type { Job } from '../cli/job.js';
import { runPool, type KeptThreads, type StopSignal } from '../cli/pool.js';
import { rewindMetrics } from '../cli/resume.js';
import { decodeRunState } from '../cli/run-state.js';
import { appendRecord, recordOf, type RunRecord } from './records.js';
import type { SweepRun } from './run-config.js';

export interface RunDirectory {
  readonly dir: string;
  readonly curve: string;
  readonly checkpoints: string;
}

export function runDirectory(out: string, id: string): RunDirectory {
  const dir = join(out, 'runs', id);
  return { dir, curve: join(dir, 'curve.jsonl'), checkpoints: join(dir, 'checkpoints') };
}

/** The default checkpoint interval: a tenth of the run, on a curve point. */
export function defaultCheckpointEvery(job: Job): number {
  return Math.max(job.logEvery, Math.round(job.steps / 10 / job.logEvery) * job.logEvery);
}

/** A run made ready: its job (with checkpoints, and the state to resume from) and the curve it continues. */
interface Prepared {
  readonly run: SweepRun;
  readonly job: Job;
  readonly paths: RunDirectory;
  readonly earlier: readonly CurvePoint[];
  readonly resumedFrom: number | null;
}

function prepare(out: string, run: SweepRun, index: number, options: { checkpointEvery: number | null; until: number | null }): Prepared {
  const paths = runDirectory(out, run.id);
  const steps = options.until ?? run.job.steps;
  const every = options.checkpointEvery ?? defaultCheckpointEvery(run.job);
  const base: Job = {
    ...run.job,
    id: index,
    steps,
    ...(every > 0 || options.until !== null ? { checkpoint: { every: every > 0 ? every : Infinity, settings: run.config } } : {}),
  };
  mkdirSync(paths.dir, { recursive: true });
  if (!existsSync(join(paths.checkpoints, LATEST_FILE))) {
    writeAtomically(paths.curve, '');
    return { run, job: base, paths, earlier: [], resumedFrom: null };
  }
  const checkpoint = loadCheckpoint(paths.checkpoints);
  const state = decodeRunState(checkpoint.extra, join(checkpoint.path, 'learner.json'));
  if (!isDeepStrictEqual(state.settings, run.config)) throw new FormatError(`${checkpoint.path}: this checkpoint is not of run ${run.id} (their settings differ)`);
  const rewound = rewindMetrics(paths.curve, checkpoint.step, run.job.logEvery);
  writeAtomically(paths.curve, rewound.text);
  const job: Job = { ...base, resume: { theta: checkpoint.model.theta, learner: checkpoint.snapshot, stream: state.stream, loop: state.loop } };
  return { run, job, paths, earlier: rewound.points, resumedFrom: checkpoint.step };
}

export interface Finished {
  readonly run: SweepRun;
  /** The whole run's result, from step 1 (the curve before a resume included). */
  readonly result: RunResult;
  /** The record appended; null when the run stopped at `until`. */
  readonly record: RunRecord | null;
  /** Steps trained in this call (what the run cost here). */
  readonly trained: number;
}

export interface ExecuteOptions {
  readonly out: string;
  readonly workers: number;
  readonly stop: StopSignal;
  readonly versions: Readonly<Record<string, string>>;
  /** Steps between checkpoints; 0: none; null: a tenth of each run. */
  readonly checkpointEvery: number | null;
  /** Stop every run at this step, checkpointed and unrecorded. */
  readonly until?: number;
  readonly onProgress?: (run: SweepRun, latest: { step: number; loss: number; metric: number }) => void;
  readonly onFinished?: (finished: Finished) => void;
  /** Threads to run on and keep for the next call (their stop signal must be `stop`). */
  readonly threads?: KeptThreads;
}

export async function executeRuns(runs: readonly SweepRun[], options: ExecuteOptions): Promise<Finished[]> {
  const until = options.until ?? null;
  const prepared = runs.map((run, i) => prepare(options.out, run, i, { checkpointEvery: options.checkpointEvery, until }));
  const finished: Finished[] = [];
  await runPool(
    prepared.map((p) => p.job),
    {
      workers: options.workers,
      stop: options.stop,
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      events: {
        onProgress: (job, points, latest) => {
          const p = prepared[job.id]!;
          if (points.length > 0) appendFileSync(p.paths.curve, points.map((pt) => JSON.stringify({ step: pt.step, loss: orNull(pt.loss), metric: orNull(pt.metric), time: Number(pt.time.toFixed(3)) }) + '\n').join(''));
          options.onProgress?.(p.run, latest);
        },
        onCheckpoint: (job, step, files) => {
          const p = prepared[job.id]!;
          syncFile(p.paths.curve); // the curve up to the checkpoint is on disk before it
          writeCheckpoint(p.paths.checkpoints, step, files);
        },
        onDone: (job, partial) => {
          const p = prepared[job.id]!;
          const points = [...p.earlier, ...partial.points];
          const result: RunResult = { ...partial, points, finalLoss: partial.end === 'diverged' ? Infinity : finalLoss(points, partial.steps) };
          const trained = partial.steps - (p.resumedFrom ?? 0);
          const atRung = until !== null && partial.end === 'completed' && partial.steps < p.run.job.steps;
          // A run stopped by Ctrl-C is not finished: its checkpoint stays for the next call.
          const record = atRung || partial.end === 'stopped' ? null : recordOf(p.run, result, { versions: options.versions, resumedFrom: p.resumedFrom });
          if (record !== null) {
            appendRecord(options.out, record);
            rmSync(p.paths.dir, { recursive: true, force: true });
          }
          const done = { run: p.run, result, record, trained };
          finished.push(done);
          options.onFinished?.(done);
        },
      },
    },
  );
  return finished;
}

/** Records a run that successive halving dropped at a rung, and frees its directory. */
export function recordPruned(out: string, finished: Finished, versions: Readonly<Record<string, string>>): RunRecord {
  const record = recordOf(finished.run, finished.result, { versions, resumedFrom: null, pruned: true });
  appendRecord(out, record);
  rmSync(runDirectory(out, finished.run.id).dir, { recursive: true, force: true });
  return record;
}

function orNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
