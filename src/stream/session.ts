/**
 * A streaming session over any model + learner: predict now, learn when the target arrives.
 *
 * At step t the learner runs s_{t+1} = F(x_t, s_t; θ) and predicts ŷ_t (learner.ts). In a live
 * stream the target y_t comes later — with step t+d for a fixed delay d, or by id whenever it
 * comes. The gradient then applied is the gradient of ℓ_t(ŷ_t, y_t) *as the learner defines it
 * at step t*: what it would have applied had y_t come with x_t. The session gets it without
 * knowing any learner's internals, from the Learner contract alone:
 *
 *   predict(x_t):  S_t = learner.snapshot()  (everything before step t: s_t, M_t or s̃_t θ̃_t,
 *                  the TBPTT window, the Rng),  then learner.step(x_t) → ŷ_t             (1)
 *   learn(y_t):    C = learner.snapshot();  learner.restore(S_t with C's optimizer);
 *                  learner.step(x_t, y_t);  learner.reset()  (flushes a TBPTT chunk);
 *                  learner.restore(C with the optimizer just updated)                    (2)
 *
 * θ is not in a snapshot, so (2) leaves θ updated and every other buffer as it was. With θ
 * fixed, (2) recomputes exactly step t's gradient: the same s_t, the same M_t (RTRL) or s̃_t, θ̃_t
 * and the same random signs (UORO, NoBackTrack, whose Rng is part of S_t) — so RTRL's delayed
 * gradient is BPTT's gradient of ℓ_t and UORO/NBT stay unbiased. When θ moved between t and the
 * target's arrival, step t is linearised again at the current θ from its stored state, as TBPTT
 * does with its window. TBPTT applies each late loss as its own backward pass through the k2
 * steps that ended at t (reset() flushes the chunk), so its k1 schedule holds for delay 0 only.
 * Cost of a delay d (docs/streaming.md): d + 1 stored snapshots (memory d × the learner's
 * snapshot), and per target two restores, one snapshot and one learner step.
 *
 * With nothing pending, `observe(x, y)` is exactly `learner.step(x, y)` (delay 0: bit-identical).
 */
import type { Learner, LearnerSnapshot } from '../learners/learner.js';

/** A prediction's name: the caller's, or the step number the session gave it. */
export type PredictionId = string | number;

export interface SessionOptions {
  /**
   * The target of step t comes with step t+d: `observe(x_t, y)` learns y for the prediction made
   * d steps earlier (null or absent during the first d steps). @default 0
   */
  delay?: number;
  /** At most this many predictions wait for a target; the oldest is dropped beyond it. @default 100000 */
  maxPending?: number;
}

/** What `predict` returns: the id the target must come back with, and ŷ_t (a copy). */
export interface Prediction {
  readonly id: PredictionId;
  readonly step: number;
  readonly prediction: Float64Array;
}

/** What `learn` returns: the loss of the prediction it scored, and that prediction. */
export interface Learned {
  readonly id: PredictionId;
  readonly step: number;
  /** ℓ_t as the learner measured it when the target arrived. */
  readonly loss: number;
  /** ŷ_t as `predict` returned it. */
  readonly prediction: Float64Array;
}

/** One prediction still waiting for its target. */
export interface PendingPrediction {
  readonly id: PredictionId;
  readonly step: number;
  readonly x: Float64Array;
  readonly prediction: Float64Array;
  /** The learner before step t, without its optimizer state (the current one is used). */
  readonly before: LearnerSnapshot;
}

/** Everything a session needs to continue bit for bit (with the model's θ, saved beside it). */
export interface SessionSnapshot {
  readonly learner: LearnerSnapshot;
  readonly pending: readonly PendingPrediction[];
  readonly values: { readonly step: number; readonly dropped: number; readonly learned: number };
  readonly lastPrediction: Float64Array | null;
}

export class StreamSession {
  readonly delay: number;
  readonly maxPending: number;
  /** Predictions made (steps the session consumed). */
  step = 0;
  /** Targets learned. */
  learned = 0;
  /** Predictions dropped unanswered beyond maxPending. */
  dropped = 0;
  private readonly pending = new Map<string, PendingPrediction>();
  private lastPrediction: Float64Array | null = null;
  /** θ before a target-less step (see stepWithoutLearning). */
  private readonly thetaBefore: Float64Array | Float32Array;

