/**
 * Adam (Kingma & Ba 2015, Algorithm 1), with bias correction as in PyTorch:
 *   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,
 *   θ ← θ − η(t)·m̂ / (√v̂ + ε),  m̂ = m/(1−β1^t), v̂ = v/(1−β2^t).
 */
import { zeros, type DType, type Vec } from '../tensor/dtype.js';
import { clipScalar, roundTo, segmentScale, type StructuredGradient } from './structured-gradient.js';
import { restoreBuffers, type Optimizer, type OptimizerOptions, type OptimizerState } from './optimizer.js';
import { ScheduledRate } from './rate.js';

export interface AdamOptions extends OptimizerOptions {
  /** @default 0.9 */
  beta1?: number;
  /** @default 0.999 */
  beta2?: number;
  /** @default 1e-8 */
  epsilon?: number;
}

export class Adam extends ScheduledRate implements Optimizer {
  readonly kind = 'adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly m: Vec;
  private readonly v: Vec;

  constructor(paramSize: number, dtype: DType, options: AdamOptions) {
    super('adam', options);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    for (const [name, value] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(value >= 0 && value < 1)) throw new RangeError(`adam: ${name} must be in [0, 1), got ${value}`);
    }
    if (!(this.epsilon > 0)) throw new RangeError(`adam: epsilon must be > 0, got ${this.epsilon}`);
    this.m = zeros(dtype, paramSize);
    this.v = zeros(dtype, paramSize);
  }

  step(theta: Vec, grad: Vec): void {
    const rate = this.currentRate();
    this.t++;
    const { beta1, beta2, epsilon, m, v } = this;
    const correction1 = 1 - Math.pow(beta1, this.t);
    const correction2 = 1 - Math.pow(beta2, this.t);
    for (let i = 0; i < theta.length; i++) {
      const g = grad[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      theta[i] -= (rate * (m[i] / correction1)) / (Math.sqrt(v[i] / correction2) + epsilon);
    }
  }

  /** The same update, each g[i] formed from the structure as it is used (structured-gradient.ts). */
  stepStructured(theta: Vec, grad: StructuredGradient): void {
    grad.settle(); // a pending rank-one update of the values: applied first, in a pass of its own
    const rate = this.currentRate();
    this.t++;
    const correction1 = 1 - Math.pow(this.beta1, this.t);
    const correction2 = 1 - Math.pow(this.beta2, this.t);
    const round = roundTo(theta);
    const factor = clipScalar(grad.clipFactor, theta);
    let end = 0;
    for (const segment of grad.segments) {
      for (let i = end; i < segment.offset; i++) this.update(theta, i, 0, rate, correction1, correction2);
      const scale = segmentScale(segment, theta);
      const { offset, values } = segment;
      for (let j = 0; j < values.length; j++) this.update(theta, offset + j, round(round(scale * values[j]) * factor), rate, correction1, correction2);
      end = offset + values.length;
    }
    for (let i = end; i < theta.length; i++) this.update(theta, i, 0, rate, correction1, correction2);
  }

  /** Algorithm 1's update of element i with gradient g. */
  private update(theta: Vec, i: number, g: number, rate: number, correction1: number, correction2: number): void {
    const { beta1, beta2, epsilon, m, v } = this;
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    theta[i] -= (rate * (m[i] / correction1)) / (Math.sqrt(v[i] / correction2) + epsilon);
  }

  getState(): OptimizerState {
    return { kind: this.kind, t: this.t, buffers: { m: this.m, v: this.v } };
  }

  setState(state: OptimizerState): void {
    restoreBuffers(this.kind, { m: this.m, v: this.v }, state);
    this.t = state.t;
  }
}

export function adam(paramSize: number, dtype: DType, options: AdamOptions): Adam {
  return new Adam(paramSize, dtype, options);
}
