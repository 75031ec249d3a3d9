import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import { rflo } from '../../src/learners/rflo.js';
import { rtrl } from '../../src/learners/rtrl.js';
import { tbptt } from '../../src/learners/tbptt.js';
import { squaredError } from '../../src/loss/loss.js';
import { Rng, randomVector, relativeError } from '../support/numeric.js';
import { perturbedModel, randomStream } from './helpers.js';
import { leakyTraceGradient } from './leaky-trace.js';

const I = 2;
const H = 3;
const O = 2;
const leakyRnn = (alpha: number): ModelConfig => ({ inputSize: I, layers: [{ cell: { kind: 'leaky-rnn', hiddenSize: H, alpha } }], outputSize: O });

/** Runs the stream with θ fixed and returns the learner's last gradient. */
function lastGradient(learner: { step(x: ArrayLike<number>, y: ArrayLike<number>): unknown; gradient: Float64Array | Float32Array }, stream: ReturnType<typeof randomStream>): Float64Array {
  stream.inputs.forEach((x, t) => learner.step(x, stream.targets[t]!));
  return Float64Array.from(learner.gradient);
}

test('RFLO equals its closed-form trace, E ← (1 − α)·E + α·φ′(h)·â, read with a random feedback matrix', () => {
  const alpha = 0.5;
  const model = perturbedModel(leakyRnn(alpha), 3, 0.3);
  const stream = randomStream(7, I, O, 8);
  const B = randomVector(O * H, new Rng(9));
  const gradient = lastGradient(rflo(model, { loss: squaredError, optimizer: null, feedback: B }), stream);
  const expected = leakyTraceGradient({ theta: model.theta, inputSize: I, hiddenSize: H, outputSize: O, alpha }, stream, 1 - alpha, B);
  assert.ok(relativeError(gradient.subarray(0, expected.length), expected) < 1e-12);
});

test('RFLO is biased, but exact where it drops nothing: with W_rec = 0 it equals RTRL, otherwise not', () => {
  const model = perturbedModel(leakyRnn(0.5), 4, 0.3);
  const stream = randomStream(9, I, O, 10);
  const options = { loss: squaredError, optimizer: null } as const;
  assert.ok(relativeError(lastGradient(rflo(model, options), stream), lastGradient(rtrl(model, options), stream)) > 1e-3);
  const weightHh = H * I;
  model.theta.fill(0, weightHh, weightHh + H * H);
  assert.ok(relativeError(lastGradient(rflo(model, options), stream), lastGradient(rtrl(model, options), stream)) < 1e-12);
});

test('with α = 1 (the Elman RNN) RFLO is the one-step truncated gradient, TBPTT with k = 1', () => {
  const model = perturbedModel(leakyRnn(1), 5, 0.3);
  const stream = randomStream(6, I, O, 11);
  const options = { loss: squaredError, optimizer: null } as const;
  assert.ok(relativeError(lastGradient(rflo(model, options), stream), lastGradient(tbptt(model, { ...options, k2: 1 }), stream)) < 1e-12);
});

test('RFLO refuses a cell without a known leak, and a stack, naming what it needs', () => {
  const options = { loss: squaredError, optimizer: null } as const;
  assert.throws(() => rflo(createModel({ inputSize: I, layers: [{ cell: { kind: 'lstm', hiddenSize: H } }], outputSize: O }), options), /rflo: the lstm cell is not a leaky integrator with a known α/);
  const stack = createModel({ inputSize: I, layers: [{ cell: { kind: 'leaky-rnn', hiddenSize: H } }, { cell: { kind: 'leaky-rnn', hiddenSize: H } }], outputSize: O });
  assert.throws(() => rflo(stack, options), /rflo: the stack cell is not a leaky integrator/);
});
