/**
 * TF.js interop, checked against TensorFlow.js itself (CPU backend): models built and saved
 * by tfjs import into ours and compute tfjs's outputs; ours exported load into tfjs and
 * compute ours. TF.js cannot run a reset-after GRU, so that one is checked against Keras's
 * equations written in tfjs ops.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import type { Model } from '../../src/model/model.js';
import { importTfjs } from '../../src/io/tfjs.js';
import { exportTfjs } from '../../src/io/tfjs-export.js';
import { loadAnyModel, saveAnyModel } from '../../src/io/load.js';
import { runSequence } from '../../src/io/run.js';
import { Rng } from '../../src/tensor/rng.js';
import { maxAbsDiff } from '../support/numeric.js';
import { refusal } from './support.js';

const TOLERANCE = 1e-5;
const STEPS = 6;

before(async () => {
  await tf.setBackend('cpu');
});

function randomValues(n: number, rng: Rng, scale = 0.6): Float32Array {
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

/** tfjs's output for a time-major sequence x (T × I), flattened time-major. */
function tfjsOutput(model: tf.LayersModel, x: Float32Array, inputSize: number): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor3d(x, [1, x.length / inputSize, inputSize])) as tf.Tensor).dataSync() as Float32Array);
}

/** Saves a tfjs model as model.json + one .bin file, as tfjs's own file handlers do. */
async function saveTfjs(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData!;
      const bytes = Array.isArray(data) ? Buffer.concat(data.map((b) => new Uint8Array(b))) : new Uint8Array(data);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'weights.bin'), bytes);
      const json = { format: 'layers-model', generatedBy: artifacts.generatedBy, convertedBy: artifacts.convertedBy, modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs }] };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** Our export as a tfjs IOHandler, as if read from model.json and its shard. */
function inMemory(modelJson: ReturnType<typeof exportTfjs>['modelJson'], weights: Uint8Array): tf.io.IOHandler {
  return tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0]!.weights as tf.io.WeightsManifestEntry[], weightData: weights.slice().buffer });
}

/** Gives every weight of a tfjs model seeded random values (biases too, so their layout is tested). */
function randomizeTfjs(model: tf.LayersModel, rng: Rng): void {
  for (const layer of model.layers) layer.setWeights(layer.getWeights().map((w) => tf.tensor(randomValues(w.size, rng), w.shape)));
}

/** A tfjs model of `layers` with seeded random weights, saved by tfjs under `dir` and loaded here from the files. */
async function throughFiles(layers: tf.layers.Layer[], dir: string, rng: Rng): Promise<{ reference: tf.Sequential; ours: Model }> {
  const reference = tf.sequential({ layers });
  randomizeTfjs(reference, rng);
  await saveTfjs(reference, dir);
  return { reference, ours: loadAnyModel(join(dir, 'model.json')) };
}

const TFJS_MODELS: Array<[string, (x: number) => tf.layers.Layer[]]> = [
  ['lstm (TF.js default hard_sigmoid gates)', (i) => [tf.layers.lstm({ units: 4, returnSequences: true, inputShape: [STEPS, i] })]],
  ['lstm with sigmoid gates and a dense head', (i) => [tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', returnSequences: true, inputShape: [STEPS, i] }), tf.layers.dense({ units: 2 })]],
  ['gru (reset before, hard_sigmoid)', (i) => [tf.layers.gru({ units: 4, returnSequences: true, inputShape: [STEPS, i] })]],
  ['gru with sigmoid gates and no bias', (i) => [tf.layers.gru({ units: 3, recurrentActivation: 'sigmoid', useBias: false, returnSequences: true, inputShape: [STEPS, i] })]],
  ['simpleRNN relu', (i) => [tf.layers.simpleRNN({ units: 4, activation: 'relu', returnSequences: true, inputShape: [STEPS, i] })]],
  ['bidirectional lstm (concat) then gru then dense', (i) => [
    tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 3, returnSequences: true }) as tf.RNN, mergeMode: 'concat', inputShape: [STEPS, i] }),
    tf.layers.gru({ units: 2, returnSequences: true }),
    tf.layers.dense({ units: 2 }),
  ]],
  ['bidirectional simpleRNN then bidirectional gru', (i) => [
    tf.layers.bidirectional({ layer: tf.layers.simpleRNN({ units: 3, returnSequences: true }) as tf.RNN, inputShape: [STEPS, i] }),
    tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2, returnSequences: true }) as tf.RNN }),
  ]],
];

