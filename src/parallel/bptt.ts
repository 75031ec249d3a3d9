/**
 * Data-parallel BPTT on worker threads (Node): the batch is split by rows, this thread runs the
 * first part while each worker runs one other part on the same θ, and the gradients are
 * averaged with the rows' weights before one clip and one optimizer step here:
 *
 *   L = Σ_i (B_i/B)·L_i,   ∂L/∂θ = Σ_i (B_i/B)·∂L_i/∂θ        (every loss is a mean over rows)
 *
 * Nothing is copied but the inputs: θ, the workers' tapes and gradients all live in the one
 * shared WebAssembly memory of the arena (src/tensor/arena.ts), which each worker adopts, and
 * the threads meet through Atomics on a control block in that memory, so trainBatch stays
 * synchronous. Node-only (worker_threads), hence outside the core; the core's Bptt is the
 * reference it is tested against.
 */
import { Worker } from 'node:worker_threads';
import { arena } from '../tensor/backend.js';
import { zeros, type Vec } from '../tensor/dtype.js';
import type { Model } from '../model/model.js';
import { applyBatchGradient, bptt, type Bptt, type BpttOptions, type SequenceBatch } from '../learners/bptt.js';
import { waitUntilEqual } from './wait.js';

export interface ParallelBpttOptions extends BpttOptions {
  /** Worker threads besides this one. @default 1 */
  workers?: number;
}

/** Control block words (Int32). */
const TASK = 0; // incremented by the parent to start a task
const DONE = 1; // set by the worker to the task it finished
const STEPS = 2;
const ROWS = 3;
const INPUTS = 4; // byte address of the worker's inputs (steps × rows × inputSize)
const TARGETS = 5;
const FAILED = 6;
const QUIT = 7;
const WORDS = 16; // the loss, a float64, sits at word 8

interface WorkerHandle {
  readonly thread: Worker;
  readonly control: Int32Array;
  readonly loss: Float64Array;
  gradient: Vec;
  inputs: Vec;
  targets: Vec;
}

export class ParallelBptt {
  readonly gradient: Vec;
  private readonly local: Bptt;
  private localInputs: Vec;
  private localTargets: Vec;

  private constructor(
    readonly model: Model,
    readonly options: ParallelBpttOptions,
    private readonly workers: WorkerHandle[],
  ) {
    this.local = bptt(model, options);
    this.gradient = zeros(model.dtype, model.paramSize);
    this.localInputs = zeros(model.dtype, 0);
    this.localTargets = zeros(model.dtype, 0);
  }

