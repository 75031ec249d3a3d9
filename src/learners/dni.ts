/**
 * DNI, decoupled neural interfaces with synthetic gradients (Jaderberg et al., ICML 2017), in
 * Marschall et al. 2020's form (DNI.py): a linear map A predicts the future-facing credit
 * c_{t+1} = ∂(Σ_{τ≥t} ℓ_τ)/∂s_{t+1} of the state from ã_{t+1} = [s_{t+1}; y*_t; 1] (the state,
 * the step's target, a constant), and the gradient reads that prediction through the immediate
 * influence only. A is fitted online to a bootstrapped target, one step late:
 *
 *   s_{t+1} = F(x_t, s_t; θ)                                                       (1)
 *   sg(ã) = A·ã                          A: n × (n + |y*| + 1)                       (2)
 *   c*_t = q_{t−1} + J_tᵀ·(Ā·ã_{t+1}),   q_{t−1} = ∂ℓ_{t−1}/∂s_t,  J_t = ∂s_{t+1}/∂s_t  (3)
 *   A ← A − η·(A·ã_t − c*_t) ⊗ ã_t / ‖ã_t‖²                                        (4)
 *   ĝ_t = sg(ã_{t+1})ᵀ·∂F/∂θ|immediate + ∂ℓ_t/∂θ_head                                (5)
 *
 * (3) is the temporal-difference target of the credit's recursion c_t = q_{t−1} + J_tᵀ·c_{t+1};
 * Ā is A frozen for `fixInterval` steps (5 in DNI.py) so the target does not chase itself.
 * A starts N(0, 1/m) as in DNI.py. Note: (4) is normalised (NLMS), stable for 0 < η < 2 at any
 * size; DNI.py's plain step η·(…) ⊗ ã needs η < 2/‖ã‖² ≈ 2/n, so its rate would depend on n. ĝ is biased (a linear guess of the future in place of the
 * future) and deterministic given the seed. A step with no target still fits A (q = 0, y* = 0)
 * but leaves θ. Any cell: (3) is one state vjp, (5) one parameter vjp. Cost per step: a forward,
 * two vjps and three n × m products, O(p + n²); memory 2·n·m.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { dot, matmulAB } from '../tensor/kernels.js';
import { Rng } from '../tensor/rng.js';
import type { DerivedStep } from '../cells/cell.js';
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import { LearnerContext } from './context.js';
import type { Learner, LearnerOptions, LearnerSnapshot, StepResult } from './learner.js';

export interface DniOptions extends LearnerOptions {
  /** η, the synthetic-gradient map's normalised learning rate in (4), 0 < η < 2. @default 0.3 */
  syntheticLr?: number;
  /** Steps between refreshes of the frozen copy Ā used in the target (3). @default 5 */
  fixInterval?: number;
}

export class Dni implements Learner {
  readonly kind = 'dni';
  readonly model: OnlineModel;
  /** s_t and the estimate handed to the optimizer: the context's buffers, which never move. */
  readonly state: Vec;
  readonly gradient: Vec;
  private readonly context: LearnerContext;
  private readonly cellStep: DerivedStep;
  private readonly n: number;
  /** m = n + |y*| + 1, the width of ã. */
  private readonly m: number;
  private readonly synthetic: Vec;
  private readonly frozen: Vec;
  /** ã_t and ã_{t+1}. */
  private readonly features: Vec;
  private readonly nextFeatures: Vec;
  /** y*_{t−1} and q_{t−1}: the previous step's target and signal (zero after a reset). */
  private readonly previousLabel: Vec;
  private readonly previousSignal: Vec;
  private readonly credit: Vec;
  private readonly backed: Vec;
  private sinceFix = 0;

  constructor(
    model: OnlineModel | Model,
    options: DniOptions,
    readonly syntheticLr: number,
    readonly fixInterval: number,
  ) {
    this.context = new LearnerContext('dni', model, options);
    ({ model: this.model, state: this.state, gradient: this.gradient } = this.context);
    const { core, dtype, outputSize } = this.context.model;
    this.cellStep = this.context.model.createCoreStep(1);
    const n = (this.n = core.stateSize);
    const labelSize = options.loss.targetSize(outputSize);
    const m = (this.m = n + labelSize + 1);
    this.synthetic = zeros(dtype, n * m);
    const rng = new Rng(options.seed ?? 0);
    for (let i = 0; i < this.synthetic.length; i++) this.synthetic[i] = rng.normal() / Math.sqrt(m);
    this.frozen = this.synthetic.slice();
    this.features = zeros(dtype, m);
    this.nextFeatures = zeros(dtype, m);
    this.previousLabel = zeros(dtype, labelSize);
    this.previousSignal = zeros(dtype, n);
    this.credit = zeros(dtype, n);
    this.backed = zeros(dtype, n);
  }

