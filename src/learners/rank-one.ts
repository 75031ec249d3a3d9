/**
 * What UORO and NoBackTrack share: the sensitivity estimate M ≈ s̃·θ̃ᵀ (rank one), its
 * gradient (6) ĝ = (∂ℓ/∂s·s̃)·θ̃, and the bookkeeping of its two factors. The estimators differ
 * only in how `propagate` draws the next s̃ and θ̃. θ̃ is a ScaledVector (scaled-vector.ts); the
 * step's terms added to it may wait for the optimizer's pass (deferred-terms.ts).
 */
import { zeros, type DType, type Vec } from '../tensor/dtype.js';
import { dot } from '../tensor/kernels.js';
import type { Rng } from '../tensor/rng.js';
import type { SensitivityEstimator } from './forward-mode.js';
import { ScaledVector } from './scaled-vector.js';
import { DeferredTerms } from './deferred-terms.js';
import type { Cell, DerivedStep, ImmediateInfluence } from '../cells/cell.js';
import type { PendingRankOne } from '../optim/structured-gradient.js';

export abstract class RankOneEstimator implements SensitivityEstimator {
  abstract readonly rng: Rng;
  /** s̃ (n). */
  protected readonly sTilde: Vec;
  /** θ̃ (p_core), kept as σ·T. */
  protected readonly thetaTilde: ScaledVector;

  /** The step's terms Σ_k c_k·u_k waiting for the optimizer's pass to add them to θ̃ (deferred-terms.ts), where the cell allows. */
  private deferred: DeferredTerms | null = null;

  constructor(dtype: DType, stateSize: number, paramSize: number) {
    this.sTilde = zeros(dtype, stateSize);
    this.thetaTilde = new ScaledVector(dtype, paramSize);
  }

  abstract propagate(theta: Vec): void;

  /** J·s̃ lands in `output` (UORO's s̃', NoBackTrack's J·s̃); the learner may compute it with the forward step. */
  abstract readonly stateTangent: { readonly input: Vec; readonly output: Vec };
  /** Whether the learner computed J·s̃ for this step already. */
  private tangentReady = false;

  tangentPropagated(): void {
    this.tangentReady = true;
  }

  /** stateTangent.output ← J_t·s̃_t, unless the learner's forward step computed it. */
  protected propagateTangent(cellStep: DerivedStep, theta: Vec): void {
    if (this.tangentReady) this.tangentReady = false;
    else cellStep.stateJvp(this.stateTangent.output, this.sTilde, theta);
  }

  /** Lets `addTerms` defer its update into the optimizer's pass (call once, from the constructor, with the coefficient buffer addTerms will get). */
  protected deferTerms(core: Cell, influence: ImmediateInfluence, batch: number, coefficient: Vec): void {
    this.deferred = DeferredTerms.create(core, influence, batch, this.thetaTilde.body, coefficient);
  }

  /**
   * θ̃'s body T += Σ_k coefficient_k·u_k: deferred when it can be (then the optimizer's pass or
   * the next reader of T adds it; `coefficient` must stay unchanged until `settle`), else now.
   */
  protected addTerms(influence: ImmediateInfluence, coefficient: Vec): void {
    if (this.deferred === null) influence.addCombinedParams(this.thetaTilde.body, coefficient);
    else this.deferred.defer();
  }

  /** Adds any deferred terms to T: before anything reads T or changes the coefficients. */
  protected settle(): void {
    this.deferred?.settle();
  }

  /** The update of T the optimizer may apply in its pass (StructuredEstimate). */
  get pendingUpdate(): PendingRankOne | null {
    return this.deferred;
  }

  /** Eq. (6): (∂ℓ/∂s·s̃)·θ̃, written and measured in one pass. */
  readGradient(out: Vec, dState: Vec): number {
    this.settle();
    return this.thetaTilde.writeScaled(out, dot(dState, this.sTilde));
  }

  /** Eq. (6) by its structure: ĝ_core = gradientScale(∂ℓ/∂s)·T, T = θ̃'s body (see StructuredEstimate). */
  get gradientValues(): Vec {
    return this.thetaTilde.body;
  }

  gradientScale(dState: Vec): number {
    return dot(dState, this.sTilde) * this.thetaTilde.scale;
  }

  valuesNormSquared(): number {
    this.settle();
    return this.thetaTilde.bodySquared();
  }

  valuesNormBound(): number {
    return this.thetaTilde.bodyBound();
  }

  valuesMeasured(normSquared: number): void {
    this.thetaTilde.measured(normSquared);
  }

  reset(): void {
    this.deferred?.discard();
    this.sTilde.fill(0);
    this.thetaTilde.clear();
  }

  tensors(): Record<string, Vec> {
    this.settle();
    return { sTilde: this.sTilde, thetaTilde: this.thetaTilde.body };
  }

  values(): Record<string, number> {
    return this.thetaTilde.values();
  }

  restored(values: Readonly<Record<string, number>>): void {
    this.thetaTilde.restore(values);
  }
}
