/**
 * The loop every forward-mode learner shares — RTRL and its approximations (UORO, NoBackTrack,
 * SnAp-1, KF-RTRL). They differ only in how they carry the sensitivity M = ∂s/∂θ_core (or an
 * estimate of it) forward and read a gradient from it; that part is a SensitivityEstimator:
 *
 *   s_{t+1} = F(x_t, s_t; θ)                           cell step, recorded         (1)
 *   M_t → M_{t+1}                                      estimator.propagate         (2)
 *   ĝ_t = ∂ℓ_t/∂s_{t+1}·M_{t+1} + ∂ℓ_t/∂θ_head          estimator.readGradient      (3)
 *   θ ← optimizer(clip(ĝ_t))                           LearnerContext.update       (4)
 *
 * The loss of step t reads s_{t+1} (learner.ts), so (3) uses the estimate at t+1.
 */
import type { Vec } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import type { Cell, DerivedStep } from '../cells/cell.js';
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import { LearnerContext } from './context.js';
import type { Learner, LearnerOptions, LearnerSnapshot, StepResult } from './learner.js';
import type { Optimizer } from '../optim/optimizer.js';

/** What an estimator is built from: the core, its recorded step, the core's θ. */
export interface EstimatorSetup {
  readonly kind: string;
  readonly core: Cell;
  readonly cellStep: DerivedStep;
  readonly coreTheta: Vec;
  /** The learner's x_t and s_t buffers (live views: x_t is set, then s_t updated in place, before propagate). */
  readonly input: Vec;
  readonly state: Vec;
}

export interface SensitivityEstimator {
  /** Eq. (2): advances the estimate over the step `cellStep.forward` just recorded. */
  propagate(theta: Vec): void;
  /**
   * Eq. (3): writes the core part of ĝ_t (p_core numbers) given ∂ℓ_t/∂s_{t+1}. Returns its
   * squared norm when that comes free (a rank-one estimate knows it), else NaN: the update then
   * measures it, one pass more.
   */
  readGradient(out: Vec, dState: Vec): number;
  /** An episode boundary: the estimate returns to M = 0. */
  reset(): void;
  /** The buffers a snapshot holds (live; the snapshot copies them). */
  tensors(): Record<string, Vec>;
  /** The estimator's own random stream, when it draws signs. */
  readonly rng: Rng | null;
  /** Scalars a snapshot must hold besides the tensors (e.g. θ̃'s scale). */
  values?(): Record<string, number>;
  /** Rebuilds what is derived from the tensors, given the snapshot's values, after a restore. */
  restored?(values: Readonly<Record<string, number>>): void;
}

export class ForwardModeLearner<E extends SensitivityEstimator = SensitivityEstimator> implements Learner {
  readonly estimator: E;
  private readonly context: LearnerContext;
  private readonly cellStep: DerivedStep;

  constructor(
    readonly kind: string,
    model: OnlineModel | Model,
    options: LearnerOptions,
    makeEstimator: (setup: EstimatorSetup) => E,
  ) {
    this.context = new LearnerContext(kind, model, options);
    const { core, coreTheta } = this.context.model;
    this.cellStep = this.context.model.createCoreStep(1);
    this.estimator = makeEstimator({ kind, core, cellStep: this.cellStep, coreTheta, input: this.context.x, state: this.context.state });
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
  get optimizer(): Optimizer | null {
    return this.context.optimizer;
  }

  step(x: ArrayLike<number>, target?: ArrayLike<number> | null): StepResult {
    const { context, estimator } = this;
    const input = context.input(x, target);
    const theta = context.model.coreTheta;
    this.cellStep.forward(context.state, input, context.state, theta); // eq. (1)
    estimator.propagate(theta); // eq. (2)
    if (target === null || target === undefined) return context.predictOnly();
    const loss = context.evaluate(target, context.zeroHeadGradient());
    const coreNormSquared = estimator.readGradient(context.model.coreSlice(context.gradient), context.readout.dState); // eq. (3)
    context.update(coreNormSquared); // eq. (4)
    return context.result(loss, context.optimizer !== null);
  }

  reset(): void {
    this.context.resetState();
    this.estimator.reset();
  }

  stateBytes(): number {
    return this.context.stateBytes(this.estimator.tensors());
  }

  snapshot(): LearnerSnapshot {
    return this.context.snapshot(this.estimator.tensors(), this.estimator.values?.() ?? {}, this.estimator.rng);
  }

  restore(snapshot: LearnerSnapshot): void {
    const values = this.context.restore(snapshot, this.estimator.tensors(), this.estimator.rng);
    this.estimator.restored?.(values);
  }
}
