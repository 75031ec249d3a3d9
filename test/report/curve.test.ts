import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CurveRecorder, defaultInterval } from '../../src/report/curve.js';

test('a curve point every N steps holds the mean loss of the steps with a target and the latest metric', () => {
  let clock = 10;
  const recorder = new CurveRecorder(3, () => clock);
  const losses = [1, Number.NaN, 3, 5, 7, 9, Number.NaN];
  const points = losses.map((loss, i) => {
    clock += 0.5;
    return recorder.add({ step: i + 1, loss, metric: 100 + i });
  });
  assert.deepEqual(points.slice(0, 6), [null, null, { step: 3, loss: 2, metric: 102, time: 1.5 }, null, null, { step: 6, loss: 7, metric: 105, time: 3 }]);
  assert.equal(points[6], null);
  assert.deepEqual(recorder.finish({ step: 7, loss: Number.NaN, metric: 106 }), { step: 7, loss: Number.NaN, metric: 106, time: 3.5 });
  assert.equal(recorder.finish({ step: 6, loss: 0, metric: 0 }), null, 'nothing left after a full interval');
});

test('the default interval gives about 500 points and at least one step', () => {
  assert.equal(defaultInterval(200_000), 400);
  assert.equal(defaultInterval(100), 1);
  assert.throws(() => new CurveRecorder(0, () => 0), /every must be a positive integer/);
});
