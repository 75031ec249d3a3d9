/**
 * ONNX interop, checked against onnxruntime (onnxruntime-web, in Node), in both export forms.
 * Operators (float32's default): our exports run in onnxruntime and compute our outputs, and
 * graphs built from the operator definitions (peepholes included) import and compute
 * onnxruntime's outputs; onnxruntime has no float64 kernel for LSTM, GRU or RNN ("does not
 * support double yet"), so float64 operator graphs are checked against the ONNX reference
 * implementation (python3 -m onnx.reference) when it is installed. Primitives (float64's
 * default: a Scan per layer direction over the cell's step in MatMul-level ops): every model
 * of the list, in float64 and float32, runs in onnxruntime, within 1e-12 and 1e-6 of our
 * forward; our own files import back bit for bit, and anything but the graph we write is refused.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import type { Model } from '../../src/model/model.js';
import { importOnnx } from '../../src/io/onnx.js';
import { exportOnnx, type OnnxForm } from '../../src/io/onnx-export.js';
import { FLOAT, onnx, tensorProto, type AttributeProto, type NodeProto, type TensorProto } from '../../src/io/onnx-proto.js';
import { loadAnyModel } from '../../src/io/load.js';
import { runSequence } from '../../src/io/run.js';
import { SequenceTape } from '../../src/model/sequence.js';
import { Rng } from '../../src/tensor/rng.js';
import { maxAbsDiff } from '../support/numeric.js';
import { cli$, refusal } from './support.js';

const STEPS = 6;

before(() => {
  ort.env.wasm.numThreads = 1;
});

function randomValues(n: number, rng: Rng, scale = 0.6): number[] {
  return Array.from({ length: n }, () => scale * rng.normal());
}

function randomModel(config: ModelConfig, rng: Rng): Model {
  const model = createModel(config, { initialize: false });
  model.theta.set(randomValues(model.paramSize, rng));
  return model;
}

/** onnxruntime's "output" for a time-major sequence x (T × I), batch 1, in x's float type. */
async function runOrt(bytes: Uint8Array, x: Float32Array | Float64Array, inputSize: number, inputName = 'input'): Promise<Float32Array | Float64Array> {
  const session = await ort.InferenceSession.create(bytes);
  const T = x.length / inputSize;
  const result = await session.run({ [inputName]: new ort.Tensor(x instanceof Float64Array ? 'float64' : 'float32', x, [T, 1, inputSize]) });
  const output = result[session.outputNames[0]!]!;
  await session.release();
  return output.data as Float32Array | Float64Array;
}

