/**
 * The loaders against hostile files: seeded mutations and truncations of real model files.
 * Every case must either load a consistent model or throw a FormatError with a one-line
 * message; never another exception (a crash), never a hang, never a large allocation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import type { Model } from '../../src/model/model.js';
import { decodeModel, decodeModelConfig, encodeModel } from '../../src/io/model-format.js';
import { exportPyTorch, importPyTorch, parsePyTorchSpec } from '../../src/io/pytorch-safetensors.js';
import { importTfjs } from '../../src/io/tfjs.js';
import { exportTfjs } from '../../src/io/tfjs-export.js';
import { FormatError } from '../../src/io/safetensors.js';
import { importOnnx } from '../../src/io/onnx.js';
import { exportOnnx } from '../../src/io/onnx-export.js';
import { onnx } from '../../src/io/onnx-proto.js';
import { importKeras, kerasReady } from '../../src/io/keras.js';
import { unzipSync, zipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/fixtures.js';
import { bytesPerElement } from '../../src/tensor/dtype.js';
import { Rng } from '../../src/tensor/rng.js';
import { mutateBytes, mutateHeader, mutateJson } from './mutate.js';

const NATIVE: ModelConfig[] = [
  { inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 4, projSize: 2, peephole: true } }, { cell: { kind: 'gru', hiddenSize: 3 } }], outputSize: 2 },
  { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3, resetAfter: false }, bidirectional: true }, { cell: { kind: 'rnn', hiddenSize: 2 } }], dtype: 'float32' },
];

interface Outcome {
  loaded: number;
  rejected: number;
}

/** Runs one case: a model (checked for consistency) or a FormatError; anything else fails the test. */
function attempt(what: string, fileBytes: number, load: () => Model, outcome: Outcome): void {
  let model: Model;
  try {
    model = load();
  } catch (error) {
    if (!(error instanceof FormatError)) assert.fail(`${what}: crashed with ${(error as Error).name}: ${(error as Error).message}\n${(error as Error).stack}`);
    assert.ok(error.message.length > 10 && !error.message.includes('\n'), `${what}: unclear message ${JSON.stringify(error.message)}`);
    outcome.rejected++;
    return;
  }
  assert.ok(model.paramSize * bytesPerElement(model.dtype) <= fileBytes * 4, `${what}: θ larger than the file`);
  assert.ok(model.theta.every(Number.isFinite), `${what}: loaded non-finite parameters`);
  outcome.loaded++;
}

function headerEnd(bytes: Uint8Array): number {
  return 8 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
}

test('3,400 seeded mutations and truncations of model files (native, PyTorch, TF.js) each load consistently or fail with a one-line FormatError', (t) => {
  const rng = new Rng(Number(process.env.FUZZ_SEED ?? 20240606));
  const scale = Number(process.env.FUZZ_SCALE ?? 2);
  const outcome: Outcome = { loaded: 0, rejected: 0 };
  const memoryBefore = process.memoryUsage().arrayBuffers;
  let peak = 0;
  const started = performance.now();
  let cases = 0;
  const track = () => {
    cases++;
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - memoryBefore);
  };

  // Native: config.json + model.safetensors.
  for (const config of NATIVE) {
    const { config: configText, tensors } = encodeModel(createModel(config, { seed: 1 }));
    const end = headerEnd(tensors);
    for (let k = 0; k < 400 * scale; k++) {
      const bytes = k % 4 === 3 ? mutateHeader(tensors, rng) : mutateBytes(tensors, rng, end);
      attempt(`native tensors case ${k}`, bytes.length, () => decodeModel(decodeModelConfig(configText), bytes), outcome);
      track();
    }
    for (let k = 0; k < 150 * scale; k++) {
      const text = k % 2 === 0 ? JSON.stringify(mutateJson(JSON.parse(configText), rng)) : new TextDecoder().decode(mutateBytes(new TextEncoder().encode(configText), rng, configText.length));
      attempt(`native config case ${k}: ${text.slice(0, 200)}`, tensors.length, () => decodeModel(decodeModelConfig(text), tensors), outcome);
      track();
    }
  }

  // PyTorch: a safetensors state_dict with and without args.json.
  const torch = exportPyTorch(createModel({ inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 4, projSize: 2 }, bidirectional: true }, { cell: { kind: 'lstm', hiddenSize: 4, projSize: 2 }, bidirectional: true }] }, { seed: 2 }));
  const torchEnd = headerEnd(torch.tensors);
  for (let k = 0; k < 200 * scale; k++) {
    const bytes = k % 3 === 2 ? mutateHeader(torch.tensors, rng) : mutateBytes(torch.tensors, rng, torchEnd);
    attempt(`pytorch case ${k}`, bytes.length, () => importPyTorch(bytes, null), outcome);
    track();
  }
  for (let k = 0; k < 100 * scale; k++) {
    const spec = mutateJson({ module: 'lstm', ...torch.spec.args }, rng);
    attempt(`pytorch args case ${k}: ${JSON.stringify(spec)}`, torch.tensors.length, () => importPyTorch(torch.tensors, parsePyTorchSpec(spec)), outcome);
    track();
  }

  // TF.js: model.json and its shard.
  const tfjs = exportTfjs(createModel({ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3, resetAfter: false }, bidirectional: true }, { cell: { kind: 'lstm', hiddenSize: 2 } }], outputSize: 1, dtype: 'float32' }, { seed: 3 }));
  for (let k = 0; k < 300 * scale; k++) {
    const json = k % 3 === 0 ? tfjs.modelJson : mutateJson(mutateJson(tfjs.modelJson, rng), rng);
    const weights = k % 3 === 0 ? mutateBytes(tfjs.weights, rng, 0) : tfjs.weights;
    attempt(`tfjs case ${k}: ${JSON.stringify(json).slice(0, 300)}`, weights.length, () => importTfjs(json, () => weights), outcome);
    track();
  }

  const seconds = (performance.now() - started) / 1000;
  t.diagnostic(`${cases} cases: ${outcome.loaded} loaded, ${outcome.rejected} rejected with a FormatError, ${seconds.toFixed(2)} s, peak ArrayBuffer growth ${(peak / 1e6).toFixed(1)} MB`);
  assert.ok(cases >= 1000, `only ${cases} cases`);
  assert.equal(outcome.loaded + outcome.rejected, cases);
  assert.ok(outcome.rejected > cases / 2, 'most mutations should be caught');
  assert.ok(peak < 64e6, `ArrayBuffer memory grew by ${peak} bytes`);
});

