/**
 * What UORO and NoBackTrack share: the sensitivity estimate M ≈ s̃·θ̃ᵀ (rank one), its
 * gradient (6) ĝ = (∂ℓ/∂s·s̃)·θ̃, and the bookkeeping of its two factors. The estimators differ
 * only in how `propagate` draws the next s̃ and θ̃. θ̃ is a ScaledVector (scaled-vector.ts).
 */
import { zeros, type DType, type Vec } from '../tensor/dtype.js';
import { dot } from '../tensor/kernels.js';
import type { Rng } from '../tensor/rng.js';
import type { SensitivityEstimator } from './forward-mode.js';
import { ScaledVector } from './scaled-vector.js';

export abstract class RankOneEstimator implements SensitivityEstimator {
  abstract readonly rng: Rng;
  /** s̃ (n). */
  protected readonly sTilde: Vec;
  /** θ̃ (p_core), kept as σ·T. */
  protected readonly thetaTilde: ScaledVector;

  constructor(dtype: DType, stateSize: number, paramSize: number) {
    this.sTilde = zeros(dtype, stateSize);
    this.thetaTilde = new ScaledVector(dtype, paramSize);
  }

  abstract propagate(theta: Vec): void;

  /** Eq. (6): (∂ℓ/∂s·s̃)·θ̃, written and measured in one pass. */
  readGradient(out: Vec, dState: Vec): number {
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
    return this.thetaTilde.bodySquared();
  }

  valuesNormBound(): number {
    return this.thetaTilde.bodyBound();
  }

  valuesMeasured(normSquared: number): void {
    this.thetaTilde.measured(normSquared);
  }

  reset(): void {
    this.sTilde.fill(0);
    this.thetaTilde.clear();
  }

  tensors(): Record<string, Vec> {
    return { sTilde: this.sTilde, thetaTilde: this.thetaTilde.body };
  }

  values(): Record<string, number> {
    return this.thetaTilde.values();
  }

  restored(values: Readonly<Record<string, number>>): void {
    this.thetaTilde.restore(values);
  }
}
