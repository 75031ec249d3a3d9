/**
 * A learner's prequential loss curve: the mean loss of each block of BLOCK steps, kept whole,
 * drawn binned so that a chart never holds more than about MAX_POINTS points per learner.
 */
import { BLOCK } from './protocol.js';

const MAX_POINTS = 1500;

export class LossCurve {
  /** losses[i]: the mean loss of steps i·BLOCK + 1 … (i + 1)·BLOCK. */
  readonly losses: number[] = [];

  add(steps: readonly number[], losses: readonly number[]): void {
    steps.forEach((step, j) => {
      this.losses[step / BLOCK - 1] = losses[j]!;
    });
  }

  /** Forgets what comes after `step` (a checkpoint reopened at an earlier step). */
  truncate(step: number): void {
    this.losses.length = Math.min(this.losses.length, Math.floor(step / BLOCK));
  }

  latest(): number {
    return this.losses.length === 0 ? NaN : this.losses[this.losses.length - 1]!;
  }
}

/** The bin width (in blocks) that keeps the longest curve within MAX_POINTS points. */
export function binWidth(longest: number): number {
  return Math.max(1, Math.ceil(longest / MAX_POINTS));
}

/** A curve's mean in bins of `width` blocks, on the grid x_j = (j + 1)·width·BLOCK; null where a bin is incomplete. */
export function binned(curve: LossCurve, width: number, bins: number): Array<number | null> {
  const out: Array<number | null> = new Array(bins).fill(null);
  for (let j = 0; j < bins; j++) {
    const end = (j + 1) * width;
    if (end > curve.losses.length) break;
    let sum = 0;
    let count = 0;
    for (let i = j * width; i < end; i++) {
      const value = curve.losses[i];
      if (value !== undefined && Number.isFinite(value)) {
        sum += value;
        count++;
      }
    }
    out[j] = count === 0 ? null : sum / count;
  }
  return out;
}
