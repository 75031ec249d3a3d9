/**
 * `train --resume DIR`: a run directory brought back to its latest checkpoint.
 *
 *   DIR/config.json     the run's settings (task, model, learner, optimizer, seed, curve interval)
 *   DIR/metrics.jsonl   the curve
 *   DIR/checkpoints/    saveCheckpoint's directory; each checkpoint's `extra` is run-state.ts's
 *
 * Everything is read and checked before anything is written: the checkpoint must be one of
 * this run (its settings equal config.json's), the stream, the learner and θ are restored once
 * here as a dry run, the data files of charlm --text and series --csv must still hold what the
 * run read, and the flags given must agree with the run's settings (resume-flags.ts).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Command } from 'commander';
import { Rng } from '../tensor/rng.js';
import { createModel, parseModelConfig, type ModelConfig } from '../model/config.js';
import { createLearner } from '../learners/config.js';
import { OPTIMIZER_KINDS, type OptimizerConfig } from '../optim/config.js';
import { createTask, type TaskConfig } from '../tasks/config.js';
import type { Task } from '../tasks/task.js';
import type { CurvePoint } from '../report/curve.js';
import { writeAtomically } from '../report/write.js';
import { atPath } from '../io/files.js';
import { LATEST_FILE, loadCheckpoint, type Checkpoint, type JsonValue } from '../io/checkpoint.js';
import { FormatError, jsonProblem } from '../io/safetensors.js';
import { UsageError } from './errors.js';
import type { ResumeState } from './job.js';
import { parseLearnerSpec, type LearnerSpec } from './learner-spec.js';
import { integerFlag } from './model-options.js';
import { checkResumeFlags } from './resume-flags.js';
import { decodeRunState } from './run-state.js';
import { checkCheckpointValues } from './checkpoint-check.js';
import type { TaskFlags } from './task-options.js';
import { taskFromRecord } from './task-record.js';
import { describeModel, type ModelChoice, type Training, type TrainingFlags } from './training-options.js';

export const CONFIG_JSON = 'config.json';
export const METRICS_JSONL = 'metrics.jsonl';
export const CHECKPOINTS = 'checkpoints';

export type Settings = { [key: string]: JsonValue };

/** config.json's fields that a run keeps for life, and every checkpoint of the run repeats. */
const SETTING_KEYS = ['task', 'model', 'label', 'learner', 'optimizer', 'clip', 'seed', 'logEvery'] as const;

export function settingsOf(config: { readonly [key: string]: JsonValue }): Settings {
  return Object.fromEntries(SETTING_KEYS.map((key) => [key, config[key] ?? null]));
}

export interface ResumeFlags extends TaskFlags, TrainingFlags {
  learner: string;
  seed: string;
  out?: string;
  checkpointEvery?: string;
  resume?: string;
}

/** A run, ready to go on: what train needs to build its job, and the state to start from. */
export interface ResumePlan {
  readonly dir: string;
  /** config.json as read. */
  readonly config: Settings;
  readonly settings: Settings;
  readonly taskConfig: TaskConfig;
  readonly task: Task;
  readonly spec: LearnerSpec;
  readonly model: ModelChoice & { readonly config: ModelConfig };
  readonly training: Training;
  readonly seed: number;
  readonly checkpointEvery: number | null;
  readonly checkpoint: Checkpoint;
  readonly state: ResumeState;
}

