import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bandOf, finalLoss, gridOf, metricTarget, reachesTarget, rowOf, spread } from '../../src/report/comparison.js';
import { renderTable } from '../../src/report/table.js';
import { exampleComparison } from './example.js';

test('the final loss is the mean over the last tenth of the steps', () => {
  const points = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => ({ step: i * 10, loss: i, metric: 0, time: 0 }));
  assert.equal(finalLoss(points, 100), 10);
  assert.equal(finalLoss(points.slice(0, 5), 50), 5, 'the last tenth of a run stopped at step 50');
  assert.equal(finalLoss([{ step: 5, loss: 2, metric: 0, time: 0 }], 1000), 2, 'a short curve falls back to its last point');
});

test('a row holds the spread over seeds, the count of diverged seeds, steps/s and the largest state', () => {
  const comparison = exampleComparison();
  const [rtrl, , tbptt] = comparison.learners.map((l) => rowOf(l));
  assert.equal(rtrl!.finalLoss.values.length, 2);
  assert.equal(rtrl!.diverged, 0);
  assert.equal(tbptt!.diverged, 2);
  assert.equal(tbptt!.finalLoss.mean, Infinity);
  assert.equal(rtrl!.stepsPerSecond, 1000);
  assert.equal(rtrl!.stateBytes, 3072);
  assert.deepEqual(spread([1, 2, 3]), { mean: 2, sd: 1, min: 1, max: 3, values: [1, 2, 3] });
});

test('bands run over the seeds still going and stop when every seed has diverged', () => {
  const comparison = exampleComparison();
  const grid = gridOf(comparison);
  assert.equal(grid.length, 20);
  const band = bandOf(comparison.learners[2]!.runs, grid, 'loss');
  const at = (step: number) => grid.indexOf(step);
  assert.notEqual(band.mean[at(1500)], null);
  assert.equal(band.low[at(1600)], band.high[at(1600)], 'one seed left at step 1600');
  assert.equal(band.mean[at(1800)], null);
});

test('the terminal table aligns its columns and says which learners diverged', () => {
  const comparison = exampleComparison();
  const lines = renderTable(comparison.learners.map((l) => rowOf(l)), comparison.task.metric, null).split('\n');
  assert.equal(lines.length, 5);
  assert.match(lines[0]!, /^learner\s+final loss\s+θ\s+non-finite\s+steps\/s\s+state$/);
  assert.match(lines[4]!, /^tbptt:k=2\s+diverged\s+.*2\/2\s+825\s+3\.0 KiB$/);
  assert.match(lines[2]!, /^rtrl\s+0\.026 ± 0\.00707\s+−0\.165 ± 0\s+0\/2/);
});

test('for a metric that aims at a value, the table counts the seeds that ended within 1% of it', () => {
  const comparison = exampleComparison();
  const target = -1 / 6;
  const rows = comparison.learners.map((l) => rowOf(l, target));
  const lines = renderTable(rows, comparison.task.metric, target).split('\n');
  assert.match(lines[0]!, /^learner\s+final loss\s+θ\s+at target\s+non-finite\s+steps\/s\s+state$/);
  // rtrl ends at −0.1647, 1.2% from −1/6: not yet at the target.
  assert.match(lines[2]!, /^rtrl\s+0\.026 ± 0\.00707\s+−0\.165 ± 0\s+0\/2\s+0\/2/);
  assert.equal(rows[2]!.atTarget, 0);
  assert.ok(reachesTarget(-0.1660, target) && !reachesTarget(-0.1647, target) && !reachesTarget(Infinity, target));
  assert.equal(metricTarget({ metric: { name: 'θ', unit: '', better: 'target' }, references: [{ axis: 'metric', label: 'θ*', value: target }] }), target);
  assert.equal(metricTarget({ metric: { name: 'bits', unit: '', better: 'lower' }, references: [{ axis: 'metric', label: 'optimum', value: 0.14 }] }), null);
});
