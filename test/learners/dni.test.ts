import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../../src/model/config.js';
import { dni } from '../../src/learners/dni.js';
import { squaredError } from '../../src/loss/loss.js';
import { Rng, relativeError } from '../support/numeric.js';

const I = 2;
const H = 3;
const O = 2;

test('DNI’s synthetic-gradient regression converges on a fixed linear case to the credit’s Lyapunov solution P = Q + JᵀPJ', () => {
  // s' = J·s + α·W_ih·x with J = (1 − α)I + α·W_hh (linear, no bias), ŷ = W·s, targets 0, ½ squared error:
  // q = WᵀW·s =: Q·s, and with zero-mean inputs the expected future credit is c(s) = Σ_τ (Jᵀ)^τ·Q·J^τ·s = P·s.
  const alpha = 0.5;
  const model = createModel({ inputSize: I, layers: [{ cell: { kind: 'leaky-rnn', hiddenSize: H, alpha, nonlinearity: 'linear', bias: false } }], outputSize: O, headBias: false }, { seed: 2 });
  const { theta } = model;
  for (let k = H * I; k < H * I + H * H; k++) theta[k] *= 0.5; // J's spectral radius ≤ 0.75: the credit's horizon is a few steps
  const J = Array.from({ length: H * H }, (_, k) => (k % (H + 1) === 0 ? 1 - alpha : 0) + alpha * theta[H * I + k]!);
  const W = theta.subarray(H * I + H * H);
  const Q = Array.from({ length: H * H }, (_, k) => Array.from({ length: O }, (_, o) => W[o * H + Math.floor(k / H)]! * W[o * H + (k % H)]!).reduce((a, b) => a + b));
  let P = Q.slice();
  for (let iteration = 0; iteration < 2000; iteration++) {
    P = Q.map((q, k) => {
      const [i, j] = [Math.floor(k / H), k % H];
      let sum = q;
      for (let a = 0; a < H; a++) for (let b = 0; b < H; b++) sum += J[a * H + i]! * P[a * H + b]! * J[b * H + j]!;
      return sum;
    });
  }
  const learner = dni(model, { loss: squaredError, optimizer: null, syntheticLr: 0.005, seed: 1 });
  const rng = new Rng(5);
  const zero = [0, 0];
  for (let t = 0; t < 60_000; t++) learner.step([rng.normal(), rng.normal()], zero);
  const A = learner.snapshot().tensors.learnedSynthetic!;
  const m = H + O + 1;
  const stateBlock = Array.from({ length: H * H }, (_, k) => A[Math.floor(k / H) * m + (k % H)]!);
  assert.ok(relativeError(stateBlock, P) < 0.05, `A's state block ${stateBlock.map((v) => v.toFixed(3))} vs P ${P.map((v) => v.toFixed(3))}`);
});

test('DNI’s gradient is its synthetic credit A·[s_{t+1}; y*_t; 1] read through the immediate influence (tanh RNN, by hand)', () => {
  const model = createModel({ inputSize: I, layers: [{ cell: { kind: 'rnn', hiddenSize: H } }], outputSize: O }, { seed: 3 });
  const learner = dni(model, { loss: squaredError, optimizer: null, syntheticLr: 0, seed: 4 });
  const A = learner.snapshot().tensors.learnedSynthetic!;
  const { theta } = model;
  const rng = new Rng(6);
  let a = [0, 0, 0];
  let x: number[] = [];
  let previous = a;
  const target = [0.5, -1];
  for (let t = 0; t < 4; t++) {
    x = [rng.normal(), rng.normal()];
    learner.step(x, target);
    previous = a;
    a = Array.from({ length: H }, (_, i) => Math.tanh(theta[H * I + H * H + i]! + [0, 1].reduce((sum, j) => sum + theta[i * I + j]! * x[j]!, 0) + [0, 1, 2].reduce((sum, j) => sum + theta[H * I + i * H + j]! * previous[j]!, 0)));
  }
  const features = [...a, ...target, 1];
  const credit = Array.from({ length: H }, (_, i) => features.reduce((sum, f, j) => sum + A[i * features.length + j]! * f, 0));
  const expected: number[] = [];
  for (let i = 0; i < H; i++) for (let j = 0; j < I; j++) expected.push(credit[i]! * (1 - a[i]! ** 2) * x[j]!);
  for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) expected.push(credit[i]! * (1 - a[i]! ** 2) * previous[j]!);
  for (let i = 0; i < H; i++) expected.push(credit[i]! * (1 - a[i]! ** 2));
  assert.ok(relativeError(learner.gradient.subarray(0, expected.length), expected) < 1e-12);
});

test('DNI refuses a bad rate or interval by name', () => {
  const model = createModel({ inputSize: I, layers: [{ cell: { kind: 'rnn', hiddenSize: H } }], outputSize: O });
  assert.throws(() => dni(model, { loss: squaredError, optimizer: null, syntheticLr: -1 }), /dni: syntheticLr must be a number ≥ 0, got -1/);
  assert.throws(() => dni(model, { loss: squaredError, optimizer: null, fixInterval: 0 }), /dni: fixInterval must be a positive integer, got 0/);
});
