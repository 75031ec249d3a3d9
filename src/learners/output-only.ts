/**
 * The output-weights-only baseline (Marschall et al. 2020's Only_Output_Weights.py): the
 * recurrent core stays at its initialisation, a fixed random dynamical system (a reservoir, as
 * in echo-state networks), and only the dense head learns, by its exact gradient:
 *
 *   s_{t+1} = F(x_t, s_t; θ)                                     (1)
 *   ĝ_t = [0 (core); ∂ℓ_t/∂θ_head]                              (2)
 *
 * The floor every recurrent learner should beat: what the head alone makes of the core's
 * random features. Cost per step: one forward step and the head's gradient; no memory beyond s.
 */
import type { Vec } from '../tensor/dtype.js';
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import { ForwardModeLearner, type SensitivityEstimator } from './forward-mode.js';
import type { LearnerOptions } from './learner.js';

export type OutputOnlyOptions = LearnerOptions;

/** No sensitivity at all: the core's gradient is zero, eq. (2). */
export class OutputOnlyEstimator implements SensitivityEstimator {
  readonly rng = null;
  propagate(): void {}
  readGradient(out: Vec): number {
    out.fill(0);
    return 0;
  }
  reset(): void {}
  tensors(): Record<string, Vec> {
    return {};
  }
}

export type OutputOnly = ForwardModeLearner<OutputOnlyEstimator>;

/** Trains the dense head only; the core keeps its initial θ. */
export function outputOnly(model: OnlineModel | Model, options: OutputOnlyOptions): OutputOnly {
  if (model.online().head === null) throw new TypeError('output-only: the model has no dense head, so there is nothing for it to train (give the model an output size)');
  return new ForwardModeLearner('output-only', model, options, () => new OutputOnlyEstimator());
}
