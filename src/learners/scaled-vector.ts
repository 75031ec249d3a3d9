/**
 * The parameter factor θ̃ of a rank-one sensitivity estimate (UORO, NoBackTrack), kept as
 * θ̃ = σ·T with a scalar σ and a p-vector T. Every step multiplies θ̃ by a scalar and adds the
 * step's terms; with σ the multiplication is one number, not a pass over p numbers, and the
 * terms are added into T divided by σ. Reading the gradient estimate c·θ̃ writes c·σ·T and
 * learns ‖T‖ in the same pass (`scaleInto`), which the next step's scalings need.
 * Why it matters: a UORO step is a handful of passes over p-vectors (the forward step is about
 * one), so each pass saved is a forward step's worth of time (bench/README.md).
 * σ is folded back into T (one pass) when it leaves [2⁻ᵏ, 2ᵏ], k = 256 in float64 and 20 in
 * float32, so T = θ̃/σ stays far inside the dtype's range (2^±126 for float32: with float64's
 * bound a float32 UORO at H = 128 overflowed after ~1000 steps, σ drifting down steadily).
 */
import { zeros, type DType, type Vec } from '../tensor/dtype.js';
import { axpy, normSquared, scale, scaleInto } from '../tensor/kernels.js';

/** log₂ of the largest |σ| (and of 1/smallest) before σ is folded into T. */
const FOLD_EXPONENT: Record<DType, number> = { float64: 256, float32: 20 };

export class ScaledVector {
  /** T, with θ̃ = scale·T. */
  readonly body: Vec;
  /** σ. */
  scale = 1;
  /** ‖T‖², or NaN when T changed since it was last measured. */
  private bodyNormSquared = 0;
  /** An upper bound on ‖T‖ kept without a pass (Infinity: none known): a gradient check needs no more. */
  private bodyNormBound = 0;

  private readonly foldAbove: number;
  private readonly foldBelow: number;

  constructor(dtype: DType, size: number) {
    this.body = zeros(dtype, size);
    this.foldAbove = 2 ** FOLD_EXPONENT[dtype];
    this.foldBelow = 2 ** -FOLD_EXPONENT[dtype];
  }

  /** ‖θ̃‖ (one pass over T only when T changed since the gradient was last read). */
  norm(): number {
    return Math.abs(this.scale) * Math.sqrt(this.bodySquared());
  }

  /** ‖T‖², measured (one pass) only when T changed since it was last measured. */
  bodySquared(): number {
    if (Number.isNaN(this.bodyNormSquared)) this.measured(normSquared(this.body));
    return this.bodyNormSquared;
  }

  /** An upper bound on ‖T‖, in O(1): the last measured norm plus the norms of the terms added since. */
  bodyBound(): number {
    return Number.isNaN(this.bodyNormSquared) ? this.bodyNormBound : Math.sqrt(this.bodyNormSquared);
  }

  /** ‖T‖² as a pass over T (an optimizer's fused step) measured it, summed as normSquared(T). */
  measured(bodyNormSquared: number): void {
    this.bodyNormSquared = bodyNormSquared;
    this.bodyNormBound = Math.sqrt(bodyNormSquared);
  }

  /** θ̃ ← alpha·θ̃, in O(1). */
  multiply(alpha: number): void {
    this.scale *= alpha;
    const size = Math.abs(this.scale);
    if (size > this.foldAbove || size < this.foldBelow) this.fold();
  }

  /**
   * The factor the terms added to θ̃ must carry: adding w·u to θ̃ adds (w/σ)·u to T.
   * `addedNorm` is ‖Σ w·u‖ of the terms about to be added (Infinity when unknown), for the bound.
   */
  termFactor(addedNorm = Infinity): number {
    this.bodyNormBound = this.bodyBound() + addedNorm / Math.abs(this.scale);
    this.bodyNormSquared = NaN;
    return 1 / this.scale;
  }

  /** θ̃ ← θ̃ + alpha·x (x is p numbers, ‖x‖ = xNorm when known). */
  addScaled(alpha: number, x: Vec, xNorm = Infinity): void {
    axpy(this.body, alpha * this.termFactor(Math.abs(alpha) * xNorm), x);
  }

  /** out ← c·θ̃; returns ‖out‖². One pass, which also measures ‖T‖ for `norm`. */
  writeScaled(out: Vec, c: number): number {
    const factor = c * this.scale;
    this.measured(scaleInto(out, factor, this.body));
    return factor * factor * this.bodyNormSquared;
  }

  /** θ̃ ← 0. */
  clear(): void {
    this.body.fill(0);
    this.scale = 1;
    this.bodyNormSquared = 0;
    this.bodyNormBound = 0;
  }

  /** σ and the cached ‖T‖² (−1 when unknown), for a snapshot: T alone does not say what θ̃ is. */
  values(): { thetaTildeScale: number; thetaTildeBodyNormSquared: number } {
    return { thetaTildeScale: this.scale, thetaTildeBodyNormSquared: Number.isNaN(this.bodyNormSquared) ? -1 : this.bodyNormSquared };
  }

  /** After T was restored: σ and ‖T‖² from `values` (a snapshot without them held θ̃ itself: σ = 1). */
  restore(values: Readonly<Record<string, number>>): void {
    const scale = values['thetaTildeScale'] ?? 1;
    if (!(Number.isFinite(scale) && scale !== 0)) throw new RangeError(`snapshot: thetaTildeScale must be a finite nonzero number, got ${scale}`);
    this.scale = scale;
    const normSquared = values['thetaTildeBodyNormSquared'];
    // −1 is "unknown" (values()); anything else must be a squared norm: finite and ≥ 0.
    if (normSquared !== undefined && normSquared !== -1 && !(Number.isFinite(normSquared) && normSquared >= 0)) throw new RangeError(`snapshot: thetaTildeBodyNormSquared must be a finite number ≥ 0 (or −1, unknown), got ${normSquared}`);
    this.bodyNormSquared = normSquared === undefined || normSquared < 0 ? NaN : normSquared;
    this.bodyNormBound = Number.isNaN(this.bodyNormSquared) ? Infinity : Math.sqrt(this.bodyNormSquared);
  }

  private fold(): void {
    this.bodyNormBound = this.bodyBound() * Math.abs(this.scale);
    scale(this.body, this.scale);
    this.scale = 1;
    this.bodyNormSquared = NaN;
  }
}
