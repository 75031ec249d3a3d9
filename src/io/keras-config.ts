/**
 * Keras Sequential configs (TF.js model.json's modelTopology, Keras 3's config.json): every
 * field that changes what the model computes is read and type-checked, and the layers become
 * our ModelConfig; then the weights, found by the caller's lookup, fill θ. Shared by the TF.js
 * (tfjs.ts) and Keras 3 (keras.ts) importers. Pure.
 *
 * Keras semantics kept exactly:
 *   go_backwards        the layer reads its input reversed and emits outputs in that order
 *                       (our LayerConfig.goBackwards; inside Bidirectional, the forward copy
 *                       runs from the end and the backward copy from the start, as Keras does)
 *   merge_mode          concat, sum, ave, mul (our LayerConfig.merge)
 *   return_sequences    false on the last recurrent layer: one output per sequence, each
 *                       direction's final output (our ModelConfig.returnSequences)
 *   activation None     is linear, as in Keras
 *
 * Keras stores weights transposed relative to us and orders the gates its own way:
 *   LSTM       kernel (I, 4U), recurrent_kernel (U, 4U), bias (4U); gates i, f, c, o (= our i, f, g, o)
 *   GRU        kernel (I, 3U), recurrent_kernel (U, 3U); gates z, r, h (ours r, z, n);
 *              bias (3U), or (2, 3U) with reset_after: row 0 input bias, row 1 recurrent bias
 *   SimpleRNN  kernel (I, U), recurrent_kernel (U, U), bias (U)
 *   Dense      kernel (Y, O), bias (O)
 */
import type { DType } from '../tensor/dtype.js';
import type { GateActivation, Nonlinearity } from '../tensor/activations.js';
import { MERGE_MODES, type LayerConfig, type MergeMode, type ModelConfig } from '../model/config.js';
import { interopCell, type InteropCellConfig } from '../kinds/cells.js';
import type { Model } from '../model/model.js';
import { FormatError } from './safetensors.js';
import { parseConfigIn } from './model-format.js';
import { modelFromTensors } from './tensors-to-model.js';

/** What Keras calls our cells, and the reverse. */
export const KERAS_CLASSES = { lstm: 'LSTM', gru: 'GRU', rnn: 'SimpleRNN' } as const;
export type KerasRecurrent = (typeof KERAS_CLASSES)[keyof typeof KERAS_CLASSES];

/** Our gate block g holds Keras's gate KERAS_GATE[g] (GRU: our r, z, n ← Keras z, r, h). */
export const KERAS_GATE: Readonly<Record<InteropCellConfig['kind'], readonly number[]>> = { lstm: [0, 1, 2, 3], gru: [1, 0, 2], rnn: [0] };

export interface Producer {
  /** Keras 3's hard_sigmoid is x/6 + 0.5; everyone else's is 0.2x + 0.5. */
  readonly keras3: boolean;
  /** TF.js wrote it: its GRU defaults to reset_after = false and its gates to hard_sigmoid. */
  readonly tfjs: boolean;
}

/** One recurrent layer of the topology, with the names its weights live under. */
export interface KerasRecurrentLayer {
  readonly name: string;
  /** The wrapped layer's name for a Bidirectional (Keras 3 names its weights after it). */
  readonly innerName: string;
  readonly config: LayerConfig;
  /** Keras's bias shape: (2, 3U) for a reset-after GRU. */
  readonly splitBias: boolean;
  readonly returnSequences: boolean;
}

export interface KerasSequential {
  readonly recurrent: readonly KerasRecurrentLayer[];
  readonly dense: { readonly name: string; readonly units: number; readonly bias: boolean } | null;
  /** The feature size an InputLayer or batch_input_shape declares, if any, and where. */
  readonly declaredInputSize: number | null;
  readonly declaredBy: string;
}

export interface KerasWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

export type WeightKind = 'kernel' | 'recurrent_kernel' | 'bias';

/** Finds (and marks as used) one weight of a layer; null when the file has none. */
export type WeightLookup = (layer: string, direction: 'forward' | 'backward' | null, kind: WeightKind) => KerasWeight | null;

const SUPPORTED = 'InputLayer, LSTM, GRU, SimpleRNN, Bidirectional, Dense, Dropout';

