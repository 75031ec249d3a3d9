/** bench/online-phases.ts charges each phase of an online step with its own time, leaves the classes as it found them, and refuses bad arguments in one line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { phaseTimes } from '../../bench/online-phases.js';
import { LstmStep } from '../../src/cells/lstm-step.js';
import { Sgd } from '../../src/optim/sgd.js';
import { testArgumentRefusals } from '../support/bench-scripts.js';

const usage = /^usage: node dist\/bench\/online-phases\.js/;
testArgumentRefusals('online-phases', [
  [['rtrl', '8', 'float64'], usage],
  [['uoro', '0', 'float64'], usage],
  [['uoro', '8', 'float16'], usage],
  [['uoro', '8', 'float64', '--steps', '0'], usage],
]);

test('online-phases times the forward + jvp, propagate, head and SGD phases of a UORO step, which sum to less than the step, and restores the methods it wrapped', async () => {
  const forward = LstmStep.prototype.forwardWithStateJvp;
  const sgdStep = Sgd.prototype.stepStructured;
  const t = await phaseTimes('uoro', 8, 'float64', 50);
  const labels = t.phases.map((p) => p.label);
  for (const wanted of [/forward step with the jvp/, /estimator propagate/, /head and loss/, /SGD pass \(structured/]) assert.ok(labels.some((l) => wanted.test(l)), `${wanted} in ${labels.join(', ')}`);
  assert.ok(!labels.includes('forward step'), 'the baseline’s own forward steps are not charged to the learner');
  const sum = t.phases.reduce((a, p) => a + p.microseconds, 0);
  assert.ok(t.phases.every((p) => p.microseconds > 0));
  assert.ok(sum < t.stepMicroseconds, `phases ${sum} µs, step ${t.stepMicroseconds} µs`);
  assert.ok(t.forwardMicroseconds > 0);
  assert.equal(LstmStep.prototype.forwardWithStateJvp, forward);
  assert.equal(Sgd.prototype.stepStructured, sgdStep);
});
