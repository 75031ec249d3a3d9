/**
 * TensorFlow.js / Keras layers models (model.json + .bin shards): the conventions, and import
 * (export is in tfjs-export.ts, the weight manifest in tfjs-manifest.ts).
 *
 * model.json holds `modelTopology` (a Keras Sequential config; the tensorflowjs converter
 * nests it under `model_config`), `format: "layers-model"` and `weightsManifest`: groups of
 * {paths: shard files, weights: [{name, shape, dtype}]}. A group's shards, concatenated, hold
 * its weights one after another in manifest order, float32 little-endian.
 *
 * Keras stores weights transposed relative to us and orders the gates its own way:
 *   LSTM       kernel (I, 4U), recurrent_kernel (U, 4U), bias (4U); gates i, f, c, o (= our i, f, g, o)
 *   GRU        kernel (I, 3U), recurrent_kernel (U, 3U); gates z, r, h (ours r, z, n);
 *              bias (3U), or (2, 3U) with reset_after: row 0 input bias, row 1 recurrent bias
 *   SimpleRNN  kernel (I, U), recurrent_kernel (U, U), bias (U)
 *   Dense      kernel (Y, O), bias (O)
 * recurrent_activation "hard_sigmoid" means clip(0.2x + 0.5, 0, 1) for TF.js and Keras 2, but
 * x/6 + 0.5 clipped for Keras 3 (keras_version "3.…"); both are kept apart, so an imported
 * model computes what it computed before. Pure: the caller supplies the shards' bytes.
 */
import type { DType } from '../tensor/dtype.js';
import type { GateActivation, Nonlinearity } from '../tensor/activations.js';
import { createModel, type CellConfig, type LayerConfig, type ModelConfig } from '../model/config.js';
import { interopCell, type InteropCellConfig } from '../kinds/cells.js';
import type { Model } from '../model/model.js';
import { FormatError } from './safetensors.js';
import { checkLayout, parseConfigIn } from './model-format.js';
import { readWeights } from './tfjs-manifest.js';

/** model.json as TF.js writes it. */
export interface TfjsModelJson {
  readonly format: 'layers-model';
  readonly generatedBy: string;
  readonly convertedBy: string | null;
  readonly modelTopology: Record<string, unknown>;
  readonly weightsManifest: ReadonlyArray<{ paths: string[]; weights: TfjsWeightSpec[] }>;
}

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
  group?: string;
}

export const TFJS_SHARD = 'group1-shard1of1.bin';

/** What Keras calls our cells, and the reverse. */
export const KERAS_CLASSES = { lstm: 'LSTM', gru: 'GRU', rnn: 'SimpleRNN' } as const;
type KerasRecurrent = (typeof KERAS_CLASSES)[keyof typeof KERAS_CLASSES];

/** Our gate block g holds Keras's gate KERAS_GATE[g] (GRU: our r, z, n ← Keras z, r, h). */
export const KERAS_GATE: Readonly<Record<InteropCellConfig['kind'], readonly number[]>> = { lstm: [0, 1, 2, 3], gru: [1, 0, 2], rnn: [0] };

// ---- import ------------------------------------------------------------------------------

export interface TfjsImportOptions {
  /** @default 'float32' (TF.js computes in float32) */
  dtype?: DType;
  /** For messages. @default 'model.json' */
  source?: string;
}

interface Producer {
  /** Keras 3's hard_sigmoid is x/6 + 0.5; everyone else's is 0.2x + 0.5. */
  readonly keras3: boolean;
  /** TF.js wrote it: its GRU defaults to reset_after = false and its gates to hard_sigmoid. */
  readonly tfjs: boolean;
}

/** One recurrent layer found in the topology, with the names its weights live under. */
interface RecurrentLayer {
  readonly name: string;
  readonly config: LayerConfig;
  /** Keras's bias shape: (2, 3U) for a reset-after GRU. */
  readonly splitBias: boolean;
}

/**
 * A model from a parsed model.json. `shard(path)` returns a shard's bytes; it is asked only
 * after the manifest has been checked, with the group's expected total size.
 */
