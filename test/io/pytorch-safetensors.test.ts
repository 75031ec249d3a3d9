import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../../src/model/config.js';
import { exportPyTorch, importPyTorch, parsePyTorchSpec } from '../../src/io/pytorch-safetensors.js';
import { parseSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { runSequence } from '../../src/io/run.js';
import { Rng } from '../../src/tensor/rng.js';
import { fromValues } from '../../src/tensor/dtype.js';
import { randomVector } from '../support/numeric.js';

const STACK = { inputSize: 3, layers: [{ cell: { kind: 'lstm' as const, hiddenSize: 5, projSize: 2 }, bidirectional: true }, { cell: { kind: 'lstm' as const, hiddenSize: 5, projSize: 2 }, bidirectional: true }] };

test('export then import of a PyTorch state_dict gives back θ and the outputs bit for bit, in float64 and float32', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    const model = createModel({ ...STACK, dtype }, { seed: 11 });
    const { tensors, spec } = exportPyTorch(model);
    assert.deepEqual(spec, { module: 'lstm', args: { input_size: 3, hidden_size: 5, num_layers: 2, bias: true, bidirectional: true, proj_size: 2 } });
    const file = parseSafetensors(tensors);
    assert.ok(file.tensors.has('weight_hr_l1_reverse'));
    assert.equal(file.tensors.get('weight_ih_l1')!.dtype, dtype === 'float64' ? 'F64' : 'F32');
    const back = importPyTorch(tensors, null);
    assert.equal(back.dtype, dtype);
    assert.deepEqual(back.theta, model.theta);
    const x = fromValues(dtype, randomVector(4 * 3, new Rng(2)));
    assert.deepEqual(runSequence(back, x, 4).output, runSequence(model, x, 4).output);
  }
});

test('a state_dict inside a bigger model imports with a prefix, and mixed dtypes are refused', () => {
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 3 } }] }, { seed: 1 });
  const file = parseSafetensors(exportPyTorch(model).tensors);
  const entries = [...file.tensors.keys()];
  const wrapped = writeSafetensors([
    ...entries.map((name) => ({ name: `encoder.rnn.${name}`, shape: file.tensors.get(name)!.shape, data: new Float64Array(file.tensors.get(name)!.size).fill(0.5) })),
    { name: 'decoder.weight', shape: [1], data: new Float32Array(1) },
  ]);
  const spec = parsePyTorchSpec({ module: 'rnn', input_size: 2, hidden_size: 3 });
  const back = importPyTorch(wrapped, spec, { prefix: 'encoder.rnn.' });
  assert.ok(back.theta.every((v, i) => v === (i >= 15 ? 1 : 0.5)), 'bias_ih + bias_hh summed');
  assert.throws(() => importPyTorch(wrapped, spec), /tensors mix dtypes F64, F32/);
  assert.throws(() => importPyTorch(wrapped, spec, { prefix: 'nope.' }), /no tensors whose names start with 'nope.'/);
});

test('args.json is read flat or under "args", and its mistakes are named', () => {
  assert.deepEqual(parsePyTorchSpec({ module: 'gru', input_size: 2, hidden_size: 3 }), { module: 'gru', args: { input_size: 2, hidden_size: 3 } });
  assert.deepEqual(parsePyTorchSpec({ module: 'gru', args: { input_size: 2, hidden_size: 3 }, state_dict: {} }), { module: 'gru', args: { input_size: 2, hidden_size: 3 } });
  assert.throws(() => parsePyTorchSpec([1], 'a.json'), /a.json: must be a JSON object/);
  assert.throws(() => parsePyTorchSpec({ module: 'LSTM' }), /"module" must be one of lstm, gru, rnn/);
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3 } }] }, { seed: 1 });
  const { tensors } = exportPyTorch(model);
  assert.throws(() => importPyTorch(tensors, parsePyTorchSpec({ module: 'gru', input_size: 2, hidden_size: '3' })), /hidden_size must be a positive integer, got "3"/);
  assert.throws(() => importPyTorch(tensors, parsePyTorchSpec({ module: 'gru', input_size: 2, hidden_size: 3, bidirectional: 'yes' })), /bidirectional must be true or false/);
  assert.throws(() => importPyTorch(tensors, parsePyTorchSpec({ module: 'gru', input_size: 2, hidden_size: 3e8 })), /'weight_ih_l0' must have shape \[900000000, 2\], got \[9, 2\]/);
});