test('models built and saved by TF.js import and compute tfjs outputs within 1e-5', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-tfjs-'));
  try {
    const rng = new Rng(2024);
    for (const [what, layers] of TFJS_MODELS) {
      const inputSize = 3;
      const { reference, ours } = await throughFiles(layers(inputSize), join(dir, what.replace(/\W+/g, '-')), rng);
      const x = randomValues(STEPS * inputSize, rng, 2); // large enough to saturate hard sigmoids
      const error = maxAbsDiff(runSequence(ours, x, STEPS).output, tfjsOutput(reference, x, inputSize));
      t.diagnostic(`${what}: max |Δ| = ${error.toExponential(2)}`);
      assert.ok(error <= TOLERANCE, `${what}: differs from tfjs by ${error}`);
      reference.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Keras semantics beyond concatenated forward-running sequences: each checked to 1e-6 in float32. */
const KERAS_TOLERANCE = 1e-6;
const bi = (layer: tf.layers.Layer, mergeMode: 'concat' | 'sum' | 'ave' | 'mul', extra: Record<string, unknown> = {}) => tf.layers.bidirectional({ layer: layer as tf.RNN, mergeMode, ...extra });
const KERAS_SEMANTICS: Array<[string, (x: number) => tf.layers.Layer[]]> = [
  ['standalone lstm go_backwards, sequences', (i) => [tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', goBackwards: true, returnSequences: true, inputShape: [STEPS, i] })]],
  ['standalone gru go_backwards, last output, dense head', (i) => [tf.layers.gru({ units: 3, recurrentActivation: 'sigmoid', goBackwards: true, inputShape: [STEPS, i] }), tf.layers.dense({ units: 2 })]],
  ['bidirectional lstm go_backwards inside, concat, sequences', (i) => [bi(tf.layers.lstm({ units: 2, recurrentActivation: 'sigmoid', goBackwards: true, returnSequences: true }), 'concat', { inputShape: [STEPS, i] })]],
  ['bidirectional gru go_backwards inside, sum, last output', (i) => [bi(tf.layers.gru({ units: 3, recurrentActivation: 'sigmoid', goBackwards: true }), 'sum', { inputShape: [STEPS, i] })]],
  ['bidirectional lstm, concat, last output (backward final state)', (i) => [bi(tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid' }), 'concat', { inputShape: [STEPS, i] })]],
  ['bidirectional simpleRNN, ave, sequences, then lstm', (i) => [bi(tf.layers.simpleRNN({ units: 3, returnSequences: true }), 'ave', { inputShape: [STEPS, i] }), tf.layers.lstm({ units: 2, recurrentActivation: 'sigmoid', returnSequences: true })]],
  ['bidirectional gru, mul, sequences, dense without bias', (i) => [bi(tf.layers.gru({ units: 3, recurrentActivation: 'sigmoid', returnSequences: true }), 'mul', { inputShape: [STEPS, i] }), tf.layers.dense({ units: 2, useBias: false })]],
  ['bidirectional lstm go_backwards inside, mul, last output, dense without bias', (i) => [bi(tf.layers.lstm({ units: 2, recurrentActivation: 'sigmoid', goBackwards: true }), 'mul', { inputShape: [STEPS, i] }), tf.layers.dense({ units: 3, useBias: false })]],
  ['simpleRNN linear go_backwards, then bidirectional simpleRNN ave go_backwards', (i) => [tf.layers.simpleRNN({ units: 3, activation: 'linear', goBackwards: true, returnSequences: true, inputShape: [STEPS, i] }), bi(tf.layers.simpleRNN({ units: 2, goBackwards: true, returnSequences: true }), 'ave')]],
  ['gru linear (the candidate is the identity), sequences, then bidirectional gru linear go_backwards, sum, last output', (i) => [tf.layers.gru({ units: 3, activation: 'linear', recurrentActivation: 'sigmoid', returnSequences: true, inputShape: [STEPS, i] }), bi(tf.layers.gru({ units: 2, activation: 'linear', goBackwards: true }), 'sum')]],
  ['gru linear with hard_sigmoid gates, dense head', (i) => [tf.layers.gru({ units: 3, activation: 'linear', returnSequences: true, inputShape: [STEPS, i] }), tf.layers.dense({ units: 2 })]],
];

test('go_backwards, every merge mode, return_sequences false and Dense without bias: TF.js models import and match tfjs 4.22 within 1e-6, and export back to tfjs within 1e-6', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-tfjs-'));
  try {
    const rng = new Rng(31);
    for (const [what, layers] of KERAS_SEMANTICS) {
      const inputSize = 3;
      const { reference, ours } = await throughFiles(layers(inputSize), join(dir, what.replace(/\W+/g, '-')), rng);
      const x = randomValues(STEPS * inputSize, rng, 1);
      const imported = maxAbsDiff(runSequence(ours, x, STEPS).output, tfjsOutput(reference, x, inputSize));
      // The other direction: our model written as TF.js and run by tfjs.
      const { modelJson, weights } = exportTfjs(ours);
      const loaded = await tf.loadLayersModel(inMemory(modelJson, weights));
      const exported = maxAbsDiff(runSequence(ours, x, STEPS).output, tfjsOutput(loaded, x, inputSize));
      t.diagnostic(`${what}: import max |Δ| = ${imported.toExponential(2)}, export max |Δ| = ${exported.toExponential(2)}`);
      assert.ok(imported <= KERAS_TOLERANCE, `${what}: import differs from tfjs by ${imported}`);
      assert.ok(exported <= KERAS_TOLERANCE, `${what}: export differs from tfjs by ${exported}`);
      reference.dispose();
      loaded.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a Bidirectional layer with return_sequences false outputs the backward direction final state, not the last row of the sequence', async () => {
  const rng = new Rng(8);
  const reference = tf.sequential({ layers: [bi(tf.layers.gru({ units: 2, recurrentActivation: 'sigmoid' }), 'concat', { inputShape: [STEPS, 2] })] });
  randomizeTfjs(reference, rng);
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-tfjs-'));
  try {
    await saveTfjs(reference, dir);
    const ours = loadAnyModel(join(dir, 'model.json'));
    assert.equal(ours.returnSequences, false);
    const x = randomValues(STEPS * 2, rng, 1);
    const output = runSequence(ours, x, STEPS).output;
    assert.equal(output.length, 4);
    const sequences = createModel({ ...ours.config!, returnSequences: true }, { initialize: false });
    sequences.theta.set(ours.theta);
    const lastRow = runSequence(sequences, x, STEPS).output.subarray(4 * (STEPS - 1));
    assert.ok(maxAbsDiff(output.subarray(2), lastRow.subarray(2)) > 1e-3, 'the backward half must differ from the last row');
    assert.ok(maxAbsDiff(output, tfjsOutput(reference, x, 2)) <= KERAS_TOLERANCE);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    reference.dispose();
  }
});

test('activation null reads as linear (as in Keras), and a malformed or contradictory field is refused by name', () => {
  const rng = new Rng(12);
  const linear = randomModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 3, nonlinearity: 'linear' } }], outputSize: 1, dtype: 'float32' }, rng);
  const { modelJson, weights } = exportTfjs(linear);
  const topology = modelJson.modelTopology as { config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> } };
  const withLayer = (k: number, change: Record<string, unknown>) => ({
    ...modelJson,
    modelTopology: { ...modelJson.modelTopology, config: { ...topology.config, layers: topology.config.layers.map((layer, j) => (j === k ? { ...layer, config: { ...layer.config, ...change } } : layer)) } },
  });
  const x = randomValues(STEPS * 2, rng, 1);
  const none = importTfjs(withLayer(0, { activation: null }), () => weights);
  assert.deepEqual(runSequence(none, x, STEPS).output, runSequence(linear, x, STEPS).output);
  const refused: Array<[Record<string, unknown>, number, RegExp]> = [
    [{ return_sequences: 'x' }, 0, /layer 0 'simple_rnn_1' return_sequences must be true or false, got "x"/],
    [{ go_backwards: 1 }, 0, /go_backwards must be true or false, got 1/],
    [{ batch_input_shape: [null, null, 5] }, 0, /batch_input_shape declares 5 features but simple_rnn_1\/kernel has 2 rows/],
    [{ batch_input_shape: [null, 'x', 2] }, 0, /batch_input_shape must be \[batch, time, features\]/],
    [{ units: 2.5 }, 0, /units must be a positive integer, got 2.5/],
    [{ activation: 7 }, 0, /activation must be a string or null, got 7/],
    [{ activation: 'softsign' }, 0, /SimpleRNN activation "softsign" is not supported/],
    [{ return_state: true }, 0, /return_state: true is not supported/],
    [{ dropout: 'lots' }, 0, /dropout must be a number in \[0, 1\)/],
    [{ dtype: 'int32' }, 0, /dtype must be float32 or float64/],
    [{ use_bias: 'no' }, 1, /'dense_1' use_bias must be true or false/],
    [{ activation: 'softmax' }, 1, /Dense activation "softmax" is not supported/],
    [{ name: 3 }, 1, /config.name must be a string, got 3/],
  ];
  for (const [change, k, message] of refused) refusal(() => importTfjs(withLayer(k, change), () => weights), message);
});

const OUR_MODELS: Array<[string, ModelConfig]> = [
  ['lstm hardSigmoid + dense', { inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 4, gateActivation: 'hardSigmoid' } }], outputSize: 2, dtype: 'float32' }],
  ['lstm sigmoid without bias, stacked', { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3, bias: false } }, { cell: { kind: 'lstm', hiddenSize: 3, bias: false } }], dtype: 'float32' }],
  ['bidirectional gru reset-before + dense', { inputSize: 3, layers: [{ cell: { kind: 'gru', hiddenSize: 3, resetAfter: false }, bidirectional: true }], outputSize: 1, dtype: 'float32' }],
  ['rnn tanh, then bidirectional rnn relu', { inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 4 } }, { cell: { kind: 'rnn', hiddenSize: 2, nonlinearity: 'relu' }, bidirectional: true }], dtype: 'float32' }],
  ['gru goBackwards, then bidirectional lstm goBackwards summed, last output, head without bias', { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3, resetAfter: false, gateActivation: 'sigmoid' }, goBackwards: true }, { cell: { kind: 'lstm', hiddenSize: 2 }, bidirectional: true, goBackwards: true, merge: 'sum' }], outputSize: 2, headBias: false, returnSequences: false, dtype: 'float32' }],
  ['bidirectional rnn linear multiplied, then bidirectional gru averaged', { inputSize: 3, layers: [{ cell: { kind: 'rnn', hiddenSize: 3, nonlinearity: 'linear' }, bidirectional: true, merge: 'mul' }, { cell: { kind: 'gru', hiddenSize: 2, resetAfter: false }, bidirectional: true, merge: 'ave' }], dtype: 'float32' }],
  ['gru with a linear candidate, bidirectional, dense head', { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3, resetAfter: false, candidateActivation: 'linear' }, bidirectional: true }], outputSize: 2, dtype: 'float32' }],
];

