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
import { StructuredGradient, type PendingRankOne } from '../optim/structured-gradient.js';
import { LearnerContext, LearnerViews } from './context.js';
import { DivergenceError, type Learner, type LearnerOptions, type LearnerSnapshot, type StepResult } from './learner.js';

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
  /**
   * The state tangent ṡ that `propagate` pushes through J (a rank-one estimate's s̃) and where
   * J·ṡ goes: a cell step that computes it with the forward pass (TangentForward) fills `output`,
   * and the learner then calls `tangentPropagated` so that propagate does not compute it again.
   */
  readonly stateTangent?: { readonly input: Vec; readonly output: Vec };
  tangentPropagated?(): void;
  /** Scalars a snapshot must hold besides the tensors (e.g. θ̃'s scale). */
  values?(): Record<string, number>;
  /** Rebuilds what is derived from the tensors, given the snapshot's values, after a restore. */
  restored?(values: Readonly<Record<string, number>>): void;
}

/**
 * An estimator whose gradient (3) has a structure: ĝ_core = gradientScale(∂ℓ/∂s)·gradientValues
 * (UORO and NoBackTrack: (∂ℓ/∂s·s̃)·σ times θ̃'s body T). The learner then hands the optimizer a
 * StructuredGradient (optim/structured-gradient.ts) instead of writing ĝ as p numbers.
 */
export interface StructuredEstimate {
  /** The p_core numbers ĝ_core is a multiple of (live; unchanged until the next propagate). */
  readonly gradientValues: Vec;
  gradientScale(dState: Vec): number;
  /** ‖gradientValues‖², exact (a pass when not known). */
  valuesNormSquared(): number;
  /** An upper bound on ‖gradientValues‖, in O(1). */
  valuesNormBound(): number;
  /** ‖gradientValues‖² as the optimizer's pass measured it. */
  valuesMeasured(normSquared: number): void;
  /** An update of gradientValues still to be applied (the optimizer's pass may apply it), or null. */
  readonly pendingUpdate?: PendingRankOne | null;
}

/** A cell step that runs its forward pass and a state jvp together, sharing the reads of θ (lstm-step.ts). */
interface TangentForward {
  forwardWithStateJvp(sNext: Vec, x: Vec, s: Vec, theta: Vec, sNextDot: Vec, sDot: Vec): void;
}

function forwardsTangent(step: DerivedStep): step is DerivedStep & TangentForward {
  return typeof (step as Partial<TangentForward>).forwardWithStateJvp === 'function';
}

function isStructured(estimator: SensitivityEstimator): estimator is SensitivityEstimator & StructuredEstimate {
  return 'gradientScale' in estimator && typeof (estimator as Partial<StructuredEstimate>).gradientScale === 'function';
}

/** Where view `part` starts inside `whole` (both views of one buffer). */
function offsetIn(whole: Vec, part: Vec): number {
  return (part.byteOffset - whole.byteOffset) / whole.BYTES_PER_ELEMENT;
}

export class ForwardModeLearner<E extends SensitivityEstimator = SensitivityEstimator> extends LearnerViews implements Learner {
  readonly estimator: E;
  protected readonly context: LearnerContext;
  private readonly cellStep: DerivedStep;
  /** The gradient by its structure (core: scale·T; head: its dense slice), when the estimator has one. */
  private readonly structured: StructuredGradient | null;

  constructor(
    readonly kind: string,
    model: OnlineModel | Model,
    options: LearnerOptions,
    makeEstimator: (setup: EstimatorSetup) => E,
  ) {
    super();
    this.context = new LearnerContext(kind, model, options);
    const { core, coreTheta } = this.context.model;
    this.cellStep = this.context.model.createCoreStep(1);
    this.estimator = makeEstimator({ kind, core, cellStep: this.cellStep, coreTheta, input: this.context.x, state: this.context.state });
    this.structured = null;
    if (isStructured(this.estimator)) {
      const { model } = this.context;
      const theta = model.theta;
      const head = model.headSlice(this.context.zeroHeadGradient());
      const segments = [{ offset: offsetIn(theta, coreTheta), values: this.estimator.gradientValues }];
      if (head !== null) segments.push({ offset: offsetIn(theta, model.headSlice(theta)!), values: head });
      this.structured = new StructuredGradient(model.paramSize, segments);
    }
  }

  step(x: ArrayLike<number>, target?: ArrayLike<number> | null): StepResult {
    const { context, estimator } = this;
    const input = context.input(x, target);
    const theta = context.model.coreTheta;
    const labelled = target !== null && target !== undefined;
    // A structured estimate refers to θ̃, which propagate changes: a step without a target keeps it readable.
    context.settleGradient(!labelled);
    const tangent = estimator.stateTangent;
    if (tangent !== undefined && forwardsTangent(this.cellStep)) {
      // eq. (1) and propagate's J·ṡ in one pass over θ
      this.cellStep.forwardWithStateJvp(context.state, input, context.state, theta, tangent.output, tangent.input);
      estimator.tangentPropagated!();
    } else {
      this.cellStep.forward(context.state, input, context.state, theta); // eq. (1)
    }
    estimator.propagate(theta); // eq. (2)
    if (!labelled) return context.predictOnly();
    const loss = context.evaluate(target, context.zeroHeadGradient());
    const { structured } = this;
    if (structured !== null && isStructured(estimator)) {
      // eqs. (3)–(4) fused: the optimizer forms each element of ĝ as it updates θ
      const core = structured.segments[0]!;
      core.scale = estimator.gradientScale(context.readout.dState);
      core.pending = estimator.pendingUpdate ?? null;
      context.updateStructured(structured, estimator);
      const measured = core.measuredNormSquared;
      if (measured !== -1) {
        // The bound promised a finite ĝ; an estimate that still overflowed is reported all the same.
        if (!Number.isFinite(measured)) throw new DivergenceError(context.steps - 1, 'gradient estimate');
        estimator.valuesMeasured(measured);
      }
    } else {
      const coreNormSquared = estimator.readGradient(context.model.coreSlice(context.gradient), context.readout.dState); // eq. (3)
      context.update(coreNormSquared); // eq. (4)
    }
    return context.result(loss, context.optimizer !== null);
  }

  reset(): void {
    this.context.settleGradient(true); // the last estimate stays readable after θ̃ is cleared
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