/** The ONNX reference implementation's output in float64, or null without python3's onnx package. */
function runReference(bytes: Uint8Array, x: ArrayLike<number>, inputSize: number): Float64Array | null {
  const probe = spawnSync('python3', ['-c', 'import onnx.reference, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-onnx-'));
  try {
    writeFileSync(join(dir, 'model.onnx'), bytes);
    writeFileSync(join(dir, 'x.json'), JSON.stringify(Array.from(x)));
    const script = `
import json, sys, numpy, onnx
from onnx.reference import ReferenceEvaluator
x = numpy.array(json.load(open(sys.argv[2])), dtype=numpy.float64).reshape(-1, 1, ${inputSize})
(y,) = ReferenceEvaluator(onnx.load(sys.argv[1])).run(None, {"input": x})
print(json.dumps([float(v) for v in y.reshape(-1)]))
`;
    const result = spawnSync('python3', ['-c', script, join(dir, 'model.onnx'), join(dir, 'x.json')], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    return Float64Array.from(JSON.parse(result.stdout) as number[]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const EXPORTS: Array<[string, Omit<ModelConfig, 'dtype'>]> = [
  ['peephole lstm, bidirectional, stacked, dense head', { inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 3, peephole: true }, bidirectional: true }, { cell: { kind: 'lstm', hiddenSize: 2, peephole: true } }], outputSize: 2 }],
  ['gru reset-after (linear_before_reset = 1), bidirectional', { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 4 }, bidirectional: true }] }],
  ['gru reset-before with hard sigmoid gates, head without bias', { inputSize: 3, layers: [{ cell: { kind: 'gru', hiddenSize: 3, resetAfter: false, gateActivation: 'hardSigmoid' } }], outputSize: 3, headBias: false }],
  ['rnn relu, then bidirectional rnn tanh', { inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 3, nonlinearity: 'relu' } }, { cell: { kind: 'rnn', hiddenSize: 2 }, bidirectional: true }] }],
  ['lstm without bias, Keras 3 hard sigmoid, dense head', { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3, bias: false, gateActivation: 'hardSigmoidKeras3' } }], outputSize: 1 }],
  // goBackwards (a time-reversing Slice), merges (reductions over the direction axis), and the final state (Y_h).
  ['gru goBackwards, then lstm', { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3 }, goBackwards: true }, { cell: { kind: 'lstm', hiddenSize: 2 } }] }],
  ['bidirectional lstm with goBackwards inside (each copy reads the other way), dense head', { inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 2 }, bidirectional: true, goBackwards: true }], outputSize: 2 }],
  ['bidirectional gru merged by sum, then bidirectional rnn merged by ave', { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3 }, bidirectional: true, merge: 'sum' }, { cell: { kind: 'rnn', hiddenSize: 2 }, bidirectional: true, merge: 'ave' }] }],
  ['bidirectional lstm merged by mul, goBackwards, dense head', { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3, peephole: true }, bidirectional: true, merge: 'mul', goBackwards: true }], outputSize: 2 }],
  ['returnSequences false: lstm then gru goBackwards (the final state), dense head', { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3 } }, { cell: { kind: 'gru', hiddenSize: 3 }, goBackwards: true }], outputSize: 2, returnSequences: false }],
  ['returnSequences false: bidirectional gru, concat (the backward direction after reading everything)', { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3, resetAfter: false } }, { cell: { kind: 'gru', hiddenSize: 2 }, bidirectional: true }], returnSequences: false }],
  ['returnSequences false: bidirectional rnn merged by ave, goBackwards, dense head', { inputSize: 3, layers: [{ cell: { kind: 'rnn', hiddenSize: 3 }, bidirectional: true, merge: 'ave', goBackwards: true }], outputSize: 1, returnSequences: false }],
  ['returnSequences false: bidirectional lstm merged by sum', { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 2 }, bidirectional: true, merge: 'sum' }], returnSequences: false }],
  // The identity as Affine(1, 0): a GRU's linear candidate, a linear Elman cell.
  ['gru with a linear candidate (reset-after), then linear rnn, dense head', { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3, candidateActivation: 'linear' } }, { cell: { kind: 'rnn', hiddenSize: 2, nonlinearity: 'linear' } }], outputSize: 2 }],
  ['bidirectional gru reset-before with a linear candidate and hard sigmoid gates', { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3, resetAfter: false, gateActivation: 'hardSigmoid', candidateActivation: 'linear' }, bidirectional: true }] }],
];

/** What only the primitive form holds: LSTM projection and satlin Elman cells. */
const PRIMITIVE_ONLY: Array<[string, Omit<ModelConfig, 'dtype'>]> = [
  ['lstm with projection and peepholes, bidirectional merged by mul, then projected lstm with Keras 3 hard sigmoid, dense head', { inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 4, projSize: 2, peephole: true }, bidirectional: true, merge: 'mul' }, { cell: { kind: 'lstm', hiddenSize: 3, projSize: 1, gateActivation: 'hardSigmoidKeras3' } }], outputSize: 2 }],
  ['returnSequences false: projected lstm goBackwards, then bidirectional satlin rnn', { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3, projSize: 2 }, goBackwards: true }, { cell: { kind: 'rnn', hiddenSize: 3, nonlinearity: 'satlin' }, bidirectional: true }], returnSequences: false }],
];

