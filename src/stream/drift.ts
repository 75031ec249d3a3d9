/**
 * Drift: a detector watches the prequential loss and a policy reacts when it fires. Policies
 * act through the Learner contract only (snapshot/restore), so they work with every learner:
 *
 *   reset-estimator   zero the learner's estimator (RTRL's M, UORO's s̃ θ̃, the TBPTT window)
 *                     but keep the recurrent state s_t: the old sensitivities describe the
 *                     old regime
 *   reset-optimizer   zero the optimizer's moments and its update count (Adam's m, v and t;
 *                     with a decaying schedule this also raises the learning rate back to η)
 */
import type { Learner, LearnerSnapshot } from '../learners/learner.js';
import { dtypeOf, zeros } from '../tensor/dtype.js';

export interface DriftDetector {
  readonly kind: string;
  /** Adds one value (e.g. ℓ_t); true when a rise of the mean is detected. */
  update(value: number): boolean;
  reset(): void;
}

export type DriftPolicy = 'none' | 'reset-estimator' | 'reset-optimizer' | 'reset-both';
export const DRIFT_POLICIES: readonly DriftPolicy[] = ['none', 'reset-estimator', 'reset-optimizer', 'reset-both'];

/** Applies `policy` to `learner` (θ is kept). */
export function reactToDrift(learner: Learner, policy: DriftPolicy): void {
  if (policy === 'none') return;
  const before = learner.snapshot();
  let after: LearnerSnapshot = before;
  if (policy === 'reset-estimator' || policy === 'reset-both') {
    learner.reset();
    const cleared = learner.snapshot();
    after = { ...cleared, tensors: { ...cleared.tensors, state: before.tensors.state! } };
  }
  if ((policy === 'reset-optimizer' || policy === 'reset-both') && after.optimizer !== null) {
    const { kind, buffers } = after.optimizer;
    const zeroed = Object.fromEntries(Object.entries(buffers).map(([name, buffer]) => [name, zeros(dtypeOf(buffer), buffer.length)]));
    after = { ...after, optimizer: { kind, t: 0, buffers: zeroed } };
  }
  learner.restore(after);
}
