/**
 * RFLO, random-feedback local online learning (Murray, eLife 2019), for a cell that leaks at a
 * fixed rate, s' = (1 − α)·s + α·F̂(x, s; θ) (Cell.leakRate): each parameter keeps a local
 * eligibility trace that forgets at the cell's own rate, and reads it with the learning signal.
 *
 *   s_{t+1} = F(x_t, s_t; θ)                                              (1)
 *   E ← (1 − α)·E + ∂F/∂θ|immediate        (term-sensitivity.ts, Ĵ = 1 − α)  (2)
 *   ĝ_t = q_t·E + ∂ℓ_t/∂θ_head,    q_t = ∂ℓ_t/∂s_{t+1}                     (3)
 *
 * For the leaky RNN, ∂F/∂θ|immediate = α·φ'(h_i)·â_j on row i with â = [a; x; 1], so (2) is
 * Murray's eq. (9), E_ij ← (1 − α)E_ij + α·φ'(h_i)·â_j (Marschall et al. 2020's RFLO.py).
 * (2) is RTRL's M ← J·M + I with J = (1 − α)I + α·diag(φ')·W_rec cut to its leak (1 − α)I:
 * every path through the recurrent weights is dropped, so ĝ is biased — deterministic, and
 * equal to RTRL's exactly when W_rec = 0; with α = 1 (the Elman RNN) it is the one-step
 * truncated gradient. Murray's "random feedback" is the option feedback: 'random'
 * (feedback.ts): q_t = Bᵀ·∂ℓ/∂ŷ with a fixed random B in place of the head's weights.
 * Cost per step: one combineState call (no two rows of W_rec reach one state entry) and O(p)
 * for the trace; memory p (an Elman RNN).
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import { ForwardModeLearner, type EstimatorSetup } from './forward-mode.js';
import { TermSensitivityEstimator, traceOnInfluence } from './term-sensitivity.js';
import type { LearnerOptions } from './learner.js';

export type RfloOptions = LearnerOptions;

/** RFLO's trace: the immediate influence filtered at the cell's leak. */
export class RfloEstimator extends TermSensitivityEstimator {
  /** γ = 1 − α per state entry, fixed: Ĵ of the trace. */
  private readonly decay: Vec;

  constructor({ core, cellStep, coreTheta }: EstimatorSetup) {
    if (core.leakRate === undefined) throw new TypeError(`rflo: the ${core.kind} cell is not a leaky integrator with a known α (Cell.leakRate): RFLO's trace forgets at the cell's rate, so it needs one leaky layer (leaky-rnn)`);
    super(traceOnInfluence('rflo', core, cellStep, coreTheta), 'trace');
    this.decay = zeros(core.dtype, core.stateSize);
    core.leakRate(this.decay);
    for (let s = 0; s < this.decay.length; s++) this.decay[s] = 1 - this.decay[s]!;
  }

  /** Eq. (2). */
  propagate(theta: Vec): void {
    this.sensitivity.propagate(this.decay, theta);
  }
}

/** An RFLO learner: the shared forward-mode loop around RfloEstimator. */
export type Rflo = ForwardModeLearner<RfloEstimator>;

/** Murray's local online rule: the leak-filtered immediate influence read with the learning signal. */
export function rflo(model: OnlineModel | Model, options: RfloOptions): Rflo {
  return new ForwardModeLearner('rflo', model, options, (setup) => new RfloEstimator(setup));
}