export function importTfjs(modelJson: unknown, shard: (path: string, expectedBytes: number) => Uint8Array, options: TfjsImportOptions = {}): Model {
  const source = options.source ?? 'model.json';
  const fail = (problem: string): never => {
    throw new FormatError(`${source}: ${problem}`);
  };
  const root = record(modelJson, source);
  if (root.format !== undefined && root.format !== 'layers-model') {
    fail(`format "${String(root.format)}" is not a layers model${root.format === 'graph-model' ? ' (graph models are frozen TensorFlow graphs; export the Keras model with tensorflowjs_converter --output_format tfjs_layers_model)' : ''}`);
  }
  let topology = record(root.modelTopology, `${source}: modelTopology`);
  if (topology.model_config !== undefined) topology = { ...topology, ...record(topology.model_config, `${source}: modelTopology.model_config`) };
  const version = typeof topology.keras_version === 'string' ? topology.keras_version : '';
  const producer: Producer = { keras3: /^3\./.test(version), tfjs: version.startsWith('tfjs') || (typeof root.generatedBy === 'string' && root.generatedBy.startsWith('TensorFlow.js')) };
  if (topology.class_name !== 'Sequential') fail(`only Sequential models are supported, got ${JSON.stringify(topology.class_name)}`);
  const sequentialConfig = topology.config;
  const layerList = Array.isArray(sequentialConfig) ? sequentialConfig : record(sequentialConfig, `${source}: modelTopology.config`).layers;
  if (!Array.isArray(layerList)) return fail('modelTopology.config.layers must be an array');

  const recurrent: RecurrentLayer[] = [];
  let dense: { name: string; units: number } | null = null;
  for (const [index, value] of (layerList as unknown[]).entries()) {
    const where = `layer ${index}`;
    const layer = record(value, `${source}: ${where}`);
    const className = layer.class_name;
    const config = record(layer.config, `${source}: ${where} config`);
    const name = typeof config.name === 'string' ? config.name : fail(`${where} (${String(className)}) has no name`);
    if (dense !== null && className !== 'Dropout') fail(`${where} '${name}': only a Dense head may follow the recurrent layers, and nothing after it`);
    switch (className) {
      case 'InputLayer':
      case 'Dropout': // the identity at inference
        continue;
      case 'LSTM':
      case 'GRU':
      case 'SimpleRNN': {
        const parsed = recurrentCell(className, config, producer, `${source}: ${where} '${name}'`);
        if (config.go_backwards === true) fail(`${where} '${name}': go_backwards on its own reverses the output sequence; only Bidirectional layers are supported backwards`);
        recurrent.push({ name, config: { cell: parsed.cell }, splitBias: parsed.splitBias });
        continue;
      }
      case 'Bidirectional': {
        const mode = config.merge_mode === undefined ? 'concat' : config.merge_mode;
        if (mode !== 'concat') {
          fail(`${where} '${name}': merge_mode ${JSON.stringify(mode)} is not supported; bidirectional layers here concatenate the two directions (merge_mode "concat"), as PyTorch does`);
        }
        const inner = record(config.layer, `${source}: ${where} layer`);
        const innerClass = inner.class_name;
        if (innerClass !== 'LSTM' && innerClass !== 'GRU' && innerClass !== 'SimpleRNN') fail(`${where} '${name}': Bidirectional wraps ${String(innerClass)}, not LSTM, GRU or SimpleRNN`);
        const forward = recurrentCell(innerClass as KerasRecurrent, record(inner.config, `${source}: ${where} layer config`), producer, `${source}: ${where} '${name}'`);
        if (config.backward_layer !== undefined && config.backward_layer !== null) {
          const back = record(config.backward_layer, `${source}: ${where} backward_layer`);
          const backward = recurrentCell(back.class_name as KerasRecurrent, record(back.config, `${source}: ${where} backward_layer config`), producer, `${source}: ${where} '${name}' backward_layer`);
          if (back.class_name !== innerClass || JSON.stringify(backward.cell) !== JSON.stringify(forward.cell)) fail(`${where} '${name}': the backward layer differs from the forward one; both directions must be the same kind of cell`);
        }
        recurrent.push({ name, config: { cell: forward.cell, bidirectional: true }, splitBias: forward.splitBias });
        continue;
      }
      case 'Dense': {
        const activation = config.activation ?? 'linear';
        if (activation !== 'linear') fail(`${where} '${name}': Dense activation ${JSON.stringify(activation)} is not supported; the head is linear (softmax belongs to the loss)`);
        if (!optionalBool(config.use_bias, true, `${source}: ${where} '${name}' use_bias`)) fail(`${where} '${name}': a Dense head without bias is not supported`);
        dense = { name, units: positive(config.units, `${source}: ${where} '${name}' units`) };
        continue;
      }
      default:
        fail(`${where} '${name}': layer class ${JSON.stringify(className)} is not supported (supported: InputLayer, LSTM, GRU, SimpleRNN, Bidirectional, Dense, Dropout)`);
    }
  }
  if (recurrent.length === 0) fail('the model has no recurrent layer');

  const weights = readWeights(root.weightsManifest, shard, fail);
  // A weight belongs to a layer when a segment of its name is the layer's name (TF.js writes
  // lstm_1/kernel, Keras lstm/lstm_cell/kernel, bidirectional/forward_lstm/…/kernel).
  const claimed = new Set<string>();
  const find = (layer: string, direction: 'forward' | 'backward' | null, kind: 'kernel' | 'recurrent_kernel' | 'bias'): { name: string; shape: number[]; data: Float32Array } | null => {
    const matches = [...weights.keys()].filter((name) => {
      const parts = name.split('/');
      if (!parts.includes(layer) || parts[parts.length - 1] !== kind) return false;
      return direction === null || parts.some((p) => p.startsWith(`${direction}_`));
    });
    if (matches.length > 1) fail(`weights ${matches.join(', ')} all look like ${layer}'s ${direction === null ? '' : direction + ' '}${kind}`);
    if (matches.length === 0) return null;
    return { name: matches[0]!, ...weights.get(matches[0]!)! };
  };
  const take: typeof find = (layer, direction, kind) => {
    const found = find(layer, direction, kind);
    if (found !== null) claimed.add(found.name);
    return found;
  };

  // The input size is the first kernel's row count; everything else follows from the config.
  const first = recurrent[0]!;
  const firstKernel = find(first.name, first.config.bidirectional === true ? 'forward' : null, 'kernel') ?? fail(`no kernel weight for layer '${first.name}'`);
  const modelConfig: ModelConfig = parseConfigIn(
    { inputSize: firstKernel.shape[0], layers: recurrent.map((r) => r.config), dtype: options.dtype ?? 'float32', ...(dense === null ? {} : { outputSize: dense.units }) },
    source,
  );
  // Collect every tensor in our layout and check it against the config before allocating.
  const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  recurrent.forEach((layer, l) => {
    const directions = layer.config.bidirectional === true ? (['forward', 'backward'] as const) : ([null] as const);
    directions.forEach((direction) => {
      const ours = `layers.${l}.${direction ?? 'forward'}`;
      const cell = interopCell(layer.config.cell, 'tfjs', 'tfjs import');
      const units = cell.hiddenSize;
      const gates = KERAS_GATE[cell.kind];
      const kernel = take(layer.name, direction, 'kernel') ?? fail(`no kernel weight for layer '${layer.name}'${direction === null ? '' : ` (${direction})`}`);
      const recurrentKernel = take(layer.name, direction, 'recurrent_kernel') ?? fail(`no recurrent_kernel weight for layer '${layer.name}'${direction === null ? '' : ` (${direction})`}`);
      tensors.set(`${ours}.weightIh`, fromKeras(kernel, units, gates, fail));
      tensors.set(`${ours}.weightHh`, fromKeras(recurrentKernel, units, gates, fail));
      const bias = take(layer.name, direction, 'bias');
      if (cell.bias === false) {
        if (bias !== null) fail(`layer '${layer.name}' has use_bias false but a bias weight ${bias.name}`);
        return;
      }
      if (bias === null) return fail(`no bias weight for layer '${layer.name}'${direction === null ? '' : ` (${direction})`}`);
      const width = gates.length * units;
      const expected = layer.splitBias ? [2, width] : [width];
      if (bias.shape.length !== expected.length || bias.shape.some((n, i) => n !== expected[i])) fail(`weight ${bias.name} has shape [${bias.shape.join(', ')}] but ${layer.name} needs [${expected.join(', ')}]`);
      tensors.set(`${ours}.bias`, { shape: [width], data: reorderGates(bias.data.subarray(0, width), units, gates) });
      if (layer.splitBias) tensors.set(`${ours}.recurrentBias`, { shape: [width], data: reorderGates(bias.data.subarray(width), units, gates) });
    });
  });
  if (dense !== null) {
    const { name } = dense;
    const kernel = take(name, null, 'kernel') ?? fail(`no kernel weight for Dense layer '${name}'`);
    const bias = take(name, null, 'bias') ?? fail(`no bias weight for Dense layer '${name}'`);
    if (kernel.shape.length !== 2) fail(`weight ${kernel.name} must be a matrix`);
    tensors.set('head.weight', { shape: [kernel.shape[1]!, kernel.shape[0]!], data: transpose(kernel.data, kernel.shape[0]!, kernel.shape[1]!) });
    tensors.set('head.bias', { shape: bias.shape, data: bias.data });
  }
  const unclaimed = [...weights.keys()].filter((name) => !claimed.has(name));
  if (unclaimed.length > 0) fail(`weights no layer of the topology uses: ${unclaimed.slice(0, 5).join(', ')}${unclaimed.length > 5 ? ', …' : ''}`);
  const layout = checkLayout(modelConfig, tensors, source);
  const model = createModel(modelConfig, { initialize: false });
  for (const block of layout) {
    const data = tensors.get(block.name)!.data;
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) fail(`weight for ${block.name} holds ${data[i]} at index ${i} (NaN and Inf are not allowed in parameters)`);
    model.theta.set(data, block.offset);
  }
  return model;
}

