/**
 * Backpropagation through time over whole sequences (offline, mini-batched): the only learner
 * for bidirectional models, and the reference every online estimator is compared with.
 *
 *   L = (1/|S|) Σ_{t∈S} ℓ(head(y_t), target_t),  S = every step or only the last,
 *   ∂L/∂θ by one reverse sweep of the SequenceTape, then clipping and the optimizer.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { allFinite } from '../tensor/kernels.js';
import type { Loss } from '../loss/loss.js';
import type { Model } from '../model/model.js';
import { SequenceTape } from '../model/sequence.js';
import type { Optimizer } from '../optim/optimizer.js';
import { clipGradNorm } from '../optim/clip.js';

/** A mini-batch of equal-length sequences, time-major. */
export interface SequenceBatch {
  /** (steps × batch × inputSize). */
  readonly inputs: ArrayLike<number>;
  /** (steps × batch × targetSize) when the loss is at every step, (batch × targetSize) when only at the last. */
  readonly targets: ArrayLike<number>;
  readonly steps: number;
  readonly batch: number;
  /** Initial states per layer-direction (batch × n); omitted = zeros. */
  readonly initialStates?: ReadonlyArray<Vec | null>;
}

export type LossAt = 'every' | 'last';

export interface BpttOptions {
  loss: Loss;
  optimizer: Optimizer;
  /** @default 'every' */
  lossAt?: LossAt;
  /** Clip the gradient to this global norm before the update. @default no clipping */
  clip?: number;
}

export class Bptt {
  readonly lossAt: LossAt;
  readonly gradient: Vec;
  private tape: SequenceTape | null = null;
  private inputs: Vec;
  private prediction: Vec;
  private dPrediction: Vec;
  private dOutputs: Vec;

  constructor(
    readonly model: Model,
    readonly options: BpttOptions,
  ) {
    if (!model.returnSequences) throw new TypeError('bptt: the model has returnSequences false (one output per sequence, as imported from Keras); training here needs an output at every step');
    this.lossAt = options.lossAt ?? 'every';
    if (this.lossAt !== 'every' && this.lossAt !== 'last') throw new TypeError(`bptt: lossAt must be 'every' or 'last', got ${String(this.lossAt)}`);
    if (options.clip !== undefined && !(options.clip > 0)) throw new RangeError(`bptt: clip must be > 0, got ${options.clip}`);
    this.gradient = zeros(model.dtype, model.paramSize);
    this.inputs = zeros(model.dtype, 0);
    this.prediction = zeros(model.dtype, 0);
    this.dPrediction = zeros(model.dtype, 0);
    this.dOutputs = zeros(model.dtype, 0);
  }

  private tapeFor(steps: number, batch: number): SequenceTape {
    const t = this.tape;
    if (t !== null && t.maxSteps >= steps && t.batch === batch) return t;
    const { model } = this;
    this.tape = new SequenceTape(model, steps, batch);
    this.inputs = zeros(model.dtype, steps * batch * model.inputSize);
    this.prediction = zeros(model.dtype, steps * batch * model.outputSize);
    this.dPrediction = zeros(model.dtype, steps * batch * model.outputSize);
    this.dOutputs = zeros(model.dtype, steps * batch * model.layers[model.layers.length - 1]!.outputSize);
    return this.tape;
  }

  /**
   * The loss of a batch and its exact gradient ∂L/∂θ, written into `this.gradient` (not
   * accumulated). Returns L. The tape keeps ∂L/∂inputs and ∂L/∂(initial states).
   */
  computeGradient(batch: SequenceBatch): number {
    const { model, options } = this;
    const { steps, batch: B } = batch;
    const tape = this.tapeFor(steps, B);
    if (batch.inputs.length !== steps * B * model.inputSize) {
      throw new RangeError(`bptt: inputs must be (steps ${steps} × batch ${B} × inputSize ${model.inputSize}) = ${steps * B * model.inputSize} numbers, got ${batch.inputs.length}`);
    }
    if (!allFinite(batch.inputs)) throw new RangeError(`bptt: inputs contain NaN or Inf (first at index ${firstNonFinite(batch.inputs)})`);
    if (!allFinite(batch.targets)) throw new RangeError(`bptt: targets contain NaN or Inf (first at index ${firstNonFinite(batch.targets)})`);
    const targetSize = options.loss.targetSize(model.outputSize);
    const lossSteps = this.lossAt === 'every' ? steps : 1;
    if (batch.targets.length !== lossSteps * B * targetSize) {
      throw new RangeError(`bptt: targets must be (${lossSteps} × batch ${B} × ${targetSize}) = ${lossSteps * B * targetSize} numbers for loss at ${this.lossAt} step(s), got ${batch.targets.length}`);
    }
    const inputs = this.inputs.subarray(0, steps * B * model.inputSize);
    inputs.set(batch.inputs);
    tape.forward(inputs, steps, batch.initialStates);

    const gradient = this.gradient;
    gradient.fill(0);
    const width = model.layers[model.layers.length - 1]!.outputSize;
    const dOutputs = this.dOutputs.subarray(0, steps * B * width);
    dOutputs.fill(0);
    const head = model.head;
    const headTheta = model.headTheta;
    const dHead = model.headSlice(gradient);
    // The loss rows: every step's B rows at once (one GEMM for the head each way), or the last step's.
    // Each loss is a mean over rows, and every step has B of them, so the mean over all steps·B rows
    // is the mean over steps of the per-step losses, gradients included.
    const first = this.lossAt === 'every' ? 0 : steps - 1;
    const rows = (steps - first) * B;
    const y = this.lossAt === 'every' ? tape.allOutputs() : tape.output(steps - 1);
    const dOut = dOutputs.subarray(first * B * width);
    let total: number;
    if (head === null) {
      total = options.loss.evaluate(dOut, y, batch.targets, model.outputSize, rows);
    } else {
      const prediction = this.prediction.subarray(0, rows * model.outputSize);
      const dPrediction = this.dPrediction.subarray(0, rows * model.outputSize);
      head.forward(prediction, y, headTheta!, rows);
      total = options.loss.evaluate(dPrediction, prediction, batch.targets, model.outputSize, rows);
      head.vjp(dOut, dHead, dPrediction, y, headTheta!, rows);
    }
    tape.backward(gradient, dOutputs);
    return total;
  }

  /** One optimisation step on a batch: gradient, clipping, update. Returns the loss before the update. */
  trainBatch(batch: SequenceBatch): number {
    const loss = this.computeGradient(batch);
    applyBatchGradient(this.model.theta, this.gradient, loss, this.options);
    return loss;
  }

  /** The tape of the last batch, for ∂L/∂inputs and ∂L/∂(initial states). */
  get lastTape(): SequenceTape {
    if (this.tape === null) throw new Error('bptt: no batch has been run yet');
    return this.tape;
  }
}

function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** The update every batch trainer shares: refuse a diverged loss, clip, step the optimizer. */
export function applyBatchGradient(theta: Vec, gradient: Vec, loss: number, options: Pick<BpttOptions, 'clip' | 'optimizer'>): void {
  if (!Number.isFinite(loss)) throw new RangeError(`bptt: the loss diverged (${loss}); lower the learning rate or clip the gradient`);
  if (options.clip !== undefined) clipGradNorm(gradient, options.clip);
  options.optimizer.step(theta, gradient);
}

export function bptt(model: Model, options: BpttOptions): Bptt {
  return new Bptt(model, options);
}
