import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/rng.js';
import { copyTask } from '../../src/tasks/copy.js';
import type { Sample, TaskStream } from '../../src/tasks/task.js';

const theta = new Float64Array(0);
const prediction = new Float64Array(2);

/** Reads one whole sequence, feeding back `bitLoss` nats for every scored step. */
function readSequence(stream: TaskStream, bitLoss: number): Array<{ input: number[]; target: number | null; reset: boolean }> {
  const steps: Array<{ input: number[]; target: number | null; reset: boolean }> = [];
  for (;;) {
    const sample: Sample = stream.next();
    if (sample.reset && steps.length > 0) throw new Error('sequence ended without its last step being observed');
    steps.push({ input: Array.from(sample.input), target: sample.target === null ? null : sample.target[0]!, reset: sample.reset });
    stream.observe({ loss: sample.target === null ? Number.NaN : bitLoss, prediction, theta });
    const L = (steps.length - 2) / 2;
    if (Number.isInteger(L) && L >= 1 && steps.filter((s) => s.target !== null).length === L) return steps;
  }
}

test('a copy sequence is a marker, L bits and L + 1 blanks, and asks for each bit L + 1 steps after it was shown', () => {
  const stream = copyTask({ start: 7 }).stream(new Rng(3));
  for (let n = 0; n < 20; n++) {
    const steps = readSequence(stream, 0.5);
    const L = (steps.length - 2) / 2;
    assert.ok(L >= 3 && L <= 7, `length ${L} outside max(1, 7 − U{0..4})`);
    assert.deepEqual(steps[0]!.input, [0, 0, 1], 'the marker comes first');
    assert.equal(steps[0]!.reset, true);
    assert.ok(steps.slice(1).every((s) => !s.reset));
    for (let p = L + 1; p < steps.length; p++) assert.deepEqual(steps[p]!.input, [0, 0, 0], 'blanks after the bits');
    for (let p = 0; p < L + 2; p++) assert.equal(steps[p]!.target, null, 'nothing is scored before the copy starts');
    for (let i = 0; i < L; i++) {
      const shown = steps[1 + i]!.input.indexOf(1);
      assert.equal(steps[L + 2 + i]!.target, shown, `bit ${i}`);
    }
  }
});

test('the curriculum levels up after about twenty sequences copied below 0.15 bits, never above it', () => {
  const good = copyTask().stream(new Rng(1));
  const levels: number[] = [];
  for (let n = 0; n < 200; n++) {
    readSequence(good, 0.1 * Math.LN2);
    levels.push(good.metric());
  }
  assert.equal(levels[0], 1);
  // a restarts at 1 bit and falls by 0.9 per sequence at 0.1 bits: 0.1 + 0.9^k·0.9 < 0.15 after k = 27.
  const firstUp = levels.findIndex((T) => T === 2);
  assert.ok(firstUp >= 15 && firstUp <= 30, `first level-up after ${firstUp + 1} sequences`);
  assert.ok(levels[199]! >= 6, `T reached ${levels[199]}`);
  for (let i = 1; i < levels.length; i++) assert.ok(levels[i]! - levels[i - 1]! <= 1);

  const bad = copyTask().stream(new Rng(1));
  for (let n = 0; n < 200; n++) readSequence(bad, 0.2 * Math.LN2);
  assert.equal(bad.metric(), 1);
});

test('sequence lengths at level T are max(1, T − U{0..4}), every value appearing', () => {
  const stream = copyTask({ start: 10 }).stream(new Rng(8));
  const lengths = new Set<number>();
  for (let n = 0; n < 200; n++) lengths.add((readSequence(stream, Math.LN2).length - 2) / 2);
  assert.deepEqual([...lengths].sort((a, b) => a - b), [6, 7, 8, 9, 10]);
  const short = copyTask({ start: 2 }).stream(new Rng(8));
  for (let n = 0; n < 50; n++) assert.ok((readSequence(short, Math.LN2).length - 2) / 2 >= 1);
});

test('the same seed gives the same copy stream, another seed another', () => {
  const read = (seed: number) => {
    const stream = copyTask({ start: 12 }).stream(new Rng(seed));
    return Array.from({ length: 300 }, () => Array.from(stream.next().input).join('')).join('|');
  };
  assert.equal(read(4), read(4));
  assert.notEqual(read(4), read(5));
});

test('bad copy options are rejected by name', () => {
  assert.throws(() => copyTask({ start: 0 }), /copy: start must be a positive integer/);
  assert.throws(() => copyTask({ threshold: 1.5 }), /copy: threshold must be in \(0, 1\)/);
  assert.throws(() => copyTask({ jitter: -1 }), /copy: jitter/);
});