export function resumePlan(flags: ResumeFlags, command: Command): ResumePlan {
  const dir = flags.resume!;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--resume ${dir}: no such run directory`);
  const configPath = join(dir, CONFIG_JSON);
  if (!existsSync(configPath)) throw new UsageError(`--resume ${dir}: no ${CONFIG_JSON} here (not a directory written by train --out)`);
  const config = readJson(configPath);
  const settings = settingsOf(config);
  const checkpointsDir = join(dir, CHECKPOINTS);
  if (!existsSync(join(checkpointsDir, LATEST_FILE))) {
    const every = config.checkpointEvery;
    throw new UsageError(`--resume ${dir}: no checkpoint to resume from (${typeof every === 'number' ? `the run stopped before its first, at step ${every}` : 'the run was trained without --checkpoint-every'})`);
  }
  const checkpoint = loadCheckpoint(checkpointsDir);
  const learnerJson = join(checkpoint.path, 'learner.json');
  const runState = decodeRunState(checkpoint.extra, learnerJson);
  if (!isDeepStrictEqual(runState.settings, settings)) throw new FormatError(`${checkpoint.path}: this checkpoint is not of the run in ${configPath} (their settings differ)`);
  if (runState.loop.step !== checkpoint.step) throw new FormatError(`${learnerJson}: the loop is at step ${runState.loop.step}, the learner at step ${checkpoint.step}`);

  // The run's settings, rebuilt.
  const taskConfig = taskFromRecord(settings.task!, flags, configPath);
  const task = createTask(taskConfig);
  if (settings.model === null || typeof settings.model !== 'object') throw new FormatError(`${configPath}: "model" must be a model config`);
  const modelConfig = parseModelConfig(settings.model);
  const model = { config: modelConfig, description: describeModel(modelConfig) };
  if (typeof settings.label !== 'string') throw new FormatError(`${configPath}: "label" must be the --learner text`);
  const spec = parseLearnerSpec(settings.label);
  if (!isDeepStrictEqual(spec.config, settings.learner)) throw new FormatError(`${configPath}: "learner" is not what "label" (${settings.label}) describes`);
  const seed = nonNegativeInteger(settings.seed, `${configPath}: "seed"`);
  const logEvery = nonNegativeInteger(settings.logEvery, `${configPath}: "logEvery"`);
  if (logEvery === 0) throw new FormatError(`${configPath}: "logEvery" must be ≥ 1`);
  const clip = settings.clip === null ? undefined : positive(settings.clip, `${configPath}: "clip"`);
  const optimizer = optimizerOf(settings.optimizer, `${configPath}: "optimizer"`);
  checkCheckpointValues(checkpoint, runState, taskConfig, logEvery);

  checkResumeFlags(flags, command, { dir, settings, task, spec, seed, optimizer, clip, logEvery, model: modelConfig });

  const step = checkpoint.step;
  const steps = command.getOptionValueSource('steps') === 'cli' ? integerFlag(flags.steps, '--steps') : nonNegativeInteger(config.steps, `${configPath}: "steps"`);
  // A checkpoint at the run's last step (killed before its report) resumes too: it writes what is missing.
  if (steps < step) throw new UsageError(`--resume ${dir}: the checkpoint is at step ${step}, past --steps ${steps}; give --steps ${step} or more`);
  const checkpointEvery = command.getOptionValueSource('checkpointEvery') === 'cli' ? integerFlag(flags.checkpointEvery, '--checkpoint-every') : config.checkpointEvery == null ? null : nonNegativeInteger(config.checkpointEvery, `${configPath}: "checkpointEvery"`);

  // A dry run of the restore, so a bad checkpoint is one line before anything is written.
  const state: ResumeState = { theta: checkpoint.model.theta, learner: checkpoint.snapshot, stream: runState.stream, loop: runState.loop };
  const expected = createModel(modelConfig, { initialize: false });
  if (expected.paramSize !== checkpoint.model.paramSize || expected.dtype !== checkpoint.model.dtype) {
    throw new FormatError(`${checkpoint.path}: the checkpoint's model (${checkpoint.model.paramSize} parameters, ${checkpoint.model.dtype}) is not the run's (${expected.paramSize}, ${expected.dtype})`);
  }
  inCheckpoint(checkpoint.path, () => {
    task.stream(new Rng(0)).restore(state.stream);
    const learner = createLearner(spec.config, checkpoint.model.online(), { loss: task.loss, optimizer: spec.lr === undefined ? optimizer : { ...optimizer, lr: spec.lr }, seed: 0, ...(clip !== undefined ? { clip } : {}) });
    learner.restore(checkpoint.snapshot);
  });

  const training: Training = { steps, optimizer, logEvery, ...(clip !== undefined ? { clip } : {}) };
  return { dir, config, settings, taskConfig, task, spec, model, training, seed, checkpointEvery, checkpoint, state };
}

/**
 * Cuts metrics.jsonl back to the checkpoint: the points at multiples of `logEvery` up to `step`
 * stay as they were written (text and all), the rest goes — points written after the
 * checkpoint, a partial last interval of a run that stopped there, a line torn by a kill.
 * Returns the points kept; throws when one of them is missing. Writes nothing.
 */
export function rewindMetrics(path: string, step: number, logEvery: number): { text: string; points: CurvePoint[] } {
  if (!existsSync(path)) throw new UsageError(`${path} is missing: the run's curve cannot be continued`);
  const wanted = Math.floor(step / logEvery);
  const kept: string[] = [];
  const points: CurvePoint[] = [];
  const lines = atPath(path, () => readFileSync(path, 'utf8')).split('\n');
  for (let i = 0; i < lines.length && kept.length < wanted; i++) {
    const line = lines[i]!;
    let point: { step: unknown; loss: unknown; metric: unknown; time: unknown };
    try {
      point = JSON.parse(line) as typeof point;
    } catch {
      throw new FormatError(`${path}: line ${i + 1} is not JSON, before the checkpoint's step ${step}`);
    }
    if (typeof point !== 'object' || point === null || typeof point.step !== 'number' || typeof point.time !== 'number') throw new FormatError(`${path}: line ${i + 1} is not a curve point`);
    if (point.step % logEvery !== 0) continue; // a partial interval at the end of an earlier leg
    if (point.step !== (kept.length + 1) * logEvery) throw new FormatError(`${path}: line ${i + 1} is at step ${point.step}, expected ${(kept.length + 1) * logEvery}`);
    kept.push(line);
    points.push({ step: point.step, loss: typeof point.loss === 'number' ? point.loss : Number.NaN, metric: typeof point.metric === 'number' ? point.metric : Number.NaN, time: point.time });
  }
  if (kept.length < wanted) throw new FormatError(`${path} ends at step ${kept.length * logEvery}, before the checkpoint's step ${step}: the curve cannot be continued`);
  return { text: kept.map((line) => line + '\n').join(''), points };
}

