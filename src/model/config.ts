/**
 * Model configuration as data: a discriminated union on `kind`, validated once at the
 * boundary (`parseModelConfig` for JSON from files and the CLI), then turned into cells by
 * one exhaustive switch. Below this file the library works with functions, not names.
 */
import { isDType, type DType } from '../tensor/dtype.js';
import { GATE_ACTIVATIONS, NONLINEARITIES, type GateActivation, type Nonlinearity } from '../tensor/activations.js';
import { Rng } from '../tensor/rng.js';
import type { Cell } from '../cells/cell.js';
import { rnn } from '../cells/rnn.js';
import { lstm } from '../cells/lstm.js';
import { gru } from '../cells/gru.js';
import { Dense } from './dense.js';
import { Model } from './model.js';

export interface RnnCellConfig {
  readonly kind: 'rnn';
  readonly hiddenSize: number;
  readonly nonlinearity?: Nonlinearity;
  readonly bias?: boolean;
}

export interface LstmCellConfig {
  readonly kind: 'lstm';
  readonly hiddenSize: number;
  readonly projSize?: number;
  readonly peephole?: boolean;
  readonly bias?: boolean;
  readonly gateActivation?: GateActivation;
}

export interface GruCellConfig {
  readonly kind: 'gru';
  readonly hiddenSize: number;
  readonly resetAfter?: boolean;
  readonly bias?: boolean;
  readonly gateActivation?: GateActivation;
}

export type CellConfig = RnnCellConfig | LstmCellConfig | GruCellConfig;
export type CellKind = CellConfig['kind'];
export const CELL_KINDS: readonly CellKind[] = ['rnn', 'lstm', 'gru'];

/** How a bidirectional layer combines its two directions (Keras's merge_mode). */
export type MergeMode = 'concat' | 'sum' | 'ave' | 'mul';
export const MERGE_MODES: readonly MergeMode[] = ['concat', 'sum', 'ave', 'mul'];

export interface LayerConfig {
  readonly cell: CellConfig;
  /** @default false */
  readonly bidirectional?: boolean;
  /**
   * The layer reads its input sequence reversed in time (Keras's go_backwards): its output
   * row k belongs to input row T−1−k, and a bidirectional layer's "forward" cell runs from the
   * end. Needs the whole sequence, like a bidirectional layer. @default false
   */
  readonly goBackwards?: boolean;
  /** Bidirectional layers only: [forward; backward], or their sum, mean or product. @default 'concat' */
  readonly merge?: MergeMode;
}

export interface ModelConfig {
  readonly inputSize: number;
  readonly layers: readonly LayerConfig[];
  /** The dense head's size; omitted means no head (the model outputs the last layer's h). */
  readonly outputSize?: number;
  /** @default 'float64' */
  readonly dtype?: DType;
  /** Whether the dense head has a bias. @default true */
  readonly headBias?: boolean;
  /**
   * false: the model's output is one row per sequence, the last layer's directions' final
   * outputs merged (Keras's return_sequences = false), then the head. @default true
   */
  readonly returnSequences?: boolean;
}

/** One cell from its config; the single place a cell kind becomes code. */
export function buildCell(config: CellConfig, inputSize: number, dtype: DType): Cell {
  switch (config.kind) {
    case 'rnn':
      return rnn({ inputSize, dtype, hiddenSize: config.hiddenSize, ...pick(config, ['nonlinearity', 'bias']) });
    case 'lstm':
      return lstm({ inputSize, dtype, hiddenSize: config.hiddenSize, ...pick(config, ['projSize', 'peephole', 'bias', 'gateActivation']) });
    case 'gru':
      return gru({ inputSize, dtype, hiddenSize: config.hiddenSize, ...pick(config, ['resetAfter', 'bias', 'gateActivation']) });
  }
}

/** The width of a cell's output h: P for a projected LSTM, H otherwise. */
export function cellOutputSize(config: CellConfig): number {
  return config.kind === 'lstm' && config.projSize !== undefined ? config.projSize : config.hiddenSize;
}

/**
 * A model from its config. Parameters are initialised from `seed` (default 0) unless
 * `initialize` is false (an importer fills θ itself).
 */
export function createModel(config: ModelConfig, options: { seed?: number; initialize?: boolean } = {}): Model {
  const checked = parseModelConfig(config);
  const dtype = checked.dtype ?? 'float64';
  let width = checked.inputSize;
  const layers = checked.layers.map((layer) => {
    const directions = layer.bidirectional === true ? 2 : 1;
    const cells = Array.from({ length: directions }, () => buildCell(layer.cell, width, dtype));
    width = layerOutputSize(layer);
    return { cells, goBackwards: layer.goBackwards === true, merge: layer.merge ?? 'concat' };
  });
  const head = checked.outputSize === undefined ? null : new Dense({ inputSize: width, outputSize: checked.outputSize, dtype, bias: checked.headBias ?? true });
  const model = new Model({ layers, head, config: checked, returnSequences: checked.returnSequences ?? true });
  if (options.initialize ?? true) model.initParams(new Rng(options.seed ?? 0));
  return model;
}

/** A layer's output width: D·P, or P when a bidirectional layer sums, averages or multiplies. */
export function layerOutputSize(layer: LayerConfig): number {
  const directions = layer.bidirectional === true && (layer.merge ?? 'concat') === 'concat' ? 2 : 1;
  return directions * cellOutputSize(layer.cell);
}

/** `layers` identical layers of one cell config (the CLI's --layers N). */
export function repeatedLayers(cell: CellConfig, count: number, bidirectional = false): LayerConfig[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`layers must be a positive integer, got ${count}`);
  return Array.from({ length: count }, () => ({ cell, bidirectional }));
}

