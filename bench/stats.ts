/**
 * Timing: warm up, then time ≥ 5 runs and report median, min and max (milliseconds).
 * The machine is shared and noisy, so the median is the figure; min and max show the spread.
 */
import { performance } from 'node:perf_hooks';

export interface Timing {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

export interface TimeOptions {
  /** Untimed runs first (JIT, caches). @default 2 */
  warmup?: number;
  /** Timed runs. @default 5 */
  runs?: number;
  /** Keep timing until this many milliseconds have been spent, up to `maxRuns`. @default 0 */
  minTotalMs?: number;
  /** @default 50 */
  maxRuns?: number;
}

/** Times `body` (one unit of work: a sequence, a batch, …) and returns its distribution in ms. */
export async function time(body: () => unknown | Promise<unknown>, options: TimeOptions = {}): Promise<Timing> {
  const warmup = options.warmup ?? 2;
  const runs = Math.max(5, options.runs ?? 5);
  const maxRuns = Math.max(runs, options.maxRuns ?? 50);
  const minTotal = options.minTotalMs ?? 0;
  for (let i = 0; i < warmup; i++) await body();
  const samples: number[] = [];
  let total = 0;
  while (samples.length < runs || (total < minTotal && samples.length < maxRuns)) {
    const start = performance.now();
    await body();
    const elapsed = performance.now() - start;
    samples.push(elapsed);
    total += elapsed;
  }
  return summarize(samples);
}

export function summarize(samples: readonly number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: sorted.length };
}

/** A timing of `per` units scaled to one unit (e.g. a 200-step run to one step). */
export function perUnit(t: Timing, per: number): Timing {
  return { median: t.median / per, min: t.min / per, max: t.max / per, runs: t.runs };
}

/** Least-squares slope of log(y) on log(x): the exponent α in y ≈ c·x^α. */
export function fitExponent(xs: readonly number[], ys: readonly number[]): number {
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const n = lx.length;
  const mx = lx.reduce((a, b) => a + b, 0) / n;
  const my = ly.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    sxx += (lx[i]! - mx) ** 2;
  }
  return sxy / sxx;
}

/** This process's CPU time in ms (user + system). A shared machine deschedules bursts, which wall-clock time counts and CPU time does not. */
export function cpuMilliseconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** ms of CPU time per call of `call(i)` (i = 0, 1, …) over at least `milliseconds` of it and three calls; the clock is read every fourth call. */
export function cpuBurst(call: (i: number) => void, milliseconds: number): number {
  const start = cpuMilliseconds();
  let calls = 0;
  for (let elapsed = 0; elapsed < milliseconds || calls < 3; ) {
    call(calls);
    if (++calls % 4 === 0) elapsed = cpuMilliseconds() - start;
  }
  return (cpuMilliseconds() - start) / calls;
}
