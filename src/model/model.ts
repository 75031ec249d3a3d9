/**
 * A sequence model: a stack of recurrent layers, each unidirectional or bidirectional, and an
 * optional dense head. All parameters live in one flat buffer θ (llm.c style) with named views:
 * layer 0 forward, layer 0 backward, layer 1 forward, …, then the head.
 *
 * A bidirectional layer runs one cell forward in time and another backward and concatenates
 * their outputs, so the next layer's input is 2·P. It needs the whole sequence, so it is not a
 * Cell and cannot be given to an online learner.
 *
 * One type serves offline and online use. A model whose layers read forward in time also has a
 * `core`: its layers as one Cell (a stack), on the first `coreParamSize` entries of the same θ,
 * which is what online learners step and differentiate; a model of another shape refuses `core`
 * with the reason. A model around a user's own Cell (`onlineModel`) is one layer of that cell,
 * and its config says so (CustomModelConfig): it is not rebuilt from files.
 */
import { zeros, bytesPerElement, type DType, type Vec } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import { SegmentViews } from '../tensor/views.js';
import type { Cell, DerivedStep } from '../cells/cell.js';
import { withNamedDerivatives } from '../cells/derivatives.js';
import type { Dense } from './dense.js';
import { stack } from './stack.js';
import type { AnyModelConfig, MergeMode, ModelConfig } from './config.js';

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

/**
 * C is what the config is: a Model (the default) is built from a ModelConfig and can be saved,
 * exported and rebuilt; a Model<AnyModelConfig> may wrap a user's cell, and is what online
 * learners accept (OnlineModel).
 */
export class Model<C extends AnyModelConfig = ModelConfig> {
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

  /** The configuration the model was built from (checkpoints and model files save it; a user's cell is only named). */
  readonly config: C;
  /** false: one output row per sequence, the last layer's final outputs (Keras's return_sequences). */
  readonly returnSequences: boolean;

  /** The layers as one Cell for online learners, or why this model has none. */
  private readonly recurrent: { readonly core: Cell; readonly coreTheta: Vec } | string;
  /** [layers, head] views of any θ-shaped buffer, made once per buffer. */
  private readonly parts: SegmentViews;

  constructor(options: {
    layers: ReadonlyArray<{ cells: readonly Cell[]; goBackwards?: boolean; merge?: MergeMode }>;
    head?: Dense | null;
    theta?: Vec;
    config: C;
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
    this.parts = new SegmentViews([
      { offset: 0, size: this.headOffset },
      { offset: this.headOffset, size: this.paramSize - this.headOffset },
    ]);
    const core = onlineCore(built);
    this.recurrent = typeof core === 'string' ? core : { core, coreTheta: this.theta.subarray(0, this.headOffset) };
  }

  /**
   * The layers as one Cell (a stack, or the one cell) sharing this model's θ: what an online
   * learner steps. Throws for a bidirectional or backward-reading model, which needs the future.
   */
  get core(): Cell {
    return this.recurrentCore.core;
  }

  /** The core's parameters: θ without the head (a view). */
  get coreTheta(): Vec {
    return this.recurrentCore.coreTheta;
  }

  /** This model, checked to be one an online learner can step (it throws the reason otherwise). */
  online(): this {
    void this.recurrentCore;
    return this;
  }

  private get recurrentCore(): { readonly core: Cell; readonly coreTheta: Vec } {
    if (typeof this.recurrent === 'string') throw new TypeError(this.recurrent);
    return this.recurrent;
  }

  /**
   * A workspace for one timestep of the core, with the contract's named entry points (a user's
   * cell gets them here, once): what learners step and differentiate.
   */
  createCoreStep(batch = 1): DerivedStep {
    return withNamedDerivatives(this.core.createStep(batch));
  }

  /** The core's part of a θ-shaped buffer (made once per buffer). */
  coreSlice(buffer: Vec): Vec {
    return this.parts.of(buffer)[0]!;
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

  /** The head's part of a θ-shaped buffer (made once per buffer), null without a head. */
  headSlice(buffer: Vec): Vec | null {
    return this.head === null ? null : this.parts.of(buffer)[1]!;
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
}

/** The layers of a forward-reading unidirectional model as one Cell, or why there is none. */
function onlineCore(layers: readonly ModelLayer[]): Cell | string {
  const bidirectional = layers.findIndex((layer) => layer.bidirectional);
  if (bidirectional >= 0) {
    return `online learners need a unidirectional model, but layer ${bidirectional} is bidirectional: its backward direction reads the future of the sequence. Train it with bptt over whole sequences instead.`;
  }
  const backwards = layers.findIndex((layer) => layer.goBackwards);
  if (backwards >= 0) return `online learners need a model that reads forward in time, but layer ${backwards} has goBackwards: it starts from the end of the sequence`;
  const cells = layers.map((layer) => layer.cells[0]!);
  return cells.length === 1 ? cells[0]! : stack(cells);
}

/** 'kernels[i]' → ['kernels', 'i']; 'projection' → ['projection']. */
function splitName(name: string): string[] {
  return name.split('[').map((part) => part.replace(/\]$/, ''));
}

/** Python's tuple notation, as in the notes: (10, 256) and (256,). */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}
