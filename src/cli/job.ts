/**
 * One training run as data — task, model, learner, optimizer, steps, seed — so it can cross
 * into a worker thread, and `runJob`, which builds everything from it and trains with the
 * loop of tasks/run.ts, reporting curve points as they come.
 *
 * Seeds: one number drives everything. Rng(seed) is split into the task's stream, and draws
 * the model's and the learner's seeds, so every learner of a comparison sees the same data
 * and starts from the same θ at a given seed.
 *
 * Checkpoints: with `checkpoint`, every `every` steps and when the run ends or is stopped, the
 * job hands the files of a checkpoint (model, learner, and the run state of run-state.ts) to
 * `onCheckpoint`, after the curve points up to that step; the caller writes them. With
 * `resume`, it builds everything as a fresh run would, then takes θ, the learner, the stream
 * and the loop from the checkpoint and goes on at the next step.
 */
import { Rng } from '../tensor/rng.js';
import { MemoryScope } from '../tensor/scope.js';
import type { Vec } from '../tensor/dtype.js';
import { createModel, initialState, type ModelConfig } from '../model/config.js';
import { createLearner, type LearnerConfig } from '../kinds/learners.js';
import { learnerStateBytes, type LearnerSnapshot } from '../learners/learner.js';
import type { OptimizerConfig } from '../kinds/optimizers.js';
import { createTask, type TaskConfig } from '../kinds/tasks.js';
import type { StreamSnapshot } from '../tasks/snapshot.js';
import { train } from '../tasks/run.js';
import { CurveRecorder, type CurvePoint } from '../report/curve.js';
import { finalLoss, type RunResult } from '../report/comparison.js';
import { encodeCheckpoint, type JsonValue } from '../io/checkpoint.js';
import { encodeRunState, type LoopState } from './run-state.js';
import { createDetector, type DetectorConfig } from '../stream/detectors.js';
import { DriftResponse, type DriftPolicy } from '../stream/drift.js';

/** Where a resumed job starts: the checkpoint's θ, learner, stream and loop. */
export interface ResumeState {
  readonly theta: Vec;
  readonly learner: LearnerSnapshot;
  readonly stream: StreamSnapshot;
  readonly loop: LoopState;
}

export interface Job {
  readonly id: number;
  readonly label: string;
  readonly task: TaskConfig;
  readonly model: ModelConfig;
  readonly learner: LearnerConfig;
  readonly optimizer: OptimizerConfig;
  readonly clip?: number;
  readonly steps: number;
  readonly seed: number;
  readonly logEvery: number;
  /** Save a checkpoint every `every` steps and at the end; `settings` go into it as they are. */
  readonly checkpoint?: { readonly every: number; readonly settings: { readonly [key: string]: JsonValue } };
  readonly resume?: ResumeState;
  /** A drift detector on the loss, and what to do when it fires (the steps it fired at are in the result). */
  readonly drift?: { readonly detector: DetectorConfig; readonly policy: DriftPolicy };
}

export interface JobHooks {
  /** Seconds on a monotonic clock. */
  now(): number;
  /** New curve points, in order. */
  onPoints(points: CurvePoint[], latest: { step: number; loss: number; metric: number }): void;
  /** Checked every step: true ends the run as 'stopped'. */
  shouldStop(): boolean;
  /** The files of a checkpoint at `step` (encodeCheckpoint), to write; only with `job.checkpoint`. */
  onCheckpoint?(step: number, files: Record<string, Uint8Array | string>): void;
}

/** How often (in seconds) points are handed to onPoints: often enough for a live progress bar. */
const FLUSH_SECONDS = 0.2;

/**
 * Runs a job in its own memory scope: every buffer it makes (model, learner, task) goes back
 * to the arena when it ends, so a worker running jobs back to back keeps its arena flat.
 */
export function runJob(job: Job, hooks: JobHooks): RunResult {
  const scope = new MemoryScope(`job ${job.id}`);
  try {
    return scope.run(() => trainJob(job, hooks));
  } finally {
    scope.release();
  }
}