/** Writes config.json again with the new target, checkpoint interval and a record of this resume. */
export function recordResume(plan: ResumePlan, command: string): void {
  const resumed = Array.isArray(plan.config.resumed) ? plan.config.resumed : [];
  const config = { ...plan.config, steps: plan.training.steps, checkpointEvery: plan.checkpointEvery, resumed: [...resumed, { command, date: new Date().toISOString(), step: plan.checkpoint.step }] };
  writeAtomically(join(plan.dir, CONFIG_JSON), JSON.stringify(config, null, 2) + '\n');
}

/** Runs a dry restore; a failure is the checkpoint's fault, named by its path. */
function inCheckpoint(path: string, body: () => void): void {
  try {
    body();
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) throw new FormatError(`${path}: ${error.message}`);
    throw error;
  }
}

function readJson(path: string): Settings {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new FormatError(`${path}: not valid JSON (${jsonProblem(error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FormatError(`${path}: must hold a JSON object`);
  return value as Settings;
}

function optimizerOf(value: JsonValue | undefined, where: string): OptimizerConfig {
  const o = value as { kind?: unknown; lr?: unknown } | null;
  if (typeof o !== 'object' || o === null || !(OPTIMIZER_KINDS as readonly unknown[]).includes(o.kind) || typeof o.lr !== 'number' || !(o.lr >= 0)) throw new FormatError(`${where} must be an optimizer config {kind, lr, …}`);
  return o as OptimizerConfig;
}

function nonNegativeInteger(value: JsonValue | undefined, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new FormatError(`${where} must be a non-negative integer`);
  return value;
}

function positive(value: JsonValue | undefined, where: string): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new FormatError(`${where} must be a positive number or null`);
  return value;
}
