/**
 * e-prop (Bellec, Scherr, Subramoney, Hajek, Salaj, Legenstein & Maass, Nature Communications
 * 2020, "A solution to the learning dilemma for recurrent networks of spiking neurons"), in the
 * form that reads only the diagonal of the state Jacobian: each parameter keeps an eligibility
 * trace on the state entries its own pre-activation touches, decayed by those entries'
 * self-Jacobians, and the learning signal ∂ℓ/∂s from the readout turns traces into a gradient:
 *
 *   s_{t+1} = F(x_t, s_t; θ)                                                        (1)
 *   ε_k ← diag(J_t)[S_k] ⊙ ε_k + v_k[S_k] ⊗ u_k[Q_k]      eligibility traces       (2)
 *   g_t[Q_k] = L_t[S_k]ᵀ·ε_k + ∂ℓ_t/∂θ_head,   L_t = ∂ℓ_t/∂s_{t+1}  learning signal   (3)
 *
 * (2) is RTRL's M ← J·M + ∂F/∂θ with every off-diagonal entry of J dropped (Bellec et al.'s
 * eligibility vectors follow ∂h_j^t/∂h_j^{t−1} only), so M never leaves the pattern S_k × Q_k of
 * the immediate influence (learners/pattern.ts). Biased (it ignores every path through another
 * state entry, i.e. through the recurrent weights) but deterministic. The diagonal comes from
 * the cell's `stateJacobianDiagonal` at about a forward step's cost; a cell without it pays one
 * vjp per state entry. A step: the diagonal + one combineState per colour of terms on disjoint
 * entries (term-sensitivity.ts; 1 for an Elman RNN, 4 for an LSTM without projection) +
 * Σ_k |S_k|·|Q_k| (p for an Elman RNN, under 2p for an LSTM); memory the same Σ_k |S_k|·|Q_k|.
 * Note: Bellec et al. derive e-prop for neurons with an internal hidden state (a membrane
 * potential, an LSTM's c) and an observable output; here every entry of the cell's state carries
 * its own trace, so for an LSTM the traces of h and of c each decay by their own self-Jacobian
 * and the within-unit path c_t → h_{t+1} is dropped with the others, and for an Elman RNN the
 * self-connection W_jj·φ' is the decay.
 */
import type { DerivedStep } from '../cells/cell.js';
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import { zeros, type Vec } from '../tensor/dtype.js';
import { ForwardModeLearner, type EstimatorSetup } from './forward-mode.js';
import { influencePattern } from './pattern.js';
import { TermSensitivity, TermSensitivityEstimator } from './term-sensitivity.js';
import type { LearnerOptions } from './learner.js';

export type EpropOptions = LearnerOptions;

/** e-prop's eligibility traces: the sensitivity on the influence's pattern, decayed by diag J. */
export class EpropEstimator extends TermSensitivityEstimator {
  private readonly step: DerivedStep;
  /** diag J, and for a cell without it e_i and row i of J, one vjp per entry. */
  private readonly probe: { diagonal: Vec; unit: Vec; row: Vec };

  constructor({ core, cellStep, coreTheta }: EstimatorSetup) {
    if (cellStep.influence === undefined) {
      throw new TypeError(`eprop: the ${core.kind} cell does not expose its immediate influence (CellStep.influence): e-prop keeps one eligibility trace per parameter on the state entries its pre-activation touches. Use uoro or rtrl instead.`);
    }
    super(new TermSensitivity(core.dtype, influencePattern('eprop', core, coreTheta), core, cellStep.influence, 'diagonal'), 'traces');
    this.step = cellStep;
    const n = cellStep.stateJacobianDiagonal === undefined ? core.stateSize : 0;
    this.probe = { diagonal: zeros(core.dtype, core.stateSize), unit: zeros(core.dtype, n), row: zeros(core.dtype, n) };
  }

  /** Eq. (2): diag J, then the traces forward. */
  propagate(theta: Vec): void {
    const { diagonal, unit, row } = this.probe;
    if (this.step.stateJacobianDiagonal !== undefined) this.step.stateJacobianDiagonal(diagonal, theta);
    else {
      for (let i = 0; i < unit.length; i++) {
        unit[i] = 1;
        this.step.stateVjp(row, unit, theta); // row i of J
        unit[i] = 0;
        diagonal[i] = row[i]!;
      }
    }
    this.sensitivity.propagate(diagonal, theta);
  }
}

/** An e-prop learner: the shared forward-mode loop around EpropEstimator (eq. (3) is its readGradient). */
export type Eprop = ForwardModeLearner<EpropEstimator>;

/** e-prop: eligibility traces on J's diagonal times the readout's learning signal. */
export function eprop(model: OnlineModel | Model, options: EpropOptions): Eprop {
  return new ForwardModeLearner('eprop', model, options, (setup) => new EpropEstimator(setup));
}
