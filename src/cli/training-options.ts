/**
 * The flags of a training run shared by train and compare — steps, optimizer, learning rate,
 * schedule, clipping, curve resolution — and the model: the task's paper setting unless the
 * user says otherwise. Everything is checked here, before any file is written.
 */
import type { Command } from 'commander';
import { createModel, parseModelConfig, type ModelConfig } from '../model/config.js';
import { sizesOf } from '../model/size.js';
import { OPTIMIZER_KINDS, type OptimizerConfig } from '../optim/config.js';
import { checkSchedule, type Schedule } from '../optim/schedule.js';
import type { Task } from '../tasks/task.js';
import { defaultInterval } from '../report/curve.js';
import { UsageError } from './errors.js';
import { addModelOptions, integerFlag, modelConfigFromFlags, numberFlag, type ModelFlags } from './model-options.js';

export interface TrainingFlags extends Omit<ModelFlags, 'cell' | 'hidden'> {
  cell?: string;
  hidden?: string;
  steps?: string;
  optimizer?: string;
  lr?: string;
  schedule?: string;
  clip?: string;
  logEvery?: string;
  json?: boolean;
}

export interface Training {
  readonly steps: number;
  readonly optimizer: OptimizerConfig;
  readonly clip?: number;
  /** One curve point every this many steps. */
  readonly logEvery: number;
}

export interface ModelChoice {
  /** null: the task's own model (influence balancing). */
  readonly config: ModelConfig | null;
  readonly description: string;
}

export const MODEL_FLAGS = ['cell', 'input', 'hidden', 'layers', 'bidirectional', 'output', 'dtype', 'proj', 'peephole', 'bias', 'resetAfter', 'nonlinearity', 'gateActivation'] as const;

export function addTrainingOptions(command: Command): Command {
  addModelOptions(command, { input: false });
  // The model defaults to the task's paper setting, not to the generic lstm 64.
  for (const option of command.options) {
    if (option.long === '--cell' || option.long === '--hidden') {
      // Commander stored the generic default when the option was added: clear it too.
      option.defaultValue = undefined;
      command.setOptionValueWithSource(option.attributeName(), undefined, 'default');
      option.description += ' (default: the task’s)';
    }
    // The task sets the input and output sizes.
    if (option.long === '--input' || option.long === '--output') option.hideHelp();
  }
  return command
    .option('--steps <n>', 'timesteps to train (default: the task’s paper setting)')
    .option('--optimizer <kind>', `optimizer: ${OPTIMIZER_KINDS.join(', ')} (default: the task’s)`)
    .option('--lr <rate>', 'learning rate (default: the task’s)')
    .option('--schedule <s>', 'learning-rate schedule: constant, inverse-sqrt:DECAY (η/(1 + DECAY·√t)), exponential:GAMMA')
    .option('--clip <norm>', 'clip each gradient estimate to this norm')
    .option('--log-every <n>', 'one curve point every n steps (default: about 500 points)')
    .option('--json', 'print machine-readable JSON instead of the table');
}

export function trainingFromFlags(flags: TrainingFlags, task: Task): Training {
  const steps = flags.steps === undefined ? task.setting.steps : integerFlag(flags.steps, '--steps');
  const base = task.setting.optimizer;
  const kind = flags.optimizer ?? base.kind;
  if (!(OPTIMIZER_KINDS as readonly string[]).includes(kind)) throw new UsageError(`unknown optimizer '${kind}' (allowed: ${OPTIMIZER_KINDS.join(', ')})`);
  const lr = flags.lr === undefined ? base.lr : numberFlag(flags.lr, '--lr');
  if (!(lr >= 0)) throw new UsageError(`--lr must be ≥ 0, got ${lr}`);
  const schedule = flags.schedule === undefined ? base.schedule : scheduleFlag(flags.schedule);
  const optimizer = { kind, lr, ...(schedule !== undefined ? { schedule } : {}) } as OptimizerConfig;
  const clip = flags.clip === undefined ? task.setting.clip : numberFlag(flags.clip, '--clip');
  if (clip !== undefined && !(clip > 0)) throw new UsageError(`--clip must be > 0, got ${clip}`);
  const logEvery = flags.logEvery === undefined ? defaultInterval(steps) : integerFlag(flags.logEvery, '--log-every');
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

/** The model: the flags on top of the task's default cell, or the task's own model. */
export function modelFromFlags(flags: TrainingFlags, command: Command, task: Task): ModelChoice {
  const given = MODEL_FLAGS.filter((name) => command.getOptionValueSource(name) === 'cli');
  if (task.model.kind === 'fixed') {
    if (given.length > 0) throw new UsageError(`--${kebab(given[0]!)} does not apply to --task ${task.kind}: it trains its own model (${task.model.description})`);
    return { config: null, description: task.model.description };
  }
  for (const name of ['input', 'output'] as const) {
    if (given.includes(name)) throw new UsageError(`--${name} is set by the task (${task.kind}: input ${task.inputSize}, output ${task.outputSize})`);
  }
  const cell = flags.cell ?? task.model.defaultCell.kind;
  const hidden = flags.hidden ?? String(task.model.defaultCell.hiddenSize);
  const config = modelConfigFromFlags({ ...flags, cell, hidden }, task.inputSize, task.outputSize);
  return { config, description: describeModel(config) };
}

/** `LSTM, hidden 64, dense head 2 (17,538 parameters, float64)`; throws for a model no online learner can train. */
export function describeModel(config: ModelConfig): string {
  // Counted, not built: the memory estimate must see `--hidden 100000000` before θ is allocated.
  const { paramSize } = sizesOf(parseModelConfig(config));
  if (config.layers.some((layer) => layer.bidirectional === true)) createModel(config, { initialize: false }).online(); // refused here, with the reason
  const { cell } = config.layers[0]!;
  const layers = config.layers.length;
  return `${cell.kind.toUpperCase()}, hidden ${cell.hiddenSize}${layers > 1 ? `, ${layers} layers` : ''}, dense head ${config.outputSize} (${paramSize.toLocaleString('en-US')} parameters, ${config.dtype ?? 'float64'})`;
}

export function describeOptimizer(config: OptimizerConfig): string {
  const schedule = config.schedule;
  const rate = schedule === undefined || schedule.kind === 'constant' ? `lr ${config.lr}` : schedule.kind === 'inverseSqrt' ? `lr ${config.lr}/(1 + ${schedule.decay}·√t)` : `lr ${config.lr}·${schedule.gamma}^t`;
  return `${config.kind} ${rate}`;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
