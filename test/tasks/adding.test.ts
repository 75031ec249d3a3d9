import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/rng.js';
import { addingTask } from '../../src/tasks/adding.js';

test('each adding episode marks one value in each half and asks for their sum at its last step only', () => {
  const lag = 12;
  const stream = addingTask({ lag }).stream(new Rng(5));
  for (let episode = 0; episode < 50; episode++) {
    const marked: Array<[number, number]> = [];
    for (let t = 0; t < lag; t++) {
      const { input, target, reset } = stream.next();
      assert.equal(reset, t === 0);
      assert.ok(input[0]! >= 0 && input[0]! < 1);
      if (input[1] === 1) marked.push([t, input[0]!]);
      if (t < lag - 1) assert.equal(target, null);
      else assert.equal(target![0], marked[0]![1] + marked[1]![1]);
      stream.observe({ loss: target === null ? Number.NaN : 0, prediction: new Float64Array([target === null ? 0 : target[0]!]), theta: new Float64Array(0) });
    }
    assert.equal(marked.length, 2);
    assert.ok(marked[0]![0] < lag / 2 && marked[1]![0] >= lag / 2);
  }
  assert.equal(stream.metric(), 1, 'every exact answer counts as within 0.04');
});

test('the adding problem needs a lag of at least 2', () => {
  assert.throws(() => addingTask({ lag: 1 }), /adding: lag must be an integer ≥ 2/);
});