test('float32 models exported to ONNX operators run in onnxruntime and compute our outputs within 1e-6, and import back bit for bit', async (t) => {
  const rng = new Rng(17);
  for (const [what, config] of EXPORTS) {
    const model = randomModel({ ...config, dtype: 'float32' }, rng);
    const bytes = exportOnnx(model, { form: 'operators' });
    const x = Float32Array.from(randomValues(STEPS * config.inputSize, rng, 1.5));
    const ours = runSequence(model, x, STEPS).output;
    const error = maxAbsDiff(await runOrt(bytes, x, config.inputSize), ours);
    t.diagnostic(`${what}: max |Δ| vs onnxruntime = ${error.toExponential(2)}`);
    assert.ok(error <= 1e-6, `${what}: differs from onnxruntime by ${error}`);
    const back = importOnnx(bytes);
    assert.deepEqual(back.theta, model.theta);
    assert.deepEqual(exportOnnx(back), bytes, `${what}: the import re-exports to the same bytes`);
  }
});

const BATCHED: Array<[OnnxForm, ModelConfig, number]> = [
  ['operators', { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3 }, bidirectional: true }, { cell: { kind: 'lstm', hiddenSize: 2, peephole: true } }], outputSize: 2, dtype: 'float32' }, 1e-6],
  ['primitives', { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3, resetAfter: false }, bidirectional: true, goBackwards: true }, { cell: { kind: 'lstm', hiddenSize: 3, projSize: 2, peephole: true } }], outputSize: 2, dtype: 'float64' }, 1e-12],
];
for (const [form, config, bound] of BATCHED) {
  test(`an exported graph takes any batch size: three ${config.dtype} sequences at once in the ${form} form match our batched forward within ${bound.toExponential()}`, async () => {
    const rng = new Rng(19);
    const model = randomModel(config, rng);
    const B = 3;
    const values = randomValues(STEPS * B * 2, rng, 1.5);
    const x = config.dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
    const tape = new SequenceTape(model, STEPS, B);
    tape.forward(x, STEPS);
    const ours = config.dtype === 'float64' ? new Float64Array(STEPS * B * 2) : new Float32Array(STEPS * B * 2);
    model.head!.forward(ours, tape.allOutputs(), model.headTheta!, STEPS * B);
    const session = await ort.InferenceSession.create(exportOnnx(model, { form }));
    const result = await session.run({ input: new ort.Tensor(x instanceof Float64Array ? 'float64' : 'float32', x, [STEPS, B, 2]) });
    await session.release();
    assert.deepEqual(result.output!.dims, [STEPS, B, 2]);
    const error = maxAbsDiff(result.output!.data as Float32Array | Float64Array, ours);
    assert.ok(error <= bound, `differs from onnxruntime by ${error}`);
  });
}

test('float64 models export as DOUBLE operator graphs that import back bit for bit and match the ONNX reference implementation within 1e-12', (t) => {
  const rng = new Rng(18);
  let checked = 0;
  for (const [what, config] of EXPORTS) {
    const model = randomModel({ ...config, dtype: 'float64' }, rng);
    const bytes = exportOnnx(model, { form: 'operators' });
    const back = importOnnx(bytes);
    assert.equal(back.dtype, 'float64');
    assert.deepEqual(back.theta, model.theta);
    const x = Float64Array.from(randomValues(STEPS * config.inputSize, rng, 1.5));
    const ours = runSequence(model, x, STEPS).output;
    assert.deepEqual(runSequence(back, x, STEPS).output, ours);
    // The reference implementation hard-codes the default activations (it ignores the attribute).
    const defaultActivations = config.layers.every((layer) => {
      const cell = layer.cell as { kind: string; nonlinearity?: string; gateActivation?: string; candidateActivation?: string };
      return cell.kind === 'rnn' ? (cell.nonlinearity ?? 'tanh') === 'tanh' : (cell.gateActivation ?? 'sigmoid') === 'sigmoid' && (cell.candidateActivation ?? 'tanh') === 'tanh';
    });
    const reference = defaultActivations ? runReference(bytes, x, config.inputSize) : null;
    if (reference === null) continue;
    const error = maxAbsDiff(reference, ours);
    t.diagnostic(`${what}: max |Δ| vs onnx.reference (float64) = ${error.toExponential(2)}`);
    assert.ok(error <= 1e-12, `${what}: differs from the ONNX reference by ${error}`);
    checked++;
  }
  if (checked === 0) t.diagnostic('python3 with onnx is not installed: float64 checked by round trip only');
});

