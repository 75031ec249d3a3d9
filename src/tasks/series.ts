/**
 * Next-value prediction of a time series: x_t in, x_{t+1} as the target, mean squared error on
 * the standardised series (z = (x − mean)/std). The series is a column of a CSV file (read by
 * the CLI and handed in as numbers; each pass over it is an episode) or the Mackey–Glass
 * equation, generated endlessly.
 *
 * The metric is the RMSE in the series' own units, a running average over min(1,000, N − 1)
 * steps. Reference: the best memoryless predictor outputs E[x_{t+1} | x_t]; it is estimated by
 * averaging x_{t+1} within 64 (fewer for short series) equal-count bins of x_t, on the data
 * itself or on 20,000 generated samples.
 */
import { mse } from '../loss/loss.js';
import { Rng } from '../tensor/rng.js';
import { RecentMean } from './average.js';
import { mackeyGlass, type MackeyGlassOptions } from './mackey-glass.js';
import { SnapshotReader, exact, type Reader, type StreamSnapshot } from './snapshot.js';
import type { Outcome, Sample, Task, TaskStream } from './task.js';

export type SeriesSource =
  | { readonly kind: 'values'; readonly name: string; readonly values: ArrayLike<number> }
  | ({ readonly kind: 'mackeyGlass' } & Readonly<MackeyGlassOptions>);

const REFERENCE_SAMPLES = 20_000;

export function seriesTask(source: SeriesSource): Task {
  const data = source.kind === 'values' ? Float64Array.from(source.values) : generate(source, new Rng(0x5eed), REFERENCE_SAMPLES);
  const name = source.kind === 'values' ? source.name : `Mackey–Glass (τ = ${source.tau ?? 17}, every ${source.interval ?? 1})`;
  if (data.length < 3) throw new RangeError(`series ${name}: needs at least 3 values, got ${data.length}`);
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw new RangeError(`series ${name}: value ${i + 1} is not a finite number`);
  const { mean, std } = moments(data);
  if (!(std > 0)) throw new RangeError(`series ${name}: all ${data.length} values are equal; there is nothing to predict`);
  const z = data.map((x) => (x - mean) / std);
  const horizon = Math.min(1000, data.length - 1);
  return {
    kind: 'series',
    title: `series ${name} (${source.kind === 'values' ? `${data.length} values, ` : ''}standardised: mean ${fmt(mean)}, std ${fmt(std)})`,
    inputSize: 1,
    outputSize: 1,
    loss: mse,
    metric: { name: 'RMSE', unit: '', better: 'lower' },
    references: [
      { axis: 'loss', label: 'memoryless: E[x(t+1) | x(t)], binned estimate', value: memorylessMse(z) },
      { axis: 'loss', label: 'predict the mean (variance)', value: 1 },
    ],
    model: { defaultCell: { kind: 'gru', hiddenSize: 32 } },
    setting: { optimizer: { kind: 'adam', lr: 1e-3 }, steps: 100_000, source: 'next-value prediction, online (no paper setting)' },
    stream(rng) {
      if (source.kind === 'values') return new SeriesStream(cycle(z), z.length, std, horizon);
      return new SeriesStream(standardised(mackeyGlass(rng, source), mean, std), Infinity, std, horizon);
    },
  };
}

function generate(options: MackeyGlassOptions, rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, mackeyGlass(rng, options).read);
}

/** The series over and over. */
function cycle(values: Float64Array): Reader {
  let i = 0;
  return {
    read: () => {
      const value = values[i]!;
      i = i + 1 === values.length ? 0 : i + 1;
      return value;
    },
    snapshot: () => ({ i }),
    restore: (state) => {
      i = state.integer('i', 0, values.length - 1);
    },
  };
}

/** (x − mean)/std of every value read. */
function standardised(source: Reader, mean: number, std: number): Reader {
  return { ...source, read: () => (source.read() - mean) / std };
}

function moments(values: Float64Array): { mean: number; std: number } {
  let mean = 0;
  for (const v of values) mean += v / values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2 / values.length;
  return { mean, std: Math.sqrt(variance) };
}

/** The mse of predicting x_{t+1} by its mean within equal-count bins of x_t. */
export function memorylessMse(z: Float64Array): number {
  const n = z.length - 1;
  const order = Array.from({ length: n }, (_, t) => t).sort((a, b) => z[a]! - z[b]!);
  const bins = Math.max(1, Math.min(64, Math.floor(n / 20)));
  let total = 0;
  for (let b = 0; b < bins; b++) {
    const members = order.slice(Math.floor((b * n) / bins), Math.floor(((b + 1) * n) / bins));
    const mean = members.reduce((s, t) => s + z[t + 1]!, 0) / members.length;
    for (const t of members) total += (z[t + 1]! - mean) ** 2;
  }
  return total / n;
}

function fmt(x: number): string {
  return Number(x.toPrecision(4)).toString();
}

class SeriesStream implements TaskStream {
  private current: number;
  /** Where `current` stands in the pass over the series. */
  private position = 0;
  private readonly squared: RecentMean;
  private readonly input = new Float64Array(1);
  private readonly target = new Float64Array(1);

  constructor(
    private readonly reader: Reader,
    private readonly passLength: number,
    private readonly std: number,
    horizon: number,
  ) {
    this.squared = new RecentMean(horizon);
    this.current = reader.read();
  }

  next(): Sample {
    const reset = this.position === 0;
    const following = this.reader.read();
    this.input[0] = this.current;
    this.target[0] = following;
    this.current = following;
    // Across the end of a finite series there is nothing to predict: the next pass starts afresh.
    if (++this.position === this.passLength - 1) {
      this.current = this.reader.read();
      this.position = 0;
    }
    return { input: this.input, target: this.target, reset };
  }

  observe(outcome: Outcome): void {
    this.squared.add(outcome.loss);
  }

  metric(): number {
    return Math.sqrt(this.squared.value) * this.std;
  }

  /** No Rng: a series draws only when it starts (Mackey–Glass's initial history). */
  snapshot(): StreamSnapshot {
    return { task: 'series', state: { reader: this.reader.snapshot(), current: exact(this.current), position: this.position, squared: this.squared.snapshot() } };
  }

  restore(snapshot: StreamSnapshot): void {
    const r = SnapshotReader.of(snapshot, 'series');
    const current = r.number('current');
    const position = r.integer('position', 0, Number.isFinite(this.passLength) ? this.passLength - 2 : Number.MAX_SAFE_INTEGER);
    const squared = RecentMean.read(r.nested('squared'));
    this.reader.restore(r.nested('reader')); // checks, then takes its state: the last check
    this.current = current;
    this.position = position;
    this.squared.setState(squared);
  }
}