/** The Sequential model a Keras/TF.js topology describes, every field checked. */
export function parseKerasSequential(topology: Record<string, unknown>, producer: Producer, source: string): KerasSequential {
  const fail = (problem: string): never => {
    throw new FormatError(`${source}: ${problem}`);
  };
  if (topology.class_name !== 'Sequential') fail(`only Sequential models are supported, got class_name ${JSON.stringify(topology.class_name)}`);
  const sequentialConfig = topology.config;
  const layerList = Array.isArray(sequentialConfig) ? sequentialConfig : record(sequentialConfig, `${source}: config`).layers;
  if (!Array.isArray(layerList)) return fail('config.layers must be an array');

  const recurrent: KerasRecurrentLayer[] = [];
  let dense: KerasSequential['dense'] = null;
  let declaredInputSize: number | null = null;
  let declaredBy = '';
  const declare = (config: Record<string, unknown>, where: string) => {
    const found = batchShapeFeatures(config, where);
    if (found === null) return;
    if (recurrent.length > 0 || (declaredInputSize !== null && declaredInputSize !== found.features)) fail(`${where}: its input shape declares ${found.features} features, which contradicts the layers before it`);
    declaredInputSize = found.features;
    declaredBy = `${where} ${found.key}`;
  };
  for (const [index, value] of (layerList as unknown[]).entries()) {
    const layer = record(value, `${source}: layer ${index}`);
    const className = layer.class_name;
    const config = record(layer.config, `${source}: layer ${index} config`);
    if (typeof config.name !== 'string') fail(`layer ${index} (${String(className)}): config.name must be a string, got ${JSON.stringify(config.name)}`);
    const name = config.name as string;
    const where = `${source}: layer ${index} '${name}'`;
    optionalBool(config.trainable, true, `${where} trainable`);
    checkDType(config.dtype, `${where} dtype`);
    if (dense !== null && className !== 'Dropout') fail(`layer ${index} '${name}': only a Dense head may follow the recurrent layers, and nothing after it`);
    if (recurrent.length > 0 && !recurrent[recurrent.length - 1]!.returnSequences && className !== 'Dense' && className !== 'Dropout') {
      fail(`layer ${index} '${name}': follows a layer with return_sequences false, which outputs one vector per sequence; only a Dense head may follow it`);
    }
    switch (className) {
      case 'InputLayer':
        declare(config, where);
        continue;
      case 'Dropout': // the identity at inference
        rate(config.rate, `${where} rate`);
        continue;
      case 'LSTM':
      case 'GRU':
      case 'SimpleRNN': {
        declare(config, where);
        const parsed = recurrentCell(className, config, producer, where);
        recurrent.push({ name, innerName: name, config: { cell: parsed.cell, ...(parsed.goBackwards ? { goBackwards: true } : {}) }, splitBias: parsed.splitBias, returnSequences: parsed.returnSequences });
        continue;
      }
      case 'Bidirectional': {
        declare(config, where);
        const merge = mergeMode(config.merge_mode, `${where} merge_mode`);
        const inner = record(config.layer, `${where} layer`);
        const innerClass = inner.class_name;
        if (innerClass !== 'LSTM' && innerClass !== 'GRU' && innerClass !== 'SimpleRNN') fail(`layer ${index} '${name}': Bidirectional wraps ${JSON.stringify(innerClass)}, not LSTM, GRU or SimpleRNN`);
        const innerConfig = record(inner.config, `${where} layer config`);
        const forward = recurrentCell(innerClass as KerasRecurrent, innerConfig, producer, `${where} layer`);
        if (config.backward_layer !== undefined && config.backward_layer !== null) {
          const back = record(config.backward_layer, `${where} backward_layer`);
          if (back.class_name !== innerClass) fail(`layer ${index} '${name}': backward_layer is ${JSON.stringify(back.class_name)} but the forward layer is ${String(innerClass)}`);
          const backward = recurrentCell(back.class_name as KerasRecurrent, record(back.config, `${where} backward_layer config`), producer, `${where} backward_layer`);
          if (JSON.stringify(backward.cell) !== JSON.stringify(forward.cell)) fail(`layer ${index} '${name}': backward_layer's cell differs from the forward layer's; both directions must be the same kind of cell`);
          if (backward.goBackwards === forward.goBackwards) fail(`layer ${index} '${name}': backward_layer.go_backwards must be the opposite of the forward layer's`);
          if (backward.returnSequences !== forward.returnSequences) fail(`layer ${index} '${name}': backward_layer.return_sequences differs from the forward layer's`);
        }
        const layerConfig: LayerConfig = { cell: forward.cell, bidirectional: true, ...(forward.goBackwards ? { goBackwards: true } : {}), ...(merge === 'concat' ? {} : { merge }) };
        recurrent.push({ name, innerName: typeof innerConfig.name === 'string' ? innerConfig.name : name, config: layerConfig, splitBias: forward.splitBias, returnSequences: forward.returnSequences });
        continue;
      }
      case 'Dense': {
        if (recurrent.length === 0) fail(`layer ${index} '${name}': a Dense layer before any recurrent layer is not supported`);
        const activation = activationName(config.activation, `${where} activation`);
        if (activation !== 'linear') fail(`layer ${index} '${name}': Dense activation ${JSON.stringify(activation)} is not supported; the head is linear (softmax belongs to the loss)`);
        dense = { name, units: positive(config.units, `${where} units`), bias: optionalBool(config.use_bias, true, `${where} use_bias`) };
        continue;
      }
      default:
        fail(`layer ${index} '${name}': layer class ${JSON.stringify(className)} is not supported (supported: ${SUPPORTED})`);
    }
  }
  if (recurrent.length === 0) fail('the model has no recurrent layer');
  return { recurrent, dense, declaredInputSize, declaredBy };
}

