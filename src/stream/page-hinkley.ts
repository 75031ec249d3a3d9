/**
 * The Page–Hinkley test (Page 1954; Hinkley 1971; as used for drift by Gama et al. 2013) for
 * an increase in the mean of a stream x_1, x_2, …:
 *
 *   x̄_T = (1/T)·Σ_{t≤T} x_t,   m_T = Σ_{t≤T} (x_t − x̄_t − δ),   M_T = min_{t≤T} m_t      (1)
 *   alarm when  PH_T = m_T − M_T > λ                                                    (2)
 *
 * δ is the change in the mean tolerated; λ the alarm threshold (larger: fewer false alarms,
 * later detections). After an alarm the test starts again. O(1) time and memory.
 */
import type { DriftDetector } from './drift.js';

export interface PageHinkleyOptions {
  /** δ of eq. (1), in the stream's units. @default 0.005 */
  delta?: number;
  /** λ of eq. (2), in the stream's units. @default 50 */
  threshold?: number;
  /** No alarm before this many values. @default 30 */
  minInstances?: number;
}

export class PageHinkley implements DriftDetector {
  readonly kind = 'page-hinkley';
  readonly delta: number;
  readonly threshold: number;
  private readonly minInstances: number;
  private count = 0;
  private mean = 0;
  private cumulative = 0;
  private minimum = 0;

  constructor(options: PageHinkleyOptions = {}) {
    this.delta = options.delta ?? 0.005;
    this.threshold = options.threshold ?? 50;
    this.minInstances = options.minInstances ?? 30;
    if (!(this.delta >= 0)) throw new RangeError(`page-hinkley: delta must be ≥ 0, got ${this.delta}`);
    if (!(this.threshold > 0)) throw new RangeError(`page-hinkley: threshold must be > 0, got ${this.threshold}`);
  }

  update(value: number): boolean {
    if (!Number.isFinite(value)) throw new RangeError(`page-hinkley: values must be finite, got ${value}`);
    this.count++;
    this.mean += (value - this.mean) / this.count;
    this.cumulative += value - this.mean - this.delta; // eq. (1)
    this.minimum = Math.min(this.minimum, this.cumulative);
    if (this.count < this.minInstances || this.cumulative - this.minimum <= this.threshold) return false; // eq. (2)
    this.reset();
    return true;
  }

  reset(): void {
    this.count = 0;
    this.mean = this.cumulative = this.minimum = 0;
  }
}

export function pageHinkley(options: PageHinkleyOptions = {}): PageHinkley {
  return new PageHinkley(options);
}
