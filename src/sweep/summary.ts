/**
 * What a sweep's records say, as data (for `sweep report --json` and the HTML page):
 *  - configurations: runs grouped by every parameter but the seed, their metric over seeds;
 *  - sensitivity: per learner (and any other parameter but lr and seed), the metric against
 *    the learning rate — the plot online-learning papers show — with the seeds as a band;
 *  - the best k configurations, with their learning curves over seeds.
 */
import { bandOf, spread, type Band, type RunResult, type Spread } from '../report/comparison.js';
import type { RunRecord } from './records.js';
import { canonicalJson } from './run-config.js';
import type { SweepMetric } from './spec.js';

export interface Configuration {
  readonly label: string;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly learner: string;
  readonly lr: number;
  /** The metric over seeds, diverged runs as non-finite. */
  readonly metric: Spread;
  readonly seeds: readonly number[];
  readonly diverged: number;
  readonly runs: readonly RunRecord[];
}

export interface SensitivityLine {
  readonly label: string;
  readonly lr: readonly number[];
  readonly mean: ReadonlyArray<number | null>;
  readonly low: ReadonlyArray<number | null>;
  readonly high: ReadonlyArray<number | null>;
}

export interface SweepSummary {
  readonly metric: SweepMetric;
  readonly runs: number;
  readonly pruned: number;
  readonly configurations: readonly Configuration[];
  readonly sensitivity: readonly SensitivityLine[];
  readonly best: readonly Configuration[];
  readonly curves: ReadonlyArray<{ readonly label: string; readonly loss: Band }>;
  readonly tasks: readonly string[];
}

export function metricValue(record: RunRecord, metric: SweepMetric): number {
  const r = record.result;
  const value = metric.name === 'final_loss' ? r.finalLoss : metric.name === 'prequential_loss' ? r.prequentialLoss : r.finalMetric;
  return value ?? Number.NaN;
}

/** A record's curve as a RunResult, so report/comparison's bands apply. */
export function resultOf(record: RunRecord): RunResult {
  const { result, timing } = record;
  return {
    seed: record.config.seed as number,
    points: result.curve.step.map((step, i) => ({ step, loss: result.curve.loss[i] ?? Number.NaN, metric: result.curve.metric[i] ?? Number.NaN, time: timing.curveSeconds[i] ?? 0 })),
    end: result.end === 'pruned' ? 'stopped' : result.end,
    steps: result.steps,
    seconds: timing.seconds,
    stateBytes: result.stateBytes,
    finalLoss: result.finalLoss ?? Infinity,
    finalMetric: result.finalMetric ?? Number.NaN,
  };
}

const describe = (params: Readonly<Record<string, unknown>>, skip: readonly string[]) =>
  Object.entries(params)
    .filter(([k]) => !skip.includes(k))
    .map(([k, v]) => (k === 'learner' ? String(v) : `${k}=${v}`))
    .join(' ');

export function summarize(records: readonly RunRecord[], metric: SweepMetric, options: { best: number; pruned?: number }): SweepSummary {
  // Parameters that vary across the records name a configuration; constant ones go unsaid.
  const varying = new Set<string>();
  const keys = new Set(records.flatMap((r) => Object.keys(r.params)));
  for (const key of keys) if (new Set(records.map((r) => JSON.stringify(r.params[key]))).size > 1) varying.add(key);
  const shown = (params: Readonly<Record<string, unknown>>) => Object.fromEntries(Object.entries(params).filter(([k]) => varying.has(k) || k === 'learner'));

  const groups = new Map<string, RunRecord[]>();
  for (const record of records) {
    const { seed: _seed, ...rest } = record.params;
    const key = canonicalJson(rest as never);
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  const sign = metric.goal === 'minimize' ? 1 : -1;
  const rank = (c: Configuration) => {
    const finite = c.metric.values.filter(Number.isFinite);
    return finite.length === 0 ? Infinity : (sign * finite.reduce((s, v) => s + v, 0)) / finite.length;
  };
  const configurations: Configuration[] = [...groups.values()].map((runs) => {
    const { seed: _seed, ...params } = runs[0]!.params;
    const values = runs.map((r) => metricValue(r, metric));
    return {
      label: describe(shown(params), ['seed']) || runs[0]!.label,
      params,
      learner: runs[0]!.label,
      lr: (runs[0]!.config.optimizer as { lr: number }).lr,
      metric: spread(values),
      seeds: runs.map((r) => r.config.seed as number),
      diverged: runs.filter((r) => r.result.end === 'diverged' || !Number.isFinite(metricValue(r, metric))).length,
      runs,
    };
  });
  configurations.sort((a, b) => rank(a) - rank(b) || (a.label < b.label ? -1 : 1));

  // Sensitivity: one line per configuration with lr (and seed) left out.
  const lines = new Map<string, Configuration[]>();
  for (const c of configurations) {
    const key = describe(shown(c.params), ['seed', 'lr']) || c.learner;
    lines.set(key, [...(lines.get(key) ?? []), c]);
  }
  const sensitivity: SensitivityLine[] = [...lines.entries()].map(([label, cs]) => {
    const sorted = [...cs].sort((a, b) => a.lr - b.lr);
    const finite = (c: Configuration) => c.metric.values.filter(Number.isFinite);
    const stat = (c: Configuration, f: (v: number[]) => number) => (finite(c).length === 0 ? null : f(finite(c)));
    return {
      label,
      lr: sorted.map((c) => c.lr),
      mean: sorted.map((c) => stat(c, (v) => v.reduce((s, x) => s + x, 0) / v.length)),
      low: sorted.map((c) => stat(c, (v) => Math.min(...v))),
      high: sorted.map((c) => stat(c, (v) => Math.max(...v))),
    };
  });
  sensitivity.sort((a, b) => (a.label < b.label ? -1 : 1));

  const best = configurations.slice(0, options.best);
  const grid = [...new Set(best.flatMap((c) => c.runs.flatMap((r) => r.result.curve.step)))].sort((a, b) => a - b);
  const curves = best.map((c) => ({ label: c.label, loss: bandOf(c.runs.map(resultOf), grid, 'loss') }));
  return { metric, runs: records.length, pruned: options.pruned ?? 0, configurations, sensitivity, best, curves, tasks: [...new Set(records.map((r) => r.task.title))] };
}