/**
 * Our model from a parsed Sequential and its weights: every tensor converted to our layout and
 * checked against the config before θ is allocated; parameters must be finite.
 */
export function assembleKerasModel(sequential: KerasSequential, lookup: WeightLookup, dtype: DType, source: string): Model {
  const fail = (problem: string): never => {
    throw new FormatError(`${source}: ${problem}`);
  };
  const { recurrent, dense } = sequential;
  const first = recurrent[0]!;
  const firstKernel = lookup(first.name, first.config.bidirectional === true ? 'forward' : null, 'kernel') ?? fail(`no kernel weight for layer '${first.name}'`);
  if (firstKernel.shape.length !== 2) fail(`weight ${firstKernel.name} must be a matrix, got shape [${firstKernel.shape.join(', ')}]`);
  const inputSize = firstKernel.shape[0]!;
  if (sequential.declaredInputSize !== null && sequential.declaredInputSize !== inputSize) {
    throw new FormatError(`${sequential.declaredBy} declares ${sequential.declaredInputSize} features but ${firstKernel.name} has ${inputSize} rows`);
  }
  const last = recurrent[recurrent.length - 1]!;
  const modelConfig: ModelConfig = parseConfigIn(
    {
      inputSize,
      layers: recurrent.map((r) => r.config),
      dtype,
      ...(dense === null ? {} : { outputSize: dense.units, ...(dense.bias ? {} : { headBias: false }) }),
      ...(last.returnSequences ? {} : { returnSequences: false }),
    },
    source,
  );
  const tensors = new Map<string, { shape: readonly number[]; data: ArrayLike<number> }>();
  recurrent.forEach((layer, l) => {
    const directions = layer.config.bidirectional === true ? (['forward', 'backward'] as const) : ([null] as const);
    directions.forEach((direction) => {
      const ours = `layers.${l}.${direction ?? 'forward'}`;
      const cell = interopCell(layer.config.cell, 'tfjs', source);
      const units = cell.hiddenSize;
      const gates = KERAS_GATE[cell.kind];
      const which = `layer '${layer.name}'${direction === null ? '' : ` (${direction})`}`;
      const kernel = l === 0 && direction !== 'backward' ? firstKernel : lookup(layer.name, direction, 'kernel') ?? fail(`no kernel weight for ${which}`);
      const recurrentKernel = lookup(layer.name, direction, 'recurrent_kernel') ?? fail(`no recurrent_kernel weight for ${which}`);
      tensors.set(`${ours}.weightIh`, fromKeras(kernel, units, gates, fail));
      tensors.set(`${ours}.weightHh`, fromKeras(recurrentKernel, units, gates, fail));
      const bias = lookup(layer.name, direction, 'bias');
      if (cell.bias === false) {
        if (bias !== null) fail(`layer '${layer.name}' has use_bias false but a bias weight ${bias.name}`);
        return;
      }
      if (bias === null) return fail(`no bias weight for ${which}`);
      const width = gates.length * units;
      const expected = layer.splitBias ? [2, width] : [width];
      if (!sameShape(bias.shape, expected)) fail(`weight ${bias.name} has shape [${bias.shape.join(', ')}] but ${layer.name} needs [${expected.join(', ')}]`);
      tensors.set(`${ours}.bias`, { shape: [width], data: reorderGates(bias.data, 0, units, gates) });
      if (layer.splitBias) tensors.set(`${ours}.recurrentBias`, { shape: [width], data: reorderGates(bias.data, width, units, gates) });
    });
  });
  if (dense !== null) {
    const { name } = dense;
    const kernel = lookup(name, null, 'kernel') ?? fail(`no kernel weight for Dense layer '${name}'`);
    if (kernel.shape.length !== 2) fail(`weight ${kernel.name} must be a matrix, got shape [${kernel.shape.join(', ')}]`);
    tensors.set('head.weight', { shape: [kernel.shape[1]!, kernel.shape[0]!], data: transpose(kernel.data, kernel.shape[0]!, kernel.shape[1]!) });
    const bias = lookup(name, null, 'bias');
    if (dense.bias) tensors.set('head.bias', bias ?? fail(`no bias weight for Dense layer '${name}'`));
    else if (bias !== null) fail(`Dense layer '${name}' has use_bias false but a bias weight ${bias.name}`);
  }
  return modelFromTensors(modelConfig, tensors, source);
}

