/**
 * PyTorch's layout for nn.RNN / nn.LSTM / nn.GRU, mapped in one place (see docs/pytorch.md).
 *
 *   weight_ih_l{k}[_reverse]  ↔ weightIh   (G·H × I_k), gate rows i,f,g,o (LSTM) or r,z,n (GRU)
 *   weight_hh_l{k}[_reverse]  ↔ weightHh   (G·H × P)
 *   bias_ih + bias_hh         ↔ bias       (one bias per gate, the Keras/TF.js convention)
 *   bias_hh (GRU)             ↔ recurrentBias: PyTorch's GRU resets after the recurrent matmul,
 *                               so its recurrent bias is a parameter of its own (Keras's second bias row)
 *   weight_hr_l{k}[_reverse]  ↔ weightHr   (P × H), LSTM with proj_size
 *
 * Export writes bias_ih = bias and bias_hh = 0 where the two are summed, so a round trip
 * PyTorch → here → PyTorch computes the same function (the split of the sum is not kept).
 * Pure data mapping: no file access, so it runs in a browser too.
 */
import { zeros, type DType, type Vec } from '../tensor/dtype.js';
import { paramView, type Cell } from '../cells/cell.js';
import { buildCell, cellOutputSize, createModel, type CellConfig, type ModelConfig } from '../model/config.js';
import { interopCell } from '../kinds/cells.js';
import type { Model } from '../model/model.js';
import { cutMiddle } from './safetensors.js';

export type PyTorchModule = 'lstm' | 'gru' | 'rnn';
export const PYTORCH_MODULES: readonly PyTorchModule[] = ['lstm', 'gru', 'rnn'];

/** The constructor arguments of torch.nn.LSTM / GRU / RNN, by PyTorch's names. */
export interface PyTorchArgs {
  input_size: number;
  hidden_size: number;
  num_layers?: number;
  bias?: boolean;
  batch_first?: boolean;
  dropout?: number;
  bidirectional?: boolean;
  proj_size?: number;
  nonlinearity?: 'tanh' | 'relu';
}

export interface TensorData {
  shape: readonly number[];
  data: ArrayLike<number>;
}

export type StateDict = Record<string, TensorData>;

const ARG_NAMES = ['input_size', 'hidden_size', 'num_layers', 'bias', 'batch_first', 'dropout', 'bidirectional', 'proj_size', 'nonlinearity'];

/** The model config equivalent to a PyTorch module's constructor arguments. */
export function pytorchConfig(module: PyTorchModule, args: PyTorchArgs, dtype: DType = 'float64'): ModelConfig {
  if (!PYTORCH_MODULES.includes(module)) throw new TypeError(`pytorch: unknown module '${String(module)}' (allowed: ${PYTORCH_MODULES.join(', ')})`);
  for (const key of Object.keys(args)) if (!ARG_NAMES.includes(key)) throw new TypeError(`pytorch: unknown ${module} argument '${key}'`);
  checkArgTypes(args);
  if ((args.dropout ?? 0) !== 0) throw new RangeError('pytorch: dropout between layers is a training-time option this library does not implement; export the module with dropout=0');
  if (args.proj_size !== undefined && args.proj_size !== 0 && module !== 'lstm') throw new TypeError('pytorch: proj_size exists only for lstm');
  if (args.nonlinearity !== undefined && module !== 'rnn') throw new TypeError('pytorch: nonlinearity exists only for rnn');
  const bias = args.bias ?? true;
  let cell: CellConfig;
  switch (module) {
    case 'lstm':
      cell = { kind: 'lstm', hiddenSize: args.hidden_size, bias, ...(args.proj_size ? { projSize: args.proj_size } : {}) };
      break;
    case 'gru':
      cell = { kind: 'gru', hiddenSize: args.hidden_size, bias, resetAfter: true };
      break;
    case 'rnn':
      cell = { kind: 'rnn', hiddenSize: args.hidden_size, bias, nonlinearity: args.nonlinearity ?? 'tanh' };
      break;
  }
  const layers = Array.from({ length: args.num_layers ?? 1 }, () => ({ cell, bidirectional: args.bidirectional ?? false }));
  return { inputSize: args.input_size, layers, dtype };
}

