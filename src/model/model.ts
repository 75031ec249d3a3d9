/**
 * A sequence model: a stack of recurrent layers, each unidirectional or bidirectional, and an
 * optional dense head. All parameters live in one flat buffer θ (llm.c style) with named views:
 * layer 0 forward, layer 0 backward, layer 1 forward, …, then the head.
 *
 * A bidirectional layer runs one cell forward in time and another backward and concatenates
 * their outputs, so the next layer's input is 2·P. It needs the whole sequence, so it is not a
 * Cell and cannot be given to an online learner: `online()` only exists for unidirectional
 * models and says so otherwise.
 */
import { zeros, bytesPerElement, type DType, type Vec } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import type { Cell } from '../cells/cell.js';
import type { Dense } from './dense.js';
import { stack } from './stack.js';
import { OnlineModel } from './online.js';
import type { MergeMode, ModelConfig } from './config.js';

export type Direction = 'forward' | 'backward';

/** One layer: one cell per direction. */
export interface ModelLayer {
  readonly cells: readonly Cell[];
  readonly bidirectional: boolean;
  /** The layer reads its input reversed in time (Keras's go_backwards). */
  readonly goBackwards: boolean;
  /** How a bidirectional layer combines its directions ('concat' for a unidirectional one). */
  readonly merge: MergeMode;
  /** The layer's output width: D·P for concat, P otherwise. */
  readonly outputSize: number;
}

export interface InventoryLine {
  /** The notes' path, e.g. ['layers[0]', 'forward_layer', 'kernels', 'i']. */
  readonly path: readonly string[];
  readonly shape: readonly number[];
}

export class Model {
  readonly dtype: DType;
  readonly inputSize: number;
  readonly layers: readonly ModelLayer[];
  readonly head: Dense | null;
  /** The width of the model's output: the head's size, or the last layer's D·P. */
  readonly outputSize: number;
  readonly paramSize: number;
  /** All parameters, flat. */
  readonly theta: Vec;
  /** θ of layer l, direction d (views into `theta`). */
  private readonly cellThetas: Vec[][];
  readonly headTheta: Vec | null;
  /** Where each layer-direction's parameters start in θ (and in any θ-shaped buffer). */
  readonly cellOffsets: readonly (readonly number[])[];
  readonly headOffset: number;

  /** The configuration the model was built from (checkpoints and model files save it). */
  readonly config: ModelConfig;
  /** false: one output row per sequence, the last layer's final outputs (Keras's return_sequences). */
  readonly returnSequences: boolean;

  constructor(options: {
    layers: ReadonlyArray<{ cells: readonly Cell[]; goBackwards?: boolean; merge?: MergeMode }>;
    head?: Dense | null;
    theta?: Vec;
    config: ModelConfig;
    returnSequences?: boolean;
  }) {
    this.config = options.config;
    this.returnSequences = options.returnSequences ?? true;
    const layers = options.layers;
    if (layers.length === 0) throw new RangeError('model: needs at least one layer');
    const first = layers[0]!.cells[0];
    if (first === undefined) throw new RangeError('model: layer 0 has no cell');
    this.dtype = first.dtype;
    this.inputSize = first.inputSize;
    const built: ModelLayer[] = [];
    const offsets: number[][] = [];
    let offset = 0;
    let width = this.inputSize;
    layers.forEach(({ cells, goBackwards = false, merge = 'concat' }, l) => {
      if (cells.length !== 1 && cells.length !== 2) throw new RangeError(`model: layer ${l} must have one cell (forward) or two (bidirectional), got ${cells.length}`);
      const layerOffsets: number[] = [];
      for (const [d, cell] of cells.entries()) {
        if (cell.dtype !== this.dtype) throw new TypeError(`model: layer ${l} is ${cell.dtype} but layer 0 is ${this.dtype}`);
        if (cell.inputSize !== width) throw new RangeError(`model: layer ${l} ${d === 0 ? 'forward' : 'backward'} cell expects input size ${cell.inputSize}, but its input is ${width} wide`);
        if (cell.outputSize !== cells[0]!.outputSize) throw new RangeError(`model: layer ${l}'s two directions must have the same output size`);
        layerOffsets.push(offset);
        offset += cell.paramSize;
      }
      offsets.push(layerOffsets);
      if (merge !== 'concat' && cells.length !== 2) throw new RangeError(`model: layer ${l} merges directions (${merge}) but is not bidirectional`);
      const outputSize = (merge === 'concat' ? cells.length : 1) * cells[0]!.outputSize;
      built.push({ cells, bidirectional: cells.length === 2, goBackwards, merge, outputSize });
      width = outputSize;
    });
    const head = options.head ?? null;
    if (head !== null) {
      if (head.inputSize !== width) throw new RangeError(`model: the dense head expects input size ${head.inputSize}, but the last layer outputs ${width}`);
      if (head.dtype !== this.dtype) throw new TypeError(`model: the head is ${head.dtype} but the layers are ${this.dtype}`);
    }
    this.layers = built;
    this.head = head;
    this.headOffset = offset;
    this.paramSize = offset + (head?.paramSize ?? 0);
    this.outputSize = head?.outputSize ?? width;
    this.cellOffsets = offsets;
    if (options.theta !== undefined && options.theta.length !== this.paramSize) {
      throw new RangeError(`model: θ must have ${this.paramSize} entries, got ${options.theta.length}`);
    }
    this.theta = options.theta ?? zeros(this.dtype, this.paramSize);
    this.cellThetas = built.map((layer, l) => layer.cells.map((cell, d) => this.theta.subarray(offsets[l]![d]!, offsets[l]![d]! + cell.paramSize)));
    this.headTheta = head === null ? null : this.theta.subarray(this.headOffset, this.paramSize);
  }

