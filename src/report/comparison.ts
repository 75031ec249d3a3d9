/**
 * What a comparison produced — every learner's runs over seeds — and the summaries drawn from
 * it: the table's rows (final loss and metric with their spread over seeds) and the curves'
 * bands. Plain data, so it goes to JSON, to the terminal table and to the HTML report alike.
 */
import type { MetricSpec, Reference } from '../tasks/task.js';
import type { CurvePoint } from './curve.js';

export type RunEndKind = 'completed' | 'stopped' | 'diverged';

export interface RunResult {
  readonly seed: number;
  readonly points: readonly CurvePoint[];
  readonly end: RunEndKind;
  /** Steps consumed (the step of divergence, for a diverged run). */
  readonly steps: number;
  readonly seconds: number;
  /** Bytes of the learner's state: the recurrent state and every estimator buffer. */
  readonly stateBytes: number;
  /** Mean loss over the last tenth of the steps; Infinity when the run diverged. */
  readonly finalLoss: number;
  readonly finalMetric: number;
  readonly message?: string;
  /** With a drift detector on: the steps at which it fired. */
  readonly detections?: readonly number[];
}

export interface LearnerRuns {
  /** As the user wrote it, e.g. `tbptt:k=32`. */
  readonly label: string;
  readonly runs: readonly RunResult[];
}

export interface Comparison {
  readonly task: {
    readonly title: string;
    readonly loss: string;
    readonly metric: MetricSpec;
    readonly references: readonly Reference[];
  };
  readonly model: string;
  readonly optimizer: string;
  readonly steps: number;
  readonly learners: readonly LearnerRuns[];
  /** The exact command line that produced it. */
  readonly command: string;
  /** Versions of everything that produced it (online-rnn, node, uplot, …) and the machine. */
  readonly versions: Readonly<Record<string, string>>;
  readonly date: string;
  /** Vertical lines on the curves (e.g. a drift and its detections), coloured by learner when given. */
  readonly markers?: ReadonlyArray<{ readonly step: number; readonly label: string; readonly learner?: number }>;
}

export interface Spread {
  readonly mean: number;
  readonly sd: number;
  readonly min: number;
  readonly max: number;
  readonly values: readonly number[];
}

export interface Row {
  readonly label: string;
  readonly finalLoss: Spread;
  readonly finalMetric: Spread;
  /** Runs whose loss or estimate stopped being finite (DivergenceError). */
  readonly diverged: number;
  /** Runs whose final metric ended within 1% of the metric's target; null when the metric has none. */
  readonly atTarget: number | null;
  readonly seeds: number;
  readonly stepsPerSecond: number;
  readonly stateBytes: number;
}

/** Every run's drift detections as markers, in its learner's colour. */
export function detectionMarkers(learners: readonly LearnerRuns[]): NonNullable<Comparison['markers']> {
  return learners.flatMap((l, learner) => l.runs.flatMap((run) => (run.detections ?? []).map((step) => ({ step, label: '', learner }))));
}

export function spread(values: readonly number[]): Spread {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd: Number.isFinite(mean) ? sd : Number.NaN, min: Math.min(...values), max: Math.max(...values), values };
}

/** The metric's target — its reference line — when the metric aims at a value (influence balancing's θ*). */
export function metricTarget(task: { readonly metric: MetricSpec; readonly references: readonly Reference[] }): number | null {
  if (task.metric.better !== 'target') return null;
  return task.references.find((r) => r.axis === 'metric')?.value ?? null;
}

/** Within 1% of the target (or 1e-3 of a zero target). */
export function reachesTarget(value: number, target: number): boolean {
  return Number.isFinite(value) && Math.abs(value - target) <= Math.max(0.01 * Math.abs(target), target === 0 ? 1e-3 : 0);
}

export function rowOf({ label, runs }: LearnerRuns, target: number | null = null): Row {
  const seconds = runs.reduce((s, r) => s + r.seconds, 0);
  const steps = runs.reduce((s, r) => s + r.steps, 0);
  return {
    label,
    finalLoss: spread(runs.map((r) => r.finalLoss)),
    finalMetric: spread(runs.map((r) => r.finalMetric)),
    diverged: runs.filter((r) => r.end === 'diverged').length,
    atTarget: target === null ? null : runs.filter((r) => reachesTarget(r.finalMetric, target)).length,
    seeds: runs.length,
    stepsPerSecond: seconds > 0 ? steps / seconds : Number.NaN,
    stateBytes: Math.max(...runs.map((r) => r.stateBytes)),
  };
}

/** The mean loss over the last tenth of a curve's steps (at least its last point). */
export function finalLoss(points: readonly CurvePoint[], steps: number): number {
  const from = steps - Math.max(1, Math.floor(steps / 10));
  const tail = points.filter((p) => p.step > from && !Number.isNaN(p.loss));
  const chosen = tail.length > 0 ? tail : points.filter((p) => !Number.isNaN(p.loss)).slice(-1);
  return chosen.length === 0 ? Number.NaN : chosen.reduce((s, p) => s + p.loss, 0) / chosen.length;
}

export interface Band {
  readonly steps: readonly number[];
  /** Per step: the mean over the seeds still running, and the lowest and highest of them (null once none is). */
  readonly mean: ReadonlyArray<number | null>;
  readonly low: ReadonlyArray<number | null>;
  readonly high: ReadonlyArray<number | null>;
}

/** One learner's curves over seeds, on the shared grid of steps. */
export function bandOf(runs: readonly RunResult[], grid: readonly number[], field: 'loss' | 'metric'): Band {
  const lookups = runs.map((r) => new Map(r.points.map((p) => [p.step, p[field]])));
  const mean: Array<number | null> = [];
  const low: Array<number | null> = [];
  const high: Array<number | null> = [];
  for (const step of grid) {
    const values = lookups.map((m) => m.get(step)).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (values.length === 0) {
      mean.push(null);
      low.push(null);
      high.push(null);
    } else {
      mean.push(values.reduce((s, v) => s + v, 0) / values.length);
      low.push(Math.min(...values));
      high.push(Math.max(...values));
    }
  }
  return { steps: grid, mean, low, high };
}

/** Every step at which any run has a point, in order. */
export function gridOf(comparison: Comparison): number[] {
  const steps = new Set<number>();
  for (const { runs } of comparison.learners) for (const run of runs) for (const p of run.points) steps.add(p.step);
  return [...steps].sort((a, b) => a - b);
}
