/**
 * The native model format (docs/formats.md): a directory holding
 *
 *   config.json         {"format": "online-rnn/model", "version": 1, "model": ModelConfig}
 *   model.safetensors   one tensor per parameter block, named
 *                       layers.{l}.{forward|backward}.{block}   (block: weightIh, weightHh, bias,
 *                       recurrentBias, peephole, weightHr — the cell's own layout and shapes)
 *                       head.weight (O × Y), head.bias (O; absent when headBias is false)
 *                       in F64 for a float64 model and F32 for a float32 one.
 *
 * Decoding validates everything against the config before allocating the model: every tensor
 * present, nothing extra, shapes and dtype as the config implies, parameters finite. Pure:
 * bytes in, bytes out; the files live in model-files.ts.
 */
import type { DType, Vec } from '../tensor/dtype.js';
import { buildCell, createModel, layerOutputSize, parseModelConfig, type ModelConfig } from '../model/config.js';
import type { Model } from '../model/model.js';
import { FormatError, jsonProblem, parseSafetensors, readTensor, writeSafetensors, type TensorToWrite } from './safetensors.js';

export const MODEL_FORMAT = 'online-rnn/model';
export const MODEL_FORMAT_VERSION = 1;
export const CONFIG_FILE = 'config.json';
export const TENSORS_FILE = 'model.safetensors';

/** A parameter block of the model under its file name, and where it lives in θ. */
export interface NamedBlock {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}

/**
 * The tensors a model with this config stores, in θ order, computed from the config alone
 * (no θ is allocated, so a hostile config cannot make us allocate).
 */
export function modelTensorLayout(config: ModelConfig): NamedBlock[] {
  const dtype = config.dtype ?? 'float64';
  const blocks: NamedBlock[] = [];
  let offset = 0;
  let width = config.inputSize;
  config.layers.forEach((layer, l) => {
    const directions = layer.bidirectional === true ? ['forward', 'backward'] : ['forward'];
    for (const direction of directions) {
      const cell = buildCell(layer.cell, width, dtype);
      for (const block of cell.params) blocks.push({ name: `layers.${l}.${direction}.${block.name}`, shape: block.shape, offset: offset + block.offset, size: block.size });
      offset += cell.paramSize;
    }
    width = layerOutputSize(layer);
  });
  if (config.outputSize !== undefined) {
    blocks.push({ name: 'head.weight', shape: [config.outputSize, width], offset, size: config.outputSize * width });
    offset += config.outputSize * width;
    if (config.headBias !== false) blocks.push({ name: 'head.bias', shape: [config.outputSize], offset, size: config.outputSize });
  }
  return blocks;
}

/** The tensors of a model's θ (or of any θ-shaped buffer) under their file names. */
export function modelTensors(config: ModelConfig, buffer: Vec, prefix = ''): TensorToWrite[] {
  return modelTensorLayout(config).map(({ name, shape, offset, size }) => ({ name: prefix + name, shape, data: buffer.subarray(offset, offset + size) }));
}

export function encodeModelConfig(config: ModelConfig): string {
  return JSON.stringify({ format: MODEL_FORMAT, version: MODEL_FORMAT_VERSION, model: config }, null, 2) + '\n';
}

/** The two files of a model: config.json's text and model.safetensors' bytes. */
export function encodeModel(model: Model): { config: string; tensors: Uint8Array } {
  const config = model.config;
  return {
    config: encodeModelConfig(config),
    tensors: writeSafetensors(modelTensors(config, model.theta), { format: MODEL_FORMAT, version: String(MODEL_FORMAT_VERSION) }),
  };
}


