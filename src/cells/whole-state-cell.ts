/**
 * What the cells added with issue #14 share (eLSTM, LRU): a cell whose parameters are named
 * blocks laid out one after another and whose output is its whole state. The subclass names its
 * blocks and state parts once; the sizes, the views and the batch check follow from them.
 */
import type { DType, Vec } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import { SegmentViews } from '../tensor/views.js';
import { layoutParams, type Cell, type CellStep, type InventoryEntry, type StatePart } from './cell.js';
import { checkDType, checkSize } from './options.js';

export interface WholeStateLayout {
  readonly dtype: DType | undefined;
  readonly inputSize: number;
  readonly blocks: ReadonlyArray<{ name: string; shape: readonly number[] }>;
  readonly stateParts: readonly StatePart[];
}

/** The sizes and layout every Cell states, typed by the contract itself and set once from the layout. */
type Shape = Pick<Cell, 'dtype' | 'inputSize' | 'stateSize' | 'outputSize' | 'outputOffset' | 'paramSize' | 'params' | 'stateParts'>;
// Merged into the class below: its fields are declared by the contract, not restated.
export interface WholeStateCell extends Shape {}

export abstract class WholeStateCell implements Cell {
  /** Views of any θ-shaped buffer (θ, ∂θ, θ̇), one per block in layout order. */
  readonly blocks: SegmentViews;

  constructor(readonly kind: string, layout: WholeStateLayout) {
    const { params, paramSize } = layoutParams(layout.blocks);
    const stateSize = layout.stateParts.reduce((n, part) => n + part.size, 0);
    const shape: Shape = { dtype: checkDType(kind, layout.dtype ?? 'float64'), inputSize: layout.inputSize, stateSize, outputSize: stateSize, outputOffset: 0, paramSize, params, stateParts: layout.stateParts };
    Object.assign(this, shape);
    this.blocks = new SegmentViews(params);
  }

  abstract inventory(): readonly InventoryEntry[];
  abstract initParams(theta: Vec, rng: Rng): void;
  /** The step for `batch` rows, already checked. */
  protected abstract step(batch: number): CellStep;

  createStep(batch = 1): CellStep {
    return this.step(checkSize(this.kind, 'batch', batch));
  }
}
