import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import { loadModel, saveModel } from '../../src/io/model-files.js';
import { modelTensorLayout } from '../../src/io/model-format.js';
import { parseSafetensors } from '../../src/io/safetensors.js';
import { runSequence } from '../../src/io/run.js';
import { Rng } from '../../src/tensor/rng.js';
import { fromValues } from '../../src/tensor/dtype.js';
import { randomVector } from '../support/numeric.js';

const CONFIGS: Array<[string, ModelConfig]> = [
  ['a peephole LSTM with projection and a head', { inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 5, projSize: 2, peephole: true } }], outputSize: 2 }],
  ['a bidirectional reset-before GRU stack in float32', { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3, resetAfter: false, gateActivation: 'hardSigmoid' }, bidirectional: true }, { cell: { kind: 'gru', hiddenSize: 4 } }], dtype: 'float32' }],
  ['a relu RNN without bias', { inputSize: 4, layers: [{ cell: { kind: 'rnn', hiddenSize: 3, nonlinearity: 'relu', bias: false } }], outputSize: 1 }],
];

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'online-rnn-io-'));
}

test('save then load gives the same config, the same θ and the same outputs bit for bit', () => {
  const dir = scratch();
  try {
    for (const [what, config] of CONFIGS) {
      const model = createModel(config, { seed: 7 });
      saveModel(model, join(dir, what));
      const back = loadModel(join(dir, what));
      assert.deepEqual(back.config, model.config, what);
      assert.deepEqual(back.theta, model.theta, what);
      const x = fromValues(model.dtype, randomVector(6 * config.inputSize, new Rng(1)));
      const a = runSequence(model, x, 6);
      const b = runSequence(back, x, 6);
      assert.deepEqual(b.output, a.output, what);
      assert.deepEqual(b.states, a.states, what);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the tensors are named by layer, direction and block, in F64 or F32 as the model', () => {
  const config = CONFIGS[1]![1];
  const names = modelTensorLayout(config).map((b) => b.name);
  assert.deepEqual(names.slice(0, 4), ['layers.0.forward.weightIh', 'layers.0.forward.weightHh', 'layers.0.forward.bias', 'layers.0.backward.weightIh']);
  assert.deepEqual(names.slice(-4), ['layers.1.forward.weightIh', 'layers.1.forward.weightHh', 'layers.1.forward.bias', 'layers.1.forward.recurrentBias']);
  const dir = scratch();
  try {
    saveModel(createModel(config, { seed: 1 }), join(dir, 'm'));
    const file = parseSafetensors(readFileSync(join(dir, 'm', 'model.safetensors')));
    assert.deepEqual([...file.tensors.keys()], names);
    assert.ok([...file.tensors.values()].every((t) => t.dtype === 'F32'));
    assert.deepEqual(file.metadata, { format: 'online-rnn/model', version: '1' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('saving over an existing model needs overwrite, and leaves no temporary files either way', () => {
  const dir = scratch();
  try {
    const target = join(dir, 'model');
    const first = createModel(CONFIGS[0]![1], { seed: 1 });
    const second = createModel(CONFIGS[0]![1], { seed: 2 });
    saveModel(first, target);
    assert.throws(() => saveModel(second, target), /already exists and is not empty/);
    assert.deepEqual(loadModel(target).theta, first.theta);
    saveModel(second, target, { overwrite: true });
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    saveModel(first, empty);
    assert.deepEqual(loadModel(empty).theta, first.theta, 'an existing empty directory is replaced');
    rmSync(empty, { recursive: true });
    assert.deepEqual(loadModel(target).theta, second.theta);
    assert.deepEqual(readdirSync(dir), ['model']);
    assert.deepEqual(readdirSync(target).sort(), ['config.json', 'model.safetensors']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a model file that disagrees with its config is rejected by name', () => {
  const dir = scratch();
  try {
    const config = CONFIGS[0]![1];
    const target = join(dir, 'm');
    saveModel(createModel(config, { seed: 1 }), target);
    const configPath = join(target, 'config.json');
    const original = readFileSync(configPath, 'utf8');
    const withModel = (model: unknown) => JSON.stringify({ format: 'online-rnn/model', version: 1, model });
    const cases: Array<[string, RegExp]> = [
      [withModel({ ...config, layers: [{ cell: { kind: 'lstm', hiddenSize: 6, projSize: 2, peephole: true } }] }), /tensor 'layers.0.forward.weightIh' has shape \[20, 3\] but the config requires \[24, 3\]/],
      [withModel({ ...config, dtype: 'float32' }), /is F64 but the config's dtype float32 is stored as F32/],
      [withModel({ ...config, outputSize: undefined }), /tensors the config does not describe: head.weight, head.bias/],
      [withModel({ ...config, layers: [{ cell: { kind: 'lstm', hiddenSize: 5, projSize: 2 } }] }), /tensors the config does not describe: layers.0.forward.peephole/],
      [withModel({ ...config, layers: [{ cell: { kind: 'lstm', hiddenSize: 1e9 } }] }), /missing tensor 'layers.0.forward.weightHr'|has shape/],
      [withModel({ ...config, inputSize: -1 }), /config.json: inputSize must be a positive integer/],
      [JSON.stringify({ format: 'online-rnn/model', version: 2, model: config }), /format version 2 is not supported/],
      ['{"format": "online-rnn/model", ', /config.json: not valid JSON/],
    ];
    for (const [text, message] of cases) {
      writeFileSync(configPath, text);
      assert.throws(() => loadModel(target), message);
    }
    writeFileSync(configPath, original);
    assert.throws(() => loadModel(join(dir, 'nowhere')), /nowhere\/config.json: cannot read the model config \(ENOENT\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
