/** Optimizers as data (for configs, the CLI and checkpoints), built by one exhaustive switch. */
import type { DType } from '../tensor/dtype.js';
import type { Optimizer } from './optimizer.js';
import type { Schedule } from './schedule.js';
import { sgd } from './sgd.js';
import { momentum } from './momentum.js';
import { adam } from './adam.js';

export type OptimizerConfig =
  | { readonly kind: 'sgd'; readonly lr: number; readonly schedule?: Schedule }
  | { readonly kind: 'momentum'; readonly lr: number; readonly momentum?: number; readonly schedule?: Schedule }
  | { readonly kind: 'adam'; readonly lr: number; readonly beta1?: number; readonly beta2?: number; readonly epsilon?: number; readonly schedule?: Schedule };

export const OPTIMIZER_KINDS: readonly OptimizerConfig['kind'][] = ['sgd', 'momentum', 'adam'];

export function createOptimizer(config: OptimizerConfig, paramSize: number, dtype: DType): Optimizer {
  switch (config.kind) {
    case 'sgd':
      return sgd(config);
    case 'momentum':
      return momentum(paramSize, dtype, config);
    case 'adam':
      return adam(paramSize, dtype, config);
    default:
      throw new TypeError(`unknown optimizer '${(config as { kind: unknown }).kind}' (allowed: ${OPTIMIZER_KINDS.join(', ')})`);
  }
}
