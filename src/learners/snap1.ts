/**
 * SnAp-1 (Menick, Elsen, Evci, Osindero, Simonyan & Graves, ICLR 2021, "Practical real time
 * recurrent learning with a sparse approximation"): RTRL's sensitivity M = ∂s/∂θ kept only on
 * the sparsity pattern of the immediate influence ∂F/∂θ — parameter q of influence term k
 * (see cells/cell.ts) is tracked only on the state entries S_k that v_k can touch:
 *
 *   s_{t+1} = F(x_t, s_t; θ)                                                    (1)
 *   M_k ← J_t[S_k, S_k]·M_k + v_k[S_k] ⊗ u_k[Q_k]      M_k: |S_k| × |Q_k|         (2)
 *   g_t[q] = Σ_{s∈S_k} ∂ℓ_t/∂s_{t+1}[s]·M_k[s, q] + ∂ℓ_t/∂θ_head,  q ∈ Q_k        (3)
 *
 * (2) is RTRL's M ← J·M + I with every entry outside the pattern dropped after each step: exact
 * for one step and whenever J is block-diagonal on the supports (an RNN whose units feed only
 * themselves), biased otherwise — deterministic, lower-variance than UORO, cheaper than RTRL.
 * The pattern is found once from the contract (learners/pattern.ts): S_k and Q_k are the entries
 * that combineState(e_k) and addCombinedParams(e_k) make nonzero at random points. Memory
 * Σ_k |S_k|·|Q_k| (p for an Elman RNN, under 2p for an LSTM without projection; dense for terms
 * whose v_k spreads, as through a stack's upper layers). It is SnAp-n at n = 1 (snapn.ts).
 * (2) reads J only on the blocks S_k × S_k. Where every S_k is one entry (an Elman RNN, a GRU
 * with reset-after) that is J's diagonal, which the cell's `stateJacobianDiagonal` gives at
 * about the cost of a forward step: the paper's O(p) step. Rows of J for entries in larger
 * supports (an LSTM's h_j and c_j share their terms) still come from one vjp each, O(p) per row;
 * a cell without the diagonal pays n vjps, O(n·p). Plus one combineState call per colour of
 * terms with disjoint supports for the v_k (term-sensitivity.ts: 1 on an Elman RNN, 4 on an LSTM
 * without projection).
 */
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import { ForwardModeLearner, type EstimatorSetup } from './forward-mode.js';
import type { LearnerOptions } from './learner.js';
import { SnapnEstimator } from './snapn.js';

export type Snap1Options = LearnerOptions;

/** SnAp-1's sensitivity: M kept only on the pattern of the immediate influence (SnAp-n's, n = 1). */
export class Snap1Estimator extends SnapnEstimator {
  constructor(setup: EstimatorSetup) {
    super(setup, 1);
  }
}

/** A SnAp-1 learner: the shared forward-mode loop around Snap1Estimator. */
export type Snap1 = ForwardModeLearner<Snap1Estimator>;

/** SnAp-1: RTRL restricted to the immediate influence's sparsity pattern. */
export function snap1(model: OnlineModel | Model, options: Snap1Options): Snap1 {
  return new ForwardModeLearner('snap1', model, options, (setup) => new Snap1Estimator(setup));
}
