/**
 * The adding problem of Hochreiter & Schmidhuber (1997), in the form most papers since use
 * (Le, Jaitly & Hinton 2015; Arjovsky, Shah & Bengio 2016): episodes of `lag` steps, each input
 * a pair (v_t ~ U[0, 1], m_t ∈ {0, 1}) with exactly two marks, one in each half of the episode;
 * the target, at the last step only, is the sum of the two marked values. Answering needs a
 * memory of up to `lag` steps.
 *
 * Note: H&S drew v from [−1, 1], put the first mark among the first ten steps and asked for
 * 0.5 + (v₁ + v₂)/4; the success criterion |error| < 0.04 is theirs, and is the metric here:
 * the fraction of the last 200 episodes answered within 0.04.
 * Reference: predicting the mean sum 1 scores Var(v₁ + v₂) = 1/6 (mse) without any memory.
 */
import { mse } from '../loss/loss.js';
import type { Rng } from '../tensor/rng.js';
import { RecentMean } from './average.js';
import { SnapshotReader, exactArray, type StreamSnapshot } from './snapshot.js';
import type { Outcome, Sample, Task, TaskStream } from './task.js';

export interface AddingOptions {
  /** Episode length T (≥ 2). @default 50 */
  lag?: number;
}

export function addingTask(options: AddingOptions = {}): Task {
  const lag = options.lag ?? 50;
  if (!(Number.isInteger(lag) && lag >= 2)) throw new RangeError(`adding: lag must be an integer ≥ 2, got ${lag}`);
  return {
    kind: 'adding',
    title: `adding problem (lag ${lag}: sum of two marked values, one in each half)`,
    inputSize: 2,
    outputSize: 1,
    loss: mse,
    metric: { name: 'episodes within 0.04', unit: '', better: 'higher' },
    references: [{ axis: 'loss', label: 'memoryless: predict 1, Var(v₁ + v₂) = 1/6', value: 1 / 6 }],
    model: { defaultCell: { kind: 'lstm', hiddenSize: 32 } },
    setting: { optimizer: { kind: 'adam', lr: 1e-3 }, steps: 500_000, source: 'Hochreiter & Schmidhuber (1997), in the U[0, 1], one-mark-per-half form of Le et al. (2015)' },
    stream: (rng) => new AddingStream(rng, lag),
  };
}

class AddingStream implements TaskStream {
  private position: number;
  private readonly values: Float64Array;
  private first = 0;
  private second = 0;
  private readonly solved = new RecentMean(200);
  private readonly input = new Float64Array(2);
  private readonly target = new Float64Array(1);

  constructor(
    private readonly rng: Rng,
    private readonly lag: number,
  ) {
    this.values = new Float64Array(lag);
    this.position = lag;
  }

  next(): Sample {
    const T = this.lag;
    if (this.position >= T) {
      for (let t = 0; t < T; t++) this.values[t] = this.rng.uniform();
      const half = Math.floor(T / 2);
      this.first = this.rng.int(half);
      this.second = half + this.rng.int(T - half);
      this.position = 0;
    }
    const t = this.position++;
    this.input[0] = this.values[t]!;
    this.input[1] = t === this.first || t === this.second ? 1 : 0;
    if (t < T - 1) return { input: this.input, target: null, reset: t === 0 };
    this.target[0] = this.values[this.first]! + this.values[this.second]!;
    return { input: this.input, target: this.target, reset: t === 0 };
  }

  observe(outcome: Outcome): void {
    if (Number.isNaN(outcome.loss)) return;
    this.solved.add(Math.abs(outcome.prediction[0]! - this.target[0]!) < 0.04 ? 1 : 0);
  }

  metric(): number {
    return this.solved.value;
  }

  snapshot(): StreamSnapshot {
    return {
      task: 'adding',
      state: { rng: [...this.rng.getState()], position: this.position, values: exactArray(this.values), first: this.first, second: this.second, solved: this.solved.snapshot() },
    };
  }

  restore(snapshot: StreamSnapshot): void {
    const r = SnapshotReader.of(snapshot, 'adding');
    const T = this.lag;
    const half = Math.floor(T / 2);
    const rng = r.rng('rng');
    const position = r.integer('position', 0, T);
    const values = r.numbers('values', T);
    const first = r.integer('first', 0, half - 1);
    const second = r.integer('second', 0, T - 1);
    const solved = RecentMean.read(r.nested('solved'));
    this.rng.setState(rng);
    this.position = position;
    this.values.set(values);
    this.first = first;
    this.second = second;
    this.solved.setState(solved);
  }
}