/** The cell config a Keras recurrent layer's config describes, refusing what we cannot compute. */
function recurrentCell(className: KerasRecurrent, config: Record<string, unknown>, producer: Producer, where: string): { cell: CellConfig; splitBias: boolean } {
  const hiddenSize = positive(config.units, `${where} units`);
  const bias = optionalBool(config.use_bias, true, `${where} use_bias`);
  const activation = config.activation ?? 'tanh';
  switch (className) {
    case 'SimpleRNN': {
      if (activation !== 'tanh' && activation !== 'relu') throw new FormatError(`${where}: SimpleRNN activation ${JSON.stringify(activation)} is not supported (tanh, relu)`);
      return { cell: { kind: 'rnn', hiddenSize, bias, nonlinearity: activation as Nonlinearity }, splitBias: false };
    }
    case 'LSTM':
    case 'GRU': {
      if (activation !== 'tanh') throw new FormatError(`${where}: ${className} activation ${JSON.stringify(activation)} is not supported (tanh only)`);
      const gateActivation = gate(config.recurrent_activation, producer, where);
      if (className === 'LSTM') return { cell: { kind: 'lstm', hiddenSize, bias, gateActivation }, splitBias: false };
      // TF.js's GRU has reset_after = false and cannot run true; Keras 2 (TF 2) and 3 default to true.
      const resetAfter = optionalBool(config.reset_after, !producer.tfjs, `${where} reset_after`);
      return { cell: { kind: 'gru', hiddenSize, bias, resetAfter, gateActivation }, splitBias: resetAfter && bias };
    }
    default:
      throw new FormatError(`${where}: unknown recurrent layer ${JSON.stringify(className)}`);
  }
}

