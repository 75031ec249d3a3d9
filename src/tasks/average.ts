/**
 * The running average behind the tasks' metrics: the plain mean of the first `horizon` values,
 * then an exponential average with weight 1/horizon — so early readings are exact means and
 * later ones follow the learner without keeping a window of values.
 */
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
}