  constructor(
    readonly learner: Learner,
    options: SessionOptions = {},
  ) {
    const delay = options.delay ?? 0;
    if (!Number.isInteger(delay) || delay < 0) throw new RangeError(`session: delay must be a non-negative integer, got ${delay}`);
    const maxPending = options.maxPending ?? 100_000;
    if (!Number.isInteger(maxPending) || maxPending < delay + 1) throw new RangeError(`session: maxPending must be an integer ≥ delay + 1 = ${delay + 1}, got ${maxPending}`);
    this.delay = delay;
    this.maxPending = maxPending;
    this.thetaBefore = learner.model.theta.slice();
  }

  get inputSize(): number {
    return this.learner.model.core.inputSize;
  }
  get outputSize(): number {
    return this.learner.model.outputSize;
  }
  /** How many predictions wait for a target. */
  get waiting(): number {
    return this.pending.size;
  }
  /** The ids waiting, oldest first. */
  pendingIds(): PredictionId[] {
    return [...this.pending.values()].map((entry) => entry.id);
  }

  /** Eq. (1): runs x_t, keeps what its target will need, returns ŷ_t. */
  predict(x: ArrayLike<number>, id?: PredictionId): Prediction {
    const name = id ?? this.step;
    const key = keyOf(name);
    if (this.pending.has(key)) throw new RangeError(`session: prediction id ${JSON.stringify(name)} is already waiting for its target`);
    const before = this.learner.snapshot();
    const prediction = Float64Array.from(this.stepWithoutLearning(x, before));
    const entry: PendingPrediction = { id: name, step: this.step++, x: Float64Array.from(x), prediction, before: withoutOptimizer(before) };
    this.pending.set(key, entry);
    this.lastPrediction = entry.prediction;
    if (this.pending.size > this.maxPending) {
      this.pending.delete(this.pending.keys().next().value!);
      this.dropped++;
    }
    return entry;
  }

  /**
   * learner.step(x) with no target. A learner on a fixed schedule (TBPTT every k1 steps) may
   * update then — with no loss in its window: a prediction must not move θ, so that is undone.
   */
  private stepWithoutLearning(x: ArrayLike<number>, before: LearnerSnapshot): Float64Array | Float32Array {
    const { theta } = this.learner.model;
    this.thetaBefore.set(theta);
    const result = this.learner.step(x, null);
    if (result.updated) {
      theta.set(this.thetaBefore);
      this.learner.restore({ ...this.learner.snapshot(), optimizer: before.optimizer });
    }
    return result.prediction;
  }

  /** Eq. (2): the target of the oldest waiting prediction, or of the one named `id`. */
  learn(y: ArrayLike<number>, id?: PredictionId): Learned {
    const key = id === undefined ? this.pending.keys().next().value : keyOf(id);
    const entry = key === undefined ? undefined : this.pending.get(key);
    if (entry === undefined) throw new RangeError(id === undefined ? 'session: no prediction is waiting for a target' : `session: no prediction with id ${JSON.stringify(id)} is waiting for a target`);
    const { learner } = this;
    const current = learner.snapshot();
    learner.restore({ ...entry.before, optimizer: current.optimizer });
    let loss: number;
    try {
      loss = learner.step(entry.x, y).loss;
      learner.reset();
    } catch (error) {
      learner.restore(current); // a bad target leaves the session as it was
      throw error;
    }
    const optimizer = learner.snapshot().optimizer;
    learner.restore({ ...current, optimizer });
    this.pending.delete(key!);
    this.learned++;
    return { id: entry.id, step: entry.step, loss, prediction: entry.prediction };
  }

