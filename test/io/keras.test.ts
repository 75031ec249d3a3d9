/**
 * Keras 3 `.keras` import: files saved by Keras 3 itself (test/fixtures/keras, made by
 * scripts/keras-fixtures.py) import and compute Keras's own outputs; files written by the HDF5
 * library (h5wasm) in the Keras 3 layout import and compute what the same model computes
 * through the TF.js path.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import type { Model } from '../../src/model/model.js';
import { importKeras, kerasReady } from '../../src/io/keras.js';
import { importTfjs } from '../../src/io/tfjs.js';
import { exportTfjs } from '../../src/io/tfjs-export.js';
import { runSequence } from '../../src/io/run.js';
import { Rng } from '../../src/tensor/rng.js';
import { maxAbsDiff } from '../support/numeric.js';
import { writeKeras } from './keras-writer.js';
import { cli$, refusal } from './support.js';
import { repoRoot } from '../support/fixtures.js';

before(async () => {
  await kerasReady();
});

function randomModel(config: ModelConfig, rng: Rng): Model {
  const model = createModel(config, { initialize: false });
  model.theta.set(Array.from({ length: model.paramSize }, () => 0.6 * rng.normal()));
  return model;
}

const MODELS: Array<[string, ModelConfig]> = [
  ['lstm with a dense head', { inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 4 } }], outputSize: 2, dtype: 'float32' }],
  ['gru reset-after (Keras 3 default), stacked on a reset-before gru', { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3, resetAfter: false } }, { cell: { kind: 'gru', hiddenSize: 3 } }], dtype: 'float32' }],
  ['bidirectional lstm go_backwards, summed, last output, dense without bias', { inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 3 }, bidirectional: true, goBackwards: true, merge: 'sum' }], outputSize: 2, headBias: false, returnSequences: false, dtype: 'float32' }],
  ['simpleRNN relu without bias, then bidirectional gru concat', { inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 3, nonlinearity: 'relu', bias: false } }, { cell: { kind: 'gru', hiddenSize: 2 }, bidirectional: true }], dtype: 'float32' }],
];

test('.keras files saved by Keras 3 itself (LSTM, GRU both resets and linear, SimpleRNN, Bidirectional sum/mul/ave/concat, go_backwards, last output, hard_sigmoid) import and compute Keras outputs within 1e-6', (t) => {
  const dir = join(repoRoot, 'test/fixtures/keras');
  const names = readdirSync(dir).filter((f) => f.endsWith('.keras'));
  assert.ok(names.length >= 6, `fixtures in ${dir}`);
  for (const name of names) {
    const expected = JSON.parse(readFileSync(join(dir, name.replace(/\.keras$/, '.json')), 'utf8')) as { keras: string; backend: string; input: number[][]; output: number[]; outputShape: number[] };
    const model = importKeras(readFileSync(join(dir, name)), { source: name });
    assert.equal(model.returnSequences, expected.outputShape.length === 3, `${name}: return_sequences`);
    const x = Float32Array.from(expected.input.flat());
    const error = maxAbsDiff(runSequence(model, x, expected.input.length).output, expected.output);
    t.diagnostic(`${name} (Keras ${expected.keras}, ${expected.backend}): max |Δ| = ${error.toExponential(2)}`);
    assert.ok(error <= 1e-6, `${name}: differs from Keras by ${error}`);
  }
});

test('Keras 3 .keras files written by the HDF5 library import and match the same model through the TF.js path within 1e-6', async (t) => {
  const rng = new Rng(41);
  for (const [what, config] of MODELS) {
    const model = randomModel(config, rng);
    const keras = importKeras(await writeKeras(model));
    const { modelJson, weights } = exportTfjs(model);
    const tfjs = importTfjs(modelJson, () => weights);
    assert.deepEqual(keras.config, tfjs.config, what);
    const x = Float32Array.from({ length: 5 * config.inputSize }, () => rng.normal());
    const error = maxAbsDiff(runSequence(keras, x, 5).output, runSequence(tfjs, x, 5).output);
    t.diagnostic(`${what}: max |Δ| (.keras vs TF.js path) = ${error.toExponential(2)}`);
    assert.ok(error <= 1e-6, `${what}: differs by ${error}`);
  }
});

test('a Bidirectional with an explicit backward_layer, and Keras 3 hard_sigmoid (x/6 + 1/2), are read as Keras 3 means them', async () => {
  const rng = new Rng(42);
  const model = randomModel({ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 2, gateActivation: 'sigmoid' }, bidirectional: true }], dtype: 'float32' }, rng);
  const bytes = await writeKeras(model, {
    edit: (config) => {
      const layer = ((config.config as { layers: Array<{ config: Record<string, unknown> }> }).layers[1]!).config;
      const inner = layer.layer as { class_name: string; config: Record<string, unknown> };
      inner.config.recurrent_activation = 'hard_sigmoid';
      layer.backward_layer = { ...inner, config: { ...inner.config, name: 'backward_gru', go_backwards: true } };
    },
  });
  const imported = importKeras(bytes);
  assert.equal(imported.config!.layers[0]!.cell.kind, 'gru');
  assert.equal((imported.config!.layers[0]!.cell as { gateActivation?: string }).gateActivation, 'hardSigmoidKeras3');
  assert.deepEqual(imported.theta, model.theta);
});

test('broken .keras files are refused in one line naming what is wrong', async () => {
  const rng = new Rng(43);
  const model = randomModel({ inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 2 } }], outputSize: 1, dtype: 'float32' }, rng);
  const text = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const cases: Array<[Uint8Array, RegExp]> = [
    [Uint8Array.from([1, 2, 3, 4]), /not a zip archive/],
    [zipSync({ 'config.json': text({ class_name: 'Sequential', config: { layers: [] } }) }), /the model has no recurrent layer/],
    [zipSync({ 'metadata.json': text({ keras_version: '3.6.0' }) }), /the archive has no config.json/],
    [await writeKeras(model, { edit: (c) => ((c.config as { layers: Array<{ config: Record<string, unknown> }> }).layers[1]!.config.return_sequences = 'x') }), /return_sequences must be true or false, got "x"/],
    [await writeKeras(model, { edit: (c) => ((c.config as { layers: Array<{ config: Record<string, unknown> }> }).layers[0]!.config.batch_shape = [null, null, 5]) }), /batch_shape declares 5 features but layers\/lstm\/cell\/vars\/0 has 2 rows/],
    [await writeKeras(model, { edit: (c) => ((c.config as { layers: Array<{ config: Record<string, unknown> }> }).layers[2]!.config.name = 'head') }), /no kernel weight for Dense layer 'head'/],
    [zipSync({ 'config.json': new TextEncoder().encode('{'), 'model.weights.h5': new Uint8Array(8) }), /config.json is not valid JSON/],
  ];
  for (const [bytes, message] of cases) assert.match(refusal(() => importKeras(bytes, { source: 'm.keras' }), message).message, /^m\.keras: /);
});

/** Rewrites the uncompressed size an archive's central directory declares for one entry (APPNOTE 4.3.12, offset 24). */
function declareSize(zip: Uint8Array, name: string, originalSize: number): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  for (let at = out.length - 22; at >= 0; at--) {
    if (view.getUint32(at, true) !== 0x02014b50) continue;
    const nameLength = view.getUint16(at + 28, true);
    if (new TextDecoder().decode(out.subarray(at + 46, at + 46 + nameLength)) !== name) continue;
    view.setUint32(at + 24, originalSize, true);
    return out;
  }
  throw new Error(`no central directory entry ${name}`);
}

