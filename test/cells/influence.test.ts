import { test } from 'node:test';
import assert from 'node:assert/strict';
import { influenceBalancingCell, influenceSpec, INFLUENCE_STATE_SIZE, INFLUENCE_THETA0 } from '../../src/cells/influence.js';
import { createModel, initialState, parseModelConfig } from '../../src/model/config.js';
import { checkCell } from '../support/cell-harness.js';

checkCell('influence balancing', () => influenceBalancingCell({ inputSize: 1 }), { float32: () => influenceBalancingCell({ dtype: 'float32' }) });
checkCell('influence balancing reading a wider input (ignored)', () => influenceBalancingCell({ inputSize: 3 }));

test('influence is an ordinary cell kind: a model config builds it with θ0 = 0.5, no head, and s(0) = 1 as its initial state', () => {
  const model = createModel(parseModelConfig({ inputSize: 1, layers: [{ cell: { kind: 'influence' } }] }), { seed: 9 });
  assert.deepEqual(Array.from(model.theta), [INFLUENCE_THETA0]);
  assert.equal(model.outputSize, 1);
  assert.deepEqual(Array.from(initialState(model)!), new Array(INFLUENCE_STATE_SIZE).fill(1));
  assert.equal(initialState(createModel({ inputSize: 1, layers: [{ cell: { kind: 'rnn', hiddenSize: 2 } }] })), undefined);
});

test('the influence cell takes no options and has no PyTorch or TF.js counterpart', () => {
  assert.throws(() => parseModelConfig({ inputSize: 1, layers: [{ cell: { kind: 'influence', hiddenSize: 23 } }] }), /unknown option 'hiddenSize'/);
  assert.deepEqual(influenceSpec.interop, { pytorch: null, tfjs: null });
  assert.throws(() => influenceBalancingCell({ inputSize: 0 }), /inputSize must be a positive integer/);
});
