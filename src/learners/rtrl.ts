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
 * O(n²·p) whatever I_t's form, and the black-box route needs nothing beyond vjp.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { matmulAB, matmulABAdd } from '../tensor/kernels.js';
import type { CellStep } from '../cells/cell.js';
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import { LearnerContext } from './context.js';
import type { Learner, LearnerOptions, LearnerSnapshot, StepResult } from './learner.js';

export type RtrlOptions = LearnerOptions;

export class Rtrl implements Learner {
  readonly kind = 'rtrl';
  private readonly context: LearnerContext;
  private readonly cellStep: CellStep;
  /** M_t (n × p), row-major; swapped with `next` every step. */
  private sensitivity: Vec;
  private next: Vec;
  /** J_t (n × n). */
  private readonly jacobian: Vec;
  /** One row of J_t and of I_t: the cell always sees the same few buffers, so its views stay memoized. */
  private readonly jacobianRow: Vec;
  private readonly influenceRow: Vec;
  private readonly unit: Vec;

  constructor(model: OnlineModel | Model, options: RtrlOptions) {
    this.context = new LearnerContext('rtrl', model, options);
    const { core, dtype } = this.context.model;
    const n = core.stateSize;
    const p = core.paramSize;
    this.cellStep = core.createStep(1);
    this.sensitivity = zeros(dtype, n * p);
    this.next = zeros(dtype, n * p);
    this.jacobian = zeros(dtype, n * n);
    this.jacobianRow = zeros(dtype, n);
    this.influenceRow = zeros(dtype, p);
    this.unit = zeros(dtype, n);
  }

  get model(): OnlineModel {
    return this.context.model;
  }
  get steps(): number {
    return this.context.steps;
  }
  get state(): Vec {
    return this.context.state;
  }
  get gradient(): Vec {
    return this.context.gradient;
  }

  step(x: ArrayLike<number>, target?: ArrayLike<number> | null): StepResult {
    const { context } = this;
    const input = context.input(x, target);
    const theta = context.model.coreTheta;
    this.cellStep.forward(context.state, input, context.state, theta); // eq. (1)
    this.propagate(theta);
    if (target === null || target === undefined) return context.predictOnly();
    const gradient = context.gradient;
    gradient.fill(0);
    const loss = context.evaluate(target, gradient);
    const { stateSize: n, paramSize: p } = context.model.core;
    matmulAB(context.model.coreSlice(gradient), context.readout.dState, this.sensitivity, 1, p, n); // eq. (4)
    context.update();
    return { loss, prediction: context.readout.prediction, updated: context.optimizer !== null };
  }

  /** M ← J·M + I, eqs. (2)–(3). */
  private propagate(theta: Vec): void {
    const { stateSize: n, paramSize: p } = this.context.model.core;
    const { next, jacobianRow, influenceRow } = this;
    for (let i = 0; i < n; i++) {
      this.unit[i] = 1;
      influenceRow.fill(0);
      this.cellStep.vjp(null, jacobianRow, influenceRow, this.unit, theta); // row i of J and of I, eq. (2)
      this.unit[i] = 0;
      this.jacobian.set(jacobianRow, i * n);
      next.set(influenceRow, i * p);
    }
    matmulABAdd(next, this.jacobian, this.sensitivity, n, p, n); // eq. (3)
    this.next = this.sensitivity;
    this.sensitivity = next;
  }

  reset(): void {
    this.context.resetState();
    this.sensitivity.fill(0);
  }

  snapshot(): LearnerSnapshot {
    return this.context.snapshot({ sensitivity: this.sensitivity }, {}, null);
  }

  restore(snapshot: LearnerSnapshot): void {
    this.context.restore(snapshot, { sensitivity: this.sensitivity }, null);
  }
}


/** Exact online gradients by real-time recurrent learning. */
export function rtrl(model: OnlineModel | Model, options: RtrlOptions): Rtrl {
  return new Rtrl(model, options);
}
