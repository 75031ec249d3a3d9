/**
 * A small learner that honours the Learner contract, for testing checkpoints before the real
 * online learners exist: it runs the model's core and head for real, estimates a gradient by
 * random sign perturbation (so it draws from its Rng every step), and keeps a decaying trace
 * and a counter, so every part of a snapshot matters to the next loss.
 */
import { zeros, type Vec } from '../../src/tensor/dtype.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Learner, LearnerSnapshot, StepResult } from '../../src/learners/learner.js';
import type { Model } from '../../src/model/model.js';
import type { OnlineModel } from '../../src/model/online.js';
import type { CellStep } from '../../src/cells/cell.js';
import { createOptimizer } from '../../src/kinds/optimizers.js';
import type { Optimizer } from '../../src/optim/optimizer.js';

export class FakeLearner implements Learner {
  readonly kind = 'fake';
  readonly state: Vec;
  readonly gradient: Vec;
  /** The model being trained (the contract's `model`). */
  readonly model: OnlineModel;
  private readonly step1: CellStep;
  private readonly trace: Vec;
  private readonly prediction: Vec;
  private readonly signs: Vec;
  readonly optimizer: Optimizer;
  private readonly rng: Rng;
  private count = 0;
  private lastLoss = NaN;

  constructor(model: Model, seed = 0) {
    this.model = model.online();
    const { core, dtype } = this.model;
    this.state = zeros(dtype, core.stateSize);
    this.gradient = zeros(dtype, this.model.paramSize);
    this.trace = zeros(dtype, this.model.paramSize);
    this.signs = zeros(dtype, this.model.paramSize);
    this.prediction = zeros(dtype, this.model.outputSize);
    this.step1 = core.createStep(1);
    this.optimizer = createOptimizer({ kind: 'adam', lr: 0.01 }, this.model.paramSize, dtype);
    this.rng = new Rng(seed);
  }

  get steps(): number {
    return this.count;
  }

  step(x: ArrayLike<number>, target?: ArrayLike<number> | null): StepResult {
    const { core, head, coreTheta } = this.model;
    const input = zeros(this.model.dtype, core.inputSize);
    input.set(x);
    this.step1.forward(this.state, input, this.state, coreTheta);
    const y = this.state.subarray(core.outputOffset, core.outputOffset + core.outputSize);
    if (head === null) this.prediction.set(y);
    else head.forward(this.prediction, y, this.model.headTheta!, 1);
    let loss = 0;
    for (let i = 0; i < this.prediction.length; i++) loss += (this.prediction[i]! - (target?.[i] ?? 0)) ** 2;
    this.rng.fillSigns(this.signs);
    for (let i = 0; i < this.gradient.length; i++) {
      this.trace[i] = 0.9 * this.trace[i]! + 0.1 * this.signs[i]!;
      this.gradient[i] = (loss - (Number.isNaN(this.lastLoss) ? loss : this.lastLoss) + 1e-3) * this.trace[i]!;
    }
    this.optimizer.step(this.model.theta, this.gradient);
    this.lastLoss = loss;
    this.count++;
    return { loss, prediction: this.prediction, updated: true };
  }

  reset(): void {
    this.state.fill(0);
    this.trace.fill(0);
  }

  snapshot(): LearnerSnapshot {
    return {
      kind: this.kind,
      step: this.count,
      tensors: { state: this.state.slice(), trace: this.trace.slice() },
      values: { lastLoss: this.lastLoss },
      rng: this.rng.getState(),
      optimizer: this.optimizer.getState(),
    };
  }

  restore(snapshot: LearnerSnapshot): void {
    if (snapshot.kind !== this.kind) throw new TypeError(`cannot restore ${snapshot.kind} into fake`);
    this.state.set(snapshot.tensors.state!);
    this.trace.set(snapshot.tensors.trace!);
    this.lastLoss = snapshot.values.lastLoss!;
    this.rng.setState(snapshot.rng!);
    this.optimizer.setState(snapshot.optimizer!);
    this.count = snapshot.step;
  }
}
