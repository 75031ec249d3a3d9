/**
 * The flags of `train --resume`: only --steps, --checkpoint-every and --json may change; a
 * flag that sets one of the run's settings may be repeated, but only with the run's value.
 * Each group (task, model, training) is read as the run's own flags with the given ones on top,
 * so repeating a part of the original command (`--hidden 64` without its `--cell`) is no
 * contradiction, and anything else is one line naming the flags and what the run has.
 */
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Command } from 'commander';
import type { ModelConfig } from '../model/config.js';
import type { OptimizerConfig } from '../optim/config.js';
import type { Task } from '../tasks/task.js';
import type { JsonValue } from '../io/checkpoint.js';
import { UsageError } from './errors.js';
import { parseLearnerSpec, type LearnerSpec } from './learner-spec.js';
import { integerFlag, modelConfigFromFlags, type ModelFlags } from './model-options.js';
import type { ResumeFlags, Settings } from './resume.js';
import { FLAG_TASK, taskConfigFromFlags, type TaskFlags } from './task-options.js';
import { taskIdentity, taskRecord } from './task-record.js';
import { describeModel, MODEL_FLAGS, trainingFromFlags } from './training-options.js';

/** The flags that may differ from the run's when it is resumed. */
export const FREE_FLAGS = ['steps', 'checkpointEvery', 'json', 'resume', 'maxMemory', 'progressEvery'] as const;

/** The run's settings, read from its config.json. */
export interface Saved {
  readonly dir: string;
  readonly settings: Settings;
  readonly task: Task;
  readonly spec: LearnerSpec;
  readonly seed: number;
  readonly optimizer: OptimizerConfig;
  readonly clip: number | undefined;
  readonly logEvery: number;
  readonly model: ModelConfig;
}

/** Refuses every flag given that sets something else than the run has. */
export function checkResumeFlags(flags: ResumeFlags, command: Command, saved: Saved): void {
  const given = (name: string) => command.getOptionValueSource(name) === 'cli';
  const text = (names: readonly string[]) =>
    names
      .map((name) => {
        const option = command.options.find((o) => o.attributeName() === name)!;
        const value = (flags as unknown as Record<string, unknown>)[name];
        return typeof value === 'string' ? `${option.long} ${value}` : option.long!;
      })
      .join(' ');
  const contradicts = (names: readonly string[], theirs: string) => new UsageError(`${text(names)} contradicts the run in ${saved.dir}: it has ${theirs} (with --resume only --steps, --checkpoint-every and --json may change)`);
  const pick = (names: readonly string[]) => Object.fromEntries(names.filter(given).map((name) => [name, (flags as unknown as Record<string, unknown>)[name]]));

  const recorded = saved.settings.task as Settings;
  const taskFlags = ['task', ...Object.keys(FLAG_TASK)].filter(given);
  if (taskFlags.length > 0) {
    const theirs = `the task ${saved.task.title}`;
    if (given('task') && flags.task !== recorded.kind) throw contradicts(['task'], theirs);
    const merged = overlayTaskFlags(recorded, pick(taskFlags) as TaskFlags);
    if (!isDeepStrictEqual(taskIdentity(taskRecord(taskConfigFromFlags(merged), merged)), taskIdentity(recorded))) throw contradicts(taskFlags, theirs);
  }
  const modelFlags = MODEL_FLAGS.filter(given);
  if (modelFlags.length > 0) {
    const theirs = `the model ${describeModel(saved.model)}`;
    const cell = saved.model.layers[0]!.cell;
    if (given('cell') && flags.cell !== cell.kind) throw contradicts(['cell'], theirs);
    const merged = { ...modelFlagsOf(saved.model), ...pick(modelFlags) } as ModelFlags;
    if (!isDeepStrictEqual(json(modelConfigFromFlags(merged, saved.task.inputSize, saved.task.outputSize)), json(saved.model))) throw contradicts(modelFlags, theirs);
  }
  if (given('learner')) {
    const spec = parseLearnerSpec(flags.learner);
    if (!isDeepStrictEqual(spec.config, saved.spec.config) || spec.lr !== saved.spec.lr) throw contradicts(['learner'], `the learner ${saved.spec.label}`);
  }
  if (given('seed') && integerFlag(flags.seed, '--seed', { min: 0 }) !== saved.seed) throw contradicts(['seed'], `seed ${saved.seed}`);
  const trainingFlags = ['optimizer', 'lr', 'schedule', 'clip', 'logEvery'].filter(given);
  if (trainingFlags.length > 0) {
    const training = trainingFromFlags(flags, saved.task);
    const constant = (o: OptimizerConfig) => o.schedule ?? { kind: 'constant' };
    const same: Record<string, boolean> = {
      optimizer: training.optimizer.kind === saved.optimizer.kind,
      // A learner's own :lr= sets its rate; --lr only counts without one.
      lr: saved.spec.lr !== undefined || training.optimizer.lr === saved.optimizer.lr,
      schedule: isDeepStrictEqual(constant(training.optimizer), constant(saved.optimizer)),
      clip: training.clip === saved.clip,
      logEvery: training.logEvery === saved.logEvery,
    };
    const wrong = trainingFlags.filter((name) => !same[name]);
    if (wrong.length > 0) throw contradicts(wrong, `${describe(saved.optimizer)}${saved.clip !== undefined ? `, clip ${saved.clip}` : ', no clipping'}, a curve point every ${saved.logEvery} steps`);
  }
  if (given('out') && resolve(flags.out!) !== resolve(saved.dir)) throw new UsageError(`--out ${flags.out}: --resume goes on writing into the run's own directory ${saved.dir}`);
  const known = new Set<string>([...FREE_FLAGS, 'task', ...Object.keys(FLAG_TASK), ...MODEL_FLAGS, 'learner', 'seed', 'optimizer', 'lr', 'schedule', 'clip', 'logEvery', 'out']);
  for (const option of command.options) {
    if (given(option.attributeName()) && !known.has(option.attributeName())) throw new UsageError(`${option.long} cannot be given with --resume`);
  }
}

