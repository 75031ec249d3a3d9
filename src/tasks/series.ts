/**
 * Next-value prediction of a time series: row t's input columns in, row t+1's target columns
 * as the target, mean squared error on standardised values. Standardisation is online: each
 * column is centred and scaled by the running mean and standard deviation of the rows seen up
 * to t (running-moments.ts), so no step ever sees the future — what a live stream allows. The
 * series is one column of a CSV file, several (`table`: inputs and targets named apart; each
 * pass over the file is an episode), or the Mackey–Glass equation, generated endlessly.
 *
 * The metric is the RMSE in the target columns' own units (the prediction mapped back with the
 * scale used at that step), a running average over min(1,000, N − 1) steps. Reference: the best
 * memoryless predictor outputs E[x_{t+1} | x_t]; it is estimated by averaging x_{t+1} within 64
 * (fewer for short series) equal-count bins of x_t, on the whole series standardised at once
 * (one column only) — a line to read the curve against, not part of the online evaluation.
 */
import { mse } from '../loss/loss.js';
import { Rng } from '../tensor/rng.js';
import { RecentMean } from './average.js';
import { mackeyGlass, type MackeyGlassOptions } from './mackey-glass.js';
import { RunningMoments } from './running-moments.js';
import { SnapshotReader, exactArray, type Reader, type StreamSnapshot } from './snapshot.js';
import type { Outcome, Reference, Sample, Task, TaskStream } from './task.js';

export type SeriesSource =
  | { readonly kind: 'values'; readonly name: string; readonly values: ArrayLike<number> }
  /** Rows of `columns.length` values (row-major); inputs and targets are indices into `columns`. */
  | { readonly kind: 'table'; readonly name: string; readonly columns: readonly string[]; readonly values: ArrayLike<number>; readonly inputs: readonly number[]; readonly targets: readonly number[] }
  | ({ readonly kind: 'mackeyGlass' } & Readonly<MackeyGlassOptions>);

const REFERENCE_SAMPLES = 20_000;

export function seriesTask(source: SeriesSource): Task {
  const table = asTable(source);
  const { name, width, data, inputs, targets } = table;
  const rows = data.length / width;
  if (rows < 3) throw new RangeError(`series ${name}: needs at least 3 values, got ${rows}`);
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw new RangeError(`series ${name}: value ${Math.floor(i / width) + 1}${width > 1 ? ` of column '${table.columns[i % width]}'` : ''} is not a finite number`);
  const whole = new RunningMoments(width);
  for (let r = 0; r < rows; r++) whole.add(data.subarray(r * width, (r + 1) * width));
  for (const j of [...inputs, ...targets]) {
    if (whole.std(j) === 1 && data.every((v, i) => i % width !== j || v === data[j])) throw new RangeError(`series ${name}: all ${rows} values${width > 1 ? ` of column '${table.columns[j]}'` : ''} are equal; there is nothing to predict`);
  }
  const references: Reference[] = [{ axis: 'loss', label: 'predict the mean (variance)', value: 1 }];
  if (width === 1) {
    const z = data.map((x) => (x - whole.mean[0]!) / whole.std(0));
    references.unshift({ axis: 'loss', label: 'memoryless: E[x(t+1) | x(t)], binned estimate', value: memorylessMse(z) });
  }
  const horizon = Math.min(1000, rows - 1);
  const columns = width === 1 ? '' : `inputs ${inputs.map((j) => table.columns[j]).join(', ')} → targets ${targets.map((j) => table.columns[j]).join(', ')}; `;
  return {
    kind: 'series',
    title: `series ${name} (${columns}${source.kind !== 'mackeyGlass' ? `${rows} rows, ` : ''}standardised online: running mean and std)`,
    inputSize: inputs.length,
    outputSize: targets.length,
    loss: mse,
    metric: { name: 'RMSE', unit: '', better: 'lower' },
    references,
    model: { defaultCell: { kind: 'gru', hiddenSize: 32 } },
    setting: { optimizer: { kind: 'adam', lr: 1e-3 }, steps: 100_000, source: 'next-value prediction, online (no paper setting)' },
    stream(rng) {
      if (source.kind === 'mackeyGlass') return new SeriesStream(mackeyGlass(rng, source), Infinity, table, horizon);
      return new SeriesStream(cycle(data), rows, table, horizon);
    },
  };
}

interface Table {
  readonly name: string;
  readonly columns: readonly string[];
  readonly width: number;
  readonly data: Float64Array;
  readonly inputs: readonly number[];
  readonly targets: readonly number[];
}

