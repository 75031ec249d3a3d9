/**
 * The typed configuration of a `train` run — task, model, learner, optimizer, clipping, seed,
 * curve interval — with one reader for each way it arrives: from the flags of a fresh run
 * (`runFromFlags`: the flags applied to the task's defaults), and from a run directory's
 * config.json (`parseRunConfig`: every field checked with the kind tables' parsers). A resumed
 * run applies the flags given to its own configuration the same way and compares the result as
 * values (`checkOverrides`): only --steps, --checkpoint-every and --json may change.
 *
 * The recorded form (`settingsJson`) is the one config.json and every checkpoint have always
 * held, so run directories written before this file still load.
 */
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Command } from 'commander';
import { parseModelConfig, type ModelConfig } from '../model/config.js';
import { parseOptimizerConfig, type OptimizerConfig } from '../kinds/optimizers.js';
import { createTask, type TaskConfig } from '../kinds/tasks.js';
import type { Task } from '../tasks/task.js';
import type { JsonValue } from '../io/checkpoint.js';
import { FormatError } from '../io/safetensors.js';
import { UsageError } from './errors.js';
import { givenOn, integerFlag, type FlagValues, type Given } from './kind-flags.js';
import { parseLearnerSpec, type LearnerSpec } from './learner-spec.js';
import { MODEL_FLAGS } from './model-options.js';
import { TASK_FLAG_NAMES, taskConfigFromFlags, taskConfigOf, taskFlagValues } from './task-options.js';
import { filesOf, taskFlagValuesOf, taskFromRecord, taskRecord, sameTask, type TaskFiles } from './task-record.js';
import { describeModel, describeOptimizer, modelFromFlags, stepsFlag, taskTraining, TRAINING_FLAGS, trainingFromFlags, type Training } from './training-options.js';

/** What a run is, for life: config.json's settings and every checkpoint's. */
export interface RunConfig {
  readonly task: TaskConfig;
  /** Where the task's data file was read from (its spec's dataFile: charlm --text, series --csv), recorded by path and digest. */
  readonly files: TaskFiles;
  readonly model: ModelConfig;
  readonly learner: LearnerSpec;
  /** steps, the optimizer (before a learner's own :lr=), clip, logEvery. */
  readonly training: Training;
  readonly seed: number;
}

/** The flags train reads into a RunConfig. */
export type RunFlags = FlagValues;

/**
 * A fresh run: the flags on top of the task's defaults, training `learner` (train's --learner;
 * compare gives each of its --learners in turn); and its task, built once.
 */
export function runFromFlags(flags: RunFlags, command: Command, learner: LearnerSpec = parseLearnerSpec(String(flags.learner))): { run: RunConfig; task: Task } {
  const given = givenOn(command);
  const task = taskConfigFromFlags(flags, given);
  const built = createTask(task);
  const run: RunConfig = {
    task,
    files: filesOf(flags),
    model: modelFromFlags(flags, given, built),
    learner,
    training: trainingFromFlags(flags, given, taskTraining(built, stepsFlag(flags, given, built.setting.steps))),
    seed: integerFlag(String(flags.seed), '--seed', { min: 0 }),
  };
  return { run, task: built };
}

/** The optimizer the learner runs with: its own :lr= on top of the run's. */
export function learnerOptimizer(run: RunConfig): OptimizerConfig {
  const { lr } = run.learner;
  return lr === undefined ? run.training.optimizer : { ...run.training.optimizer, lr };
}

/** The settings as config.json and every checkpoint record them (as JSON reads them back). */
export function settingsJson(run: RunConfig): { [key: string]: JsonValue } {
  const { training } = run;
  return JSON.parse(
    JSON.stringify({ task: taskRecord(run.task, run.files), model: run.model, label: run.learner.label, learner: run.learner.config, optimizer: learnerOptimizer(run), clip: training.clip ?? null, seed: run.seed, logEvery: training.logEvery }),
  ) as { [key: string]: JsonValue };
}

/**
 * A run's configuration from its config.json; `steps` is the run's target. A data file is read
 * from the flag naming it (a file that moved) or the recorded path, and must hold what the run read.
 */
export function parseRunConfig(settings: { readonly [key: string]: JsonValue | undefined }, steps: number, flags: RunFlags, where: string): RunConfig {
  const field = <T>(name: string, parse: (value: JsonValue | undefined) => T): T => {
    try {
      return parse(settings[name]);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new FormatError(`${where}: "${name}": ${(error as Error).message}`);
    }
  };
  const { config: task, files } = field('task', (value) => taskFromRecord(value ?? null, filesOf(flags), where));
  const model = field('model', (value) => parseModelConfig(value));
  const label = settings.label;
  if (typeof label !== 'string') throw new FormatError(`${where}: "label" must be the --learner text`);
  const learner = parseLearnerSpec(label);
  if (!isDeepStrictEqual(learner.config, settings.learner)) throw new FormatError(`${where}: "learner" is not what "label" (${label}) describes`);
  const seed = field('seed', (value) => count(value, 0));
  const logEvery = field('logEvery', (value) => count(value, 1));
  const clip = field('clip', (value) => (value === null ? undefined : positive(value)));
  // The recorded optimizer is the learner's; with a learner's own :lr= the run's --lr is not kept, and does not matter.
  const optimizer = field('optimizer', (value) => parseOptimizerConfig(value));
  return { task, files, model, learner, seed, training: { steps, optimizer, logEvery, ...(clip !== undefined ? { clip } : {}) } };
}

