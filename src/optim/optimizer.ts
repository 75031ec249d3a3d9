/**
 * The Optimizer contract: given the gradient estimate g, update θ in place. Optimizers hold
 * state (velocity, moments) whose length is fixed at creation; the state can be read and
 * restored exactly for checkpoints. The gradient may come as p numbers (`step`) or by its
 * structure (`stepStructured`: a dense part plus scaled parts, formed element by element).
 */
import type { Vec } from '../tensor/dtype.js';
import type { Schedule } from './schedule.js';
import type { StructuredGradient } from './structured-gradient.js';

export interface OptimizerState {
  readonly kind: string;
  /** Updates done so far (drives schedules and Adam's bias correction). */
  readonly t: number;
  /** Named state buffers (e.g. Adam's m and v), each of length paramSize. */
  readonly buffers: Readonly<Record<string, Vec>>;
}

export interface Optimizer {
  readonly kind: 'sgd' | 'momentum' | 'adam';
  readonly lr: number;
  readonly schedule: Schedule;
  /** θ ← θ − update(g); g is left unchanged. */
  step(theta: Vec, grad: Vec): void;
  /**
   * The same update for a gradient given by its structure (structured-gradient.ts): each g[i]
   * formed as it is used, in one pass, θ ending bit-identical to `step(theta, g.denseInto(…))`.
   * Optional: a learner whose optimizer lacks it forms the dense gradient and calls `step`.
   */
  stepStructured?(theta: Vec, grad: StructuredGradient): void;
  /** The learning rate the next step will use (the schedule's η(t) times the scale below). */
  currentRate(): number;
  /**
   * A factor on every rate the schedule gives, 1 unless someone raised it (the drift policy
   * "boost" raises it for a while, then sets it back to 1). Not part of the state: a transient
   * setting of the optimizer object, like the schedule.
   */
  readonly learningRateScale: number;
  setLearningRateScale(scale: number): void;
  getState(): OptimizerState;
  setState(state: OptimizerState): void;
}

export interface OptimizerOptions {
  lr: number;
  /** @default { kind: 'constant' } */
  schedule?: Schedule;
}

export function checkLearningRate(kind: string, lr: unknown): number {
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) throw new RangeError(`${kind}: lr must be a finite number ≥ 0, got ${String(lr)}`);
  return lr;
}

export function checkRateScale(kind: string, scale: unknown): number {
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) throw new RangeError(`${kind}: the learning-rate scale must be a finite number > 0, got ${String(scale)}`);
  return scale;
}

export function restoreBuffers(kind: string, target: Readonly<Record<string, Vec>>, state: OptimizerState): void {
  if (state.kind !== kind) throw new TypeError(`cannot restore ${state.kind} optimizer state into ${kind}`);
  for (const [name, buffer] of Object.entries(target)) {
    const saved = state.buffers[name];
    if (saved === undefined || saved.length !== buffer.length) {
      throw new RangeError(`${kind} state buffer '${name}' must have length ${buffer.length}, got ${saved?.length ?? 'none'}`);
    }
    buffer.set(saved);
  }
}