test('forged sizes are rejected before anything is allocated for them', () => {
  const { config, tensors } = encodeModel(createModel(NATIVE[0]!, { seed: 1 }));
  const huge = JSON.parse(config);
  huge.model.layers[0].cell.hiddenSize = 2 ** 40;
  assert.throws(() => decodeModel(decodeModelConfig(JSON.stringify(huge)), tensors), (e: Error) => e instanceof FormatError && /has shape/.test(e.message));
  const torch = exportPyTorch(createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 2 } }] }));
  assert.throws(() => importPyTorch(torch.tensors, parsePyTorchSpec({ module: 'rnn', input_size: 2 ** 40, hidden_size: 2 ** 40 })), FormatError);
  const tfjs = exportTfjs(createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 2 } }], dtype: 'float32' }));
  const forged = structuredClone(tfjs.modelJson) as unknown as { weightsManifest: Array<{ weights: Array<{ shape: number[] }> }> };
  forged.weightsManifest[0]!.weights[0]!.shape = [2 ** 20, 2 ** 10];
  assert.throws(() => importTfjs(forged, () => tfjs.weights), /declares \d+ bytes but its shards/);
});

/** A run of seeded cases against one reader, with the ArrayBuffer high-water mark tracked. */
function fuzzReader(count: number, makeCase: (k: number, rng: Rng) => { what: string; bytes: number; load: () => Model } | null, rng: Rng): { outcome: Outcome; cases: number; peak: number } {
  const outcome: Outcome = { loaded: 0, rejected: 0 };
  const memoryBefore = process.memoryUsage().arrayBuffers;
  let peak = 0;
  let cases = 0;
  for (let k = 0; cases < count; k++) {
    const made = makeCase(k, rng);
    if (made === null) continue;
    attempt(made.what, made.bytes, made.load, outcome);
    cases++;
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - memoryBefore);
  }
  return { outcome, cases, peak };
}

