/**
 * Real-time recurrent learning (Williams & Zipser 1989): the exact gradient, carried forward.
 * The sensitivity M_t = ∂s_t/∂θ_core (n × p) follows the chain rule one step at a time:
 *
 *   s_{t+1} = F(x_t, s_t; θ)                                         (1)
 *   J_t = ∂F/∂s (n × n),   I_t = ∂F/∂θ (n × p)  at (x_t, s_t; θ)     (2)
 *   M_{t+1} = J_t·M_t + I_t,   M_0 = 0                               (3)
 *   g_t = (∂ℓ_t/∂s_{t+1})·M_{t+1} + ∂ℓ_t/∂θ_head                     (4)
 *
 * Row i of J_t and of I_t is one vjp with cotangent e_i (reverse mode gives rows), so the cell
 * is used only through its contract — any Cell, stacks and user cells alike. Cost per step:
 * n vjps, O(n·p), and the product (3), O(n²·p); memory O(n·p). The reference every online
 * estimator is measured against; practical only for small models.
 * Note: the structured influence would give I_t as a sum of rank-one terms, but (3) costs
 * O(n²·p) whatever I_t's form, and the black-box route needs nothing beyond vjp — except on a
 * cell whose influence pattern, closed under J's sparsity, is smaller than n × p: then no entry
 * of M outside that pattern ever becomes nonzero, and (3) kept on the pattern (SnAp-n with n
 * large enough to close it, snapn.ts) is RTRL exactly. A diagonal recurrence (eLSTM, LRU:
 * unit i reads only itself) closes at each unit's own parameters: O(n·d) memory instead of
 * O(n·p), found from the contract (pattern.ts) when the learner is built.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { matmulAB, matmulABAdd } from '../tensor/kernels.js';
import type { DerivedStep } from '../cells/cell.js';
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import { ForwardModeLearner, type EstimatorSetup, type SensitivityEstimator } from './forward-mode.js';
import type { LearnerOptions } from './learner.js';
import { influencePattern, jacobianSuccessors } from './pattern.js';
import { SnapnEstimator, reachedIn } from './snapn.js';

export type RtrlOptions = LearnerOptions;

/** RTRL's sensitivity M = ∂s/∂θ_core, exact. */
export class RtrlEstimator implements SensitivityEstimator {
  readonly rng = null;
  private readonly cellStep: DerivedStep;
  private readonly n: number;
  private readonly p: number;
  /** M_t (n × p), row-major; swapped with `next` every step. */
  private sensitivity: Vec;
  private next: Vec;
  /** J_t (n × n). */
  private readonly jacobian: Vec;
  /** One row of J_t and of I_t: the cell always sees the same few buffers, so its views stay memoized. */
  private readonly jacobianRow: Vec;
  private readonly influenceRow: Vec;
  private readonly unit: Vec;

  constructor({ core, cellStep }: EstimatorSetup) {
    const { dtype } = core;
    const n = (this.n = core.stateSize);
    const p = (this.p = core.paramSize);
    this.cellStep = cellStep;
    this.sensitivity = zeros(dtype, n * p);
    this.next = zeros(dtype, n * p);
    this.jacobian = zeros(dtype, n * n);
    this.jacobianRow = zeros(dtype, n);
    this.influenceRow = zeros(dtype, p);
    this.unit = zeros(dtype, n);
  }

  /** M ← J·M + I, eqs. (2)–(3). */
  propagate(theta: Vec): void {
    const { n, p, next, jacobianRow, influenceRow } = this;
    for (let i = 0; i < n; i++) {
      this.unit[i] = 1;
      influenceRow.fill(0);
      this.cellStep.stateParamVjp(jacobianRow, influenceRow, this.unit, theta); // row i of J and of I, eq. (2)
      this.unit[i] = 0;
      this.jacobian.set(jacobianRow, i * n);
      next.set(influenceRow, i * p);
    }
    matmulABAdd(next, this.jacobian, this.sensitivity, n, p, n); // eq. (3)
    this.next = this.sensitivity;
    this.sensitivity = next;
  }

  /** Eq. (4). */
  readGradient(out: Vec, dState: Vec): number {
    matmulAB(out, dState, this.sensitivity, 1, this.p, this.n);
    return NaN; // the update measures ‖ĝ‖
  }

  reset(): void {
    this.sensitivity.fill(0);
  }

  tensors(): Record<string, Vec> {
    return { sensitivity: this.sensitivity };
  }
}

/** An RTRL learner: the shared forward-mode loop around RtrlEstimator, or around the closed-pattern one. */
export type Rtrl = ForwardModeLearner<RtrlEstimator | SnapnEstimator>;

/** Exact online gradients by real-time recurrent learning (on the closed pattern when it is smaller, see the note above). */
export function rtrl(model: OnlineModel | Model, options: RtrlOptions): Rtrl {
  return new ForwardModeLearner('rtrl', model, options, (setup) => closedPatternEstimator(setup) ?? new RtrlEstimator(setup));
}

/**
 * SnAp-n at the n that closes the influence pattern under J (n = stateSize always suffices),
 * when that pattern holds fewer entries than the dense n × p; null otherwise (and for a cell
 * without the structured influence).
 */
export function closedPatternEstimator(setup: EstimatorSetup): SnapnEstimator | null {
  const { core, cellStep, coreTheta } = setup;
  if (cellStep.influence === undefined) return null;
  const first = influencePattern('rtrl', core, coreTheta);
  const closed = reachedIn(core.stateSize, first.supports, jacobianSuccessors(core, coreTheta));
  const entries = closed.reduce((sum, support, k) => sum + support.length * first.owned[k]!.length, 0);
  return entries < core.stateSize * core.paramSize ? new SnapnEstimator(setup, core.stateSize) : null;
}