function asTable(source: SeriesSource): Table {
  switch (source.kind) {
    case 'values':
      return { name: source.name, columns: [source.name], width: 1, data: Float64Array.from(source.values), inputs: [0], targets: [0] };
    case 'mackeyGlass':
      return { name: `Mackey–Glass (τ = ${source.tau ?? 17}, every ${source.interval ?? 1})`, columns: ['x'], width: 1, data: generate(source, new Rng(0x5eed), REFERENCE_SAMPLES), inputs: [0], targets: [0] };
    case 'table': {
      const width = source.columns.length;
      if (width < 1 || source.values.length % width !== 0) throw new RangeError(`series ${source.name}: ${source.values.length} values do not fill rows of ${width} columns`);
      for (const [what, list] of [['inputs', source.inputs], ['targets', source.targets]] as const) {
        if (list.length === 0) throw new RangeError(`series ${source.name}: give at least one of the columns as ${what}`);
        for (const j of list) if (!Number.isInteger(j) || j < 0 || j >= width) throw new RangeError(`series ${source.name}: ${what} must index the ${width} columns, got ${j}`);
      }
      return { name: source.name, columns: source.columns, width, data: Float64Array.from(source.values), inputs: source.inputs, targets: source.targets };
    }
  }
}

function generate(options: MackeyGlassOptions, rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, mackeyGlass(rng, options).read);
}

/** The values over and over, one at a time (rows are read value by value). */
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

class SeriesStream implements TaskStream {
  /** Row t (raw), the input of the next sample. */
  private readonly current: Float64Array;
  private readonly following: Float64Array;
  /** Where `current` stands in the pass over the series. */
  private position = 0;
  private readonly moments: RunningMoments;
  private readonly squared: RecentMean;
  private readonly input: Float64Array;
  private readonly target: Float64Array;
  /** The last target's raw values, and the mean and std that standardised them. */
  private readonly rawTarget: Float64Array;
  private readonly targetMean: Float64Array;
  private readonly targetStd: Float64Array;

  constructor(
    private readonly reader: Reader,
    private readonly passLength: number,
    private readonly table: Table,
    horizon: number,
  ) {
    const { width, inputs, targets } = table;
    this.current = new Float64Array(width);
    this.following = new Float64Array(width);
    this.moments = new RunningMoments(width);
    this.squared = new RecentMean(horizon);
    this.input = new Float64Array(inputs.length);
    this.target = new Float64Array(targets.length);
    this.rawTarget = new Float64Array(targets.length);
    this.targetMean = new Float64Array(targets.length);
    this.targetStd = new Float64Array(targets.length);
    this.readRow(this.current);
  }

  private readRow(row: Float64Array): void {
    for (let j = 0; j < row.length; j++) row[j] = this.reader.read();
  }

  next(): Sample {
    const { moments, table } = this;
    const reset = this.position === 0;
    this.readRow(this.following);
    moments.add(this.current); // row t is known now; row t+1 is not
    table.inputs.forEach((j, i) => (this.input[i] = (this.current[j]! - moments.mean[j]!) / moments.std(j)));
    table.targets.forEach((j, i) => {
      this.rawTarget[i] = this.following[j]!;
      this.targetMean[i] = moments.mean[j]!;
      this.targetStd[i] = moments.std(j);
      this.target[i] = (this.following[j]! - this.targetMean[i]!) / this.targetStd[i]!;
    });
    this.current.set(this.following);
    // Across the end of a finite series there is nothing to predict: the next pass starts afresh.
    if (++this.position === this.passLength - 1) {
      this.readRow(this.current);
      this.position = 0;
    }
    return { input: this.input, target: this.target, reset };
  }

  observe(outcome: Outcome): void {
    let sum = 0;
    for (let i = 0; i < this.target.length; i++) sum += (outcome.prediction[i]! * this.targetStd[i]! + this.targetMean[i]! - this.rawTarget[i]!) ** 2;
    this.squared.add(sum / this.target.length);
  }

  metric(): number {
    return Math.sqrt(this.squared.value);
  }

  /** No Rng: a series draws only when it starts (Mackey–Glass's initial history). */
  snapshot(): StreamSnapshot {
    return { task: 'series', state: { reader: this.reader.snapshot(), current: exactArray(this.current), position: this.position, moments: this.moments.snapshot(), squared: this.squared.snapshot() } };
  }

  restore(snapshot: StreamSnapshot): void {
    const r = SnapshotReader.of(snapshot, 'series');
    const current = r.numbers('current', this.current.length);
    const position = r.integer('position', 0, Number.isFinite(this.passLength) ? this.passLength - 2 : Number.MAX_SAFE_INTEGER);
    const squared = RecentMean.read(r.nested('squared'));
    const moments = this.moments.read(r.nested('moments'));
    this.reader.restore(r.nested('reader')); // checks, then takes its state: the last check
    this.moments.setState(moments);
    this.current.set(current);
    this.position = position;
    this.squared.setState(squared);
  }
}
