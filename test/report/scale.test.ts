import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseScale, formatNumber, formatSteps, linearTicks, paddedRange, project, ticks, unproject } from '../../src/report/scale.js';

test('positive values over decades get a log scale, signed values with outliers asinh, the rest linear', () => {
  assert.deepEqual(chooseScale([0.01, 0.5, 3]), { kind: 'log' });
  assert.deepEqual(chooseScale([0.2, 0.5, 0.9]), { kind: 'linear' });
  assert.deepEqual(chooseScale([-0.17, -0.16, 0.3, 0.2, 4e6]), { kind: 'asinh', linear: 0.1 });
  assert.deepEqual(chooseScale([Number.NaN, Infinity]), { kind: 'linear' });
});

test('project and unproject are inverse, and the padded range contains every value', () => {
  for (const scale of [{ kind: 'linear' } as const, { kind: 'log' } as const, { kind: 'asinh', linear: 0.1 } as const]) {
    for (const v of [0.3, 7, 1234]) assert.ok(Math.abs(unproject(scale, project(scale, v)) - v) < 1e-9 * v);
    const [low, high] = paddedRange(scale, [0.3, 7, 1234]);
    assert.ok(low < 0.3 && high > 1234);
  }
});

test('ticks are round numbers inside the range', () => {
  assert.deepEqual(linearTicks(0, 1).map((v) => Number(v.toFixed(12))), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(linearTicks(-3, 17), [0, 5, 10, 15]);
  assert.deepEqual(ticks({ kind: 'log' }, 0.15, 8), [0.2, 0.5, 1, 2, 5], 'within two decades: 1, 2, 5');
  assert.deepEqual(ticks({ kind: 'log' }, 0.22, 1.3).map((v) => Number(v.toFixed(9))), [0.4, 0.6, 0.8, 1, 1.2], 'within one: linear steps');
  assert.deepEqual(ticks({ kind: 'log' }, 0.05, 20), [0.1, 1, 10], 'beyond: powers of ten');
  assert.deepEqual(ticks({ kind: 'asinh', linear: 0.1 }, -2, 50), [-1, -0.1, 0, 0.1, 1, 10]);
});

test('numbers print with three significant digits, exponents at the extremes, and words for the infinite', () => {
  assert.deepEqual([0.14285, 1234.5, -0.16667, 3e-7, 2.5e9, 0].map(formatNumber), ['0.143', '1230', '−0.167', '3.0e−7', '2.5e9', '0']);
  assert.deepEqual([Infinity, -Infinity, Number.NaN].map(formatNumber), ['∞', '−∞', '–']);
});

test('step counts print as 2500, 50k and 1.5M', () => {
  assert.deepEqual([2500, 50_000, 250_000, 1_500_000].map(formatSteps), ['2500', '50k', '250k', '1.5M']);
});
