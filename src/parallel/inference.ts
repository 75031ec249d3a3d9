/**
 * Bidirectional inference on two threads (Node): in every bidirectional layer this thread runs
 * the forward direction while a worker runs the backward one over the same layer input, each
 * writing its half of the layer's output rows; the two meet (Atomics) before the next layer.
 * Unidirectional layers run here. Like the batch split (./bptt.ts), θ, the inputs and every
 * layer's outputs live in the shared WebAssembly memory, so nothing is copied between threads.
 *
 *   out_l[t] = [→h_l(t); ←h_l(t)],  →h over t = 0…T−1 here,  ←h over t = T−1…0 on the worker.
 */
import { Worker } from 'node:worker_threads';
import { arena } from '../tensor/backend.js';
import { zeros, type Vec } from '../tensor/dtype.js';
import type { Model } from '../model/model.js';
import { DirectionRun } from './direction.js';
import { waitUntilEqual } from './wait.js';

/** Control block words (Int32). */
export const INFERENCE = { TASK: 0, DONE: 1, LAYER: 2, STEPS: 3, BATCH: 4, INPUT: 5, OUTPUT: 6, QUIT: 7, WORDS: 8 } as const;

export class ParallelInference {
  private readonly forwardRuns: DirectionRun[];
  private layerBuffers: Vec[] = [];
  private inputBuffer: Vec;
  private prediction: Vec;
  private capacity = { steps: 0, batch: 0 };

  private constructor(
    readonly model: Model,
    private readonly worker: Worker,
    private readonly control: Int32Array,
  ) {
    this.forwardRuns = model.layers.map((layer) => new DirectionRun(layer.cells[0]!, false));
    this.inputBuffer = zeros(model.dtype, 0);
    this.prediction = zeros(model.dtype, 0);
  }

  static async create(model: Model): Promise<ParallelInference> {
    const shared = arena;
    if (shared === null || !shared.shared || !shared.owns(model.theta)) throw new Error('parallel inference needs the WebAssembly arena on a shared memory (is ONLINE_RNN_KERNELS=ts set?)');
    const keras = model.layers.findIndex((layer) => layer.goBackwards || layer.merge !== 'concat');
    if (keras >= 0 || !model.returnSequences) throw new Error(`parallel inference runs concatenating, forward-reading layers that return sequences; ${keras >= 0 ? `layer ${keras} has goBackwards or merge` : 'the model has returnSequences false'} (use runSequence)`);
    const block = zeros('float64', INFERENCE.WORDS / 2);
    const control = new Int32Array(block.buffer, block.byteOffset, INFERENCE.WORDS);
    const worker = new Worker(new URL('./inference-worker.js', import.meta.url), {
      workerData: { memory: shared.memory, config: model.config, theta: model.theta.byteOffset, control: block.byteOffset },
    });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    worker.unref();
    return new ParallelInference(model, worker, control);
  }

  /** The model's outputs for inputs (steps × batch × inputSize): (steps × batch × outputSize), a view valid until the next call. */
  infer(inputs: ArrayLike<number>, steps: number, batch: number): Vec {
    const { model, control: c } = this;
    this.ensure(steps, batch);
    const I = model.inputSize;
    if (inputs.length !== steps * batch * I) throw new RangeError(`parallel inference: inputs must be (${steps} × ${batch} × ${I}) numbers, got ${inputs.length}`);
    this.inputBuffer.set(inputs);
    let layerInput: Vec = this.inputBuffer; // whole buffers, so the runs' per-step views are made once
    model.layers.forEach((layer, l) => {
      const output = this.layerBuffers[l]!;
      if (layer.bidirectional) {
        Atomics.store(c, INFERENCE.LAYER, l);
        Atomics.store(c, INFERENCE.STEPS, steps);
        Atomics.store(c, INFERENCE.BATCH, batch);
        Atomics.store(c, INFERENCE.INPUT, layerInput.byteOffset);
        Atomics.store(c, INFERENCE.OUTPUT, output.byteOffset);
        Atomics.add(c, INFERENCE.TASK, 1);
        Atomics.notify(c, INFERENCE.TASK);
      }
      this.forwardRuns[l]!.run(layerInput, output, { steps, batch, width: layer.outputSize, offset: 0, theta: model.cellTheta(l, 0) });
      if (layer.bidirectional) {
        const task = Atomics.load(c, INFERENCE.TASK);
        waitUntilEqual(c, INFERENCE.DONE, task);
      }
      layerInput = output;
    });
    const last = layerInput.subarray(0, steps * batch * model.layers[model.layers.length - 1]!.outputSize);
    if (model.head === null) return last;
    const prediction = this.prediction.subarray(0, steps * batch * model.outputSize);
    model.head.forward(prediction, last, model.headTheta!, steps * batch);
    return prediction;
  }

  async close(): Promise<void> {
    Atomics.store(this.control, INFERENCE.QUIT, 1);
    Atomics.add(this.control, INFERENCE.TASK, 1);
    Atomics.notify(this.control, INFERENCE.TASK);
    await this.worker.terminate();
  }

  private ensure(steps: number, batch: number): void {
    if (steps === this.capacity.steps && batch === this.capacity.batch) return; // exact: whole buffers are passed on
    const { model } = this;
    this.inputBuffer = zeros(model.dtype, steps * batch * model.inputSize);
    this.layerBuffers = model.layers.map((layer) => zeros(model.dtype, steps * batch * layer.outputSize));
    this.prediction = zeros(model.dtype, steps * batch * model.outputSize);
    this.capacity = { steps, batch };
  }
}

/** Inference with the two directions of each bidirectional layer on two threads. */
export function parallelInference(model: Model): Promise<ParallelInference> {
  return ParallelInference.create(model);
}