test('1,200 seeded mutations of ONNX files in both forms (bytes and structure) each load consistently or fail with a one-line FormatError, without large allocations', (t) => {
  const rng = new Rng(Number(process.env.FUZZ_SEED ?? 20261202));
  const models = [
    exportOnnx(createModel({ inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3, peephole: true }, bidirectional: true }, { cell: { kind: 'gru', hiddenSize: 2, gateActivation: 'hardSigmoid' } }], outputSize: 2 }, { seed: 4 }), { form: 'operators' }),
    exportOnnx(createModel({ inputSize: 3, layers: [{ cell: { kind: 'rnn', hiddenSize: 2, nonlinearity: 'relu' } }], outputSize: 1, headBias: false, dtype: 'float32' }, { seed: 5 }), { form: 'operators' }),
    // The primitive form: config in metadata_props, weights as named initializers, Scan bodies.
    exportOnnx(createModel({ inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3, projSize: 2, peephole: true }, bidirectional: true, merge: 'ave' }, { cell: { kind: 'gru', hiddenSize: 2, resetAfter: false }, goBackwards: true }], outputSize: 2 }, { seed: 6 }), { form: 'primitives' }),
  ];
  const plain = models.map((bytes) => onnx.ModelProto.toObject(onnx.ModelProto.decode(bytes), { longs: Number, bytes: Array, defaults: false }));
  const { outcome, cases, peak } = fuzzReader(
    1200,
    (k) => {
      const m = k % models.length;
      if (k % 2 === 0) {
        const bytes = mutateBytes(models[m]!, rng, 64);
        return { what: `onnx bytes case ${k}`, bytes: bytes.length, load: () => importOnnx(bytes) };
      }
      // Structure: one field of the decoded message changed, deleted or retyped, then re-encoded.
      let bytes: Uint8Array;
      try {
        bytes = onnx.ModelProto.encode(onnx.ModelProto.fromObject(mutateJson(mutateJson(plain[m], rng), rng) as Record<string, unknown>)).finish();
      } catch {
        return null; // not a message protobufjs can encode: no file to read
      }
      return { what: `onnx structure case ${k}`, bytes: bytes.length, load: () => importOnnx(bytes) };
    },
    rng,
  );
  t.diagnostic(`${cases} ONNX cases: ${outcome.loaded} loaded, ${outcome.rejected} rejected with a FormatError, peak ArrayBuffer growth ${(peak / 1e6).toFixed(1)} MB`);
  assert.ok(cases >= 1000);
  assert.ok(outcome.rejected > cases / 4, 'many mutations should be caught');
  assert.ok(peak < 64e6, `ArrayBuffer memory grew by ${peak} bytes`);
});

test('1,200 seeded mutations of .keras files saved by Keras 3 (zip bytes, config.json, model.weights.h5) each load consistently or fail with a one-line FormatError, without large allocations', async (t) => {
  await kerasReady();
  const rng = new Rng(Number(process.env.FUZZ_SEED ?? 20261203));
  // Files Keras 3 saved itself (committed, so every run mutates the same bytes; a file written
  // here would carry the HDF5 library's timestamps and give other cases each second).
  const archives = ['rnn-relu-nobias-then-bigru.keras', 'lstm-hard-sigmoid-backwards-bi-ave-last.keras'].map((name) => {
    const keras = new Uint8Array(readFileSync(join(repoRoot, 'test/fixtures/keras', name)));
    const entries = unzipSync(keras);
    return { keras, entries, config: JSON.parse(new TextDecoder().decode(entries['config.json']!)) as unknown };
  });
  // The HDF5 library prints diagnostics for damaged files; the loaders mute them (load.ts), so do we.
  const write = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  let run: ReturnType<typeof fuzzReader>;
  try {
    run = fuzzReader(
    1200,
    (k) => {
      const { keras, entries, config } = archives[Math.floor(k / 3) % archives.length]!;
      let bytes: Uint8Array;
      switch (k % 3) {
        case 0: // the archive's bytes
          bytes = mutateBytes(keras, rng, 64);
          break;
        case 1: // config.json's structure
          bytes = zipSync({ ...entries, 'config.json': new TextEncoder().encode(JSON.stringify(mutateJson(mutateJson(config, rng), rng))) });
          break;
        default: // the HDF5 file's bytes
          bytes = zipSync({ ...entries, 'model.weights.h5': mutateBytes(entries['model.weights.h5']!, rng, 512) });
      }
      return { what: `keras case ${k}`, bytes: Math.max(bytes.length, entries['model.weights.h5']!.length), load: () => importKeras(bytes) };
    },
    rng,
    );
  } finally {
    process.stderr.write = write;
  }
  const { outcome, cases, peak } = run;
  t.diagnostic(`${cases} .keras cases: ${outcome.loaded} loaded, ${outcome.rejected} rejected with a FormatError, peak ArrayBuffer growth ${(peak / 1e6).toFixed(1)} MB`);
  assert.ok(cases >= 1000);
  assert.ok(outcome.rejected > cases / 4, 'many mutations should be caught');
  assert.ok(peak < 64e6, `ArrayBuffer memory grew by ${peak} bytes`);
});
