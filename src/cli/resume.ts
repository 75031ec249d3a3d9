/**
 * `train --resume DIR`: a run directory brought back to its latest checkpoint.
 *
 *   DIR/config.json     the run's settings (task, model, learner, optimizer, seed, curve interval)
 *   DIR/metrics.jsonl   the curve
 *   DIR/checkpoints/    saveCheckpoint's directory; each checkpoint's `extra` is run-state.ts's
 *
 * Everything is read and checked before anything is written: the checkpoint must be one of
 * this run (its settings equal config.json's), config.json must be a run configuration
 * (run-config.ts parses it with the kind tables), the checkpoint's model must be the run's (its
 * sizes, counted from the config), the data files of charlm --text and series --csv must still
 * hold what the run read, and the flags given must agree with the run's configuration
 * (checkOverrides). Nothing of the run is built here: the job builds the stream, the model and
 * the learner once, restores them, and only then does train write a file (job.ts).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Command } from 'commander';
import { sizesOf } from '../model/size.js';
import { createTask } from '../kinds/tasks.js';
import type { Task } from '../tasks/task.js';
import type { CurvePoint } from '../report/curve.js';
import { writeAtomically } from '../report/write.js';
import { atPath } from '../io/files.js';
import { LATEST_FILE, loadCheckpoint, type Checkpoint, type JsonValue } from '../io/checkpoint.js';
import { FormatError, jsonProblem } from '../io/safetensors.js';
import { UsageError } from './errors.js';
import type { ResumeState } from './job.js';
import { givenOn, integerFlag } from './kind-flags.js';
import { decodeRunState } from './run-state.js';
import { checkOverrides, parseRunConfig, type RunConfig, type RunFlags } from './run-config.js';
import { checkCheckpointValues } from './checkpoint-check.js';

export const CONFIG_JSON = 'config.json';
export const METRICS_JSONL = 'metrics.jsonl';
export const CHECKPOINTS = 'checkpoints';

/** A JSON object as read from a file. */
export type JsonObject = { readonly [key: string]: JsonValue };

/** config.json's fields that a run keeps for life, and every checkpoint of the run repeats. */
const SETTING_KEYS = ['task', 'model', 'label', 'learner', 'optimizer', 'clip', 'seed', 'logEvery'] as const;

export function settingsOf(config: JsonObject): JsonObject {
  return Object.fromEntries(SETTING_KEYS.map((key) => [key, config[key] ?? null]));
}

/** A run, ready to go on: its configuration, and the state to start from. */
export interface ResumePlan {
  readonly dir: string;
  /** config.json as read. */
  readonly config: JsonObject;
  /** The settings as recorded: later checkpoints repeat them as they are. */
  readonly settings: JsonObject;
  readonly run: RunConfig;
  readonly task: Task;
  readonly checkpointEvery: number | null;
  readonly checkpoint: Checkpoint;
  readonly state: ResumeState;
}

export function resumePlan(flags: RunFlags, command: Command): ResumePlan {
  const dir = String(flags.resume);
  const given = givenOn(command);
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

  const step = checkpoint.step;
  const recordedSteps = config.steps;
  if (typeof recordedSteps !== 'number' || !Number.isSafeInteger(recordedSteps) || recordedSteps < 0) throw new FormatError(`${configPath}: "steps" must be a non-negative integer`);
  const steps = given('steps') ? integerFlag(String(flags.steps), '--steps') : recordedSteps;
  const run = parseRunConfig(settings, steps, flags, configPath);
  const task = createTask(run.task);
  checkOverrides(flags, command, run, task, dir);
  checkCheckpointValues(checkpoint, runState, run.task, run.training.logEvery);

  // A checkpoint at the run's last step (killed before its report) resumes too: it writes what is missing.
  if (steps < step) throw new UsageError(`--resume ${dir}: the checkpoint is at step ${step}, past --steps ${steps}; give --steps ${step} or more`);
  const recordedEvery = config.checkpointEvery;
  if (recordedEvery !== undefined && recordedEvery !== null && (typeof recordedEvery !== 'number' || !Number.isSafeInteger(recordedEvery) || recordedEvery < 0)) throw new FormatError(`${configPath}: "checkpointEvery" must be a non-negative integer`);
  const checkpointEvery = given('checkpointEvery') ? integerFlag(String(flags.checkpointEvery), '--checkpoint-every') : (recordedEvery ?? null);

  const expected = { paramSize: sizesOf(run.model).paramSize, dtype: run.model.dtype ?? 'float64' };
  if (expected.paramSize !== checkpoint.model.paramSize || expected.dtype !== checkpoint.model.dtype) {
    throw new FormatError(`${checkpoint.path}: the checkpoint's model (${checkpoint.model.paramSize} parameters, ${checkpoint.model.dtype}) is not the run's (${expected.paramSize}, ${expected.dtype})`);
  }
  // The stream and the learner are restored by the job, which names this checkpoint if they do not fit.
  const state: ResumeState = { theta: checkpoint.model.theta, learner: checkpoint.snapshot, stream: runState.stream, loop: runState.loop, source: checkpoint.path };
  return { dir, config, settings, run, task, checkpointEvery, checkpoint, state };
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
  const config = { ...plan.config, steps: plan.run.training.steps, checkpointEvery: plan.checkpointEvery, resumed: [...resumed, { command, date: new Date().toISOString(), step: plan.checkpoint.step }] };
  writeAtomically(join(plan.dir, CONFIG_JSON), JSON.stringify(config, null, 2) + '\n');
}

function readJson(path: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new FormatError(`${path}: not valid JSON (${jsonProblem(error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FormatError(`${path}: must hold a JSON object`);
  return value as JsonObject;
}
