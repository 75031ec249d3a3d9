/**
 * One training run as data — task, model, learner, optimizer, steps, seed — so it can cross
 * into a worker thread, and `runJob`, which builds everything from it and trains with the
 * loop of tasks/run.ts, reporting curve points as they come.
 *
 * Seeds: one number drives everything. Rng(seed) is split into the task's stream, and draws
 * the model's and the learner's seeds, so every learner of a comparison sees the same data
 * and starts from the same θ at a given seed.
 */
import { Rng } from '../tensor/rng.js';
import { bytesPerElement } from '../tensor/dtype.js';
import { createModel, type ModelConfig } from '../model/config.js';
import type { OnlineModel } from '../model/online.js';
import { createLearner, type LearnerConfig } from '../learners/config.js';
import type { OptimizerConfig } from '../optim/config.js';
import { createTask, type TaskConfig } from '../tasks/config.js';
import { train } from '../tasks/run.js';
import { CurveRecorder, type CurvePoint } from '../report/curve.js';
import { finalLoss, type RunResult } from '../report/comparison.js';

export interface Job {
  readonly id: number;
  readonly label: string;
  readonly task: TaskConfig;
  /** null: the task's own model. */
  readonly model: ModelConfig | null;
  readonly learner: LearnerConfig;
  readonly optimizer: OptimizerConfig;
  readonly clip?: number;
  readonly steps: number;
  readonly seed: number;
  readonly logEvery: number;
}

export interface JobHooks {
  /** Seconds on a monotonic clock. */
  now(): number;
  /** New curve points, in order. */
  onPoints(points: CurvePoint[], latest: { step: number; loss: number; metric: number }): void;
  /** Checked every step: true ends the run as 'stopped'. */
  shouldStop(): boolean;
}

/** How often (in seconds) points are handed to onPoints: often enough for a live progress bar. */
const FLUSH_SECONDS = 0.2;

export function runJob(job: Job, hooks: JobHooks): RunResult {
  const task = createTask(job.task);
  const rng = new Rng(job.seed);
  const stream = task.stream(rng.split());
  const modelSeed = rng.nextUint32();
  const learnerSeed = rng.nextUint32();
  let model: OnlineModel;
  let initialState: ArrayLike<number> | undefined;
  if (job.model === null) {
    if (task.model.kind !== 'fixed') throw new TypeError(`task ${task.kind} needs a model config`);
    model = task.model.create();
    initialState = task.model.initialState?.();
  } else {
    model = createModel(job.model, { seed: modelSeed }).online();
  }
  const learner = createLearner(job.learner, model, {
    loss: task.loss,
    optimizer: job.optimizer,
    seed: learnerSeed,
    ...(job.clip !== undefined ? { clip: job.clip } : {}),
    ...(initialState !== undefined ? { initialState } : {}),
  });

  const start = hooks.now();
  const recorder = new CurveRecorder(job.logEvery, hooks.now, start);
  const points: CurvePoint[] = [];
  let sent = 0;
  let lastFlush = start;
  const latest = { step: 0, loss: Number.NaN, metric: Number.NaN };
  const flush = () => {
    hooks.onPoints(points.slice(sent), latest);
    sent = points.length;
    lastFlush = hooks.now();
  };
  const end = train({
    stream,
    learner,
    steps: job.steps,
    onStep(record) {
      latest.step = record.step;
      latest.metric = record.metric;
      if (!Number.isNaN(record.loss)) latest.loss = record.loss;
      const point = recorder.add(record);
      if (point !== null) points.push(point);
      if ((record.step & 255) === 0 && hooks.now() - lastFlush > FLUSH_SECONDS) flush();
      return hooks.shouldStop() ? 'stop' : undefined;
    },
  });
  const last = recorder.finish({ step: end.steps, loss: Number.NaN, metric: latest.metric });
  if (last !== null) points.push(last);
  flush();
  // The estimator's memory: the recurrent state and every buffer a snapshot must keep.
  const stateBytes = Object.values(learner.snapshot().tensors).reduce((sum, t) => sum + t.length * bytesPerElement(model.dtype), 0);
  return {
    seed: job.seed,
    points,
    end: end.kind,
    steps: end.steps,
    seconds: hooks.now() - start,
    stateBytes,
    finalLoss: end.kind === 'diverged' ? Infinity : finalLoss(points, end.steps),
    finalMetric: latest.metric,
    ...(end.kind === 'diverged' ? { message: end.message } : {}),
  };
}
