/**
 * The stream contract's snapshot and restore, over every task: a stream saved after K steps
 * and restored into a fresh stream (another Rng) continues with the same samples and metric,
 * bit for bit, as the stream it was taken from.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/rng.js';
import { createTask, TASKS as TABLE, TASK_KINDS, type TaskConfig } from '../../src/kinds/tasks.js';
import type { StreamSnapshot } from '../../src/tasks/snapshot.js';
import type { Outcome, Task, TaskStream } from '../../src/tasks/task.js';

/** Every task the table offers, and more settings of some. */
const TASKS: Array<{ name: string; config: TaskConfig }> = [
  ...TASK_KINDS.flatMap((kind) => TABLE[kind].examples.map(({ name, config }) => ({ name: `${name} (table)`, config: config as TaskConfig }))),
  { name: 'copy (curriculum from T = 1)', config: { kind: 'copy' } },
  { name: 'copy (curriculum from T = 6)', config: { kind: 'copy', start: 6 } },
  { name: 'add', config: { kind: 'add' } },
  { name: 'adding (lag 10)', config: { kind: 'adding', lag: 10 } },
  { name: 'charlm on a text', config: { kind: 'charlm', corpus: { kind: 'text', name: 'verse', text: 'the owl and the pussy-cat went to sea\nin a beautiful pea-green boat\n' } } },
  { name: 'charlm on anbn', config: { kind: 'charlm', corpus: { kind: 'anbn' } } },
  ...([1, 2, 3] as const).map((variant) => ({ name: `charlm on brackets variant ${variant}`, config: { kind: 'charlm', corpus: { kind: 'brackets', variant } } as TaskConfig })),
  { name: 'series from CSV values (passes of 7)', config: { kind: 'series', source: { kind: 'values', name: 'seven', values: [3, 1, 4, 1, 5, 9, 2] } } },
  { name: 'series from Mackey–Glass', config: { kind: 'series', source: { kind: 'mackeyGlass', interval: 3 } } },
  { name: 'influence', config: { kind: 'influence' } },
];

/** A learner stand-in: the outcome of step t, a function of t and the sample only (right 97% of the time, so copy's curriculum keeps climbing). */
function outcome(task: Task, t: number, target: Float64Array | null): Outcome {
  const rng = new Rng(7000 + t);
  const prediction = Float64Array.from({ length: task.outputSize }, () => rng.normal());
  if (target !== null && rng.uniform() < 0.97) {
    if (task.loss.kind === 'crossEntropy') prediction[target[0]!]! += 8;
    else for (let i = 0; i < prediction.length; i++) prediction[i] = target[i]! + 0.01 * prediction[i]!;
  }
  const loss = target === null ? Number.NaN : task.loss.evaluate(null, prediction, target, task.outputSize, 1);
  return { loss, prediction, theta: Float64Array.of(rng.normal()) };
}

interface Reading {
  input: number[];
  target: number[] | null;
  reset: boolean;
  metric: number;
}

/** Steps from..to−1 of a stream, recording what it gave and its metric after each. */
function steps(task: Task, stream: TaskStream, from: number, to: number): Reading[] {
  const readings: Reading[] = [];
  for (let t = from; t < to; t++) {
    const sample = stream.next();
    const reading = { input: Array.from(sample.input), target: sample.target === null ? null : Array.from(sample.target), reset: sample.reset };
    stream.observe(outcome(task, t, sample.target));
    readings.push({ ...reading, metric: stream.metric() });
  }
  return readings;
}

/** Snapshots at the start and at many points of episodes, sequences and passes. */
const K = [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1001];
const M = 200;

for (const { name, config } of TASKS) {
  test(`${name}: a stream restored from its snapshot into a fresh stream continues with the same samples and metric, bit for bit`, () => {
    const task = createTask(config);
    for (const k of K) {
      const original = task.stream(new Rng(11));
      steps(task, original, 0, k);
      const snapshot = original.snapshot();
      const metric = original.metric();
      const text = JSON.stringify(snapshot);
      assert.deepEqual(JSON.parse(text), snapshot, 'the snapshot is plain JSON');
      const expected = steps(task, original, k, k + M);

      const fresh = task.stream(new Rng(12));
      fresh.restore(JSON.parse(text) as StreamSnapshot);
      assert.ok(Object.is(fresh.metric(), metric), `the metric is restored too: ${fresh.metric()} vs ${metric}`);
      // deepStrictEqual compares numbers with Object.is: −0, NaN and every bit count.
      assert.deepStrictEqual(steps(task, fresh, k, k + M), expected, `after ${k} steps`);
      // State that has not shown in the samples yet (copy's running loss) must agree too.
      assert.deepStrictEqual(fresh.snapshot(), original.snapshot(), `the states ${M} steps after step ${k}`);
    }
  });
}

test("copy's curriculum levels up within the steps the contract test compares, so the level and its running loss are restored mid-climb", () => {
  const task = createTask({ kind: 'copy' });
  const stream = task.stream(new Rng(11));
  const readings = steps(task, stream, 0, 1001 + 400);
  const levels = readings.map((r) => r.metric);
  assert.ok(levels[1000]! > 1 && levels[levels.length - 1]! > levels[1000]!, `levels ${levels[1000]} → ${levels[levels.length - 1]}`);
});

test('a snapshot is refused by name when it belongs to another task or a field is wrong, and the stream is left as it was', () => {
  const copy = createTask({ kind: 'copy' });
  const stream = copy.stream(new Rng(1));
  steps(copy, stream, 0, 200);
  const level = stream.metric();
  assert.ok(level >= 2);
  const good = stream.snapshot();
  const twin = copy.stream(new Rng(2));
  twin.restore(good);
  const add = createTask({ kind: 'add' }).stream(new Rng(1));
  assert.throws(() => add.restore(good), /add stream snapshot: it was taken from a "copy" stream/);
  const broken = (state: Record<string, unknown>) => ({ task: 'copy', state: { ...good.state, ...state } }) as StreamSnapshot;
  assert.throws(() => stream.restore(broken({ bits: [0, 2] })), new RegExp(`copy stream snapshot: bits must be 1 to ${level} integers in \\[0, 1\\]`));
  assert.throws(() => stream.restore(broken({ rng: [0, 0, 0, 0] })), /copy stream snapshot: rng must be an rng state that is not all zeros/);
  assert.throws(() => stream.restore(broken({ running: { count: 3, mean: 'much' } })), /copy stream snapshot: running\.mean must be a number/);
  // Every check comes before any change (bitLoss is read last).
  assert.throws(() => stream.restore(broken({ bitLoss: null })), /copy stream snapshot: bitLoss must be a number/);
  assert.deepStrictEqual(steps(copy, stream, 200, 500), steps(copy, twin, 200, 500));
  const charlm = createTask({ kind: 'charlm', corpus: { kind: 'anbn' } }).stream(new Rng(1));
  const state = charlm.snapshot();
  assert.throws(() => charlm.restore({ task: 'charlm', state: { ...state.state, reader: { n: 40, position: 0 } } }), /charlm stream snapshot: reader\.n must be an integer in \[0, 32\]/);
});
