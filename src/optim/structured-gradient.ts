/**
 * A gradient handed to an optimizer by its structure rather than as p numbers: segments of θ's
 * layout, each g[offset + i] = scale·values[i] (a dense part is a segment with scale 1; an
 * online rank-one estimate's core part is UORO/NoBackTrack's signal·σ times θ̃'s body T), and a
 * clipping factor applied to every element. Entries no segment covers are 0.
 *
 * Why: writing the estimate c·σ·T into a p-sized gradient, reading it back to clip and again to
 * step costs two to three passes over p numbers a step — at H = 512 each pass costs about a
 * forward step (issue #17). An optimizer's `stepStructured` forms each g[i] as it updates θ[i]
 * (and its own state), one pass, rounded exactly as the dense path rounds it, so the same seed
 * gives the same θ either way. `denseInto` forms the dense vector on demand (`learner.gradient`).
 */
import type { Vec } from '../tensor/dtype.js';
import { scale as scaleVector, scaleInto, type RankOneBlock } from '../tensor/kernels.js';
import { simd } from '../tensor/backend.js';

export interface GradientSegment {
  /** Where the segment starts in θ's layout. */
  readonly offset: number;
  /** The numbers, g[offset + i] = scale·values[i] before clipping. */
  readonly values: Vec;
  /** The segment's scalar (1 for a dense part). */
  scale: number;
  /**
   * Σ values[i]², summed as `normSquared(values)` sums it (tensor/kernels.ts), when the optimizer's pass measured it
   * (its SGD pass does, for free); −1 otherwise. The producer may read it back after the step.
   */
  measuredNormSquared: number;
  /**
   * A rank-one update of `values` not yet applied (UORO/NoBackTrack's θ̃ ← θ̃ + Σ_k c_k·u_k), or
   * null. The gradient is scale·(values after the update): SGD applies it inside its pass (one
   * pass over values and θ instead of two over values); any other reader settles it first.
   */
  pending: PendingRankOne | null;
}

/**
 * An update values += Σ_blocks rows ⊗ cols (tensor/kernels.ts RankOneBlock) its producer has
 * deferred so that the optimizer's pass can apply it (issue #17: at H = 512 each pass over θ̃
 * costs about a forward step).
 */
export interface PendingRankOne {
  /** Whether it is still to be applied. */
  readonly active: boolean;
  readonly blocks: readonly RankOneBlock[];
  /** Applies it in a pass of its own (nothing when no longer active). */
  settle(): void;
  /** The optimizer's pass applied it. */
  applied(): void;
}

export class StructuredGradient {
  /** The clipping factor (1: not clipped), set by the learner before the step. */
  clipFactor = 1;
  readonly segments: GradientSegment[];

  constructor(
    /** p, the length of θ. */
    readonly size: number,
    segments: ReadonlyArray<{ offset: number; values: Vec; scale?: number }>,
  ) {
    let end = 0;
    this.segments = segments.map(({ offset, values, scale }) => {
      if (offset < end || offset + values.length > size) throw new RangeError(`structured gradient: segments must lie in order inside θ (${size} numbers), got [${offset}, ${offset + values.length})`);
      end = offset + values.length;
      return { offset, values, scale: scale ?? 1, measuredNormSquared: -1, pending: null };
    });
  }

  /**
   * The dense gradient into `out` (size numbers), rounded as the optimizer's fused pass forms
   * each element: scale·values[i] written in out's dtype, then clipped.
   */
  denseInto(out: Vec): void {
    this.settle();
    let end = 0;
    for (const segment of this.segments) {
      out.fill(0, end, segment.offset);
      const view = out.subarray(segment.offset, segment.offset + segment.values.length);
      if (segment.scale === 1) view.set(segment.values);
      else scaleInto(view, segment.scale, segment.values);
      end = segment.offset + segment.values.length;
    }
    out.fill(0, end);
    if (this.clipFactor !== 1) scaleVector(out, this.clipFactor);
  }

  /** Applies every pending update in a pass of its own (an optimizer that does not fuse it calls this first). */
  settle(): void {
    for (const segment of this.segments) {
      segment.pending?.settle();
      segment.pending = null;
    }
  }

  /** Segment k's part of θ (views made once per θ: subarray allocates). */
  view(theta: Vec, k: number): Vec {
    if (this.viewsOf !== theta) {
      this.viewsOf = theta;
      this.views = this.segments.map((segment) => theta.subarray(segment.offset, segment.offset + segment.values.length));
    }
    return this.views[k]!;
  }

  private viewsOf: Vec | null = null;
  private views: Vec[] = [];

  /** Marks every segment's norm as not measured (before a step). */
  forgetNorms(): void {
    for (const segment of this.segments) segment.measuredNormSquared = -1;
  }
}

/**
 * How the optimizers form g[i] for a segment so that it rounds as the dense path's kernels would
 * have written it: in float32, the SIMD kernels multiply by the scalar rounded to float32 and
 * round each product (scaleInto, then the clipping scale), the TypeScript kernels multiply in
 * float64 and round once at the store. `segmentScale` is the scalar to multiply values by,
 * `clipScalar` the clipping factor; the caller rounds each product with `roundTo(theta)`.
 */
export function segmentScale(segment: GradientSegment, theta: Vec): number {
  const simdScale = theta instanceof Float32Array && simd !== null && segment.values.length >= 64 && simd.acceptsPair(theta, segment.values);
  return simdScale ? Math.fround(segment.scale) : segment.scale;
}

export function clipScalar(clipFactor: number, theta: Vec): number {
  const simdClip = theta instanceof Float32Array && simd !== null && theta.length >= 64 && simd.owns(theta);
  return simdClip ? Math.fround(clipFactor) : clipFactor;
}

const unrounded = (x: number): number => x;

/** Rounding to θ's dtype (made once: a per-step closure would allocate). */
export function roundTo(theta: Vec): (x: number) => number {
  return theta instanceof Float32Array ? Math.fround : unrounded;
}
