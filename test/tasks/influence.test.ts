import { test } from 'node:test';
import assert from 'node:assert/strict';
import { influenceBalancingCell, truncatedInfluence, INFLUENCE_LONG_TERM, INFLUENCE_MIN_TRUNCATION, INFLUENCE_OPTIMUM } from '../../src/cells/influence.js';
import { checkCell } from '../support/cell-harness.js';

checkCell('influence-balancing cell', () => influenceBalancingCell(), { float32: () => influenceBalancingCell({ dtype: 'float32' }) });

test('the truncated influence of θ on s₁ is positive up to k = 40, first negative at k = 41, and tends to −6', () => {
  assert.ok(truncatedInfluence(INFLUENCE_MIN_TRUNCATION - 1) > 0);
  assert.ok(truncatedInfluence(INFLUENCE_MIN_TRUNCATION) < 0);
  assert.ok(Math.abs(truncatedInfluence(400) - INFLUENCE_LONG_TERM) < 1e-9);
  assert.ok(Math.abs(INFLUENCE_OPTIMUM * INFLUENCE_LONG_TERM - 1) < 1e-15, 'θ* puts the fixed point s₁ at the target 1');
});
