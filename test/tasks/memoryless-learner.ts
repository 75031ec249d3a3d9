/**
 * A stand-in Learner for the tests of tasks and of the training loop: ŷ = W·x + b trained by
 * plain SGD, no recurrence at all. Being memoryless by construction, it should settle on each
 * task's memoryless reference — which makes it a check of those references.
 */
import type { Learner, LearnerSnapshot, StepResult } from '../../src/learners/learner.js';
import { DivergenceError } from '../../src/learners/learner.js';
import type { Loss } from '../../src/loss/loss.js';
import type { OnlineModel } from '../../src/model/online.js';

export class MemorylessLearner implements Learner {
  readonly kind = 'memoryless';
  steps = 0;
  resets = 0;
  readonly state = new Float64Array(0);
  /** [W (outputSize × inputSize) row-major; b (outputSize)]. */
  readonly theta: Float64Array;
  readonly gradient: Float64Array;
  private readonly prediction: Float64Array;
  private readonly dPrediction: Float64Array;
  /** Only θ is read through it (by the training loop): a linear map is not an OnlineModel. */
  readonly model: OnlineModel;

  constructor(
    readonly inputSize: number,
    readonly outputSize: number,
    readonly loss: Loss,
    readonly lr: number,
    /** Throw DivergenceError at this step (to test the loop). */
    readonly divergeAt = Infinity,
  ) {
    this.theta = new Float64Array(outputSize * (inputSize + 1));
    this.gradient = new Float64Array(this.theta.length);
    this.prediction = new Float64Array(outputSize);
    this.dPrediction = new Float64Array(outputSize);
    this.model = { theta: this.theta } as unknown as OnlineModel;
  }

  step(x: ArrayLike<number>, target?: ArrayLike<number> | null): StepResult {
    this.steps++;
    if (this.steps >= this.divergeAt) throw new DivergenceError(this.steps, 'loss');
    const { inputSize: I, outputSize: O, theta } = this;
    for (let o = 0; o < O; o++) {
      let a = theta[O * I + o]!;
      for (let i = 0; i < I; i++) a += theta[o * I + i]! * x[i]!;
      this.prediction[o] = a;
    }
    if (target === null || target === undefined) return { loss: Number.NaN, prediction: this.prediction, updated: false };
    const loss = this.loss.evaluate(this.dPrediction, this.prediction, target, O, 1);
    for (let o = 0; o < O; o++) {
      const d = this.dPrediction[o]!;
      for (let i = 0; i < I; i++) this.gradient[o * I + i] = d * x[i]!;
      this.gradient[O * I + o] = d;
    }
    for (let j = 0; j < theta.length; j++) theta[j] -= this.lr * this.gradient[j]!;
    return { loss, prediction: this.prediction, updated: true };
  }

  reset(): void {
    this.resets++;
  }

  snapshot(): LearnerSnapshot {
    return { kind: this.kind, step: this.steps, tensors: { theta: Float64Array.from(this.theta) }, values: {}, rng: null, optimizer: null };
  }

  restore(snapshot: LearnerSnapshot): void {
    this.theta.set(snapshot.tensors.theta!);
    this.steps = snapshot.step;
  }
}
