import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../../src/model/config.js';
import { Model } from '../../src/model/model.js';
import { onlineModel } from '../../src/model/online.js';
import { Dense } from '../../src/model/dense.js';
import { rnn } from '../../src/cells/rnn.js';
import { squaredError } from '../../src/loss/loss.js';
import { rtrl } from '../../src/learners/rtrl.js';

test('a model built from a config is itself what online learners step: its core is its layers stacked, on the front of its own θ', () => {
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 3 } }, { cell: { kind: 'gru', hiddenSize: 2 } }], outputSize: 1 }, { seed: 1 });
  assert.equal(model.online(), model);
  assert.equal(model.core.kind, 'stack');
  assert.equal(model.core.paramSize, model.headOffset);
  assert.equal(model.coreTheta.buffer, model.theta.buffer);
  assert.equal(model.coreTheta.byteOffset, model.theta.byteOffset);
  assert.equal(model.coreSlice(model.theta).length + model.headSlice(model.theta)!.length, model.paramSize);
  assert.equal(rtrl(model, { loss: squaredError, optimizer: null }).model, model);
});

test('a model around a user’s own cell is a Model whose config names the cell and says it is not rebuilt from a file', () => {
  const core = rnn({ inputSize: 2, hiddenSize: 3 });
  const head = new Dense({ inputSize: 3, outputSize: 1 });
  const model = onlineModel({ core, head });
  assert.ok(model instanceof Model);
  assert.deepEqual(model.config, { kind: 'custom', cell: 'rnn', inputSize: 2, dtype: 'float64', outputSize: 1 });
  assert.equal(model.core, core);
  assert.equal(model.paramSize, core.paramSize + head.paramSize);
  assert.equal(model.summary().split('\n').at(-1), `n_params=${model.paramSize}, bytes=${8 * model.paramSize}`);
});

test('a bidirectional model has no core, and says why when one is asked for', () => {
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 3 }, bidirectional: true }] });
  assert.throws(() => model.core, /layer 0 is bidirectional: its backward direction reads the future/);
  assert.throws(() => rtrl(model, { loss: squaredError, optimizer: null }), /layer 0 is bidirectional/);
});