function gate(value: unknown, producer: Producer, where: string): GateActivation {
  const name = value ?? (producer.tfjs ? 'hard_sigmoid' : 'sigmoid');
  switch (name) {
    case 'sigmoid':
      return 'sigmoid';
    case 'hard_sigmoid':
    case 'hardSigmoid':
      return producer.keras3 ? 'hardSigmoidKeras3' : 'hardSigmoid';
    default:
      throw new FormatError(`${where}: recurrent_activation ${JSON.stringify(name)} is not supported (sigmoid, hard_sigmoid)`);
  }
}

/** Keras (rows, G·U) with gates in Keras order → ours (G·U, rows) with gates in our order. */
function fromKeras(weight: { name: string; shape: number[]; data: Float32Array }, units: number, gates: readonly number[], fail: (p: string) => never): { shape: number[]; data: Float32Array } {
  const width = gates.length * units;
  if (weight.shape.length !== 2 || weight.shape[1] !== width) fail(`weight ${weight.name} has shape [${weight.shape.join(', ')}]; expected (rows, ${width})`);
  const rows = weight.shape[0]!;
  const out = new Float32Array(rows * width);
  gates.forEach((keras, g) => {
    for (let j = 0; j < units; j++) {
      for (let k = 0; k < rows; k++) out[(g * units + j) * rows + k] = weight.data[k * width + keras * units + j]!;
    }
  });
  return { shape: [width, rows], data: out };
}

function reorderGates(data: Float32Array, units: number, gates: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  gates.forEach((keras, g) => out.set(data.subarray(keras * units, (keras + 1) * units), g * units));
  return out;
}

/** (rows × cols) row-major → (cols × rows). */
export function transpose(data: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

function record(value: unknown, where: string, fail?: (p: string) => never): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    if (fail !== undefined) return fail(`${where} must be an object`);
    throw new FormatError(`${where} must be an object`);
  }
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
