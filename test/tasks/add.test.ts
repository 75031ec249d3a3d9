import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/rng.js';
import { addTask, addTaskLevels } from '../../src/tasks/add.js';
import { train } from '../../src/tasks/run.js';
import { MemorylessLearner } from './memoryless-learner.js';

test("the add task's reference levels are Pitis's 0.66, 0.52 and 0.45 nats", () => {
  const levels = addTaskLevels();
  assert.ok(Math.abs(levels.memoryless - 0.6616) < 1e-4, `${levels.memoryless}`);
  assert.ok(Math.abs(levels.firstLag - 0.5192) < 1e-4, `${levels.firstLag}`);
  assert.ok(Math.abs(levels.both - 0.4545) < 1e-4, `${levels.both}`);
  const task = addTask();
  assert.deepEqual(task.references.filter((r) => r.axis === 'loss').map((r) => r.value), [levels.memoryless, levels.firstLag, levels.both]);
});

test('labels are coin flips with probability 0.5 + 0.5·x(t − 5) − 0.25·x(t − 9)', () => {
  const stream = addTask().stream(new Rng(2));
  const xs: number[] = [];
  const ones = new Map<string, [number, number]>();
  for (let t = 0; t < 40_000; t++) {
    const { input, target, reset } = stream.next();
    assert.equal(reset, false);
    assert.equal(input[0]! + input[1]!, 1, 'x enters as (x, 1 − x)');
    xs.push(input[0]!);
    if (t >= 9) {
      const key = `${xs[t - 5]}${xs[t - 9]}`;
      const [n, k] = ones.get(key) ?? [0, 0];
      ones.set(key, [n + 1, k + (target![0] === 0 ? 1 : 0)]);
    }
  }
  const expected: Record<string, number> = { '00': 0.5, '01': 0.25, '10': 1, '11': 0.75 };
  for (const [key, [n, k]] of ones) assert.ok(Math.abs(k / n - expected[key]!) < 0.02, `P(1 | ${key}) = ${k / n}`);
});

test('a learner without memory settles on the memoryless level of the add task, and its metric reads the exact cross-entropy', () => {
  const task = addTask();
  const learner = new MemorylessLearner(2, 2, task.loss, 0.01);
  const stream = task.stream(new Rng(7));
  train({ stream, learner, steps: 30_000 });
  assert.ok(Math.abs(stream.metric() - addTaskLevels().memoryless) < 0.01, `metric ${stream.metric()}`);
});

test('bad add options are rejected by name', () => {
  assert.throws(() => addTask({ t1: 0 }), /add: t1 must be a positive integer/);
  assert.throws(() => addTask({ t1: 3, t2: 3 }), /t1 and t2 must differ/);
});