  step(x: ArrayLike<number>, target?: ArrayLike<number> | null): StepResult {
    const { context, cellStep, n } = this;
    const input = context.input(x, target);
    const theta = context.model.coreTheta;
    this.featuresOf(this.features, context.state, this.previousLabel); // ã_t, before s moves on
    cellStep.forward(context.state, input, context.state, theta); // eq. (1)
    const hasTarget = target !== null && target !== undefined;
    const loss = hasTarget ? context.evaluate(target, context.zeroHeadGradient()) : NaN;
    if (hasTarget) this.previousLabel.set(target);
    else {
      context.readout.predict(context.state);
      this.previousLabel.fill(0);
    }
    this.featuresOf(this.nextFeatures, context.state, this.previousLabel); // ã_{t+1}
    this.fit(theta);
    if (hasTarget) this.previousSignal.set(context.readout.dState);
    else this.previousSignal.fill(0);
    if (!hasTarget) return context.result(loss, false);
    matmulAB(this.credit, this.synthetic, this.nextFeatures, n, 1, this.m); // sg(ã_{t+1}), eq. (2)
    const core = context.model.coreSlice(context.gradient);
    core.fill(0);
    cellStep.paramVjp(core, this.credit, theta); // eq. (5)
    context.update();
    return context.result(loss, context.optimizer !== null);
  }

  get steps(): number {
    return this.context.steps;
  }

  /** Eqs. (3)–(4) for the point ã_t, whose target is complete one step late. */
  private fit(theta: Vec): void {
    const { n, m, synthetic: A, features, credit, backed } = this;
    matmulAB(credit, this.frozen, this.nextFeatures, n, 1, m);
    this.cellStep.stateVjp(backed, credit, theta); // J_tᵀ·Ā·ã_{t+1}
    matmulAB(credit, A, features, n, 1, m);
    const rate = this.syntheticLr / dot(features, features); // ‖ã‖² ≥ 1: the constant
    for (let i = 0; i < n; i++) {
      const error = credit[i]! - this.previousSignal[i]! - backed[i]!; // A·ã_t − c*_t, eq. (3)
      const step = rate * error;
      for (let j = 0, row = i * m; j < m; j++) A[row + j] -= step * features[j]!; // eq. (4)
    }
    if (++this.sinceFix >= this.fixInterval) {
      this.frozen.set(A);
      this.sinceFix = 0;
    }
  }

  private featuresOf(out: Vec, state: Vec, label: Vec): void {
    out.set(state);
    out.set(label, this.n);
    out[this.m - 1] = 1;
  }

  reset(): void {
    this.context.resetState();
    this.previousLabel.fill(0);
    this.previousSignal.fill(0);
  }

  stateBytes(): number {
    return this.context.stateBytes(this.tensors());
  }

  snapshot(): LearnerSnapshot {
    return this.context.snapshot(this.tensors(), { sinceFix: this.sinceFix }, null);
  }

  restore(snapshot: LearnerSnapshot): void {
    const { sinceFix } = this.context.restore(snapshot, this.tensors(), null);
    if (sinceFix === undefined || !Number.isInteger(sinceFix) || sinceFix < 0) throw new RangeError(`dni snapshot: missing or invalid value 'sinceFix'`);
    this.sinceFix = sinceFix;
  }

  private tensors(): Record<string, Vec> {
    return { previousLabel: this.previousLabel, previousSignal: this.previousSignal, learnedSynthetic: this.synthetic, learnedSyntheticFrozen: this.frozen };
  }
}

/** DNI: synthetic gradients from a linear map fitted to its own bootstrapped target. */
export function dni(model: OnlineModel | Model, options: DniOptions): Dni {
  const syntheticLr = options.syntheticLr ?? 0.3;
  const fixInterval = options.fixInterval ?? 5;
  if (!(syntheticLr >= 0 && Number.isFinite(syntheticLr))) throw new RangeError(`dni: syntheticLr must be a number ≥ 0, got ${syntheticLr}`);
  if (!Number.isInteger(fixInterval) || fixInterval < 1) throw new RangeError(`dni: fixInterval must be a positive integer, got ${fixInterval}`);
  return new Dni(model, options, syntheticLr, fixInterval);
}
