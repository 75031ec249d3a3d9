/**
 * SGD with (heavy-ball) momentum, PyTorch's convention: v ← μ·v + g, θ ← θ − η(t)·v.
 */
import { zeros, type DType, type Vec } from '../tensor/dtype.js';
import { clipScalar, roundTo, segmentScale, type StructuredGradient } from './structured-gradient.js';
import { restoreBuffers, type Optimizer, type OptimizerOptions, type OptimizerState } from './optimizer.js';
import { ScheduledRate } from './rate.js';

export interface MomentumOptions extends OptimizerOptions {
  /** @default 0.9 */
  momentum?: number;
}

export class Momentum extends ScheduledRate implements Optimizer {
  readonly kind = 'momentum';
  readonly momentum: number;
  private readonly velocity: Vec;

  constructor(paramSize: number, dtype: DType, options: MomentumOptions) {
    super('momentum', options);
    this.momentum = options.momentum ?? 0.9;
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new RangeError(`momentum: momentum must be in [0, 1), got ${this.momentum}`);
    this.velocity = zeros(dtype, paramSize);
  }

  step(theta: Vec, grad: Vec): void {
    const rate = this.currentRate();
    const v = this.velocity;
    for (let i = 0; i < theta.length; i++) {
      v[i] = this.momentum * v[i] + grad[i];
      theta[i] -= rate * v[i];
    }
    this.t++;
  }

  /** The same update, each g[i] formed from the structure as it is used (structured-gradient.ts). */
  stepStructured(theta: Vec, grad: StructuredGradient): void {
    grad.settle(); // a pending rank-one update of the values: applied first, in a pass of its own
    const rate = this.currentRate();
    const v = this.velocity;
    const mu = this.momentum;
    const round = roundTo(theta);
    const factor = clipScalar(grad.clipFactor, theta);
    for (const segment of grad.segments) {
      const scale = segmentScale(segment, theta);
      const { offset, values } = segment;
      for (let j = 0; j < values.length; j++) {
        const i = offset + j;
        v[i] = mu * v[i] + round(round(scale * values[j]) * factor);
        theta[i] -= rate * v[i];
      }
    }
    // Entries no segment covers have g = 0.
    let end = 0;
    for (const segment of grad.segments) {
      for (let i = end; i < segment.offset; i++) this.decay(theta, i, rate);
      end = segment.offset + segment.values.length;
    }
    for (let i = end; i < theta.length; i++) this.decay(theta, i, rate);
    this.t++;
  }

  private decay(theta: Vec, i: number, rate: number): void {
    const v = this.velocity;
    v[i] = this.momentum * v[i] + 0;
    theta[i] -= rate * v[i];
  }

  getState(): OptimizerState {
    return { kind: this.kind, t: this.t, buffers: { velocity: this.velocity } };
  }

  setState(state: OptimizerState): void {
    restoreBuffers(this.kind, { velocity: this.velocity }, state);
    this.t = state.t;
  }
}

export function momentum(paramSize: number, dtype: DType, options: MomentumOptions): Momentum {
  return new Momentum(paramSize, dtype, options);
}