interface ParsedCell {
  cell: InteropCellConfig;
  splitBias: boolean;
  goBackwards: boolean;
  returnSequences: boolean;
}

/** The cell config a Keras recurrent layer's config describes, refusing what we cannot compute. */
function recurrentCell(className: KerasRecurrent, config: Record<string, unknown>, producer: Producer, where: string): ParsedCell {
  const hiddenSize = positive(config.units, `${where} units`);
  const bias = optionalBool(config.use_bias, true, `${where} use_bias`);
  const returnSequences = optionalBool(config.return_sequences, false, `${where} return_sequences`);
  const goBackwards = optionalBool(config.go_backwards, false, `${where} go_backwards`);
  if (optionalBool(config.return_state, false, `${where} return_state`)) throw new FormatError(`${where} return_state: true is not supported (a Sequential model has one output)`);
  if (optionalBool(config.time_major, false, `${where} time_major`)) throw new FormatError(`${where} time_major: true is not supported (Keras models here are batch-major)`);
  // Stateful layers carry state across batches; one sequence from a zero state computes the same.
  optionalBool(config.stateful, false, `${where} stateful`);
  optionalBool(config.unroll, false, `${where} unroll`);
  optionalBool(config.unit_forget_bias, true, `${where} unit_forget_bias`);
  rate(config.dropout, `${where} dropout`);
  rate(config.recurrent_dropout, `${where} recurrent_dropout`);
  if (config.implementation !== undefined && config.implementation !== null) positive(config.implementation, `${where} implementation`);
  const activation = config.activation === undefined ? 'tanh' : activationName(config.activation, `${where} activation`);
  const common = { goBackwards, returnSequences };
  switch (className) {
    case 'SimpleRNN': {
      if (activation !== 'tanh' && activation !== 'relu' && activation !== 'linear') throw new FormatError(`${where} activation: SimpleRNN activation ${JSON.stringify(activation)} is not supported (tanh, relu, linear)`);
      return { cell: { kind: 'rnn', hiddenSize, bias, nonlinearity: activation as Nonlinearity }, splitBias: false, ...common };
    }
    case 'LSTM':
    case 'GRU': {
      // A GRU's activation is its candidate's (tanh or the identity); the LSTM's is tanh only.
      const allowed = className === 'GRU' ? ['tanh', 'linear'] : ['tanh'];
      if (!allowed.includes(activation)) throw new FormatError(`${where} activation: ${className} activation ${JSON.stringify(activation)} is not supported (${allowed.join(', ')})`);
      const gateActivation = gate(config.recurrent_activation, producer, `${where} recurrent_activation`);
      if (className === 'LSTM') return { cell: { kind: 'lstm', hiddenSize, bias, gateActivation }, splitBias: false, ...common };
      // TF.js's GRU has reset_after = false and cannot run true; Keras 2 (TF 2) and 3 default to true.
      const resetAfter = optionalBool(config.reset_after, !producer.tfjs, `${where} reset_after`);
      const candidate = activation === 'linear' ? { candidateActivation: 'linear' as const } : {};
      return { cell: { kind: 'gru', hiddenSize, bias, resetAfter, gateActivation, ...candidate }, splitBias: resetAfter && bias, ...common };
    }
    default:
      throw new FormatError(`${where}: unknown recurrent layer ${JSON.stringify(className)}`);
  }
}

/** An activation's name: a string, a Keras 3 serialized function, or null (= linear). */
function activationName(value: unknown, where: string): string {
  if (value === null) return 'linear';
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && !Array.isArray(value) && typeof (value as Record<string, unknown>).config === 'string') return (value as Record<string, unknown>).config as string;
  throw new FormatError(`${where} must be a string or null, got ${JSON.stringify(value)}`);
}

