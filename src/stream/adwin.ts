/**
 * ADWIN, adaptive windowing (Bifet & Gavaldà 2007, "Learning from time-changing data with
 * adaptive windowing", ADWIN2): keep a window W of recent values, compressed into an
 * exponential histogram (at most M buckets of each size 2^i), and drop its older part W0
 * whenever W0 and the newer part W1 have means further apart than
 *
 *   ε_cut = √((2/m)·σ²_W·ln(2/δ')) + (2/(3m))·ln(2/δ'),   m = 1/(1/n0 + 1/n1),  δ' = δ/ln n   (1)
 *
 * (the paper's variance form of its bound, as in its section 4 and in MOA/river). A cut is a
 * detection: the mean of the stream changed. Only increases are reported as drift here (the
 * loss got worse); a decrease still shrinks the window. Cuts are checked every `clock` values.
 * Memory O(M·log(n/M)), time O(log n) per check.
 */
import type { DriftDetector } from './drift.js';

interface Bucket {
  total: number;
  /** Σ (x − mean of the bucket)², combined exactly when buckets merge. */
  variance: number;
  size: number;
}

export interface AdwinOptions {
  /** The confidence δ of eq. (1): smaller detects less often and later. @default 0.002 */
  delta?: number;
  /** Buckets of one size kept before two merge (the paper's M). @default 5 */
  maxBuckets?: number;
  /** Check for a cut every this many values. @default 32 */
  clock?: number;
  /** No cut is looked for before this many values. @default 10 */
  minWindow?: number;
}

export class Adwin implements DriftDetector {
  readonly kind = 'adwin';
  readonly delta: number;
  private readonly maxBuckets: number;
  private readonly clock: number;
  private readonly minWindow: number;
  /** rows[i]: buckets of size 2^i, oldest first. */
  private rows: Bucket[][] = [];
  private width = 0;
  private total = 0;
  private variance = 0;
  private ticks = 0;

  constructor(options: AdwinOptions = {}) {
    this.delta = options.delta ?? 0.002;
    this.maxBuckets = options.maxBuckets ?? 5;
    this.clock = options.clock ?? 32;
    this.minWindow = options.minWindow ?? 10;
    if (!(this.delta > 0 && this.delta < 1)) throw new RangeError(`adwin: delta must be in (0, 1), got ${this.delta}`);
    if (!Number.isInteger(this.maxBuckets) || this.maxBuckets < 2) throw new RangeError(`adwin: maxBuckets must be an integer ≥ 2, got ${this.maxBuckets}`);
    if (!Number.isInteger(this.clock) || this.clock < 1) throw new RangeError(`adwin: clock must be a positive integer, got ${this.clock}`);
  }

  /** The current window's length and mean. */
  get windowLength(): number {
    return this.width;
  }
  get mean(): number {
    return this.width === 0 ? NaN : this.total / this.width;
  }

  update(value: number): boolean {
    if (!Number.isFinite(value)) throw new RangeError(`adwin: values must be finite, got ${value}`);
    this.insert(value);
    this.compress();
    if (++this.ticks % this.clock !== 0 || this.width < this.minWindow) return false;
    return this.cut();
  }

  reset(): void {
    this.rows = [];
    this.width = this.total = this.variance = this.ticks = 0;
  }

  private insert(value: number): void {
    if (this.width > 0) {
      const mean = this.total / this.width;
      this.variance += (this.width * (value - mean) ** 2) / (this.width + 1);
    }
    this.width++;
    this.total += value;
    (this.rows[0] ??= []).push({ total: value, variance: 0, size: 1 });
  }

  /** Two oldest buckets of a full row merge into one of the next size. */
  private compress(): void {
    for (let i = 0; i < this.rows.length; i++) {
      const row = this.rows[i]!;
      if (row.length <= this.maxBuckets) break;
      const a = row.shift()!;
      const b = row.shift()!;
      (this.rows[i + 1] ??= []).push(merge(a, b));
    }
  }

  /** Drops the oldest buckets while some split of W satisfies eq. (1); true if the mean rose. */
  private cut(): boolean {
    let rose = false;
    let again = true;
    while (again && this.width > this.minWindow) {
      again = false;
      let n0 = 0;
      let total0 = 0;
      const logTerm = Math.log((2 * Math.log(this.width)) / this.delta);
      const varianceW = this.variance / this.width;
      // Oldest first: W0 grows bucket by bucket from the oldest end.
      for (let i = this.rows.length - 1; i >= 0 && !again; i--) {
        for (const bucket of this.rows[i]!) {
          n0 += bucket.size;
          total0 += bucket.total;
          const n1 = this.width - n0;
          if (n1 < 1) break;
          const m = 1 / (1 / n0 + 1 / n1);
          const epsilon = Math.sqrt((2 / m) * varianceW * logTerm) + (2 / (3 * m)) * logTerm; // eq. (1)
          const difference = (this.total - total0) / n1 - total0 / n0;
          if (Math.abs(difference) > epsilon) {
            if (difference > 0) rose = true;
            this.dropOldest();
            again = true;
            break;
          }
        }
      }
    }
    return rose;
  }

  private dropOldest(): void {
    const last = this.rows.length - 1;
    const bucket = this.rows[last]!.shift()!;
    if (this.rows[last]!.length === 0) this.rows.pop();
    const n1 = this.width - bucket.size;
    const mean1 = (this.total - bucket.total) / n1;
    const mean0 = bucket.total / bucket.size;
    this.variance -= bucket.variance + ((bucket.size * n1) / this.width) * (mean0 - mean1) ** 2;
    this.variance = Math.max(this.variance, 0);
    this.width = n1;
    this.total -= bucket.total;
  }
}

function merge(a: Bucket, b: Bucket): Bucket {
  const size = a.size + b.size;
  const delta = b.total / b.size - a.total / a.size;
  return { total: a.total + b.total, variance: a.variance + b.variance + ((a.size * b.size) / size) * delta * delta, size };
}

export function adwin(options: AdwinOptions = {}): Adwin {
  return new Adwin(options);
}