/** Exports `model` in primitive form; checks onnxruntime against our forward and the round trip; gives max |Δ|. */
async function checkPrimitives(what: string, model: Model, rng: Rng): Promise<number> {
  const bytes = exportOnnx(model, { form: 'primitives' });
  const I = model.inputSize;
  const values = randomValues(STEPS * I, rng, 1.5);
  const x = model.dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
  const ours = runSequence(model, x, STEPS).output;
  const error = maxAbsDiff(await runOrt(bytes, x, I), ours);
  const back = importOnnx(bytes);
  assert.equal(back.dtype, model.dtype);
  assert.deepEqual(back.theta, model.theta, `${what}: the import holds the same parameters`);
  assert.deepEqual(exportOnnx(back, { form: 'primitives' }), bytes, `${what}: the import re-exports to the same bytes`);
  // Imported in the other dtype on request, as the other importers do (float64 → float32 rounds).
  const other = model.dtype === 'float64' ? 'float32' : 'float64';
  assert.deepEqual(Array.from(importOnnx(bytes, { dtype: other }).theta), Array.from(model.theta, other === 'float32' ? Math.fround : Number), `${what}: imported as ${other}`);
  return error;
}

for (const [dtype, bound, seed] of [['float64', 1e-12, 29], ['float32', 1e-6, 31]] as const) {
  test(`${dtype} models exported to ONNX primitives run in onnxruntime in ${dtype} and compute our outputs within ${bound.toExponential()}, and import back bit for bit`, async (t) => {
    const rng = new Rng(seed);
    let worst = 0;
    for (const [what, config] of [...EXPORTS, ...PRIMITIVE_ONLY]) {
      const error = await checkPrimitives(what, randomModel({ ...config, dtype }, rng), rng);
      t.diagnostic(`${what}: max |Δ| vs onnxruntime (${dtype}) = ${error.toExponential(2)}`);
      assert.ok(error <= bound, `${what}: differs from onnxruntime by ${error}`);
      worst = Math.max(worst, error);
    }
    t.diagnostic(`all ${EXPORTS.length + PRIMITIVE_ONLY.length} ${dtype} models: max |Δ| vs onnxruntime = ${worst.toExponential(2)}`);
  });
}

test('the default form is the one onnxruntime runs in the model\'s dtype: primitives (Scan) for float64, operators for float32', () => {
  const config: ModelConfig = { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 2 } }] };
  const ops = (bytes: Uint8Array) => (onnx.ModelProto.decode(bytes).graph!.node ?? []).map((n) => n.opType);
  assert.ok(ops(exportOnnx(createModel({ ...config, dtype: 'float64' }))).includes('Scan'));
  assert.ok(ops(exportOnnx(createModel({ ...config, dtype: 'float32' }))).includes('GRU'));
  assert.ok(ops(exportOnnx(createModel({ ...config, dtype: 'float64' }), { form: 'operators' })).includes('GRU'));
  assert.ok(ops(exportOnnx(createModel({ ...config, dtype: 'float32' }), { form: 'primitives' })).includes('Scan'));
});

/** A primitive-form file of a small model, changed by `edit` (its graph's nodes and initializers, its config's text) and re-encoded. */
function editedPrimitives(edit: (graph: { node: NodeProto[]; initializer: TensorProto[] }, config: { value: string }) => void): Uint8Array {
  const model = randomModel({ inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 2 } }], outputSize: 1, dtype: 'float64' }, new Rng(41));
  const decoded = onnx.ModelProto.decode(exportOnnx(model, { form: 'primitives' }));
  edit({ node: decoded.graph!.node!, initializer: decoded.graph!.initializer! }, decoded.metadataProps.find((p) => p.key === 'online-rnn.config')! as { value: string });
  return onnx.ModelProto.encode(decoded).finish();
}