/** Our model with every parameter drawn from the rng (so biases and gates are all exercised). */
function randomModel(config: ModelConfig, rng: Rng): Model {
  const model = createModel(config, { initialize: false });
  model.theta.set(randomValues(model.paramSize, rng));
  return model;
}

test('our models exported to TF.js load into tfjs and compute our outputs within 1e-5', async (t) => {
  const rng = new Rng(7);
  for (const [what, config] of OUR_MODELS) {
    const model = randomModel(config, rng);
    const { modelJson, weights } = exportTfjs(model);
    const loaded = await tf.loadLayersModel(inMemory(modelJson, weights));
    const x = randomValues(STEPS * config.inputSize, rng, 1);
    const error = maxAbsDiff(runSequence(model, x, STEPS).output, tfjsOutput(loaded, x, config.inputSize));
    t.diagnostic(`${what}: max |Δ| = ${error.toExponential(2)}`);
    assert.ok(error <= TOLERANCE, `${what}: differs from tfjs by ${error}`);
    loaded.dispose();
  }
});

/** Keras's reset-after GRU (bias (2, 3U), gates z, r, h) in tfjs ops, one step at a time. */
function kerasResetAfterGru(x: Float32Array, inputSize: number, kernel: Float32Array, recurrentKernel: Float32Array, bias: Float32Array, units: number, gate: (a: tf.Tensor) => tf.Tensor): Float32Array {
  return tf.tidy(() => {
    const K = tf.tensor2d(kernel, [inputSize, 3 * units]);
    const RK = tf.tensor2d(recurrentKernel, [units, 3 * units]);
    const [b, rb] = tf.split(tf.tensor2d(bias, [2, 3 * units]), 2, 0) as [tf.Tensor, tf.Tensor];
    let h: tf.Tensor = tf.zeros([1, units]);
    const outputs: tf.Tensor[] = [];
    for (let t = 0; t < x.length / inputSize; t++) {
      const matrixX = tf.add(tf.matMul(tf.tensor2d(x.subarray(t * inputSize, (t + 1) * inputSize), [1, inputSize]), K), b);
      const matrixInner = tf.add(tf.matMul(h as tf.Tensor2D, RK), rb);
      const [xz, xr, xh] = tf.split(matrixX, 3, 1);
      const [hz, hr, hh] = tf.split(matrixInner, 3, 1);
      const z = gate(tf.add(xz!, hz!));
      const r = gate(tf.add(xr!, hr!));
      const candidate = tf.tanh(tf.add(xh!, tf.mul(r, hh!)));
      h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), candidate));
      outputs.push(h);
    }
    return tf.concat(outputs, 0).dataSync() as Float32Array;
  });
}

