/** Plain stochastic gradient descent: θ ← θ − η(t)·g. */
import type { Vec } from '../tensor/dtype.js';
import { axpy } from '../tensor/kernels.js';
import { checkLearningRate, checkRateScale, type Optimizer, type OptimizerOptions, type OptimizerState } from './optimizer.js';
import { checkSchedule, scheduledRate, type Schedule } from './schedule.js';

export class Sgd implements Optimizer {
  readonly kind = 'sgd';
  readonly lr: number;
  readonly schedule: Schedule;
  private t = 0;
  private rateScale = 1;

  constructor(options: OptimizerOptions) {
    this.lr = checkLearningRate('sgd', options.lr);
    this.schedule = checkSchedule(options.schedule ?? { kind: 'constant' });
  }

  currentRate(): number {
    return scheduledRate(this.lr, this.schedule, this.t) * this.rateScale;
  }

  get learningRateScale(): number {
    return this.rateScale;
  }

  setLearningRateScale(scale: number): void {
    this.rateScale = checkRateScale(this.kind, scale);
  }

  step(theta: Vec, grad: Vec): void {
    const rate = this.currentRate();
    axpy(theta, -rate, grad);
    this.t++;
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
