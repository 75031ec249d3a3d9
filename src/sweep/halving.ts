/**
 * Successive halving on the prequential metric (Jamieson & Talwalkar 2016, "Non-stochastic
 * best arm identification and hyperparameter optimization", Alg. 1; the schedule of Li et al.
 * 2018, Hyperband): every configuration trains to the first rung r₀; only the best 1/η by the
 * sweep's metric — measured on the stream itself, test-then-train, as river's model selection
 * does — go on to r₀·η, and so on until the full number of steps. A survivor is checkpointed at
 * each rung and goes on from there, so its final result equals the unpruned run's.
 */
import { finalLoss } from '../report/comparison.js';
import type { CurvePoint } from '../report/curve.js';
import { executeRuns, recordPruned, type ExecuteOptions, type Finished } from './execute.js';
import { prequentialLoss } from './records.js';
import type { SweepRun } from './run-config.js';
import type { SweepMetric } from './spec.js';

export interface HalvingOptions extends Omit<ExecuteOptions, 'until'> {
  readonly metric: SweepMetric;
  /** Keep the best 1/eta at each rung. @default 3 */
  readonly eta: number;
  /** The first rung's steps; null: steps / eta³ (four rungs). */
  readonly minSteps: number | null;
}

export interface HalvingOutcome {
  readonly rungs: readonly number[];
  /** Steps trained, and what the full sweep would train. */
  readonly trained: number;
  readonly full: number;
  readonly finished: readonly Finished[];
  readonly prunedCount: number;
}

/** The rungs: r₀, r₀·η, … below `steps`, then `steps`; each a multiple of the curve interval. */
export function rungsOf(steps: number, logEvery: number, eta: number, minSteps: number | null): number[] {
  const first = minSteps ?? Math.max(logEvery, Math.floor(steps / eta ** 3));
  const rungs: number[] = [];
  for (let r = first; r < steps; r *= eta) {
    const aligned = Math.max(logEvery, Math.round(r / logEvery) * logEvery);
    if (aligned < steps && aligned !== rungs.at(-1)) rungs.push(aligned);
  }
  rungs.push(steps);
  return rungs;
}

/** The sweep's metric on a curve at its last step; a diverged or empty curve scores worst. */
export function score(points: readonly CurvePoint[], steps: number, metric: SweepMetric): number {
  const value = metric.name === 'final_loss' ? finalLoss(points, steps) : metric.name === 'prequential_loss' ? prequentialLoss(points) : (points.at(-1)?.metric ?? Number.NaN);
  const signed = metric.goal === 'minimize' ? value : -value;
  return Number.isFinite(signed) ? signed : Infinity;
}

export async function successiveHalving(runs: readonly SweepRun[], options: HalvingOptions): Promise<HalvingOutcome> {
  const steps = runs[0]?.job.steps ?? 0;
  const logEvery = runs[0]?.job.logEvery ?? 1;
  if (runs.some((r) => r.job.steps !== steps || r.job.logEvery !== logEvery)) throw new RangeError('--prune halving needs every run to have the same steps and curve interval');
  const rungs = rungsOf(steps, logEvery, options.eta, options.minSteps);
  let alive = [...runs];
  let trained = 0;
  let prunedCount = 0;
  const finished: Finished[] = [];
  for (const rung of rungs) {
    const last = rung === steps;
    const results = await executeRuns(alive, { ...options, ...(last ? {} : { until: rung }) });
    trained += results.reduce((s, f) => s + f.trained, 0);
    if (options.stop.stopped) break;
    if (last) {
      finished.push(...results);
      break;
    }
    // A diverged run is over: recorded as it is, never continued.
    for (const f of results) if (f.record !== null) finished.push(f);
    const ranked = results
      .filter((f) => f.record === null)
      .map((f) => ({ f, score: score(f.result.points, f.result.steps, options.metric) }))
      .sort((a, b) => a.score - b.score || (a.f.run.id < b.f.run.id ? -1 : 1));
    const keep = Math.max(1, Math.ceil(ranked.length / options.eta));
    for (const { f } of ranked.slice(keep)) {
      finished.push({ ...f, record: recordPruned(options.out, f, options.versions) });
      prunedCount++;
    }
    alive = ranked.slice(0, keep).map(({ f }) => f.run);
  }
  return { rungs, trained, full: runs.length * steps, finished, prunedCount };
}
