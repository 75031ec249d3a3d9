/**
 * The loss table: one spec per loss — the Loss itself, what it is, and its PyTorch and TF.js
 * names. Tasks choose their loss; a loss crosses into a worker thread by its kind.
 */
import { crossEntropy, mse, squaredError, type Loss, type LossKind } from '../loss/loss.js';
import { kindsOf } from './options.js';
import type { Example } from './spec.js';

export interface LossSpec<K extends LossKind> {
  readonly summary: string;
  readonly loss: Loss & { readonly kind: K };
  readonly interop: { readonly pytorch: string | null; readonly tfjs: string | null };
  readonly examples: readonly Example<{ readonly kind: K }>[];
}

/** The closed table of losses: a LossKind without a line here fails to compile. */
export const LOSSES = {
  mse: { summary: 'mean squared error over the outputs', loss: mse as Loss & { kind: 'mse' }, interop: { pytorch: 'MSELoss', tfjs: 'meanSquaredError' }, examples: [{ name: 'mse', config: { kind: 'mse' } }] },
  squaredError: { summary: '½‖ŷ − y‖², summed (influence balancing)', loss: squaredError as Loss & { kind: 'squaredError' }, interop: { pytorch: null, tfjs: null }, examples: [{ name: 'squaredError', config: { kind: 'squaredError' } }] },
  crossEntropy: { summary: 'softmax cross-entropy against a class index, in nats', loss: crossEntropy as Loss & { kind: 'crossEntropy' }, interop: { pytorch: 'CrossEntropyLoss', tfjs: 'sparseCategoricalCrossentropy' }, examples: [{ name: 'crossEntropy', config: { kind: 'crossEntropy' } }] },
} as const satisfies { readonly [K in LossKind]: LossSpec<K> };

export const LOSS_KINDS: readonly LossKind[] = kindsOf(LOSSES);

export function lossByKind(kind: LossKind): Loss {
  return LOSSES[kind].loss;
}