// ---- validation at the boundary -------------------------------------------------------

const CELL_OPTIONS: Record<CellKind, readonly string[]> = {
  rnn: ['kind', 'hiddenSize', 'nonlinearity', 'bias'],
  lstm: ['kind', 'hiddenSize', 'projSize', 'peephole', 'bias', 'gateActivation'],
  gru: ['kind', 'hiddenSize', 'resetAfter', 'bias', 'gateActivation'],
};

/** Validates untrusted configuration (JSON, CLI) and returns it typed; errors name the field. */
export function parseModelConfig(value: unknown): ModelConfig {
  const config = record(value, 'model config');
  allowOnly(config, ['inputSize', 'layers', 'outputSize', 'dtype', 'headBias', 'returnSequences'], 'model config');
  const inputSize = positiveInteger(config.inputSize, 'inputSize');
  if (!Array.isArray(config.layers) || config.layers.length === 0) throw new TypeError('model config: layers must be a non-empty array');
  const layers = config.layers.map((layer: unknown, l: number) => parseLayer(layer, `layers[${l}]`));
  const result: { -readonly [K in keyof ModelConfig]: ModelConfig[K] } = { inputSize, layers };
  if (config.outputSize !== undefined) result.outputSize = positiveInteger(config.outputSize, 'outputSize');
  if (config.dtype !== undefined) {
    if (!isDType(config.dtype)) throw new TypeError(`model config: dtype must be 'float64' or 'float32', got ${JSON.stringify(config.dtype)}`);
    result.dtype = config.dtype;
  }
  const headBias = optionalBoolean(config.headBias, 'headBias');
  if (headBias !== undefined) {
    if (result.outputSize === undefined) throw new TypeError('model config: headBias needs a head (outputSize)');
    result.headBias = headBias;
  }
  const returnSequences = optionalBoolean(config.returnSequences, 'returnSequences');
  if (returnSequences !== undefined) result.returnSequences = returnSequences;
  return result;
}

function parseLayer(value: unknown, where: string): LayerConfig {
  const layer = record(value, where);
  allowOnly(layer, ['cell', 'bidirectional', 'goBackwards', 'merge'], where);
  const cell = parseCell(layer.cell, `${where}.cell`);
  const bidirectional = optionalBoolean(layer.bidirectional, `${where}.bidirectional`);
  const goBackwards = optionalBoolean(layer.goBackwards, `${where}.goBackwards`);
  const merge = optionalChoice(layer.merge, MERGE_MODES, `${where}.merge`);
  if (merge !== undefined && bidirectional !== true) throw new TypeError(`${where}.merge is for bidirectional layers only`);
  return { cell, ...defined({ bidirectional, goBackwards, merge }) };
}

function parseCell(value: unknown, where: string): CellConfig {
  const cell = record(value, where);
  const kind = cell.kind;
  if (typeof kind !== 'string' || !(CELL_KINDS as readonly string[]).includes(kind)) {
    throw new TypeError(`${where}: unknown cell '${String(kind)}' (allowed: ${CELL_KINDS.join(', ')})`);
  }
  const typedKind = kind as CellKind;
  allowOnly(cell, CELL_OPTIONS[typedKind], `${where} (${typedKind})`);
  const hiddenSize = positiveInteger(cell.hiddenSize, `${where}.hiddenSize`);
  const bias = optionalBoolean(cell.bias, `${where}.bias`);
  switch (typedKind) {
    case 'rnn': {
      const nonlinearity = optionalChoice(cell.nonlinearity, NONLINEARITIES, `${where}.nonlinearity`);
      return { kind: 'rnn', hiddenSize, ...defined({ bias, nonlinearity }) };
    }
    case 'lstm': {
      const projSize = cell.projSize === undefined ? undefined : positiveInteger(cell.projSize, `${where}.projSize`);
      if (projSize !== undefined && projSize >= hiddenSize) throw new RangeError(`${where}.projSize must be smaller than hiddenSize (${hiddenSize}), got ${projSize}`);
      const peephole = optionalBoolean(cell.peephole, `${where}.peephole`);
      const gateActivation = optionalChoice(cell.gateActivation, GATE_ACTIVATIONS, `${where}.gateActivation`);
      return { kind: 'lstm', hiddenSize, ...defined({ projSize, peephole, bias, gateActivation }) };
    }
    case 'gru': {
      const resetAfter = optionalBoolean(cell.resetAfter, `${where}.resetAfter`);
      const gateActivation = optionalChoice(cell.gateActivation, GATE_ACTIVATIONS, `${where}.gateActivation`);
      return { kind: 'gru', hiddenSize, ...defined({ resetAfter, bias, gateActivation }) };
    }
  }
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${where} must be an object`);
  return value as Record<string, unknown>;
}

function allowOnly(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new TypeError(`${where}: unknown option '${key}' (allowed: ${allowed.join(', ')})`);
  }
}

function positiveInteger(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new RangeError(`${where} must be a positive integer, got ${JSON.stringify(value)}`);
  return value;
}

function optionalBoolean(value: unknown, where: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new TypeError(`${where} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function optionalChoice<T extends string>(value: unknown, choices: readonly T[], where: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) throw new TypeError(`${where} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** Drops undefined entries, for exactOptionalPropertyTypes. */
function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): { [P in K]?: Exclude<T[P], undefined> } {
  const out: Partial<Record<K, unknown>> = {};
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out as { [P in K]?: Exclude<T[P], undefined> };
}
