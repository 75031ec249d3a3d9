/**
 * The running average behind the tasks' metrics: the plain mean of the first `horizon` values,
 * then an exponential average with weight 1/horizon — so early readings are exact means and
 * later ones follow the learner without keeping a window of values.
 */
import { exact, type SnapshotReader, type SnapshotValue } from './snapshot.js';

export interface MeanState {
  readonly count: number;
  readonly mean: number;
}

export class RecentMean {
  private count = 0;
  private mean = Number.NaN;

  constructor(readonly horizon: number) {
    if (!(Number.isInteger(horizon) && horizon >= 1)) throw new RangeError(`horizon must be a positive integer, got ${horizon}`);
  }

  add(value: number): void {
    this.count++;
    this.mean = this.count === 1 ? value : this.mean + (value - this.mean) / Math.min(this.count, this.horizon);
  }

  /** The average so far (NaN before the first value). */
  get value(): number {
    return this.mean;
  }

  /** Forgets everything, or restarts from `value` as if it had been seen `horizon` times. */
  reset(value?: number): void {
    this.count = value === undefined ? 0 : this.horizon;
    this.mean = value ?? Number.NaN;
  }

  /** Its state, for a stream's snapshot. */
  snapshot(): SnapshotValue {
    return { count: this.count, mean: exact(this.mean) };
  }

  /** Reads (and checks) a state `snapshot` wrote, without applying it. */
  static read(reader: SnapshotReader): MeanState {
    return { count: reader.integer('count'), mean: reader.number('mean') };
  }

  setState(state: MeanState): void {
    this.count = state.count;
    this.mean = state.mean;
  }
}
