/**
 * The workloads of issue #5, defined once: sizes here are handed to every peer (TF.js, PyTorch,
 * C) so each figure compares the same work.
 *
 *   W1 online   LSTM 32 → 128, dense 32, batch 1, 200 steps: forward + BPTT + SGD (ms / sequence)
 *   W2 batched  LSTM 64 → 256, dense 64, batch 32, 50 steps, MSE: forward + backward + update
 *   W3 infer    3 bidirectional LSTM layers 10 → 256, dense 50, batch 1, 100 steps (inference)
 */
import type { DType, Vec } from '../src/tensor/dtype.js';
import { zeros } from '../src/tensor/dtype.js';
import { Rng } from '../src/tensor/rng.js';
import { createModel, type CellConfig, type ModelConfig } from '../src/model/config.js';
import { bptt } from '../src/learners/bptt.js';
import { SequenceTape } from '../src/model/sequence.js';
import { mse } from '../src/loss/loss.js';
import { sgd } from '../src/optim/sgd.js';
import type { Model } from '../src/model/model.js';
import { parallelBptt } from '../src/parallel/bptt.js';
import { parallelInference } from '../src/parallel/inference.js';

export interface SequenceWorkload {
  readonly name: string;
  readonly cell: 'lstm' | 'gru';
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly layers: number;
  readonly bidirectional: boolean;
  readonly outputSize: number;
  readonly batch: number;
  readonly steps: number;
  /** 'train' = forward + BPTT + SGD on MSE at every step; 'infer' = forward and head only. */
  readonly mode: 'train' | 'infer';
}

export const W1: SequenceWorkload = { name: 'W1', cell: 'lstm', inputSize: 32, hiddenSize: 128, layers: 1, bidirectional: false, outputSize: 32, batch: 1, steps: 200, mode: 'train' };
export const W1_GRU: SequenceWorkload = { ...W1, name: 'W1-GRU', cell: 'gru' };
export const W2: SequenceWorkload = { name: 'W2', cell: 'lstm', inputSize: 64, hiddenSize: 256, layers: 1, bidirectional: false, outputSize: 64, batch: 32, steps: 50, mode: 'train' };
export const W3: SequenceWorkload = { name: 'W3', cell: 'lstm', inputSize: 10, hiddenSize: 256, layers: 3, bidirectional: true, outputSize: 50, batch: 1, steps: 100, mode: 'infer' };

/** Multiply-adds of one run (forward; training counts backward as twice the forward). */
export function macs(w: SequenceWorkload): number {
  const gates = w.cell === 'lstm' ? 4 : 3;
  const D = w.bidirectional ? 2 : 1;
  let perStep = 0;
  let width = w.inputSize;
  for (let l = 0; l < w.layers; l++) {
    perStep += D * gates * w.hiddenSize * (width + w.hiddenSize);
    width = D * w.hiddenSize;
  }
  perStep += width * w.outputSize;
  return perStep * w.batch * w.steps * (w.mode === 'train' ? 3 : 1);
}

export function modelConfig(w: SequenceWorkload, dtype: DType): ModelConfig {
  const cell: CellConfig = w.cell === 'lstm' ? { kind: 'lstm', hiddenSize: w.hiddenSize } : { kind: 'gru', hiddenSize: w.hiddenSize };
  return { inputSize: w.inputSize, layers: Array.from({ length: w.layers }, () => ({ cell, bidirectional: w.bidirectional })), outputSize: w.outputSize, dtype };
}

/** Deterministic inputs and targets for one run (time-major, T × B × width). */
export function data(w: SequenceWorkload, dtype: DType, seed = 7): { inputs: Vec; targets: Vec } {
  const rng = new Rng(seed);
  const inputs = zeros(dtype, w.steps * w.batch * w.inputSize);
  const targets = zeros(dtype, w.steps * w.batch * w.outputSize);
  for (let i = 0; i < inputs.length; i++) inputs[i] = rng.normal();
  for (let i = 0; i < targets.length; i++) targets[i] = 0.5 * rng.normal();
  return { inputs, targets };
}

/** One run of the workload with our library: a closure that does the work. */
export function ours(w: SequenceWorkload, dtype: DType): { run: () => number; model: Model } {
  const model = createModel(modelConfig(w, dtype), { seed: 1 });
  const { inputs, targets } = data(w, dtype);
  if (w.mode === 'train') {
    const learner = bptt(model, { loss: mse, optimizer: sgd({ lr: 1e-3 }) });
    const batch = { inputs, targets, steps: w.steps, batch: w.batch };
    return { model, run: () => learner.trainBatch(batch) };
  }
  const tape = new SequenceTape(model, w.steps, w.batch);
  const head = model.head!;
  const prediction = zeros(dtype, w.steps * w.batch * w.outputSize);
  return {
    model,
    run: () => {
      tape.forward(inputs, w.steps);
      head.forward(prediction, tape.allOutputs(), model.headTheta!, w.steps * w.batch);
      return prediction[0]!;
    },
  };
}

/**
 * The same run on two threads: training with the batch split over `workers` worker threads plus
 * this one; inference with the two directions of each bidirectional layer on two threads.
 */
export async function oursParallel(w: SequenceWorkload, dtype: DType, workers: number): Promise<{ run: () => number; close: () => Promise<void> }> {
  const model = createModel(modelConfig(w, dtype), { seed: 1 });
  const { inputs, targets } = data(w, dtype);
  if (w.mode === 'infer') {
    const inference = await parallelInference(model);
    return { run: () => inference.infer(inputs, w.steps, w.batch)[0]!, close: () => inference.close() };
  }
  const learner = await parallelBptt(model, { loss: mse, optimizer: sgd({ lr: 1e-3 }), workers });
  const batch = { inputs, targets, steps: w.steps, batch: w.batch };
  return { run: () => learner.trainBatch(batch), close: () => learner.close() };
}