test('a Keras 3 reset-after GRU (which TF.js cannot run) imports and computes Keras equations in tfjs ops within 1e-5, for sigmoid and Keras 3 hard_sigmoid', (t) => {
  const rng = new Rng(99);
  const inputSize = 3;
  const units = 4;
  const gates: Array<[string, (a: tf.Tensor) => tf.Tensor]> = [
    ['sigmoid', (a) => tf.sigmoid(a)],
    ['hard_sigmoid', (a) => tf.clipByValue(tf.add(tf.div(a, 6), 0.5), 0, 1)],
  ];
  for (const [activation, gate] of gates) {
    const kernel = randomValues(inputSize * 3 * units, rng);
    const recurrentKernel = randomValues(units * 3 * units, rng);
    const bias = randomValues(2 * 3 * units, rng);
    const weights = new Uint8Array(4 * (kernel.length + recurrentKernel.length + bias.length));
    const floats = new Float32Array(weights.buffer);
    floats.set(kernel);
    floats.set(recurrentKernel, kernel.length);
    floats.set(bias, kernel.length + recurrentKernel.length);
    const modelJson = {
      format: 'layers-model',
      generatedBy: 'keras v3.3.3',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: {
        keras_version: '3.3.3',
        backend: 'tensorflow',
        model_config: {
          class_name: 'Sequential',
          config: {
            name: 'sequential',
            layers: [
              { class_name: 'InputLayer', config: { batch_shape: [null, null, inputSize], dtype: 'float32', name: 'input_layer' } },
              { class_name: 'GRU', config: { name: 'gru', units, activation: 'tanh', recurrent_activation: activation, use_bias: true, reset_after: true, return_sequences: true } },
            ],
          },
        },
      },
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [
        { name: 'gru/gru_cell/kernel', shape: [inputSize, 3 * units], dtype: 'float32' },
        { name: 'gru/gru_cell/recurrent_kernel', shape: [units, 3 * units], dtype: 'float32' },
        { name: 'gru/gru_cell/bias', shape: [2, 3 * units], dtype: 'float32' },
      ] }],
    };
    const model = importTfjs(modelJson, () => weights);
    assert.equal(model.config!.layers[0]!.cell.kind, 'gru');
    assert.deepEqual(model.config!.layers[0]!.cell, { kind: 'gru', hiddenSize: units, bias: true, resetAfter: true, gateActivation: activation === 'sigmoid' ? 'sigmoid' : 'hardSigmoidKeras3' });
    const x = randomValues(STEPS * inputSize, rng, 1.5);
    const error = maxAbsDiff(runSequence(model, x, STEPS).output, kerasResetAfterGru(x, inputSize, kernel, recurrentKernel, bias, units, gate));
    t.diagnostic(`gru reset_after=true, ${activation} (Keras 3): max |Δ| = ${error.toExponential(2)}`);
    assert.ok(error <= TOLERANCE, `${activation}: differs by ${error}`);
  }
});