function gate(value: unknown, producer: Producer, where: string): GateActivation {
  const name = value === undefined ? (producer.tfjs ? 'hard_sigmoid' : 'sigmoid') : activationName(value, where);
  switch (name) {
    case 'sigmoid':
      return 'sigmoid';
    case 'hard_sigmoid':
    case 'hardSigmoid':
      return producer.keras3 ? 'hardSigmoidKeras3' : 'hardSigmoid';
    default:
      throw new FormatError(`${where}: ${JSON.stringify(name)} is not supported (sigmoid, hard_sigmoid)`);
  }
}

function mergeMode(value: unknown, where: string): MergeMode {
  if (value === undefined) return 'concat';
  if (value === null) throw new FormatError(`${where}: null (two separate outputs) is not supported; use concat, sum, ave or mul`);
  if (typeof value !== 'string' || !(MERGE_MODES as readonly string[]).includes(value)) throw new FormatError(`${where} must be one of ${MERGE_MODES.join(', ')}, got ${JSON.stringify(value)}`);
  return value as MergeMode;
}

/** The feature size a layer's batch_input_shape / batch_shape / input_shape declares, or null. */
function batchShapeFeatures(config: Record<string, unknown>, where: string): { features: number; key: string } | null {
  let found: { features: number; key: string } | null = null;
  for (const [key, rank] of [['batch_input_shape', 3], ['batch_shape', 3], ['input_shape', 2]] as const) {
    const shape = config[key];
    if (shape === undefined || shape === null) continue;
    if (!Array.isArray(shape) || shape.length !== rank || shape.some((n) => n !== null && (typeof n !== 'number' || !Number.isInteger(n) || n < 1))) {
      throw new FormatError(`${where} ${key} must be [${rank === 3 ? 'batch, ' : ''}time, features] of positive integers or null, got ${JSON.stringify(shape)}`);
    }
    const features = shape[rank - 1] as number | null;
    if (features === null) throw new FormatError(`${where} ${key}: the feature size must be given, got null`);
    if (found !== null && found.features !== features) throw new FormatError(`${where} ${key} declares ${features} features but ${found.key} declares ${found.features}`);
    found = { features, key };
  }
  return found;
}

/** A layer's dtype: absent, float32/float64, or a Keras 3 DTypePolicy naming one. */
function checkDType(value: unknown, where: string): void {
  if (value === undefined || value === null) return;
  const name = typeof value === 'object' && !Array.isArray(value) ? (record((value as Record<string, unknown>).config, where) as Record<string, unknown>).name : value;
  if (name !== 'float32' && name !== 'float64') throw new FormatError(`${where} must be float32 or float64, got ${JSON.stringify(value)}`);
}

function rate(value: unknown, where: string): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw new FormatError(`${where} must be a number in [0, 1), got ${JSON.stringify(value)}`);
}

/** Keras (rows, G·U) with gates in Keras order → ours (G·U, rows) with gates in our order. */
function fromKeras(weight: KerasWeight, units: number, gates: readonly number[], fail: (p: string) => never): { shape: number[]; data: Float64Array } {
  const width = gates.length * units;
  if (weight.shape.length !== 2 || weight.shape[1] !== width) fail(`weight ${weight.name} has shape [${weight.shape.join(', ')}]; expected (rows, ${width})`);
  const rows = weight.shape[0]!;
  const out = new Float64Array(rows * width);
  gates.forEach((keras, g) => {
    for (let j = 0; j < units; j++) {
      for (let k = 0; k < rows; k++) out[(g * units + j) * rows + k] = weight.data[k * width + keras * units + j]!;
    }
  });
  return { shape: [width, rows], data: out };
}

/** G·U entries of `data` from `start`, Keras gate order → ours. */
function reorderGates(data: ArrayLike<number>, start: number, units: number, gates: readonly number[]): Float64Array {
  const out = new Float64Array(gates.length * units);
  gates.forEach((keras, g) => {
    for (let j = 0; j < units; j++) out[g * units + j] = data[start + keras * units + j]!;
  });
  return out;
}

/** (rows × cols) row-major → (cols × rows). */
export function transpose(data: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

export function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FormatError(`${where} must be an object`);
  return value as Record<string, unknown>;
}

function positive(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new FormatError(`${where} must be a positive integer, got ${JSON.stringify(value)}`);
  return value;
}

function optionalBool(value: unknown, fallback: boolean, where: string): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new FormatError(`${where} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}