/** Parses config.json's text, naming `source` in every error. */
export function decodeModelConfig(text: string, source = CONFIG_FILE): ModelConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${source}: not valid JSON (${jsonProblem(e)})`);
  }
  const file = asRecord(value, source);
  if (file.format !== MODEL_FORMAT) throw new FormatError(`${source}: "format" must be "${MODEL_FORMAT}", got ${JSON.stringify(file.format)}`);
  if (file.version !== MODEL_FORMAT_VERSION) throw new FormatError(`${source}: format version ${JSON.stringify(file.version)} is not supported (this build reads version ${MODEL_FORMAT_VERSION})`);
  return parseConfigIn(file.model, source);
}

/** Far beyond any trained recurrent stack (a few dozen layers), far below what exhausts memory. */
export const MAX_LAYERS = 10_000;

/** parseModelConfig with its errors turned into FormatErrors naming the file. */
export function parseConfigIn(value: unknown, source: string): ModelConfig {
  // Counted before each layer is checked: a forged million-layer config costs nothing.
  const layers = (value as { layers?: unknown } | null)?.layers;
  if (Array.isArray(layers) && layers.length > MAX_LAYERS) throw new FormatError(`${source}: ${layers.length} layers; a model file may have at most ${MAX_LAYERS}`);
  try {
    return parseModelConfig(value);
  } catch (e) {
    throw new FormatError(`${source}: ${(e as Error).message}`);
  }
}

export function asRecord(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FormatError(`${where}: must be a JSON object`);
  return value as Record<string, unknown>;
}

export interface DecodeOptions {
  /** Accept NaN and ±Inf in parameters. @default false */
  allowNonFinite?: boolean;
  /** For messages. @default 'model.safetensors' */
  source?: string;
}

/**
 * A model from its config — parsed, or config.json's text as `encodeModel` gives it — and its
 * tensors' bytes, after checking one against the other.
 */
export function decodeModel(configOrText: ModelConfig | string, tensorBytes: Uint8Array, options: DecodeOptions = {}): Model {
  const source = options.source ?? TENSORS_FILE;
  const config = typeof configOrText === 'string' ? decodeModelConfig(configOrText) : configOrText;
  const file = parseSafetensors(tensorBytes, source);
  const dtype: DType = config.dtype ?? 'float64';
  const expectedDType = dtype === 'float64' ? 'F64' : 'F32';
  checkCellsAgainstFile(config, file.tensors.size, source);
  const layout = checkLayout(config, file.tensors, source);
  for (const block of layout) {
    const entry = file.tensors.get(block.name)!;
    if (entry.dtype !== expectedDType) throw new FormatError(`${source}: tensor '${block.name}' is ${entry.dtype} but the config's dtype ${dtype} is stored as ${expectedDType}`);
  }
  // Shapes match and tiles cover the file, so θ is no larger than the file: safe to allocate.
  const model = createModel(config, { initialize: false });
  for (const block of layout) {
    model.theta.set(readTensor(file, block.name, { dtype, ...(options.allowNonFinite === undefined ? {} : { allowNonFinite: options.allowNonFinite }) }), block.offset);
  }
  return model;
}

/**
 * What a config asks for, held against the file before any layout is built: every cell has at
 * least one tensor of parameters, so a config of thousands of layers
 * costs a count, not thousands of cells. (Sizes need no such check: the layout allocates no
 * parameters, and checkLayout names the first tensor whose shape the config contradicts.)
 */
export function checkCellsAgainstFile(config: ModelConfig, tensorCount: number, source: string): void {
  const cells = config.layers.reduce((n, layer) => n + (layer.bidirectional === true ? 2 : 1), 0);
  if (cells > tensorCount) throw new FormatError(`${source}: the config has ${config.layers.length} layers (${cells} cells), which need at least ${cells} tensors; the file holds ${tensorCount}`);
}

/**
 * Checks that `tensors` hold exactly the blocks the config implies, shape for shape, and
 * returns the layout. Building the layout allocates no parameters, whatever the config says.
 */
export function checkLayout(config: ModelConfig, tensors: ReadonlyMap<string, { shape: readonly number[] }>, source: string, prefix = ''): NamedBlock[] {
  const layout = modelTensorLayout(config);
  for (const block of layout) {
    const entry = tensors.get(prefix + block.name);
    if (entry === undefined) throw new FormatError(`${source}: missing tensor '${prefix + block.name}' that the config requires`);
    if (entry.shape.length !== block.shape.length || entry.shape.some((n, i) => n !== block.shape[i])) {
      throw new FormatError(`${source}: tensor '${prefix + block.name}' has shape [${entry.shape.join(', ')}] but the config requires [${block.shape.join(', ')}]`);
    }
  }
  const expected = new Set(layout.map((b) => prefix + b.name));
  const extra = [...tensors.keys()].filter((name) => name.startsWith(prefix) && !expected.has(name));
  if (extra.length > 0) throw new FormatError(`${source}: tensors the config does not describe: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`);
  return layout;
}