  get bidirectional(): boolean {
    return this.layers.some((layer) => layer.bidirectional);
  }

  /** θ of one layer-direction (a view into `theta`). */
  cellTheta(layer: number, direction: number): Vec {
    const view = this.cellThetas[layer]?.[direction];
    if (view === undefined) throw new RangeError(`model has no layer ${layer} direction ${direction}`);
    return view;
  }

  /** The same view of another θ-shaped buffer (a gradient, a tangent). */
  cellSlice(buffer: Vec, layer: number, direction: number): Vec {
    const cell = this.layers[layer]!.cells[direction]!;
    const start = this.cellOffsets[layer]![direction]!;
    return buffer.subarray(start, start + cell.paramSize);
  }

  headSlice(buffer: Vec): Vec | null {
    return this.head === null ? null : buffer.subarray(this.headOffset, this.paramSize);
  }

  /** Fresh parameters: every cell and the head initialised from rng, in θ order. */
  initParams(rng: Rng): void {
    this.layers.forEach((layer, l) => layer.cells.forEach((cell, d) => cell.initParams(this.cellTheta(l, d), rng)));
    if (this.head !== null) this.head.initParams(this.headTheta!, rng);
  }

  /** The inventory in the notes' order: each direction its own `layers[k]`, the head last. */
  inventory(): InventoryLine[] {
    const lines: InventoryLine[] = [];
    let index = 0;
    for (const layer of this.layers) {
      for (const [d, cell] of layer.cells.entries()) {
        const direction = d === 0 ? 'forward_layer' : 'backward_layer';
        for (const entry of cell.inventory()) lines.push({ path: [`layers[${index}]`, direction, ...splitName(entry.name)], shape: entry.shape });
        index++;
      }
    }
    if (this.head !== null) for (const entry of this.head.inventory()) lines.push({ path: [`layers[${index}]`, 'dense', entry.name], shape: entry.shape });
    return lines;
  }

  /** The inventory as the notes print it, ending with `n_params=…, bytes=…`. */
  summary(): string {
    const lines = this.inventory().map(({ path, shape }) => `${path[0]}${path.slice(1).map((p) => `[${p}]`).join('')}.shape=${formatShape(shape)}`);
    lines.push(`n_params=${this.paramSize}, bytes=${this.paramSize * bytesPerElement(this.dtype)}`);
    return lines.join('\n');
  }

  /**
   * The model as an online learner sees it: the layers as one Cell (a stack) and the head,
   * sharing this model's θ. Throws for a bidirectional model, which needs the future.
   */
  online(): OnlineModel {
    const bidirectional = this.layers.findIndex((layer) => layer.bidirectional);
    if (bidirectional >= 0) {
      throw new TypeError(
        `online learners need a unidirectional model, but layer ${bidirectional} is bidirectional: its backward direction reads the future of the sequence. Train it with bptt over whole sequences instead.`,
      );
    }
    const backwards = this.layers.findIndex((layer) => layer.goBackwards);
    if (backwards >= 0) throw new TypeError(`online learners need a model that reads forward in time, but layer ${backwards} has goBackwards: it starts from the end of the sequence`);
    const cells = this.layers.map((layer) => layer.cells[0]!);
    const core = cells.length === 1 ? cells[0]! : stack(cells);
    return new OnlineModel({ core, head: this.head, theta: this.theta });
  }
}

/** 'kernels[i]' → ['kernels', 'i']; 'projection' → ['projection']. */
function splitName(name: string): string[] {
  return name.split('[').map((part) => part.replace(/\]$/, ''));
}

/** Python's tuple notation, as in the notes: (10, 256) and (256,). */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}
