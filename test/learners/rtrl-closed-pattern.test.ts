/**
 * RTRL on a diagonal recurrence (eLSTM, LRU) keeps M only on the influence pattern closed under
 * J's sparsity — each unit's own parameters — and is still exact: equal to BPTT at fixed θ, at
 * O(n·d) memory instead of the dense n × p.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rtrl } from '../../src/learners/rtrl.js';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import { mse } from '../../src/loss/loss.js';
import { relativeError } from '../support/numeric.js';
import { bpttSumGradient, perturbedModel, randomStream, sumOfEstimates } from './helpers.js';

const single = (cell: ModelConfig['layers'][number]['cell'], inputSize = 3): ModelConfig => ({ inputSize, layers: [{ cell }], outputSize: 2 });

for (const [name, config] of [
  ['elstm', single({ kind: 'elstm', hiddenSize: 5 })],
  ['elstm without bias', single({ kind: 'elstm', hiddenSize: 4, bias: false })],
  ['lru', single({ kind: 'lru', hiddenSize: 4 })],
  ['lru, |λ| near 1', single({ kind: 'lru', hiddenSize: 3, rMin: 0.95, rMax: 0.999 })],
] as const) {
  test(`rtrl on ${name} keeps M on each unit's own parameters and its gradient over 60 steps equals bptt's to 1e-9`, (t) => {
    const model = perturbedModel(config, 5);
    const stream = randomStream(60, config.inputSize, 2, 17);
    const exact = bpttSumGradient(model, stream);
    const learner = rtrl(model, { loss: mse, optimizer: null });
    assert.ok('blocks' in learner.estimator.tensors(), 'the closed-pattern estimator, not the dense one');
    const error = relativeError(sumOfEstimates(learner, stream).sum, exact);
    t.diagnostic(`relative error ${error.toExponential(2)}`);
    assert.ok(error <= 1e-9, `relative error ${error.toExponential(2)}`);
  });
}

test('rtrl stays dense on a cell whose units all read each other (an Elman RNN)', () => {
  const learner = rtrl(createModel(single({ kind: 'rnn', hiddenSize: 3 })), { loss: mse, optimizer: null });
  assert.ok('sensitivity' in learner.estimator.tensors());
});

/** State and sensitivity bytes of rtrl on one layer of n = 64 with d = 64 inputs, against the dense n × p. */
test('at n = 64, d = 64 rtrl holds O(n·d) numbers (eLSTM: p, LRU: 2p, besides the state), not the dense n × p', (t) => {
  const d = 64;
  const cases = [
    // eLSTM: every term (gate row of unit i) lives on one entry c_i: Σ_k |S_k|·|Q_k| = p.
    { cell: { kind: 'elstm', hiddenSize: 64 } as const, n: 64, entries: (p: number) => p },
    // LRU (N = 32 complex units, n = 64): every term lives on (Re h_i, Im h_i): 2p.
    { cell: { kind: 'lru', hiddenSize: 32 } as const, n: 64, entries: (p: number) => 2 * p },
  ];
  for (const { cell, n, entries } of cases) {
    const model = createModel({ inputSize: d, layers: [{ cell }] });
    const p = model.online().core.paramSize;
    const bytes = rtrl(model, { loss: mse, optimizer: null }).stateBytes();
    const dense = 8 * (n + n * p);
    t.diagnostic(`${cell.kind}: n = ${n}, p = ${p}: ${bytes.toLocaleString('en-US')} B (state ${8 * n} B + M ${(8 * entries(p)).toLocaleString('en-US')} B), dense n × p: ${dense.toLocaleString('en-US')} B, ${(dense / bytes).toFixed(1)}× more`);
    assert.equal(bytes, 8 * (n + entries(p)));
    assert.ok(bytes * 30 < dense);
  }
});