test('a primitive-form file whose graph, weights or metadata differ from what we write for its config is refused in one line naming the difference', () => {
  const scanBody = (node: NodeProto[]) => node.find((n) => n.opType === 'Scan')!.attribute!.find((a) => a.name === 'body')!.g!.node!;
  const refused: Array<[Uint8Array, RegExp]> = [
    // The cell's tanh on c' turned into a relu: the file would compute something else than its config says.
    [editedPrimitives(({ node }) => void (scanBody(node).find((n) => n.opType === 'Tanh')!.opType = 'Relu')), /graph node \d+ 'layer0_forward\/scan' \(Scan\) is not what online-rnn writes for the config in its metadata/],
    [editedPrimitives(({ node }) => void node.splice(node.length - 1, 1)), /the graph's node list \(\d+ entries, online-rnn writes \d+\)/],
    [editedPrimitives(({ initializer }) => void (initializer.find((t) => t.name === 'batch_start')!.rawData = new Uint8Array(8))), /graph initializer \d+ 'batch_start' is not what online-rnn writes/],
    [editedPrimitives(({ initializer }) => void initializer.splice(initializer.findIndex((t) => t.name === 'layers.0.forward.bias'), 1)), /layers\.0\.forward\.bias/],
    [editedPrimitives((_, config) => void (config.value = config.value.replace('"hiddenSize": 2', '"hiddenSize": 3'))), /layers\.0\.forward\.weightIh/],
    [editedPrimitives((_, config) => void (config.value = '{"format": 1')), /metadata online-rnn\.config: not valid JSON/],
    [editedPrimitives((_, config) => void (config.value = config.value.replace('"kind": "lstm"', '"kind": "elstm"'))), /^m\.onnx: /],
  ];
  for (const [bytes, message] of refused) assert.match(refusal(() => importOnnx(bytes, { source: 'm.onnx' }), message).message, /^m\.onnx: /);
  assert.throws(() => exportOnnx(createModel({ inputSize: 1, layers: [{ cell: { kind: 'gru', hiddenSize: 1 } }] }), { form: 'scan' as 'primitives' }), /onnx export: form must be one of operators, primitives, got "scan"/);
});

/** A one-operator graph as the ONNX operator definitions describe it: X → op → Y, weights as initializers. */
function operatorGraph(op: 'LSTM' | 'GRU' | 'RNN', options: { I: number; H: number; D: 1 | 2; G: number; peephole?: boolean; attributes?: AttributeProto[] }, rng: Rng): Uint8Array {
  const { I, H, D, G } = options;
  const text = (s: string) => new TextEncoder().encode(s);
  const initializers = [
    tensorProto('W', [D, G * H, I], randomValues(D * G * H * I, rng), FLOAT),
    tensorProto('R', [D, G * H, H], randomValues(D * G * H * H, rng), FLOAT),
    tensorProto('B', [D, 2 * G * H], randomValues(D * 2 * G * H, rng), FLOAT),
  ];
  const inputs = ['X', 'W', 'R', 'B'];
  if (options.peephole === true) {
    initializers.push(tensorProto('P', [D, 3 * H], randomValues(D * 3 * H, rng), FLOAT));
    inputs.push('', '', '', 'P');
  }
  const attribute: AttributeProto[] = [
    { name: 'hidden_size', type: onnx.AttributeProto.AttributeType.INT, i: H },
    { name: 'direction', type: onnx.AttributeProto.AttributeType.STRING, s: text(D === 2 ? 'bidirectional' : 'forward') },
    ...(options.attributes ?? []),
  ];
  const info = (name: string, dims: Array<{ dimParam?: string; dimValue?: number }>) => ({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims } } } });
  const graph = {
    name: 'operator',
    node: [{ opType: op, input: inputs, output: ['Y'], attribute }],
    initializer: initializers,
    input: [info('X', [{ dimParam: 'T' }, { dimValue: 1 }, { dimValue: I }])],
    output: [info('Y', [{ dimParam: 'T' }, { dimValue: D }, { dimValue: 1 }, { dimValue: H }])],
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 14 }], graph })).finish();
}

