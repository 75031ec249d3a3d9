/**
 * Per-column running mean and variance (Welford 1962), for standardising a stream online with
 * only what has been seen so far:
 *
 *   n ← n + 1,   δ = x − m,   m ← m + δ/n,   M2 ← M2 + δ·(x − m),   var = M2/n
 *
 * std() is √var once two values differ, else 1 (nothing to scale by yet).
 */
import { SnapshotReader, exactArray, type SnapshotValue } from './snapshot.js';

export class RunningMoments {
  private count = 0;
  readonly mean: Float64Array;
  private readonly m2: Float64Array;

  constructor(readonly width: number) {
    this.mean = new Float64Array(width);
    this.m2 = new Float64Array(width);
  }

  add(row: ArrayLike<number>): void {
    this.count++;
    for (let j = 0; j < this.width; j++) {
      const delta = row[j]! - this.mean[j]!;
      this.mean[j] += delta / this.count;
      this.m2[j] += delta * (row[j]! - this.mean[j]!);
    }
  }

  std(j: number): number {
    const variance = this.count === 0 ? 0 : this.m2[j]! / this.count;
    return variance > 0 ? Math.sqrt(variance) : 1;
  }

  snapshot(): SnapshotValue {
    return { count: this.count, mean: exactArray(this.mean), m2: exactArray(this.m2) };
  }

  /** Checks a state `snapshot` wrote (a RangeError names the field); `setState` takes it. */
  read(state: SnapshotReader): MomentsState {
    return { count: state.integer('count'), mean: state.numbers('mean', this.width), m2: state.numbers('m2', this.width) };
  }

  setState(state: MomentsState): void {
    this.count = state.count;
    this.mean.set(state.mean);
    this.m2.set(state.m2);
  }
}

export interface MomentsState {
  readonly count: number;
  readonly mean: Float64Array;
  readonly m2: Float64Array;
}