function trainJob(job: Job, hooks: JobHooks): RunResult {
  const task = createTask(job.task);
  const rng = new Rng(job.seed);
  const stream = task.stream(rng.split());
  const modelSeed = rng.nextUint32();
  const learnerSeed = rng.nextUint32();
  const full = createModel(job.model, { seed: modelSeed });
  const model = full.online();
  const s0 = initialState(full);
  const { resume } = job;
  if (resume !== undefined) {
    if (resume.theta.length !== model.paramSize) throw new RangeError(`resume: θ has ${resume.theta.length} entries, the model ${model.paramSize}`);
    model.theta.set(resume.theta);
  }
  const learner = createLearner(job.learner, model, {
    loss: task.loss,
    optimizer: job.optimizer,
    seed: learnerSeed,
    ...(job.clip !== undefined ? { clip: job.clip } : {}),
    ...(s0 !== undefined ? { initialState: s0 } : {}),
  });
  if (resume !== undefined) {
    learner.restore(resume.learner);
    stream.restore(resume.stream);
  }

  const start = hooks.now() - (resume?.loop.seconds ?? 0);
  const recorder = new CurveRecorder(job.logEvery, hooks.now, start);
  if (resume !== undefined) recorder.resume(resume.loop.curve);
  const points: CurvePoint[] = [];
  let sent = 0;
  let lastFlush = hooks.now();
  const latest = { step: resume?.loop.step ?? 0, loss: resume?.loop.latest.loss ?? Number.NaN, metric: resume?.loop.latest.metric ?? Number.NaN };
  const flush = () => {
    hooks.onPoints(points.slice(sent), latest);
    sent = points.length;
    lastFlush = hooks.now();
  };
  let saved = latest.step;
  const checkpoint = () => {
    if (job.checkpoint === undefined || latest.step === saved) return;
    flush(); // the curve up to this step goes out first
    const extra = encodeRunState({
      settings: job.checkpoint.settings,
      stream: stream.snapshot(),
      loop: { step: latest.step, curve: recorder.pending, latest: { loss: latest.loss, metric: latest.metric }, seconds: hooks.now() - start },
    });
    const snapshot = learner.snapshot();
    hooks.onCheckpoint?.(snapshot.step, encodeCheckpoint({ model: full, learner, extra }, snapshot));
    saved = latest.step;
  };
  const every = job.checkpoint?.every ?? Infinity;
  const detector = job.drift === undefined ? null : createDetector(job.drift.detector);
  const response = job.drift === undefined ? null : new DriftResponse(learner, job.drift.policy);
  const detections: number[] = [];
  const end = train({
    stream,
    learner,
    steps: job.steps,
    from: latest.step,
    onStep(record) {
      latest.step = record.step;
      latest.metric = record.metric;
      if (!Number.isNaN(record.loss)) latest.loss = record.loss;
      if (response !== null) {
        response.stepped();
        if (!Number.isNaN(record.loss) && detector!.update(record.loss)) {
          detections.push(record.step);
          response.detected();
        }
      }
      const point = recorder.add(record);
      if (point !== null) points.push(point);
      if (record.step % every === 0) checkpoint();
      // Checked every step: one clock read is nothing beside a step, and a slow step (RTRL on a
      // large model) still reports at once.
      if (hooks.now() - lastFlush > FLUSH_SECONDS) flush();
      return hooks.shouldStop() ? 'stop' : undefined;
    },
  });
  // A run that ends or is stopped keeps its last step; a diverged one keeps the checkpoint before.
  if (end.kind !== 'diverged') checkpoint();
  const last = recorder.finish({ step: end.steps, loss: Number.NaN, metric: latest.metric });
  if (last !== null) points.push(last);
  flush();
  // The estimator's memory: the recurrent state and every buffer a snapshot must keep.
  const stateBytes = learnerStateBytes(learner);
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
    ...(job.drift !== undefined ? { detections } : {}),
  };
}