  /**
   * Predict, then learn. With nothing waiting and delay 0 this is `learner.step(x, y)` itself.
   * With a delay d, y is the target of the prediction made d steps before (omit it at first).
   */
  observe(x: ArrayLike<number>, y?: ArrayLike<number> | null, id?: PredictionId): { prediction: Prediction; learned: Learned | null } {
    const hasTarget = y !== null && y !== undefined;
    if (this.delay === 0 && this.pending.size === 0) {
      const name = id ?? this.step;
      const result = this.learner.step(x, hasTarget ? y : null);
      const prediction = Float64Array.from(result.prediction);
      const step = this.step++;
      this.lastPrediction = prediction;
      if (!hasTarget) return { prediction: { id: name, step, prediction }, learned: null };
      this.learned++;
      return { prediction: { id: name, step, prediction }, learned: { id: name, step, loss: result.loss, prediction } };
    }
    if (hasTarget && this.pending.size < this.delay) throw new RangeError(`session: with delay ${this.delay}, targets start at step ${this.delay} (no prediction is ${this.delay} steps old yet)`);
    const prediction = this.predict(x, id);
    if (hasTarget) return { prediction, learned: this.learn(y) };
    // With a fixed delay the target of step t − d comes now or never.
    if (this.pending.size > this.delay) this.dismiss();
    return { prediction, learned: null };
  }

  /** Drops the oldest waiting prediction (or the one named `id`) without learning from it. */
  dismiss(id?: PredictionId): void {
    const key = id === undefined ? this.pending.keys().next().value : keyOf(id);
    if (key === undefined || !this.pending.delete(key)) throw new RangeError(`session: no prediction${id === undefined ? '' : ` with id ${JSON.stringify(id)}`} is waiting for a target`);
    this.dropped++;
  }

  /**
   * ŷ for the next `horizon` steps from a copy of the state, learning nothing. With `inputs`
   * (horizon rows) they are fed in turn; without, the model runs autoregressively from the last
   * prediction (for series whose input is the previous value: inputSize = outputSize).
   */
  forecast(horizon: number, inputs?: ReadonlyArray<ArrayLike<number>>): Float64Array[] {
    if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`session: forecast horizon must be a positive integer, got ${horizon}`);
    if (inputs !== undefined && inputs.length !== horizon) throw new RangeError(`session: forecast needs ${horizon} input rows, got ${inputs.length}`);
    if (inputs === undefined) {
      if (this.inputSize !== this.outputSize) throw new RangeError(`session: an autoregressive forecast needs inputSize = outputSize, got ${this.inputSize} and ${this.outputSize}; give the inputs`);
      if (this.lastPrediction === null) throw new RangeError('session: an autoregressive forecast starts from the last prediction; predict first');
    }
    const { learner } = this;
    const saved = learner.snapshot();
    const out: Float64Array[] = [];
    try {
      let x: ArrayLike<number> = this.lastPrediction ?? [];
      for (let k = 0; k < horizon; k++) {
        const prediction = Float64Array.from(this.stepWithoutLearning(inputs?.[k] ?? x, saved));
        out.push(prediction);
        x = prediction;
      }
    } finally {
      learner.restore(saved);
    }
    return out;
  }

  /** An episode boundary: the learner's state returns to s_0; waiting predictions are dropped. */
  reset(): void {
    this.dropped += this.pending.size;
    this.pending.clear();
    this.lastPrediction = null;
    this.learner.reset();
  }

  snapshot(): SessionSnapshot {
    return {
      learner: this.learner.snapshot(),
      pending: [...this.pending.values()],
      values: { step: this.step, dropped: this.dropped, learned: this.learned },
      lastPrediction: this.lastPrediction,
    };
  }

  restore(snapshot: SessionSnapshot): void {
    this.learner.restore(snapshot.learner);
    this.pending.clear();
    for (const entry of snapshot.pending) this.pending.set(keyOf(entry.id), entry);
    this.step = snapshot.values.step;
    this.dropped = snapshot.values.dropped;
    this.learned = snapshot.values.learned;
    this.lastPrediction = snapshot.lastPrediction;
  }
}

/** A session over a learner. */
export function streamSession(learner: Learner, options: SessionOptions = {}): StreamSession {
  return new StreamSession(learner, options);
}

/** Number 3 and string "3" are different ids. */
function keyOf(id: PredictionId): string {
  if (typeof id === 'number') {
    if (!Number.isFinite(id)) throw new RangeError(`session: a numeric id must be finite, got ${id}`);
    return `n${id}`;
  }
  if (typeof id !== 'string') throw new TypeError(`session: an id must be a string or a number, got ${typeof id}`);
  return `s${id}`;
}

/** A pending prediction keeps no optimizer state: its target is learned with the current one. */
function withoutOptimizer(snapshot: LearnerSnapshot): LearnerSnapshot {
  return { ...snapshot, optimizer: null };
}
