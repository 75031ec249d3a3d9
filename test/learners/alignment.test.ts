import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignment } from '../../src/learners/alignment.js';
import { createLearner, type LearnerConfig } from '../../src/kinds/learners.js';
import { createModel } from '../../src/model/config.js';
import { mse } from '../../src/loss/loss.js';
import { randomStream } from './helpers.js';

const model = () => createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 4 } }], outputSize: 2 }, { seed: 3 }).online();
const LEARNERS: ReadonlyArray<{ name: string; config: LearnerConfig }> = [
  { name: 'rtrl', config: { kind: 'rtrl' } },
  { name: 'snap1', config: { kind: 'snap1' } },
  { name: 'eprop', config: { kind: 'eprop' } },
  { name: 'snap2', config: { kind: 'snapn', n: 2 } },
  { name: 'uoro', config: { kind: 'uoro' } },
];

test('the alignment matrix is symmetric with ones on its diagonal, and averages the per-step cosines over the second half of the stream', () => {
  const stream = randomStream(10, 2, 2, 8);
  const result = alignment(LEARNERS, model(), stream, { loss: mse, seed: 4 });
  assert.deepEqual(result.names, LEARNERS.map((l) => l.name));
  assert.equal(result.from, 6);
  assert.equal(result.to, 10);
  result.matrix.forEach((row, a) => {
    assert.ok(Math.abs(row[a]! - 1) < 1e-12);
    row.forEach((value, b) => assert.ok(Math.abs(value - result.matrix[b]![a]!) < 1e-12));
  });
  // By hand for (rtrl, uoro): the same learners, stepped side by side.
  const online = model();
  const exact = createLearner({ kind: 'rtrl' }, online, { loss: mse, optimizer: null });
  const noisy = createLearner({ kind: 'uoro' }, online, { loss: mse, optimizer: null, seed: 4 + 4 }); // learner 4 draws from seed + 4
  let sum = 0;
  stream.inputs.forEach((x, t) => {
    exact.step(x, stream.targets[t]);
    noisy.step(x, stream.targets[t]);
    if (t < 5) return;
    let dot = 0;
    let a2 = 0;
    let b2 = 0;
    exact.gradient.forEach((g, i) => ((dot += g * noisy.gradient[i]!), (a2 += g * g), (b2 += noisy.gradient[i]! ** 2)));
    sum += dot / Math.sqrt(a2 * b2);
  });
  assert.ok(Math.abs(result.matrix[0]![4]! - sum / 5) < 1e-12);
});

test('on an Elman rnn, snap1 and eprop are the same rule (one-entry supports) and snap2 is rtrl (every unit reaches every other)', () => {
  const result = alignment(LEARNERS, model(), randomStream(12, 2, 2, 9), { loss: mse });
  const [rtrl, snap1, eprop, snap2] = [0, 1, 2, 3];
  assert.ok(Math.abs(result.matrix[snap1]![eprop]! - 1) < 1e-12);
  assert.ok(Math.abs(result.matrix[rtrl]![snap2]! - 1) < 1e-12);
  assert.ok(result.matrix[rtrl]![snap1]! < 0.999 && result.matrix[rtrl]![snap1]! > 0.3, `snap1 · rtrl = ${result.matrix[rtrl]![snap1]}`);
});

test('alignment refuses a stream shorter than two steps and an empty learner list', () => {
  assert.throws(() => alignment(LEARNERS, model(), randomStream(1, 2, 2, 1), { loss: mse }), /at least two/);
  assert.throws(() => alignment([], model(), randomStream(4, 2, 2, 1), { loss: mse }), /no learner/);
});
