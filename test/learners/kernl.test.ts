import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelConfig } from '../../src/model/config.js';
import { kernl } from '../../src/learners/kernl.js';
import { squaredError } from '../../src/loss/loss.js';
import { relativeError } from '../support/numeric.js';
import { perturbedModel, randomStream } from './helpers.js';
import { leakyTraceGradient } from './leaky-trace.js';

const I = 2;
const H = 3;
const O = 2;
const leakyRnn = (alpha: number): ModelConfig => ({ inputSize: I, layers: [{ cell: { kind: 'leaky-rnn', hiddenSize: H, alpha } }], outputSize: O });

test('with A and α held at their start (I and 0.8), KeRNL is its trace definition: E ← (1 − 0.8)·E + ∂F/∂θ, ĝ = (Aᵀq)·E', () => {
  const model = perturbedModel(leakyRnn(0.5), 3, 0.3);
  const stream = randomStream(7, I, O, 8);
  const learner = kernl(model, { loss: squaredError, optimizer: null, kernelLr: 0, seed: 1 });
  stream.inputs.forEach((x, t) => learner.step(x, stream.targets[t]!));
  const head = model.theta.subarray(model.theta.length - O * H - O, model.theta.length - O);
  const expected = leakyTraceGradient({ theta: model.theta, inputSize: I, hiddenSize: H, outputSize: O, alpha: 0.5 }, stream, 1 - 0.8, head);
  assert.ok(relativeError(learner.gradient.subarray(0, expected.length), expected) < 1e-9);
});

test('KeRNL’s perturbation regression finds the true sensitivity where its form is exact: W_rec = 0 gives A → I and α → the leak', () => {
  // With W_rec = 0, ∂s_{t+Δ}/∂s_t = (1 − α)^Δ·I exactly: KeRNL's A·diag(1 − α_KeRNL)^Δ with A = I, α_KeRNL = α.
  const alpha = 0.5;
  const model = perturbedModel(leakyRnn(alpha), 4, 0.3);
  model.theta.fill(0, H * I, H * I + H * H);
  const stream = randomStream(4000, I, O, 12);
  const learner = kernl(model, { loss: squaredError, optimizer: null, kernelLr: 2e-3, seed: 3 });
  stream.inputs.forEach((x, t) => learner.step(x, stream.targets[t]!));
  const { learnedSensitivity, learnedRates } = learner.snapshot().tensors;
  const identity = Float64Array.from({ length: H * H }, (_, k) => (k % (H + 1) === 0 ? 1 : 0));
  assert.ok(relativeError(learnedSensitivity!, identity) < 0.02, `A = ${Array.from(learnedSensitivity!)}`);
  for (const rate of learnedRates!) assert.ok(Math.abs(rate - alpha) < 0.01, `α = ${Array.from(learnedRates!)}`);
});

test('KeRNL refuses a bad sigma or rate by name', () => {
  const model = perturbedModel(leakyRnn(0.5), 1);
  assert.throws(() => kernl(model, { loss: squaredError, optimizer: null, sigma: 0 }), /kernl: sigma must be a positive number, got 0/);
  assert.throws(() => kernl(model, { loss: squaredError, optimizer: null, kernelLr: -1 }), /kernl: kernelLr must be a number ≥ 0, got -1/);
});
