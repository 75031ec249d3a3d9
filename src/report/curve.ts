/**
 * A learning curve: one point every `every` steps, holding the mean loss over those steps (the
 * steps with a target), the metric at the last of them, and the seconds elapsed. This is what
 * metrics.jsonl holds and what the report draws.
 */
import type { StepRecord } from '../tasks/run.js';

export interface CurvePoint {
  readonly step: number;
  /** Mean loss over the interval ending at `step`; NaN when no step in it had a target. */
  readonly loss: number;
  readonly metric: number;
  /** Seconds since the run started. */
  readonly time: number;
}

export class CurveRecorder {
  private sum = 0;
  private count = 0;

  /** @param now seconds on any clock (the recorder only takes differences). */
  constructor(
    readonly every: number,
    private readonly now: () => number,
    private readonly start = now(),
  ) {
    if (!(Number.isInteger(every) && every >= 1)) throw new RangeError(`curve: every must be a positive integer, got ${every}`);
  }

  /** Takes one step's record; returns a point at the end of each interval, else null. */
  add(record: Readonly<StepRecord>): CurvePoint | null {
    if (!Number.isNaN(record.loss)) {
      this.sum += record.loss;
      this.count++;
    }
    if (record.step % this.every !== 0) return null;
    return this.flush(record);
  }

  /** The unfinished interval (the sum and count of its losses), for a checkpoint. */
  get pending(): { readonly sum: number; readonly count: number } {
    return { sum: this.sum, count: this.count };
  }

  /** Goes on with an unfinished interval `pending` read from a checkpoint. */
  resume(pending: { readonly sum: number; readonly count: number }): void {
    if (!(Number.isInteger(pending.count) && pending.count >= 0 && Number.isFinite(pending.sum))) throw new RangeError('curve: an unfinished interval needs a finite sum and a count ≥ 0');
    this.sum = pending.sum;
    this.count = pending.count;
  }

  /** A point for a partial last interval (a run that stopped or diverged), or null if it is empty. */
  finish(record: Readonly<StepRecord>): CurvePoint | null {
    return record.step % this.every === 0 || record.step === 0 ? null : this.flush(record);
  }

  private flush(record: Readonly<StepRecord>): CurvePoint {
    const point = { step: record.step, loss: this.count === 0 ? Number.NaN : this.sum / this.count, metric: record.metric, time: this.now() - this.start };
    this.sum = 0;
    this.count = 0;
    return point;
  }
}

/** One point every `every` steps with about `points` points over `steps`. */
export function defaultInterval(steps: number, points = 500): number {
  return Math.max(1, Math.round(steps / points));
}