test('TF.js itself refuses a reset-after GRU, which we export as Keras writes it', async () => {
  const model = randomModel({ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3 } }], dtype: 'float32' }, new Rng(1));
  const { modelJson, weights } = exportTfjs(model);
  assert.deepEqual(modelJson.weightsManifest[0]!.weights[2], { name: 'gru_1/bias', shape: [2, 9], dtype: 'float32' });
  await assert.rejects(tf.loadLayersModel(inMemory(modelJson, weights)), /reset_after/);
});

test('export then import through TF.js files gives back θ and the outputs bit for bit for float32 models', () => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-tfjs-'));
  try {
    const rng = new Rng(5);
    const configs: ModelConfig[] = [
      ...OUR_MODELS.map(([, config]) => config),
      { inputSize: 3, layers: [{ cell: { kind: 'gru', hiddenSize: 3 }, bidirectional: true }, { cell: { kind: 'gru', hiddenSize: 2, gateActivation: 'hardSigmoid' } }], outputSize: 2, dtype: 'float32' },
    ];
    configs.forEach((config, k) => {
      const model = randomModel(config, rng);
      saveAnyModel(model, 'tfjs', join(dir, String(k)));
      const back = loadAnyModel(join(dir, String(k)));
      assert.deepEqual(back.theta, model.theta);
      const x = randomValues(STEPS * config.inputSize, rng, 1);
      assert.deepEqual(runSequence(back, x, STEPS).output, runSequence(model, x, STEPS).output);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('what TF.js cannot hold, or we cannot compute, is a clear error', async () => {
  const rng = new Rng(3);
  assert.throws(() => exportTfjs(createModel({ inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3, peephole: true } }] })), /no peephole connections/);
  assert.throws(() => exportTfjs(createModel({ inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3, projSize: 2 } }] })), /no projection \(proj_size\); export to PyTorch instead/);
  assert.throws(() => exportTfjs(createModel({ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3, gateActivation: 'hardSigmoidKeras3' } }] })), /no TF.js equivalent/);

  const softmax = tf.sequential({ layers: [tf.layers.gru({ units: 2, returnSequences: true, inputShape: [STEPS, 2] }), tf.layers.dense({ units: 2, activation: 'softmax' })] });
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-tfjs-'));
  try {
    await saveTfjs(softmax, join(dir, 'softmax'));
    assert.throws(() => loadAnyModel(join(dir, 'softmax')), /Dense activation "softmax" is not supported/);

    const good = randomModel(OUR_MODELS[0]![1], rng);
    const { modelJson, weights } = exportTfjs(good);
    const cases: Array<[unknown, Uint8Array, RegExp]> = [
      [{ ...modelJson, format: 'graph-model' }, weights, /graph models are frozen TensorFlow graphs/],
      [modelJson, weights.subarray(0, weights.length - 4), /declares \d+ bytes but its shards .* hold \d+/],
      [{ ...modelJson, weightsManifest: [{ ...modelJson.weightsManifest[0]!, weights: modelJson.weightsManifest[0]!.weights.slice(1) }] }, weights.subarray(4 * 3 * 16), /no kernel weight for layer 'lstm_1'/],
      [{ ...modelJson, modelTopology: { ...modelJson.modelTopology, class_name: 'Model' } }, weights, /only Sequential models are supported/],
      [{ ...modelJson, weightsManifest: [{ ...modelJson.weightsManifest[0]!, weights: [...modelJson.weightsManifest[0]!.weights, { name: 'extra/kernel', shape: [1], dtype: 'float32' }] }] }, Uint8Array.from([...weights, 0, 0, 0, 0]), /weights no layer of the topology uses: extra\/kernel/],
      [{ ...modelJson, weightsManifest: [{ ...modelJson.weightsManifest[0]!, weights: [{ ...modelJson.weightsManifest[0]!.weights[0]!, dtype: 'int32' }] }] }, weights, /dtype "int32" is not supported/],
    ];
    for (const [json, bytes, message] of cases) assert.throws(() => importTfjs(json, () => bytes), message);
    saveAnyModel(good, 'tfjs', join(dir, 'escape'));
    const escaped = { ...modelJson, weightsManifest: [{ ...modelJson.weightsManifest[0]!, paths: ['../escape/group1-shard1of1.bin'] }] };
    writeFileSync(join(dir, 'escape', 'model.json'), JSON.stringify(escaped));
    assert.throws(() => loadAnyModel(join(dir, 'escape')), /must name a file beside model.json/);
    rmSync(join(dir, 'escape', 'group1-shard1of1.bin'));
    writeFileSync(join(dir, 'escape', 'model.json'), JSON.stringify(modelJson));
    assert.throws(() => loadAnyModel(join(dir, 'escape', 'model.json')), /group1-shard1of1.bin: cannot read the weight shard \(ENOENT\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    softmax.dispose();
  }
});

