/**
 * A learner's prequential loss curve: the mean loss of consecutive bins of `width` steps. Bins
 * start at BLOCK steps (the worker's report) and double in width, pairs merged, whenever the
 * curve passes MAX_KEPT points, so a learner running a million steps a second neither fills
 * the memory nor slows the drawing. Charts bin further to a common grid of at most MAX_POINTS.
 */
import { BLOCK } from './protocol.js';

const MAX_KEPT = 4000;
const MAX_POINTS = 1500;
/**
 * What the log axis shows. uPlot's log ticks step through each decade rounding every tick to the
 * decade's decimals; below about 1e-25 that rounding no longer moves the tick (10^dec · value
 * loses its digits), the loop never ends and the tick array grows until "Invalid array length"
 * (uPlot 1.6, logAxisSplits). A 0, negative or non-finite value breaks the log range outright.
 * So bin means outside [FLOOR, CEILING] are left out (a gap in the curve), the axis never spans
 * beyond them, and a learner whose loss ran away is said to have diverged on its card.
 */
export const FLOOR = 1e-20;
export const CEILING = 1e30;

export class LossCurve {
  /** Steps per point. */
  width = BLOCK;
  /** losses[i]: the mean loss of steps i·width + 1 … (i + 1)·width. */
  readonly losses: number[] = [];
  private partialSum = 0;
  private partialBlocks = 0;

  /** Block means in order, as the worker reports them (one per BLOCK steps). */
  add(losses: readonly number[]): void {
    for (const loss of losses) {
      this.partialSum += loss;
      if (++this.partialBlocks === this.width / BLOCK) {
        this.losses.push(this.partialSum / this.partialBlocks);
        this.partialSum = 0;
        this.partialBlocks = 0;
      }
      if (this.losses.length > MAX_KEPT) this.coarsen();
    }
  }

  private coarsen(): void {
    const merged = Array.from({ length: Math.floor(this.losses.length / 2) }, (_, i) => (this.losses[2 * i]! + this.losses[2 * i + 1]!) / 2);
    if (this.losses.length % 2 === 1) {
      this.partialSum += this.losses[this.losses.length - 1]! * (this.width / BLOCK);
      this.partialBlocks += this.width / BLOCK;
    }
    this.losses.splice(0, this.losses.length, ...merged);
    this.width *= 2;
  }

  /** The curve as a session kept it. */
  restore(width: number, losses: readonly number[]): void {
    this.width = width;
    this.losses.splice(0, this.losses.length, ...losses);
    this.partialSum = 0;
    this.partialBlocks = 0;
  }

  /** Forgets what comes after `step` (a checkpoint reopened at an earlier step). */
  truncate(step: number): void {
    this.losses.length = Math.min(this.losses.length, Math.floor(step / this.width));
    this.partialSum = 0;
    this.partialBlocks = 0;
  }

  /** The steps the curve covers. */
  get steps(): number {
    return this.losses.length * this.width;
  }

  latest(): number {
    return this.losses.length === 0 ? NaN : this.losses[this.losses.length - 1]!;
  }
}

/** A bin width in steps, a multiple of every curve's width, that keeps the longest within MAX_POINTS points. */
export function binWidth(curves: readonly LossCurve[]): number {
  const widest = Math.max(BLOCK, ...curves.map((curve) => curve.width));
  const longest = Math.max(0, ...curves.map((curve) => curve.steps));
  let width = widest;
  while (longest / width > MAX_POINTS) width *= 2;
  return width;
}

/** A curve's mean in bins of `width` steps, on the grid x_j = (j + 1)·width; null where a bin is incomplete. */
export function binned(curve: LossCurve, width: number, bins: number): Array<number | null> {
  const per = width / curve.width;
  const out: Array<number | null> = new Array(bins).fill(null);
  for (let j = 0; j < bins; j++) {
    const end = (j + 1) * per;
    if (end > curve.losses.length) break;
    let sum = 0;
    let count = 0;
    for (let i = j * per; i < end; i++) {
      const value = curve.losses[i]!;
      if (!Number.isNaN(value)) {
        sum += value;
        count++;
      }
    }
    out[j] = count === 0 ? null : drawable(sum / count);
  }
  return out;
}

/** A loss as the log axis can draw it, or null (a gap) where it cannot: ≤ 0, non-finite or outside [FLOOR, CEILING]. */
export function drawable(loss: number): number | null {
  return Number.isFinite(loss) && loss >= FLOOR && loss <= CEILING ? loss : null;
}

/** The y-axis range for the log chart: the whole decades around the drawn losses, never wider than [FLOOR, CEILING] (at most 50 decades of ticks), 0.01 … 100 before there is any. */
export function logRange(min: number | null, max: number | null): [number, number] {
  if (min === null || max === null || !(min > 0) || !(max > 0)) return [0.01, 100];
  const top = Math.ceil(Math.log10(Math.min(max, CEILING)));
  const bottom = Math.min(Math.floor(Math.log10(Math.max(min, FLOOR))), top - 1);
  return [Number(`1e${bottom}`), Number(`1e${top}`)];
}
