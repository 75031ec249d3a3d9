/**
 * The optimizer table: one spec per optimizer — its config (for run directories, the CLI and
 * checkpoints), how that config is validated, what it builds, and its PyTorch and TF.js names.
 */
import type { DType } from '../tensor/dtype.js';
import type { Optimizer } from '../optim/optimizer.js';
import { checkSchedule, type Schedule } from '../optim/schedule.js';
import { sgd } from '../optim/sgd.js';
import { momentum } from '../optim/momentum.js';
import { adam } from '../optim/adam.js';
import { allowOnly, defined, kindOf, kindsOf, optionalNumber, parseKind, record, specOf } from './options.js';
import type { ConfigOf, Example } from './spec.js';

export interface OptimizerSpec<C extends { readonly kind: string }> {
  readonly summary: string;
  parse(raw: Record<string, unknown>, where: string): C;
  build(config: C, paramSize: number, dtype: DType): Optimizer;
  readonly interop: { readonly pytorch: string; readonly tfjs: string };
  readonly examples: readonly Example<C>[];
}

/** lr and schedule, which every optimizer reads. */
function rate(raw: Record<string, unknown>, where: string): { lr: number; schedule?: Schedule } {
  const lr = raw.lr;
  if (typeof lr !== 'number' || !(lr >= 0) || !Number.isFinite(lr)) throw new RangeError(`${where}.lr must be a number ≥ 0, got ${JSON.stringify(lr)}`);
  if (raw.schedule === undefined) return { lr };
  const schedule = record(raw.schedule, `${where}.schedule`);
  const kind = kindOf(schedule, ['constant', 'inverseSqrt', 'exponential'] as const, 'schedule', `${where}.schedule`);
  allowOnly(schedule, ['kind', ...(kind === 'inverseSqrt' ? ['decay'] : kind === 'exponential' ? ['gamma'] : [])], `${where}.schedule`);
  return { lr, schedule: checkSchedule(schedule as unknown as Schedule) };
}

const sgdSpec = {
  summary: 'plain SGD: θ ← θ − η·g',
  parse(raw, where) {
    allowOnly(raw, ['kind', 'lr', 'schedule'], where);
    return { kind: 'sgd', ...rate(raw, where) };
  },
  build: (config) => sgd(config),
  interop: { pytorch: 'SGD', tfjs: 'sgd' },
  examples: [{ name: 'sgd', config: { kind: 'sgd', lr: 0.1 } }],
} satisfies OptimizerSpec<{ readonly kind: 'sgd'; readonly lr: number; readonly schedule?: Schedule }>;

const momentumSpec = {
  summary: 'SGD with heavy-ball momentum (PyTorch’s convention)',
  parse(raw, where) {
    allowOnly(raw, ['kind', 'lr', 'schedule', 'momentum'], where);
    return { kind: 'momentum', ...rate(raw, where), ...defined({ momentum: optionalNumber(raw.momentum, `${where}.momentum`) }) };
  },
  build: (config, paramSize, dtype) => momentum(paramSize, dtype, config),
  interop: { pytorch: 'SGD(momentum=…)', tfjs: 'momentum' },
  examples: [{ name: 'momentum', config: { kind: 'momentum', lr: 0.1, momentum: 0.9 } }],
} satisfies OptimizerSpec<{ readonly kind: 'momentum'; readonly lr: number; readonly momentum?: number; readonly schedule?: Schedule }>;

const adamSpec = {
  summary: 'Adam (Kingma & Ba 2015)',
  parse(raw, where) {
    allowOnly(raw, ['kind', 'lr', 'schedule', 'beta1', 'beta2', 'epsilon'], where);
    return { kind: 'adam', ...rate(raw, where), ...defined({ beta1: optionalNumber(raw.beta1, `${where}.beta1`), beta2: optionalNumber(raw.beta2, `${where}.beta2`), epsilon: optionalNumber(raw.epsilon, `${where}.epsilon`) }) };
  },
  build: (config, paramSize, dtype) => adam(paramSize, dtype, config),
  interop: { pytorch: 'Adam', tfjs: 'adam' },
  examples: [{ name: 'adam', config: { kind: 'adam', lr: 0.01 } }],
} satisfies OptimizerSpec<{ readonly kind: 'adam'; readonly lr: number; readonly beta1?: number; readonly beta2?: number; readonly epsilon?: number; readonly schedule?: Schedule }>;

/** The closed table of optimizers. */
export const OPTIMIZERS = { sgd: sgdSpec, momentum: momentumSpec, adam: adamSpec } as const satisfies { readonly [K in string]: OptimizerSpec<{ readonly kind: K }> };
export type OptimizerKind = keyof typeof OPTIMIZERS;
export type OptimizerConfig = { [K in OptimizerKind]: ConfigOf<(typeof OPTIMIZERS)[K]> }[OptimizerKind];
export const OPTIMIZER_KINDS: readonly OptimizerKind[] = kindsOf(OPTIMIZERS);

export function createOptimizer(config: OptimizerConfig, paramSize: number, dtype: DType): Optimizer {
  return specOf<OptimizerSpec<OptimizerConfig>>(OPTIMIZERS, config).build(config, paramSize, dtype);
}

/** Validates an untrusted optimizer config (a run directory's); errors name the field. */
export const parseOptimizerConfig = (value: unknown, where = 'optimizer'): OptimizerConfig => parseKind(OPTIMIZERS, 'optimizer', value, where) as OptimizerConfig;