/** The constructor arguments' types, checked before any of them sizes anything. */
function checkArgTypes(args: PyTorchArgs): void {
  const value = args as unknown as Record<string, unknown>;
  for (const key of ['input_size', 'hidden_size']) {
    if (typeof value[key] !== 'number' || !Number.isInteger(value[key]) || (value[key] as number) < 1) throw new RangeError(`pytorch: ${key} must be a positive integer, got ${JSON.stringify(value[key])}`);
  }
  for (const key of ['num_layers', 'proj_size']) {
    const n = value[key];
    if (n !== undefined && (typeof n !== 'number' || !Number.isInteger(n) || n < (key === 'proj_size' ? 0 : 1))) throw new RangeError(`pytorch: ${key} must be a ${key === 'proj_size' ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(n)}`);
  }
  for (const key of ['bias', 'batch_first', 'bidirectional']) {
    if (value[key] !== undefined && typeof value[key] !== 'boolean') throw new TypeError(`pytorch: ${key} must be true or false, got ${JSON.stringify(value[key])}`);
  }
  if (value.dropout !== undefined && typeof value.dropout !== 'number') throw new TypeError(`pytorch: dropout must be a number, got ${JSON.stringify(value.dropout)}`);
  if (value.nonlinearity !== undefined && value.nonlinearity !== 'tanh' && value.nonlinearity !== 'relu') throw new TypeError(`pytorch: nonlinearity must be 'tanh' or 'relu', got ${JSON.stringify(value.nonlinearity)}`);
}

/** The PyTorch name of one parameter of layer k, direction d. */
function tensorName(base: string, layer: number, direction: number): string {
  return `${base}_l${layer}${direction === 1 ? '_reverse' : ''}`;
}

/** Builds a model from a PyTorch module's arguments and state_dict. */
export function fromPyTorch(module: PyTorchModule, args: PyTorchArgs, stateDict: StateDict, options: { dtype?: DType } = {}): Model {
  const config = pytorchConfig(module, args, options.dtype ?? 'float64');
  checkStateDict(module, config, stateDict);
  // Every tensor matched its shape, so θ is no larger than the state_dict: safe to allocate.
  const model = createModel(config, { initialize: false });
  const take = (name: string): ArrayLike<number> => stateDict[name]!.data;
  model.layers.forEach((layer, l) =>
    layer.cells.forEach((cell, d) => {
      const theta = model.cellTheta(l, d);
      for (const block of cell.params) {
        const view = paramView(cell, theta, block.name);
        switch (block.name) {
          case 'weightIh':
            view.set(take(tensorName('weight_ih', l, d)));
            break;
          case 'weightHh':
            view.set(take(tensorName('weight_hh', l, d)));
            break;
          case 'weightHr':
            view.set(take(tensorName('weight_hr', l, d)));
            break;
          case 'recurrentBias':
            view.set(take(tensorName('bias_hh', l, d)));
            break;
          case 'bias': {
            view.set(take(tensorName('bias_ih', l, d)));
            if (!hasRecurrentBias(cell)) {
              const recurrent = take(tensorName('bias_hh', l, d));
              for (let i = 0; i < view.length; i++) view[i] += recurrent[i]!;
            }
            break;
          }
          default:
            throw new TypeError(`pytorch: no PyTorch name for ${cell.kind} parameter '${block.name}'`);
        }
      }
    }),
  );
  return model;
}

/**
 * The PyTorch tensors a config implies, name → shape, computed from the config alone (cells
 * are layouts; no parameters are allocated).
 */
export function pytorchShapes(config: ModelConfig): Map<string, readonly number[]> {
  const shapes = new Map<string, readonly number[]>();
  let width = config.inputSize;
  const dtype = config.dtype ?? 'float64';
  config.layers.forEach((layer, l) => {
    const directions = layer.bidirectional === true ? 2 : 1;
    for (let d = 0; d < directions; d++) {
      const cell = buildCell(layer.cell, width, dtype);
      for (const block of cell.params) {
        const names = PYTORCH_NAMES[block.name];
        if (names === undefined) throw new TypeError(`pytorch: no PyTorch name for ${cell.kind} parameter '${block.name}'`);
        shapes.set(tensorName(names[0], l, d), block.shape);
        if (block.name === 'bias' && !hasRecurrentBias(cell)) shapes.set(tensorName('bias_hh', l, d), block.shape);
      }
    }
    width = directions * cellOutputSize(layer.cell);
  });
  return shapes;
}