/** The task flags of a recorded task with the given ones on top; a given corpus or data file replaces the run's. */
function overlayTaskFlags(recorded: Settings, given: TaskFlags): TaskFlags {
  const own: TaskFlags = { task: String(recorded.kind) };
  const set = (name: keyof TaskFlags, value: JsonValue | undefined) => {
    if (value !== undefined && value !== null) own[name] = String(value);
  };
  for (const name of ['start', 'threshold', 't1', 't2', 'lag'] as const) set(name, recorded[name]);
  const corpus = (recorded.corpus ?? null) as Settings | null;
  if (corpus !== null && given.text === undefined && given.corpus === undefined) {
    if (corpus.kind === 'text') set('text', corpus.path);
    else set('corpus', corpus.kind);
    set('variant', corpus.variant);
  }
  if (corpus !== null && given.corpus === corpus.kind && given.variant === undefined) set('variant', corpus.variant);
  const source = (recorded.source ?? null) as Settings | null;
  if (source !== null && given.csv === undefined && given.interval === undefined) {
    set('csv', source.path);
    set('interval', source.interval);
  }
  if (source !== null && given.interval === undefined && given.column === undefined) set('column', source.column);
  return { ...own, ...given };
}

/** The model flags that build `config` (a model train built from flags: one cell kind, repeated). */
function modelFlagsOf(config: ModelConfig): Partial<ModelFlags> {
  const cell = config.layers[0]!.cell;
  const flags: Partial<ModelFlags> = { cell: cell.kind, hidden: String(cell.hiddenSize), layers: String(config.layers.length), dtype: config.dtype ?? 'float64', bias: cell.bias ?? true };
  if (cell.kind === 'rnn' && cell.nonlinearity !== undefined) flags.nonlinearity = cell.nonlinearity;
  if (cell.kind === 'lstm') {
    if (cell.peephole === true) flags.peephole = true;
    if (cell.projSize !== undefined) flags.proj = String(cell.projSize);
  }
  if (cell.kind === 'gru' && cell.resetAfter !== undefined) flags.resetAfter = String(cell.resetAfter);
  if (cell.kind !== 'rnn' && cell.gateActivation !== undefined) flags.gateActivation = cell.gateActivation;
  return flags;
}

function describe(optimizer: OptimizerConfig): string {
  const schedule = optimizer.schedule === undefined || optimizer.schedule.kind === 'constant' ? '' : ` (${JSON.stringify(optimizer.schedule)})`;
  return `${optimizer.kind} lr ${optimizer.lr}${schedule}`;
}

function json(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
