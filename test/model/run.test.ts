import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../../src/model/config.js';
import { run } from '../../src/model/run.js';
import { runSequence } from '../../src/io/run.js';
import { createLearner } from '../../src/kinds/learners.js';
import { mse } from '../../src/loss/loss.js';
import { Rng } from '../../src/tensor/rng.js';

const rng = new Rng(4);
const sequence = (T: number) => Array.from({ length: T }, () => [rng.normal(), rng.normal(), rng.normal()]);

test('run over one sequence equals a learner stepping with θ fixed, and its final state continues the sequence exactly', () => {
  const model = createModel({ inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 4, peephole: true } }, { cell: { kind: 'gru', hiddenSize: 3 } }], outputSize: 2 }, { seed: 2 });
  const inputs = sequence(7);
  const learner = createLearner({ kind: 'uoro' }, model, { loss: mse, optimizer: null });
  const expected = inputs.map((x) => Array.from(learner.step(x, null).prediction));
  const whole = run(model, inputs);
  assert.deepEqual(whole.outputs.map((y) => Array.from(y)), expected);
  const firstHalf = run(model, inputs.slice(0, 3));
  const secondHalf = run(model, inputs.slice(3), firstHalf.states);
  assert.deepEqual(secondHalf.outputs.map((y) => Array.from(y)), expected.slice(3));
});

test('run over a batch of sequences gives each sequence what it gives alone, bidirectional layers included', () => {
  const model = createModel({ inputSize: 3, layers: [{ cell: { kind: 'gru', hiddenSize: 3 }, bidirectional: true }], outputSize: 2 }, { seed: 5 });
  const batch = [sequence(5), sequence(5), sequence(5)];
  const results = run(model, batch);
  batch.forEach((inputs, b) => {
    const alone = runSequence(model, Float64Array.from(inputs.flat()), 5);
    assert.deepEqual(results[b]!.outputs.flatMap((y) => Array.from(y)), Array.from(alone.output));
  });
  assert.throws(() => run(model, [sequence(5), sequence(4)]), /every sequence of a batch must have 5 steps/);
  assert.throws(() => run(model, [[1, 2]]), /step 0 must have 3 numbers/);
});
