/**
 * The flags of a training run shared by train and compare — steps, optimizer, learning rate,
 * schedule, clipping, curve resolution — and the model: the task's default model unless the
 * user says otherwise. Each reads the flags as overrides of a base (the task's paper setting,
 * or a resumed run's own), so fresh runs and `--resume` share one reading.
 */
import type { Command } from 'commander';
import { createModel, parseModelConfig, type ModelConfig } from '../model/config.js';
import { sizesOf } from '../model/size.js';
import { cellSpec } from '../kinds/cells.js';
import { OPTIMIZER_KINDS, parseOptimizerConfig, type OptimizerConfig } from '../kinds/optimizers.js';
import { checkSchedule, type Schedule } from '../optim/schedule.js';
import { defaultModel, type Task } from '../tasks/task.js';
import { defaultInterval } from '../report/curve.js';
import { UsageError } from './errors.js';
import { integerFlag, numberFlag, type FlagValues, type Given } from './kind-flags.js';
import { addModelOptions, MODEL_FLAGS, modelConfigFromFlags } from './model-options.js';

export type TrainingFlags = FlagValues;

export interface Training {
  readonly steps: number;
  readonly optimizer: OptimizerConfig;
  readonly clip?: number;
  /** One curve point every this many steps. */
  readonly logEvery: number;
}

export const TRAINING_FLAGS = ['optimizer', 'lr', 'schedule', 'clip', 'logEvery'] as const;

export function addTrainingOptions(command: Command): Command {
  addModelOptions(command, { input: false, cell: 'the task’s' });
  // The task sets the input and output sizes.
  for (const option of command.options) if (option.long === '--input' || option.long === '--output') option.hideHelp();
  return command
    .option('--steps <n>', 'timesteps to train (default: the task’s paper setting)')
    .option('--optimizer <kind>', `optimizer: ${OPTIMIZER_KINDS.join(', ')} (default: the task’s)`)
    .option('--lr <rate>', 'learning rate (default: the task’s)')
    .option('--schedule <s>', 'learning-rate schedule: constant, inverse-sqrt:DECAY (η/(1 + DECAY·√t)), exponential:GAMMA')
    .option('--clip <norm>', 'clip each gradient estimate to this norm')
    .option('--log-every <n>', 'one curve point every n steps (default: about 500 points)')
    .option('--json', 'print machine-readable JSON instead of the table');
}

/** The task's paper setting as a Training (the base of a fresh run). */
export function taskTraining(task: Task, steps = task.setting.steps): Training {
  return { steps, optimizer: task.setting.optimizer, logEvery: defaultInterval(steps), ...(task.setting.clip !== undefined ? { clip: task.setting.clip } : {}) };
}

/** The --steps given, or `otherwise`. */
export function stepsFlag(flags: TrainingFlags, given: Given, otherwise: number): number {
  return given('steps') ? integerFlag(flags.steps as string, '--steps') : otherwise;
}

/** `base` with the given flags on top (--steps aside: the caller chose `base.steps`). */
export function trainingFromFlags(flags: TrainingFlags, given: Given, base: Training): Training {
  const { steps } = base;
  const kind = given('optimizer') ? String(flags.optimizer) : base.optimizer.kind;
  if (!(OPTIMIZER_KINDS as readonly string[]).includes(kind)) throw new UsageError(`unknown optimizer '${kind}' (allowed: ${OPTIMIZER_KINDS.join(', ')})`);
  const lr = given('lr') ? numberFlag(flags.lr as string, '--lr') : base.optimizer.lr;
  if (!(lr >= 0)) throw new UsageError(`--lr must be ≥ 0, got ${lr}`);
  const schedule = given('schedule') ? scheduleFlag(String(flags.schedule)) : base.optimizer.schedule;
  // A new optimizer kind keeps only the rate and the schedule of the base.
  const optimizer = parseOptimizerConfig(kind === base.optimizer.kind ? { ...base.optimizer, lr, ...(schedule !== undefined ? { schedule } : {}) } : { kind, lr, ...(schedule !== undefined ? { schedule } : {}) });
  const clip = given('clip') ? numberFlag(flags.clip as string, '--clip') : base.clip;
  if (clip !== undefined && !(clip > 0)) throw new UsageError(`--clip must be > 0, got ${clip}`);
  const logEvery = given('logEvery') ? integerFlag(flags.logEvery as string, '--log-every') : base.logEvery;
  return { steps, optimizer, logEvery, ...(clip !== undefined ? { clip } : {}) };
}

function scheduleFlag(text: string): Schedule {
  const [kind, value] = text.split(':');
  const number = () => numberFlag(value, `--schedule ${kind}:…`);
  try {
    switch (kind) {
      case 'constant':
        if (value !== undefined) break;
        return { kind: 'constant' };
      case 'inverse-sqrt':
        return checkSchedule({ kind: 'inverseSqrt', decay: number() });
      case 'exponential':
        return checkSchedule({ kind: 'exponential', gamma: number() });
    }
  } catch (error) {
    throw new UsageError(`--schedule ${text}: ${(error as Error).message}`);
  }
  throw new UsageError(`--schedule must be constant, inverse-sqrt:DECAY or exponential:GAMMA, got '${text}'`);
}

/** The model: the given flags on top of `base` (the task's default model, or a resumed run's). */
export function modelFromFlags(flags: FlagValues, given: Given, task: Task, base: ModelConfig = defaultModel(task)): ModelConfig {
  const named = MODEL_FLAGS.filter(given);
  if (task.model.fixed !== undefined && named.length > 0) throw new UsageError(`--${kebab(named[0]!)} does not apply to --task ${task.kind}: it trains its own model (${describeModel(base)}; ${task.model.fixed})`);
  for (const name of ['input', 'output'] as const) {
    if (given(name)) throw new UsageError(`--${name} is set by the task (${task.kind}: input ${task.inputSize}, output ${task.outputSize})`);
  }
  return modelConfigFromFlags(flags, given, { base });
}

/** `LSTM, hidden 64, dense head 2 (17,538 parameters, float64)`; throws for a model no online learner can train. */
export function describeModel(config: ModelConfig): string {
  // Counted, not built: the memory estimate must see `--hidden 100000000` before θ is allocated.
  const { paramSize } = sizesOf(parseModelConfig(config));
  if (config.layers.some((layer) => layer.bidirectional === true)) createModel(config, { initialize: false }).online(); // refused here, with the reason
  const { cell } = config.layers[0]!;
  const layers = config.layers.length;
  const head = config.outputSize === undefined ? '' : `, dense head ${config.outputSize}`;
  return `${cellSpec(cell).describe(cell)}${layers > 1 ? `, ${layers} layers` : ''}${head} (${paramSize.toLocaleString('en-US')} parameter${paramSize === 1 ? '' : 's'}, ${config.dtype ?? 'float64'})`;
}

export function describeOptimizer(config: OptimizerConfig): string {
  const schedule = config.schedule;
  const rate = schedule === undefined || schedule.kind === 'constant' ? `lr ${config.lr}` : schedule.kind === 'inverseSqrt' ? `lr ${config.lr}/(1 + ${schedule.decay}·√t)` : `lr ${config.lr}·${schedule.gamma}^t`;
  return `${config.kind} ${rate}`;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