test('ONNX graphs built from the LSTM, GRU and RNN operator definitions (peepholes, both directions, linear_before_reset 0 and 1, HardSigmoid) import and compute onnxruntime outputs within 1e-6', async (t) => {
  const rng = new Rng(23);
  const { INT, STRINGS, FLOATS } = onnx.AttributeProto.AttributeType;
  const text = (s: string) => new TextEncoder().encode(s);
  const cases: Array<[string, Uint8Array, number]> = [
    ['LSTM with peepholes, forward', operatorGraph('LSTM', { I: 3, H: 4, D: 1, G: 4, peephole: true }, rng), 3],
    ['LSTM with peepholes, bidirectional', operatorGraph('LSTM', { I: 2, H: 3, D: 2, G: 4, peephole: true }, rng), 2],
    ['LSTM bidirectional, HardSigmoid(0.2, 0.5) gates', operatorGraph('LSTM', { I: 2, H: 3, D: 2, G: 4, attributes: [
      { name: 'activations', type: STRINGS, strings: ['HardSigmoid', 'Tanh', 'Tanh', 'HardSigmoid', 'Tanh', 'Tanh'].map(text) },
      { name: 'activation_alpha', type: FLOATS, floats: [0.2, 0.2] },
      { name: 'activation_beta', type: FLOATS, floats: [0.5, 0.5] },
    ] }, rng), 2],
    ['GRU linear_before_reset = 0', operatorGraph('GRU', { I: 3, H: 3, D: 1, G: 3 }, rng), 3],
    ['GRU linear_before_reset = 1, bidirectional', operatorGraph('GRU', { I: 3, H: 2, D: 2, G: 3, attributes: [{ name: 'linear_before_reset', type: INT, i: 1 }] }, rng), 3],
    ['RNN Relu, bidirectional', operatorGraph('RNN', { I: 2, H: 3, D: 2, G: 1, attributes: [{ name: 'activations', type: STRINGS, strings: ['Relu', 'Relu'].map(text) }] }, rng), 2],
  ];
  for (const [what, bytes, inputSize] of cases) {
    const model = importOnnx(bytes);
    const x = Float32Array.from(randomValues(STEPS * inputSize, rng, 1.5));
    const error = maxAbsDiff(runSequence(model, x, STEPS).output, await runOrt(bytes, x, inputSize, 'X'));
    t.diagnostic(`${what}: max |Δ| vs onnxruntime = ${error.toExponential(2)}`);
    assert.ok(error <= 1e-6, `${what}: differs from onnxruntime by ${error}`);
  }
});

test('what ONNX cannot hold, or we cannot compute, is refused in one line naming it', () => {
  const rng = new Rng(2);
  const refusedExports: Array<[ModelConfig, RegExp]> = [
    [{ inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3, projSize: 2 } }] }, /LSTM projection \(projSize\) has no ONNX operator form .*; export with form 'primitives'/],
    [{ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 3, nonlinearity: 'satlin' } }] }, /RNN nonlinearity satlin has no ONNX RNN activation .*; export with form 'primitives'/],
  ];
  for (const [config, message] of refusedExports) assert.throws(() => exportOnnx(createModel(config), { form: 'operators' }), message);
  assert.throws(() => exportOnnx(createModel({ inputSize: 2, layers: [{ cell: { kind: 'elstm', hiddenSize: 3 } }] }), { form: 'primitives' }), /onnx export: layer 0: the elstm cell has no ONNX form \(lstm, gru, rnn\)/);
  const { INT, FLOAT: FLOAT_ATTRIBUTE } = onnx.AttributeProto.AttributeType;
  const refusedImports: Array<[Uint8Array, RegExp]> = [
    [operatorGraph('LSTM', { I: 2, H: 2, D: 1, G: 4, attributes: [{ name: 'clip', type: FLOAT_ATTRIBUTE, f: 3 }] }, rng), /node '' \(LSTM\): clip is not supported/],
    [operatorGraph('LSTM', { I: 2, H: 2, D: 1, G: 4, attributes: [{ name: 'input_forget', type: INT, i: 1 }] }, rng), /input_forget 1 is not supported/],
    [operatorGraph('GRU', { I: 2, H: 2, D: 1, G: 3, attributes: [{ name: 'layout', type: INT, i: 1 }] }, rng), /layout 1 \(batch-major\) is not supported/],
    [operatorGraph('GRU', { I: 2, H: 3, D: 1, G: 4 }, rng), /W has shape \[1, 12, 2\] but needs \[1, 9, input size\]/],
    [Uint8Array.from([0x0a, 0xff, 0xff, 0xff]), /the model has no graph/],
    [exportOnnx(createModel({ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3 } }] })).subarray(0, 100), /not an ONNX model/],
  ];
  for (const [bytes, message] of refusedImports) assert.match(refusal(() => importOnnx(bytes, { source: 'm.onnx' }), message).message, /^m\.onnx: /);
});

