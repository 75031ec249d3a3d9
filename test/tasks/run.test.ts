import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/rng.js';
import { copyTask } from '../../src/tasks/copy.js';
import { addingTask } from '../../src/tasks/adding.js';
import { addTask } from '../../src/tasks/add.js';
import { train, type StepRecord } from '../../src/tasks/run.js';
import { MemorylessLearner } from './memoryless-learner.js';

test('train feeds every sample to the learner, resets it at episode starts and reports each step', () => {
  const task = addingTask({ lag: 10 });
  const learner = new MemorylessLearner(2, 1, task.loss, 0.01);
  const records: StepRecord[] = [];
  const end = train({ stream: task.stream(new Rng(1)), learner, steps: 95, onStep: (r) => void records.push({ ...r }) });
  assert.deepEqual(end, { kind: 'completed', steps: 95 });
  assert.equal(learner.steps, 95);
  assert.equal(learner.resets, 10, 'episodes start at steps 1, 11, …, 91');
  assert.deepEqual(records.map((r) => r.step), Array.from({ length: 95 }, (_, i) => i + 1));
  assert.deepEqual(records.filter((r) => !Number.isNaN(r.loss)).map((r) => r.step), [10, 20, 30, 40, 50, 60, 70, 80, 90]);
});

test("train stops when onStep returns 'stop', and the same seed trains to the same numbers", () => {
  const run = (stopAt: number) => {
    const task = addTask();
    const learner = new MemorylessLearner(2, 2, task.loss, 0.1);
    const end = train({ stream: task.stream(new Rng(2)), learner, steps: 1000, onStep: (r) => (r.step === stopAt ? 'stop' : undefined) });
    return { end, theta: Array.from(learner.theta) };
  };
  assert.deepEqual(run(300).end, { kind: 'stopped', steps: 300 });
  assert.deepEqual(run(300), run(300));
  assert.notDeepEqual(run(300).theta, run(301).theta);
});

test('train with `from` goes on at the next step: two legs, 300 steps then 700 more, report what one run of 1000 does', () => {
  const records = (legs: number[]) => {
    const task = copyTask();
    const stream = task.stream(new Rng(4));
    const learner = new MemorylessLearner(3, 2, task.loss, 0.1);
    const out: StepRecord[] = [];
    let from = 0;
    for (const steps of legs) {
      const end = train({ stream, learner, steps, from, onStep: (r) => void out.push({ ...r }) });
      assert.deepEqual(end, { kind: 'completed', steps });
      from = steps;
    }
    return out;
  };
  const legs = records([300, 1000]);
  assert.deepEqual(legs.map((r) => r.step), Array.from({ length: 1000 }, (_, i) => i + 1));
  assert.deepStrictEqual(legs, records([1000]));
  assert.throws(() => train({ stream: copyTask().stream(new Rng(1)), learner: new MemorylessLearner(3, 2, copyTask().loss, 0.1), steps: 5, from: 6 }), /from must be an integer in \[0, steps = 5\], got 6/);
});

test('a DivergenceError from the learner ends the run as diverged at that step; other errors propagate', () => {
  const task = copyTask();
  const learner = new MemorylessLearner(3, 2, task.loss, 0.1, 42);
  const end = train({ stream: task.stream(new Rng(2)), learner, steps: 1000 });
  assert.equal(end.kind, 'diverged');
  assert.equal(end.steps, 41);
  assert.match(end.kind === 'diverged' ? end.message : '', /diverged at step 42/);
  const fresh = new MemorylessLearner(3, 2, task.loss, 0.1);
  assert.throws(() => train({ stream: task.stream(new Rng(2)), learner: fresh, steps: 5, onStep: () => { throw new TypeError('boom'); } }), /boom/);
});
