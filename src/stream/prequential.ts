/**
 * Prequential (test-then-train) evaluation (Dawid 1984; Gama et al. 2013): for each sample,
 * predict; when its target is revealed — with the sample, or d samples later — score the
 * prediction made then; then learn from it. Every figure is therefore measured on data the
 * model had not yet learned from. The loop, in the session's words:
 *
 *   for t = 0, 1, …:   ŷ_t = predict(x_t)
 *                      if t ≥ d:  score(ŷ_{t−d}, y_{t−d});  learn(y_{t−d})
 *
 * Optional: per-horizon errors (+1 … +h: an autoregressive forecast made at t is scored
 * against y_{t+k−1} when revealed), and a drift detector on the loss with a policy.
 */
import type { StreamSession } from './session.js';
import { PrequentialMetric, StreamAverages, score, report, type Averages, type MetricKind } from './metrics.js';
import { DriftResponse, type DriftDetector, type DriftPolicy } from './drift.js';

export interface StreamSample {
  readonly input: ArrayLike<number>;
  /** The target of this sample, or null when it has none. */
  readonly target: ArrayLike<number> | null;
  /** An episode boundary before this sample. @default false */
  readonly reset?: boolean;
}

export interface PrequentialOptions {
  readonly session: StreamSession;
  /** Returns sample t (its buffers may be reused: the runner copies what it keeps). */
  readonly next: () => StreamSample;
  readonly steps: number;
  readonly metrics: readonly MetricKind[];
  /** Sliding-window length and fading factor of every metric. @default 1000, 0.999 */
  readonly window?: number;
  readonly alpha?: number;
  /** Per-horizon errors up to +h (autoregressive forecasts; inputSize = outputSize). @default 1 */
  readonly horizon?: number;
  readonly detector?: DriftDetector;
  /** @default 'none' */
  readonly policy?: DriftPolicy;
  readonly onStep?: (record: Readonly<PrequentialRecord>) => void;
}

/** One step's readings; the object is reused. */
export interface PrequentialRecord {
  step: number;
  /** ℓ of the target revealed at this step (NaN if none). */
  loss: number;
  /** Whether the detector fired at this step. */
  drift: boolean;
  /** ŷ of the sample just predicted (a copy owned by the session). */
  prediction: Float64Array;
}

export interface PrequentialResult {
  readonly steps: number;
  readonly metrics: Readonly<Record<string, Averages>>;
  /** Mean absolute error per horizon +1 … +h (running mean). */
  readonly horizons: readonly number[];
  /** The steps at which drift was detected. */
  readonly detections: readonly number[];
  readonly meanLoss: number;
}

export function prequential(options: PrequentialOptions): PrequentialResult {
  const { session, steps, next } = options;
  const d = session.delay;
  const horizon = options.horizon ?? 1;
  const response = new DriftResponse(session.learner, options.policy ?? 'none');
  const metrics = options.metrics.map((kind) => new PrequentialMetric(kind, { ...(options.window !== undefined ? { window: options.window } : {}), ...(options.alpha !== undefined ? { alpha: options.alpha } : {}) }));
  const horizonErrors = Array.from({ length: horizon }, () => new StreamAverages(options.window ?? 1000, options.alpha ?? 0.999));
  /** Targets not yet revealed and the predictions they will score, oldest first. */
  const waiting: Array<{ prediction: Float64Array; target: Float64Array | null }> = [];
  /** forecasts[t]: the forecast for +2 … +h made at step t (the +1 one is ŷ_t). */
  const forecasts = new Map<number, Float64Array[]>();
  const detections: number[] = [];
  const record: PrequentialRecord = { step: 0, loss: NaN, drift: false, prediction: new Float64Array(0) };
  let lossSum = 0;
  let lossCount = 0;
  for (let t = 0; t < steps; t++) {
    const sample = next();
    if (sample.reset === true) {
      session.reset();
      waiting.length = 0;
      forecasts.clear();
    }
    const target = sample.target === null ? null : Float64Array.from(sample.target);
    const entry: { prediction: Float64Array; target: Float64Array | null } = { prediction: new Float64Array(0), target };
    waiting.push(entry);
    const revealed = waiting.length > d ? waiting.shift()! : null;
    // observe = predict(x_t), then learn the target of step t − d (delay 0: one learner step).
    const { prediction, learned } = session.observe(sample.input, revealed?.target ?? null);
    entry.prediction = prediction.prediction;
    if (horizon > 1) forecasts.set(t, session.forecast(horizon - 1));
    record.step = t;
    record.loss = NaN;
    record.drift = false;
    record.prediction = prediction.prediction;
    response.stepped();
    if (revealed !== null && revealed.target !== null) {
      const scored = revealed.prediction;
      for (const metric of metrics) metric.add(scored, revealed.target);
      scoreHorizons(horizonErrors, forecasts, t - d, scored, revealed.target);
      record.loss = learned!.loss;
      lossSum += record.loss;
      lossCount++;
      if (options.detector?.update(record.loss) === true) {
        record.drift = true;
        detections.push(t);
        response.detected();
      }
    }
    forecasts.delete(t - d - horizon);
    options.onStep?.(record);
  }
  return {
    steps,
    metrics: Object.fromEntries(metrics.map((metric) => [metric.kind, metric.values()])),
    horizons: horizonErrors.map((errors) => report('mae', errors.averages().running)),
    detections,
    meanLoss: lossSum / lossCount,
  };
}

/** y_s scores the +1 prediction ŷ_s and the +k forecast made at s − k + 1. */
function scoreHorizons(errors: StreamAverages[], forecasts: Map<number, Float64Array[]>, s: number, prediction: Float64Array, target: Float64Array): void {
  if (errors.length === 1) return;
  errors[0]!.add(score('mae', prediction, target));
  for (let k = 2; k <= errors.length; k++) {
    const made = forecasts.get(s - k + 1);
    if (made !== undefined) errors[k - 1]!.add(score('mae', made[k - 2]!, target));
  }
}
