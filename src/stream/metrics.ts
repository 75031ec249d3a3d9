/**
 * Prequential metrics (Gama, Sebastião & Rodrigues 2013, "On evaluating stream learning
 * algorithms"): each prediction is scored when its target is revealed, before the model
 * learns from it. A per-sample score e_t is averaged three ways:
 *
 *   running mean     Σ_{i≤t} e_i / t                                                  (1)
 *   sliding window   the mean of the last w scores                                      (2)
 *   fading factor    S_t = e_t + α·S_{t−1},  N_t = 1 + α·N_{t−1},  mean = S_t / N_t      (3)
 *
 * Scores: absolute error (MAE), squared error (RMSE = √ of its mean), accuracy (argmax of ŷ
 * equals the class), log loss in bits (−log₂ softmax(ŷ)_class). Regression metrics average
 * over the output's components; classification ones read the target as a class index.
 */

export type MetricKind = 'mae' | 'rmse' | 'accuracy' | 'bits';
export const METRIC_KINDS: readonly MetricKind[] = ['mae', 'rmse', 'accuracy', 'bits'];

/** One score's three averages. */
export interface Averages {
  readonly running: number;
  readonly window: number;
  readonly fading: number;
}

/** Eqs. (1)–(3) over a stream of numbers; allocates only its window ring, once. */
export class StreamAverages {
  private count = 0;
  private sum = 0;
  private readonly ring: Float64Array;
  private ringSum = 0;
  private ringFill = 0;
  private ringAt = 0;
  private fadingSum = 0;
  private fadingCount = 0;

  constructor(
    readonly window: number,
    readonly alpha: number,
  ) {
    if (!Number.isInteger(window) || window < 1) throw new RangeError(`metrics: window must be a positive integer, got ${window}`);
    if (!(alpha > 0 && alpha < 1)) throw new RangeError(`metrics: fading factor must be in (0, 1), got ${alpha}`);
    this.ring = new Float64Array(window);
  }

  add(value: number): void {
    this.count++;
    this.sum += value; // eq. (1)
    if (this.ringFill === this.window) this.ringSum -= this.ring[this.ringAt]!;
    else this.ringFill++;
    this.ring[this.ringAt] = value;
    this.ringAt = (this.ringAt + 1) % this.window;
    this.ringSum += value; // eq. (2)
    if (this.ringAt === 0) this.ringSum = this.ring.reduce((a, b) => a + b, 0); // no drift from subtracting forever
    this.fadingSum = value + this.alpha * this.fadingSum; // eq. (3)
    this.fadingCount = 1 + this.alpha * this.fadingCount;
  }

  get samples(): number {
    return this.count;
  }

  averages(): Averages {
    if (this.count === 0) return { running: NaN, window: NaN, fading: NaN };
    return { running: this.sum / this.count, window: this.ringSum / this.ringFill, fading: this.fadingSum / this.fadingCount };
  }
}

/** The score of one prediction against its target, by metric. */
export function score(kind: MetricKind, prediction: ArrayLike<number>, target: ArrayLike<number>): number {
  switch (kind) {
    case 'mae':
    case 'rmse': {
      if (target.length !== prediction.length) throw new RangeError(`metrics: ${kind} needs a target of ${prediction.length} numbers, got ${target.length}`);
      let sum = 0;
      for (let i = 0; i < target.length; i++) {
        const e = prediction[i]! - target[i]!;
        sum += kind === 'mae' ? Math.abs(e) : e * e;
      }
      return sum / target.length;
    }
    case 'accuracy':
      return argmax(prediction) === classOf(target, prediction.length) ? 1 : 0;
    case 'bits': {
      const c = classOf(target, prediction.length);
      let max = -Infinity;
      for (let i = 0; i < prediction.length; i++) max = Math.max(max, prediction[i]!);
      let sum = 0;
      for (let i = 0; i < prediction.length; i++) sum += Math.exp(prediction[i]! - max);
      return (Math.log(sum) + max - prediction[c]!) / Math.LN2;
    }
  }
}

/** A metric as reported: RMSE is the root of the mean squared error, the others the mean. */
export function report(kind: MetricKind, mean: number): number {
  return kind === 'rmse' ? Math.sqrt(mean) : mean;
}

export class PrequentialMetric {
  private readonly averages: StreamAverages;
  constructor(
    readonly kind: MetricKind,
    options: { window?: number; alpha?: number } = {},
  ) {
    this.averages = new StreamAverages(options.window ?? 1000, options.alpha ?? 0.999);
  }

  add(prediction: ArrayLike<number>, target: ArrayLike<number>): number {
    const value = score(this.kind, prediction, target);
    this.averages.add(value);
    return value;
  }

  get samples(): number {
    return this.averages.samples;
  }

  /** The metric by each of eqs. (1)–(3). */
  values(): Averages {
    const { running, window, fading } = this.averages.averages();
    return { running: report(this.kind, running), window: report(this.kind, window), fading: report(this.kind, fading) };
  }
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** A class index target ([c]) or a one-hot one. */
function classOf(target: ArrayLike<number>, classes: number): number {
  const c = target.length === 1 ? target[0]! : argmax(target);
  if (!Number.isInteger(c) || c < 0 || c >= classes) throw new RangeError(`metrics: the target class must be an integer in 0..${classes - 1}, got ${c}`);
  return c;
}
