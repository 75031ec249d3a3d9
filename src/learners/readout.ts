/**
 * The per-step readout every learner shares: the head, the loss, and their gradients.
 * Given the core output y = y(s_{t+1}) it computes ŷ_t and ℓ_t, writes ∂ℓ_t/∂s_{t+1} (zero
 * outside the output slice) and adds ∂ℓ_t/∂θ_head into a θ-shaped buffer. No allocation.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { allFinite, matmulAB } from '../tensor/kernels.js';
import type { Loss } from '../loss/loss.js';
import type { OnlineModel } from '../model/online.js';

export class Readout {
  /** ŷ_t (outputSize). */
  readonly prediction: Vec;
  /** ∂ℓ_t/∂s_{t+1} (stateSize): nonzero only on the core's output slice. */
  readonly dState: Vec;
  private readonly dPrediction: Vec;
  private readonly dOutput: Vec;
  private readonly output: Vec;
  private readonly targetSize: number;

  constructor(
    readonly model: OnlineModel,
    readonly loss: Loss,
    /** Feedback alignment's B (learners/feedback.ts, eq. 2), or null for the head's transpose. */
    private readonly feedback: Vec | null = null,
  ) {
    const { core, dtype } = model;
    this.prediction = zeros(dtype, model.outputSize);
    this.dPrediction = zeros(dtype, model.outputSize);
    this.dOutput = zeros(dtype, core.outputSize);
    this.output = zeros(dtype, core.outputSize);
    this.dState = zeros(dtype, core.stateSize);
    this.targetSize = loss.targetSize(model.outputSize);
  }

  /** Checks one timestep's input and target at the boundary, naming the problem. */
  checkInput(x: ArrayLike<number>, target: ArrayLike<number> | null | undefined, step: number): void {
    const { inputSize } = this.model.core;
    if (x.length !== inputSize) throw new RangeError(`step ${step}: input must have ${inputSize} numbers, got ${x.length}`);
    if (!allFinite(x)) throw new RangeError(`step ${step}: input contains NaN or Inf`);
    if (target !== null && target !== undefined) {
      if (target.length !== this.targetSize) throw new RangeError(`step ${step}: target must have ${this.targetSize} numbers for ${this.loss.kind}, got ${target.length}`);
      if (!allFinite(target)) throw new RangeError(`step ${step}: target contains NaN or Inf`);
    }
  }

  /** ŷ_t = head(y(s)) without a loss (a step with no target). */
  predict(sNext: Vec): void {
    const { model } = this;
    const core = model.core;
    if (model.head === null) {
      for (let j = 0; j < core.outputSize; j++) this.prediction[j] = sNext[core.outputOffset + j];
    } else {
      for (let j = 0; j < core.outputSize; j++) this.output[j] = sNext[core.outputOffset + j];
      model.head.forward(this.prediction, this.output, model.headTheta!, 1);
    }
  }

  /**
   * ŷ_t and ℓ_t from the new state; writes `dState` = ∂ℓ_t/∂s_{t+1} and, when dTheta is
   * given, adds ∂ℓ_t/∂θ_head into its head slice. Returns ℓ_t.
   */
  evaluate(sNext: Vec, target: ArrayLike<number>, dTheta: Vec | null): number {
    const { model, loss } = this;
    const core = model.core;
    this.predict(sNext);
    let value: number;
    if (model.head === null) {
      value = loss.evaluate(this.dOutput, this.prediction, target, model.outputSize, 1);
    } else {
      value = loss.evaluate(this.dPrediction, this.prediction, target, model.outputSize, 1);
      const { feedback } = this;
      model.head.vjp(feedback === null ? this.dOutput : null, dTheta === null ? null : model.headSlice(dTheta), this.dPrediction, this.output, model.headTheta!, 1);
      if (feedback !== null) matmulAB(this.dOutput, this.dPrediction, feedback, 1, core.outputSize, model.outputSize); // Bᵀ·∂ℓ/∂ŷ
    }
    this.dState.fill(0);
    for (let j = 0; j < core.outputSize; j++) this.dState[core.outputOffset + j] = this.dOutput[j];
    return value;
  }
}