test('`convert --to onnx` writes model.onnx (primitives for float64 unless --onnx-form says operators), and `forward` reads .onnx files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-onnx-'));
  try {
    const model = randomModel({ inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3, peephole: true }, bidirectional: true }], outputSize: 2, dtype: 'float64' }, new Rng(5));
    const { saveAnyModel } = await import('../../src/io/load.js');
    saveAnyModel(model, 'native', join(dir, 'native'));
    const converted = await cli$('convert', join(dir, 'native'), '--to', 'onnx', '--out', join(dir, 'onnx'));
    assert.equal(converted.status, 0, converted.stderr);
    const back = loadAnyModel(join(dir, 'onnx', 'model.onnx'));
    assert.deepEqual(back.theta, model.theta);
    writeFileSync(join(dir, 'in.json'), JSON.stringify([[0.5, -1], [1, 0.25], [0, 0]]));
    const [fromFile, fromDirectory] = await Promise.all([
      cli$('forward', '--model', join(dir, 'onnx', 'model.onnx'), '--input', join(dir, 'in.json'), '--json'),
      cli$('forward', '--model', join(dir, 'onnx'), '--input', join(dir, 'in.json'), '--json'),
    ]);
    assert.equal(fromFile.status, 0, fromFile.stderr);
    assert.equal(fromDirectory.stdout, fromFile.stdout);
    const expected = runSequence(model, Float64Array.from([0.5, -1, 1, 0.25, 0, 0]), 3).output;
    assert.deepEqual((JSON.parse(fromFile.stdout) as { output: number[][] }).output.flat(), Array.from(expected));
    const refused = await cli$('convert', join(dir, 'native'), '--to', 'onnx', '--out', join(dir, 'onnx'));
    assert.equal(refused.status, 2);
    // float64 writes the primitive form by default; --onnx-form chooses.
    const opsOf = (file: string) => (onnx.ModelProto.decode(readFileSync(file)).graph!.node ?? []).map((n) => n.opType);
    assert.ok(opsOf(join(dir, 'onnx', 'model.onnx')).includes('Scan'));
    const operators = await cli$('convert', join(dir, 'native'), '--to', 'onnx', '--onnx-form', 'operators', '--out', join(dir, 'operators'));
    assert.equal(operators.status, 0, operators.stderr);
    assert.ok(opsOf(join(dir, 'operators', 'model.onnx')).includes('LSTM'));
    assert.deepEqual(loadAnyModel(join(dir, 'operators')).theta, model.theta);
    const [badForm, wrongTarget] = await Promise.all([
      cli$('convert', join(dir, 'native'), '--to', 'onnx', '--onnx-form', 'scan', '--out', join(dir, 'bad')),
      cli$('convert', join(dir, 'native'), '--to', 'tfjs', '--onnx-form', 'operators', '--out', join(dir, 'bad')),
    ]);
    assert.equal(badForm.status, 2);
    assert.match(badForm.stderr, /--onnx-form must be one of operators, primitives, got 'scan'/);
    assert.equal(wrongTarget.status, 2);
    assert.match(wrongTarget.stderr, /--onnx-form applies to --to onnx, not to --to tfjs/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