const PYTORCH_NAMES: Readonly<Record<string, readonly [string]>> = {
  weightIh: ['weight_ih'],
  weightHh: ['weight_hh'],
  weightHr: ['weight_hr'],
  recurrentBias: ['bias_hh'],
  bias: ['bias_ih'],
};

/** Every tensor the config needs is present with its shape and value count, and nothing else. */
function checkStateDict(module: PyTorchModule, config: ModelConfig, stateDict: StateDict): void {
  const shapes = pytorchShapes(config);
  for (const [name, shape] of shapes) {
    const tensor = stateDict[name];
    if (tensor === undefined) throw new RangeError(`pytorch: state_dict has no '${cutMiddle(name, 80)}'`);
    if (tensor.shape.length !== shape.length || tensor.shape.some((n, i) => n !== shape[i])) {
      throw new RangeError(`pytorch: '${name}' must have shape [${shape.join(', ')}], got [${tensor.shape.join(', ')}]`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (tensor.data.length !== size) throw new RangeError(`pytorch: '${name}' has ${tensor.data.length} values for shape [${shape.join(', ')}]`);
  }
  const unused = Object.keys(stateDict).filter((name) => !shapes.has(name));
  if (unused.length > 0) throw new RangeError(`pytorch: state_dict entries this ${module} does not have: ${unused.slice(0, 5).map((name) => cutMiddle(name, 80)).join(', ')}${unused.length > 5 ? ', …' : ''}`);
}

function hasRecurrentBias(cell: Cell): boolean {
  return cell.params.some((p) => p.name === 'recurrentBias');
}

/**
 * A θ-shaped buffer (parameters or their gradient) under PyTorch's names. With `gradient`,
 * a summed bias's gradient is reported for both bias_ih and bias_hh (∂L/∂bias_ih = ∂L/∂bias_hh
 * = ∂L/∂bias); otherwise bias_ih = bias and bias_hh = 0.
 */
export function toPyTorchNames(model: Model, buffer: Vec, options: { gradient?: boolean } = {}): StateDict {
  const out: StateDict = {};
  const gradient = options.gradient ?? false;
  model.layers.forEach((layer, l) =>
    layer.cells.forEach((cell, d) => {
      const slice = model.cellSlice(buffer, l, d);
      for (const block of cell.params) {
        const data = Array.from(paramView(cell, slice, block.name));
        const shape = block.shape;
        switch (block.name) {
          case 'weightIh':
            out[tensorName('weight_ih', l, d)] = { shape, data };
            break;
          case 'weightHh':
            out[tensorName('weight_hh', l, d)] = { shape, data };
            break;
          case 'weightHr':
            out[tensorName('weight_hr', l, d)] = { shape, data };
            break;
          case 'recurrentBias':
            out[tensorName('bias_hh', l, d)] = { shape, data };
            break;
          case 'bias':
            out[tensorName('bias_ih', l, d)] = { shape, data };
            if (!hasRecurrentBias(cell)) out[tensorName('bias_hh', l, d)] = { shape, data: gradient ? data : data.map(() => 0) };
            break;
          default:
            throw new TypeError(`pytorch: no PyTorch name for ${cell.kind} parameter '${block.name}'`);
        }
      }
    }),
  );
  return out;
}

/**
 * The PyTorch module and constructor arguments equivalent to a model's recurrent layers, or an
 * error saying why not (a dense head is torch.nn.Linear beside it: see pytorchHead).
 */
export function pytorchArgs(model: Model): { module: PyTorchModule; args: PyTorchArgs } {
  const config = model.config;
  const keras = config.layers.findIndex((layer) => layer.goBackwards === true || (layer.merge ?? 'concat') !== 'concat');
  if (keras >= 0) {
    const layer = config.layers[keras]!;
    throw new TypeError(`pytorch export: layer ${keras} ${layer.goBackwards === true ? 'has goBackwards' : `merges its directions by ${layer.merge}`}; torch.nn modules read forward and concatenate directions`);
  }
  if (config.returnSequences === false) throw new TypeError('pytorch export: returnSequences false (one output per sequence) has no torch.nn.LSTM/GRU/RNN form; export a model that returns sequences');
  const first = config.layers[0]!;
  const same = config.layers.every((layer) => JSON.stringify(layer) === JSON.stringify(first));
  if (!same) throw new TypeError('pytorch export: PyTorch modules need every layer to have the same cell and direction');
  const cell = interopCell(first.cell, 'pytorch', 'pytorch export');
  const base: PyTorchArgs = { input_size: config.inputSize, hidden_size: cell.hiddenSize, num_layers: config.layers.length, bias: cell.bias ?? true, bidirectional: first.bidirectional ?? false };
  switch (cell.kind) {
    case 'lstm':
      if (cell.peephole === true) throw new TypeError('pytorch export: torch.nn.LSTM has no peephole connections');
      if ((cell.gateActivation ?? 'sigmoid') !== 'sigmoid') throw new TypeError('pytorch export: torch.nn.LSTM gates use the logistic sigmoid only');
      return { module: 'lstm', args: { ...base, ...(cell.projSize !== undefined ? { proj_size: cell.projSize } : {}) } };
    case 'gru':
      if (cell.resetAfter === false) throw new TypeError('pytorch export: torch.nn.GRU applies the reset gate after the recurrent matmul (resetAfter: true)');
      if ((cell.gateActivation ?? 'sigmoid') !== 'sigmoid') throw new TypeError('pytorch export: torch.nn.GRU gates use the logistic sigmoid only');
      if ((cell.candidateActivation ?? 'tanh') !== 'tanh') throw new TypeError('pytorch export: torch.nn.GRU has a tanh candidate only (candidateActivation linear)');
      return { module: 'gru', args: base };
    case 'rnn':
      if (cell.nonlinearity === 'satlin' || cell.nonlinearity === 'linear') throw new TypeError('pytorch export: torch.nn.RNN supports tanh and relu only');
      return { module: 'rnn', args: { ...base, nonlinearity: cell.nonlinearity ?? 'tanh' } };
  }
}

/**
 * Initial states from PyTorch's h0 (L·D × B × P) and c0 (L·D × B × H), flattened, into one
 * buffer per layer-direction in the cell's layout (B × n, each row [h; c]).
 */
export function statesFromPyTorch(model: Model, h0: ArrayLike<number>, c0: ArrayLike<number> | null, batch = 1): Vec[] {
  const cells = model.layers.flatMap((layer) => layer.cells);
  const out: Vec[] = [];
  let hOffset = 0;
  let cOffset = 0;
  for (const cell of cells) {
    const state = zeros(model.dtype, batch * cell.stateSize);
    for (const part of cell.stateParts) {
      const source = part.name === 'h' ? h0 : c0;
      if (source === null) throw new RangeError(`pytorch states: ${cell.kind} needs c0`);
      const offset = part.name === 'h' ? hOffset : cOffset;
      if (offset + batch * part.size > source.length) throw new RangeError(`pytorch states: ${part.name}0 is too short for ${cells.length} layer-directions`);
      for (let b = 0; b < batch; b++) for (let j = 0; j < part.size; j++) state[b * cell.stateSize + part.offset + j] = source[offset + b * part.size + j]!;
      if (part.name === 'h') hOffset += batch * part.size;
      else cOffset += batch * part.size;
    }
    out.push(state);
  }
  if (hOffset !== h0.length) throw new RangeError(`pytorch states: h0 has ${h0.length} values, expected ${hOffset}`);
  if (c0 !== null && cOffset !== c0.length) throw new RangeError(`pytorch states: c0 has ${c0.length} values, expected ${cOffset}`);
  return out;
}

/** The inverse of statesFromPyTorch: per layer-direction states into flat h (and c) in PyTorch's order. */
export function statesToPyTorch(model: Model, states: readonly Vec[], batch = 1): { h: number[]; c: number[] | null } {
  const cells = model.layers.flatMap((layer) => layer.cells);
  const h: number[] = [];
  const c: number[] = [];
  cells.forEach((cell, i) => {
    const state = states[i]!;
    for (const part of cell.stateParts) {
      const target = part.name === 'h' ? h : c;
      for (let b = 0; b < batch; b++) for (let j = 0; j < part.size; j++) target.push(state[b * cell.stateSize + part.offset + j]!);
    }
  });
  return { h, c: c.length > 0 ? c : null };
}

/** torch.nn.Linear's constructor arguments for a model's dense head (null without a head). */
export interface PyTorchHead {
  in_features: number;
  out_features: number;
  bias: boolean;
}

export function pytorchHead(model: Model): PyTorchHead | null {
  return model.head === null ? null : { in_features: model.head.inputSize, out_features: model.head.outputSize, bias: model.head.bias };
}
