/**
 * What the cells added with issue #14 share (eLSTM, LRU): a cell whose parameters are named
 * blocks laid out one after another and whose output is its whole state. The subclass names its
 * blocks and state parts once; the sizes, the views and the batch check follow from them.
 */
import type { DType, Vec } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import { SegmentViews } from '../tensor/views.js';
import { layoutParams, type Cell, type CellStep, type InventoryEntry, type ParamBlock, type StatePart } from './cell.js';
import { checkDType, checkSize } from './options.js';

export interface WholeStateLayout {
  readonly dtype: DType | undefined;
  readonly inputSize: number;
  readonly blocks: ReadonlyArray<{ name: string; shape: readonly number[] }>;
  readonly stateParts: readonly StatePart[];
}

export abstract class WholeStateCell implements Cell {
  readonly dtype: DType;
  readonly inputSize: number;
  readonly stateSize: number;
  readonly outputSize: number;
  readonly outputOffset = 0;
  readonly paramSize: number;
  readonly params: readonly ParamBlock[];
  readonly stateParts: readonly StatePart[];
  /** Views of any θ-shaped buffer (θ, ∂θ, θ̇), one per block in layout order. */
  readonly blocks: SegmentViews;

  constructor(readonly kind: string, layout: WholeStateLayout) {
    this.dtype = checkDType(kind, layout.dtype ?? 'float64');
    this.inputSize = layout.inputSize;
    ({ params: this.params, paramSize: this.paramSize } = layoutParams(layout.blocks));
    this.stateParts = layout.stateParts;
    this.stateSize = this.outputSize = layout.stateParts.reduce((n, part) => n + part.size, 0);
    this.blocks = new SegmentViews(this.params);
  }

  abstract inventory(): readonly InventoryEntry[];
  abstract initParams(theta: Vec, rng: Rng): void;
  /** The step for `batch` rows, already checked. */
  protected abstract step(batch: number): CellStep;

  createStep(batch = 1): CellStep {
    return this.step(checkSize(this.kind, 'batch', batch));
  }
}