/**
 * Refuses every flag given to `train --resume` that sets something else than `run` has: the
 * flags are applied to the run's configuration as they would be to a task's defaults, and the
 * result compared with it, group by group, as values.
 */
export function checkOverrides(flags: RunFlags, command: Command, run: RunConfig, task: Task, dir: string): void {
  const given = givenOn(command);
  const text = (names: readonly string[]) =>
    names
      .map((name) => {
        const option = command.options.find((o) => o.attributeName() === name)!;
        const value = flags[name];
        return typeof value === 'string' ? `${option.long} ${value}` : option.long!;
      })
      .join(' ');
  const contradicts = (names: readonly string[], theirs: string) => new UsageError(`${text(names)} contradicts the run in ${dir}: it has ${theirs} (with --resume only --steps, --checkpoint-every and --json may change)`);

  const taskFlags = TASK_FLAG_NAMES.filter(given);
  if (taskFlags.length > 0 && !sameTaskAfter(flags, given, run)) throw contradicts(taskFlags, `the task ${task.title}`);
  const modelFlags = MODEL_FLAGS.filter(given);
  if (modelFlags.length > 0) {
    const theirs = `the model ${describeModel(run.model)}`;
    let model: ModelConfig;
    try {
      model = modelFromFlags(flags, given, task, run.model);
    } catch {
      throw contradicts(modelFlags, theirs);
    }
    if (!isDeepStrictEqual(model, run.model)) throw contradicts(modelFlags, theirs);
  }
  if (given('learner')) {
    const spec = parseLearnerSpec(String(flags.learner));
    if (!isDeepStrictEqual(spec.config, run.learner.config) || spec.lr !== run.learner.lr) throw contradicts(['learner'], `the learner ${run.learner.label}`);
  }
  if (given('seed') && integerFlag(String(flags.seed), '--seed', { min: 0 }) !== run.seed) throw contradicts(['seed'], `seed ${run.seed}`);
  const trainingFlags = TRAINING_FLAGS.filter(given);
  if (trainingFlags.length > 0) {
    const saved = run.training;
    const training = trainingFromFlags(flags, given, saved);
    const constant = (o: OptimizerConfig) => o.schedule ?? { kind: 'constant' };
    const same: Record<(typeof TRAINING_FLAGS)[number], boolean> = {
      optimizer: training.optimizer.kind === saved.optimizer.kind,
      // A learner's own :lr= sets its rate; --lr only counts without one.
      lr: run.learner.lr !== undefined || training.optimizer.lr === saved.optimizer.lr,
      schedule: isDeepStrictEqual(constant(training.optimizer), constant(saved.optimizer)),
      clip: training.clip === saved.clip,
      logEvery: training.logEvery === saved.logEvery,
    };
    const wrong = trainingFlags.filter((name) => !same[name]);
    if (wrong.length > 0) throw contradicts(wrong, `${describeOptimizer(saved.optimizer)}${saved.clip !== undefined ? `, clip ${saved.clip}` : ', no clipping'}, a curve point every ${saved.logEvery} steps`);
  }
  if (given('out') && resolve(String(flags.out)) !== resolve(dir)) throw new UsageError(`--out ${String(flags.out)}: --resume goes on writing into the run's own directory ${dir}`);
  const known = new Set<string>(['steps', 'checkpointEvery', 'json', 'resume', 'maxMemory', 'progressEvery', ...TASK_FLAG_NAMES, ...MODEL_FLAGS, 'learner', 'seed', ...TRAINING_FLAGS, 'out']);
  for (const option of command.options) {
    if (given(option.attributeName()) && !known.has(option.attributeName())) throw new UsageError(`${option.long} cannot be given with --resume`);
  }
}

/** The run's task with the given task flags on top of the flags that describe it, compared as values. */
function sameTaskAfter(flags: RunFlags, given: Given, run: RunConfig): boolean {
  if (given('task') && flags.task !== run.task.kind) return false;
  try {
    const values = { ...taskFlagValuesOf(run.task, run.files), ...taskFlagValues(run.task.kind, flags, given) };
    return sameTask(taskConfigOf(run.task.kind, values), run.task);
  } catch (error) {
    if (error instanceof UsageError) return false;
    throw error;
  }
}

function count(value: JsonValue | undefined, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw new RangeError(`must be an integer ≥ ${min}`);
  return value;
}

function positive(value: JsonValue | undefined): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new RangeError('must be a positive number or null');
  return value;
}