  /** Starts the workers (each builds its own copy of the model's cells on the shared θ). */
  static async create(model: Model, options: ParallelBpttOptions): Promise<ParallelBptt> {
    const shared = arena;
    if (shared === null || !shared.shared || !shared.owns(model.theta)) {
      throw new Error('parallel bptt needs the WebAssembly arena on a shared memory, with the model made in it (is ONLINE_RNN_KERNELS=ts set?)');
    }
    const count = options.workers ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`parallel bptt: workers must be a positive integer, got ${count}`);
    const workers = await Promise.all(
      Array.from({ length: count }, async () => {
        const block = zeros('float64', WORDS / 2);
        const control = new Int32Array(block.buffer, block.byteOffset, WORDS);
        const loss = new Float64Array(block.buffer, block.byteOffset + 8 * 4, 1);
        const thread = new Worker(new URL('./worker.js', import.meta.url), {
          workerData: {
            memory: shared.memory,
            config: model.config,
            theta: model.theta.byteOffset,
            control: block.byteOffset,
            loss: options.loss.kind,
            lossAt: options.lossAt ?? 'every',
          },
        });
        const gradientAddress = await new Promise<number>((resolve, reject) => {
          thread.once('message', (message: { gradient: number }) => resolve(message.gradient));
          thread.once('error', reject);
        });
        thread.unref();
        const gradient = shared.view(model.dtype, gradientAddress, model.paramSize);
        return { thread, control, loss, gradient, inputs: zeros(model.dtype, 0), targets: zeros(model.dtype, 0) };
      }),
    );
    return new ParallelBptt(model, options, workers);
  }

  /** The batch's loss and gradient (into `gradient`), the rows split over the threads. */
  computeGradient(batch: SequenceBatch): number {
    const { model, workers } = this;
    const { steps, batch: B } = batch;
    const parts = workers.length + 1;
    const I = model.inputSize;
    const targetSize = this.options.loss.targetSize(model.outputSize);
    const targetSteps = (this.options.lossAt ?? 'every') === 'every' ? steps : 1;
    const rowsOf = (part: number) => Math.floor((B * (part + 1)) / parts) - Math.floor((B * part) / parts);
    const firstRow = (part: number) => Math.floor((B * part) / parts);
    // Start the workers on parts 1…W.
    workers.forEach((w, index) => {
      const part = index + 1;
      const rows = rowsOf(part);
      if (w.inputs.length < steps * rows * I) w.inputs = zeros(model.dtype, steps * rows * I);
      if (w.targets.length < targetSteps * rows * targetSize) w.targets = zeros(model.dtype, targetSteps * rows * targetSize);
      gatherRows(w.inputs, batch.inputs, steps, B, firstRow(part), rows, I);
      gatherRows(w.targets, batch.targets, targetSteps, B, firstRow(part), rows, targetSize);
      const c = w.control;
      Atomics.store(c, STEPS, steps);
      Atomics.store(c, ROWS, rows);
      Atomics.store(c, INPUTS, w.inputs.byteOffset);
      Atomics.store(c, TARGETS, w.targets.byteOffset);
      Atomics.add(c, TASK, 1);
      Atomics.notify(c, TASK);
    });
    // Part 0 here.
    const rows0 = rowsOf(0);
    if (this.localInputs.length < steps * rows0 * I) this.localInputs = zeros(model.dtype, steps * rows0 * I);
    if (this.localTargets.length < targetSteps * rows0 * targetSize) this.localTargets = zeros(model.dtype, targetSteps * rows0 * targetSize);
    gatherRows(this.localInputs, batch.inputs, steps, B, 0, rows0, I);
    gatherRows(this.localTargets, batch.targets, targetSteps, B, 0, rows0, targetSize);
    let loss =
      (rows0 / B) *
      this.local.computeGradient({
        inputs: this.localInputs.subarray(0, steps * rows0 * I),
        targets: this.localTargets.subarray(0, targetSteps * rows0 * targetSize),
        steps,
        batch: rows0,
      });
    const g = this.gradient;
    const g0 = this.local.gradient;
    for (let i = 0; i < g.length; i++) g[i] = (rows0 / B) * g0[i]!;
    // Wait for the others and add their parts.
    workers.forEach((w, index) => {
      const c = w.control;
      const task = Atomics.load(c, TASK);
      waitUntilEqual(c, DONE, task);
      if (Atomics.load(c, FAILED) !== 0) throw new Error('parallel bptt: a worker failed (see its stderr)');
      const weight = rowsOf(index + 1) / B;
      loss += weight * w.loss[0]!;
      const gw = w.gradient;
      for (let i = 0; i < g.length; i++) g[i] += weight * gw[i]!;
    });
    return loss;
  }

  /** One optimisation step on a batch; returns the loss before the update. */
  trainBatch(batch: SequenceBatch): number {
    const loss = this.computeGradient(batch);
    applyBatchGradient(this.model.theta, this.gradient, loss, this.options);
    return loss;
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        Atomics.store(w.control, QUIT, 1);
        Atomics.add(w.control, TASK, 1);
        Atomics.notify(w.control, TASK);
        await w.thread.terminate();
      }),
    );
  }
}

/** out (steps × rows × width) = rows [from, from + rows) of each step of src (steps × B × width). */
function gatherRows(out: Vec, src: ArrayLike<number>, steps: number, B: number, from: number, rows: number, width: number): void {
  for (let t = 0; t < steps; t++) {
    const o = t * rows * width;
    const s = (t * B + from) * width;
    for (let i = 0; i < rows * width; i++) out[o + i] = src[s + i]!;
  }
}

export const CONTROL = { TASK, DONE, STEPS, ROWS, INPUTS, TARGETS, FAILED, QUIT, WORDS } as const;

/** Data-parallel BPTT over `workers` worker threads plus this one. */
export function parallelBptt(model: Model, options: ParallelBpttOptions): Promise<ParallelBptt> {
  return ParallelBptt.create(model, options);
}
