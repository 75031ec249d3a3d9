/**
 * The online 'add' task of Marschall, Cho & Savin (JMLR 2020), after Pitis (2016):
 *   x(t) ~ Bernoulli(0.5),   y(t) = 0.5 + 0.5·x(t − t1) − 0.25·x(t − t2),   (t1, t2) = (5, 9),
 * one endless stream with no episodes. As in their code, x enters as the pair (x, 1 − x), the
 * output is a 2-way softmax whose class 0 stands for "1", and the label is a coin flip with
 * probability y(t): its expected cross-entropy is the cross-entropy against y(t), and its
 * gradient is unbiased for that loss.
 *
 * The metric is that exact cross-entropy against y(t) (nats), a running average over 2,000
 * steps. Reference lines (derived in docs/experiments.md): a predictor with no memory cannot
 * beat H(E[y]) ≈ 0.662; knowing x(t − t1) gives ≈ 0.519; knowing both gives E[H(y)] ≈ 0.455.
 */
import { crossEntropy } from '../loss/loss.js';
import type { Rng } from '../tensor/rng.js';
import { RecentMean } from './average.js';
import { SnapshotReader, type StreamSnapshot } from './snapshot.js';
import type { Outcome, Reference, Sample, Task, TaskStream } from './task.js';

export interface AddOptions {
  /** @default 5 */
  t1?: number;
  /** @default 9 */
  t2?: number;
}

export function addTask(options: AddOptions = {}): Task {
  const t1 = options.t1 ?? 5;
  const t2 = options.t2 ?? 9;
  for (const [name, value] of [['t1', t1], ['t2', t2]] as const) {
    if (!(Number.isInteger(value) && value >= 1)) throw new RangeError(`add: ${name} must be a positive integer, got ${value}`);
  }
  if (t1 === t2) throw new RangeError(`add: t1 and t2 must differ, got ${t1} and ${t2}`);
  const levels = addTaskLevels();
  const references: Reference[] = [];
  for (const axis of ['loss', 'metric'] as const) {
    references.push(
      { axis, label: 'memoryless: H(E[y])', value: levels.memoryless },
      { axis, label: `knows x(t − ${t1}) only`, value: levels.firstLag },
      { axis, label: `knows x(t − ${t1}) and x(t − ${t2}): E[H(y)]`, value: levels.both },
    );
  }
  return {
    kind: 'add',
    title: `add (y(t) = 0.5 + 0.5·x(t − ${t1}) − 0.25·x(t − ${t2}))`,
    inputSize: 2,
    outputSize: 2,
    loss: crossEntropy,
    metric: { name: 'cross-entropy vs y(t)', unit: 'nats', better: 'lower' },
    references,
    model: { defaultCell: { kind: 'rnn', hiddenSize: 32 } },
    setting: { optimizer: { kind: 'sgd', lr: 1e-4 }, steps: 1_000_000, source: 'Marschall, Cho & Savin (JMLR 2020): 32-unit RNN, SGD lr 1e-4, 1M steps' },
    stream: (rng) => new AddStream(rng, t1, t2),
  };
}

/** Cross-entropy (nats) of predicting probability p for a coin whose probability is y. */
function crossEntropyOf(y: number, p: number): number {
  const a = y === 0 ? 0 : -y * Math.log(p);
  const b = y === 1 ? 0 : -(1 - y) * Math.log(1 - p);
  return a + b;
}

/**
 * The three classic levels, by exact enumeration of (x(t − t1), x(t − t2)) ∈ {0, 1}²; each
 * predictor outputs E[y | what it knows], and its loss is the mean cross-entropy against y.
 */
export function addTaskLevels(): { memoryless: number; firstLag: number; both: number } {
  const cases = [0, 1].flatMap((a) => [0, 1].map((b) => ({ a, y: 0.5 + 0.5 * a - 0.25 * b })));
  const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
  const prior = mean(cases.map((c) => c.y));
  const givenA = (a: number) => mean(cases.filter((c) => c.a === a).map((c) => c.y));
  return {
    memoryless: mean(cases.map((c) => crossEntropyOf(c.y, prior))),
    firstLag: mean(cases.map((c) => crossEntropyOf(c.y, givenA(c.a)))),
    both: mean(cases.map((c) => crossEntropyOf(c.y, c.y))),
  };
}

class AddStream implements TaskStream {
  /** The last t2 + 1 inputs, x(t − k) at history[(cursor − k) mod size]. */
  private readonly history: Uint8Array;
  private cursor = 0;
  private y = 0.5;
  private readonly running = new RecentMean(2000);
  private readonly input = new Float64Array(2);
  private readonly target = new Float64Array(1);

  constructor(
    private readonly rng: Rng,
    private readonly t1: number,
    private readonly t2: number,
  ) {
    // The stream starts in steady state: the lags already hold coin flips.
    this.history = new Uint8Array(Math.max(t1, t2) + 1);
    for (let i = 0; i < this.history.length; i++) this.history[i] = rng.int(2);
  }

  private lagged(k: number): number {
    const n = this.history.length;
    return this.history[(this.cursor - k + n) % n]!;
  }

  next(): Sample {
    this.cursor = (this.cursor + 1) % this.history.length;
    const x = this.rng.int(2);
    this.history[this.cursor] = x;
    this.input[0] = x;
    this.input[1] = 1 - x;
    this.y = 0.5 + 0.5 * this.lagged(this.t1) - 0.25 * this.lagged(this.t2);
    // Class 0 stands for "1", as the input's first channel does.
    this.target[0] = this.rng.uniform() < this.y ? 0 : 1;
    return { input: this.input, target: this.target, reset: false };
  }

  observe(outcome: Outcome): void {
    const [a, b] = [outcome.prediction[0]!, outcome.prediction[1]!];
    // p("1") = softmax(ŷ)[0], computed stably.
    const p = 1 / (1 + Math.exp(b - a));
    this.running.add(crossEntropyOf(this.y, Math.min(Math.max(p, 1e-300), 1 - 1e-16)));
  }

  metric(): number {
    return this.running.value;
  }

  snapshot(): StreamSnapshot {
    return { task: 'add', state: { rng: [...this.rng.getState()], history: Array.from(this.history), cursor: this.cursor, running: this.running.snapshot() } };
  }

  restore(snapshot: StreamSnapshot): void {
    const r = SnapshotReader.of(snapshot, 'add');
    const rng = r.rng('rng');
    const history = r.integers('history', this.history.length, 0, 1);
    const cursor = r.integer('cursor', 0, this.history.length - 1);
    const running = RecentMean.read(r.nested('running'));
    this.rng.setState(rng);
    this.history.set(history);
    this.cursor = cursor;
    this.running.setState(running);
  }
}