test('quantized weights (uint8, uint16, float16) and a group split over several shards are read as TF.js reads them', () => {
  const model = randomModel({ inputSize: 1, layers: [{ cell: { kind: 'rnn', hiddenSize: 2 } }], dtype: 'float32' }, new Rng(4));
  const { modelJson } = exportTfjs(model);
  // kernel (1, 2) as uint8, recurrent_kernel (2, 2) as float16, bias (2) as uint16.
  const bytes = Uint8Array.from([3, 250, 0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0x00, 0x00, 1, 0, 0, 1]);
  const specs = [
    { name: 'simple_rnn_1/kernel', shape: [1, 2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.01, min: -1 } },
    { name: 'simple_rnn_1/recurrent_kernel', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'float16' } },
    { name: 'simple_rnn_1/bias', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.5, min: 0 } },
  ];
  const shards: Record<string, Uint8Array> = { a: bytes.subarray(0, 5), b: bytes.subarray(5) };
  const back = importTfjs({ ...modelJson, weightsManifest: [{ paths: ['a', 'b'], weights: specs }] }, (path) => shards[path]!);
  const f = Math.fround;
  // weightIh (2, 1) = kernelᵀ; weightHh = recurrent_kernelᵀ; bias.
  assert.deepEqual(Array.from(back.theta), [f(3 * 0.01 - 1), f(250 * 0.01 - 1), 1, 0.5, -2, 0, 0.5, 128]);
});
