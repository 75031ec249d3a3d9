/**
 * The eligibility-trace gradient of a one-layer leaky tanh RNN with a dense head, written out by
 * hand from the equations (not through the Cell contract), for the RFLO and KeRNL tests:
 *
 *   h_t = W_ih·x_t + W_hh·a_t + b,   a_{t+1} = (1 − α)·a_t + α·tanh(h_t),   ŷ_t = W·a_{t+1} + c
 *   E_ij ← γ·E_ij + α·tanh'(h_i)·â_j,   â = [x_t; a_t; 1]   (θ's row layout: W_ih, W_hh, b)
 *   g_ij = q_i·E_ij,   q = Bᵀ·(ŷ_t − y_t)   (½ squared error; B = W without feedback alignment)
 *
 * Returns the core gradient at the last step.
 */
import type { Stream } from './helpers.js';

export interface LeakyRnnCase {
  readonly theta: ArrayLike<number>;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly outputSize: number;
  readonly alpha: number;
}

export function leakyTraceGradient(c: LeakyRnnCase, stream: Stream, gamma: number, feedback: ArrayLike<number>): Float64Array {
  const { theta, inputSize: I, hiddenSize: H, outputSize: O, alpha } = c;
  const width = I + H + 1;
  const at = { weightIh: 0, weightHh: H * I, bias: H * I + H * H, head: H * I + H * H + H };
  let a = new Float64Array(H);
  const trace = new Float64Array(H * width);
  let q = new Float64Array(H);
  stream.inputs.forEach((x, t) => {
    const next = new Float64Array(H);
    for (let i = 0; i < H; i++) {
      let h = theta[at.bias + i]!;
      for (let j = 0; j < I; j++) h += theta[at.weightIh + i * I + j]! * x[j]!;
      for (let j = 0; j < H; j++) h += theta[at.weightHh + i * H + j]! * a[j]!;
      const slope = alpha * (1 - Math.tanh(h) ** 2);
      const inputs = [...x, ...a, 1];
      for (let j = 0; j < width; j++) trace[i * width + j] = gamma * trace[i * width + j]! + slope * inputs[j]!;
      next[i] = (1 - alpha) * a[i]! + alpha * Math.tanh(h);
    }
    a = next;
    const error = Array.from({ length: O }, (_, o) => {
      let y = theta[at.head + O * H + o]!;
      for (let i = 0; i < H; i++) y += theta[at.head + o * H + i]! * a[i]!;
      return y - stream.targets[t]![o]!;
    });
    q = Float64Array.from({ length: H }, (_, i) => error.reduce((sum, e, o) => sum + feedback[o * H + i]! * e, 0));
  });
  const gradient = new Float64Array(at.head);
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < I; j++) gradient[at.weightIh + i * I + j] = q[i]! * trace[i * width + j]!;
    for (let j = 0; j < H; j++) gradient[at.weightHh + i * H + j] = q[i]! * trace[i * width + I + j]!;
    gradient[at.bias + i] = q[i]! * trace[i * width + I + H]!;
  }
  return gradient;
}
