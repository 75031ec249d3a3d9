/** Plain stochastic gradient descent: θ ← θ − η(t)·g. */
import type { Vec } from '../tensor/dtype.js';
import { axpy, axpyScaled, fusesRankOne, rankOneAxpyScaled, type RankOneBlock } from '../tensor/kernels.js';
import { simd } from '../tensor/backend.js';
import { clipScalar, segmentScale, type StructuredGradient } from './structured-gradient.js';
import type { Optimizer, OptimizerOptions, OptimizerState } from './optimizer.js';
import { ScheduledRate } from './rate.js';

export class Sgd extends ScheduledRate implements Optimizer {
  readonly kind = 'sgd';

  constructor(options: OptimizerOptions) {
    super('sgd', options);
  }

  step(theta: Vec, grad: Vec): void {
    const rate = this.currentRate();
    axpy(theta, -rate, grad);
    this.t++;
  }

  /** θ ← θ − η(t)·g, one fused pass per segment that also measures Σ values² and applies a pending rank-one update of values (structured-gradient.ts). */
  stepStructured(theta: Vec, grad: StructuredGradient): void {
    const rate = this.currentRate();
    // `step`'s axpy runs on the whole θ: where it would be SIMD, float32 rounds each η·g product.
    const simdStep = simd !== null && theta.length >= 64 && simd.owns(theta);
    const alpha = simdStep && theta instanceof Float32Array ? Math.fround(-rate) : -rate;
    const factor = clipScalar(grad.clipFactor, theta);
    for (let k = 0; k < grad.segments.length; k++) {
      const segment = grad.segments[k]!;
      const view = grad.view(theta, k);
      const { pending } = segment;
      segment.pending = null;
      if (pending?.active === true && this.fuses(view, segment.values, pending.blocks)) {
        // θ̃'s rank-one update inside this pass: values and θ read and written once
        segment.measuredNormSquared = rankOneAxpyScaled(view, alpha, segment.values, segmentScale(segment, theta), factor, pending.blocks);
        pending.applied();
        continue;
      }
      pending?.settle();
      segment.measuredNormSquared = axpyScaled(view, alpha, segment.values, segmentScale(segment, theta), factor, simdStep);
    }
    this.t++;
  }

  /** fusesRankOne's verdict, kept for the operands it was asked about (the same every step). */
  private fused: { y: Vec; x: Vec; blocks: readonly RankOneBlock[]; fuses: boolean } | null = null;

  private fuses(y: Vec, x: Vec, blocks: readonly RankOneBlock[]): boolean {
    const known = this.fused;
    if (known !== null && known.y === y && known.x === x && known.blocks === blocks) return known.fuses;
    this.fused = { y, x, blocks, fuses: fusesRankOne(y, x, blocks) };
    return this.fused.fuses;
  }

  getState(): OptimizerState {
    return { kind: this.kind, t: this.t, buffers: {} };
  }

  setState(state: OptimizerState): void {
    if (state.kind !== this.kind) throw new TypeError(`cannot restore ${state.kind} optimizer state into sgd`);
    this.t = state.t;
  }
}

export function sgd(options: OptimizerOptions): Sgd {
  return new Sgd(options);
}
