/**
 * Model configuration as data: a discriminated union on `kind`, validated once at the
 * boundary (`parseModelConfig` for JSON from files and the CLI), then turned into cells by
 * one exhaustive switch. Below this file the library works with functions, not names.
 */
import { isDType, type DType, type Vec } from '../tensor/dtype.js';
import { Rng } from '../tensor/rng.js';
import { buildCell, cellOutputSize, cellSpec, parseCell, type CellConfig } from '../kinds/cells.js';
import { allowOnly, defined, optionalBoolean, optionalChoice, positiveInteger, record } from '../kinds/options.js';
import { Dense } from './dense.js';
import { Model } from './model.js';

export { CELL_KINDS, buildCell, cellOutputSize, type CellConfig, type CellKind, type RnnCellConfig, type LstmCellConfig, type GruCellConfig } from '../kinds/cells.js';
export type { InfluenceCellConfig } from '../cells/influence.js';

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

/**
 * What a model around a user's own Cell records of itself (`onlineModel`): the cell's `kind`
 * and the model's sizes. A Cell written in code cannot be rebuilt from a file, so such a model
 * is not saved, exported or sent to a worker thread (`savedConfig` says so).
 */
export interface CustomModelConfig {
  readonly kind: 'custom';
  /** The cell's `kind`, as it names itself. */
  readonly cell: string;
  readonly inputSize: number;
  readonly outputSize?: number;
  readonly dtype: DType;
}

/** What `Model.config` holds: a config the model can be rebuilt from, or a user's cell named. */
export type AnyModelConfig = ModelConfig | CustomModelConfig;


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

/**
 * The recurrent state a run of this model starts from and resets to: the layers' own initial
 * states (influence balancing starts from s(0) = 1), stacked as the online core stacks them;
 * undefined when every layer starts from zeros.
 */
export function initialState(model: Model): Vec | undefined {
  const config = model.config;
  const parts = config.layers.map((layer, l) => cellSpec(layer.cell).initialState?.(layer.cell, model.dtype) ?? new Float64Array(model.layers[l]!.cells[0]!.stateSize));
  if (config.layers.every((layer) => cellSpec(layer.cell).initialState === undefined)) return undefined;
  const s0 = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    s0.set(part, offset);
    offset += part.length;
  }
  return s0;
}