test('an entry declaring more bytes than its compressed length can inflate to is refused before anything is allocated (regression: CI saw a 1 GB allocation)', async () => {
  const model = randomModel({ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3 } }], outputSize: 1, dtype: 'float32' }, new Rng(44));
  const zip = await writeKeras(model);
  for (const [name, size] of [['model.weights.h5', 1040184570], ['config.json', 60 << 20]] as const) {
    const before = process.memoryUsage().arrayBuffers;
    const error = refusal(() => importKeras(declareSize(zip, name, size), { source: 'm.keras' }), new RegExp(`${name.replaceAll('.', '\\.')} declares ${size} bytes, more than its \\d+ compressed bytes can hold`));
    assert.match(error.message, /^m\.keras: /);
    assert.ok(process.memoryUsage().arrayBuffers - before < 16e6, `${name}: allocated ${process.memoryUsage().arrayBuffers - before} bytes`);
  }
});

test('`forward` and `convert` read .keras files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-keras-'));
  try {
    const model = randomModel({ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3 } }], outputSize: 1, dtype: 'float32' }, new Rng(44));
    writeFileSync(join(dir, 'model.keras'), await writeKeras(model));
    writeFileSync(join(dir, 'in.json'), JSON.stringify([[1, 0.5], [0, -1]]));
    const [forward, convert] = await Promise.all([
      cli$('forward', '--model', join(dir, 'model.keras'), '--input', join(dir, 'in.json'), '--json'),
      cli$('convert', join(dir, 'model.keras'), '--out', join(dir, 'native')),
    ]);
    assert.equal(forward.status, 0, forward.stderr);
    assert.equal(convert.status, 0, convert.stderr);
    const expected = runSequence(model, Float32Array.from([1, 0.5, 0, -1]), 2).output;
    assert.deepEqual((JSON.parse(forward.stdout) as { output: number[][] }).output.flat(), Array.from(expected));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
