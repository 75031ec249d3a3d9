/** Shared by the learner tests: the model variants, seeded streams, and BPTT as the reference. */
import { createModel, type ModelConfig } from '../../src/model/config.js';
import { CELLS, CELL_KINDS } from '../../src/kinds/cells.js';
import type { Model } from '../../src/model/model.js';
import { bptt } from '../../src/learners/bptt.js';
import type { Learner } from '../../src/learners/learner.js';
import { mse } from '../../src/loss/loss.js';
import { sgd } from '../../src/optim/sgd.js';
import { Rng, randomVector } from '../support/numeric.js';
import { estimatorStats, exactGradient, type EstimatorStats } from '../../src/learners/gradstats.js';
import type { LearnerConfig } from '../../src/kinds/learners.js';

const head = { inputSize: 2, outputSize: 2 } as const;

/** Every unidirectional cell variant the cell table offers (and a 2-layer stack), each with a dense head. */
export const VARIANTS: ReadonlyArray<{ name: string; config: ModelConfig }> = [
  ...CELL_KINDS.flatMap((kind) => CELLS[kind].examples.map(({ name, config }) => ({ name, config: { inputSize: head.inputSize, layers: [{ cell: config }], outputSize: head.outputSize } }))),
  { name: '2-layer stack (lstm peephole, gru)', config: { inputSize: head.inputSize, layers: [{ cell: { kind: 'lstm', hiddenSize: 3, peephole: true } }, { cell: { kind: 'gru', hiddenSize: 2, resetAfter: false } }], outputSize: head.outputSize } },
];

/** A model whose parameters are its initialisation plus noise, so no block (peepholes!) is zero. */
export function perturbedModel(config: ModelConfig, seed: number, noise = 0.3): Model {
  const model = createModel(config, { seed });
  const rng = new Rng(seed + 1000);
  for (let i = 0; i < model.theta.length; i++) model.theta[i] += noise * rng.normal();
  return model;
}

export interface Stream {
  readonly inputs: Float64Array[];
  readonly targets: Float64Array[];
}

export function randomStream(steps: number, inputSize: number, targetSize: number, seed: number): Stream {
  const rng = new Rng(seed);
  return {
    inputs: Array.from({ length: steps }, () => randomVector(inputSize, rng)),
    targets: Array.from({ length: steps }, () => randomVector(targetSize, rng)),
  };
}

/** ∂/∂θ Σ_t ℓ_t by BPTT over the whole stream (bptt averages over steps, so × T). */
export function bpttSumGradient(model: Model, stream: Stream): Float64Array {
  const T = stream.inputs.length;
  const learner = bptt(model, { loss: mse, optimizer: sgd({ lr: 0 }) });
  const inputs = new Float64Array(stream.inputs.flatMap((x) => Array.from(x)));
  const targets = new Float64Array(stream.targets.flatMap((y) => Array.from(y)));
  learner.computeGradient({ inputs, targets, steps: T, batch: 1 });
  return Float64Array.from(learner.gradient, (g) => g * T);
}

/** Runs the stream and returns Σ_t of the learner's per-step gradient and the losses. */
export function sumOfEstimates(learner: Learner, stream: Stream): { sum: Float64Array; losses: number[] } {
  const sum = new Float64Array(learner.gradient.length);
  const losses: number[] = [];
  stream.inputs.forEach((x, t) => {
    const result = learner.step(x, stream.targets[t]);
    losses.push(result.loss);
    for (let i = 0; i < sum.length; i++) sum[i] += learner.gradient[i]!;
  });
  return { sum, losses };
}

/** The three cell families the unbiasedness tests cover, tiny so 10,000 replays stay fast. */
export const TINY_FAMILIES: ReadonlyArray<{ name: string; config: ModelConfig }> = [
  { name: 'tanh rnn', config: { inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 3 } }], outputSize: 2 } },
  { name: 'lstm', config: { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3 } }], outputSize: 2 } },
  { name: 'gru', config: { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3 } }], outputSize: 2 } },
];

/**
 * Each learner's estimator statistics (with its number of samples) on a fresh `hidden`-unit tanh
 * rnn (2 in, 2 out, seed 1) over the same 20-step random stream, against the exact gradient.
 */
export function statsOnRnn(hidden: number, learners: ReadonlyArray<readonly [LearnerConfig, number]>): EstimatorStats[] {
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: hidden } }], outputSize: 2 }, { seed: 1 });
  const stream = randomStream(20, 2, 2, 5);
  const exact = exactGradient(model, stream, mse);
  return learners.map(([config, samples]) => estimatorStats(config, model, stream, exact, { loss: mse, samples }));
}
