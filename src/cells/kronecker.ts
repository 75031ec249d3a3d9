/**
 * The Kronecker-factored influence shared by cells whose parameters start with
 * [W_ih (R × I), W_hh (R × S), b (R, optional)] and whose pre-activations are a = W·z with
 * z = [x; h; 1] (an Elman RNN: R = H; an LSTM without peepholes or projection: R = 4H).
 */
import type { Vec } from '../tensor/dtype.js';
import type { SegmentViews } from '../tensor/views.js';
import type { KroneckerInfluence } from './cell.js';

export class DenseRowsKronecker implements KroneckerInfluence {
  readonly width: number;

  /** `blocks` views θ-shaped buffers as [W_ih, W_hh, b, …]; x (B × I) and h (B × S) are the step's recorded inputs. */
  constructor(
    private readonly blocks: SegmentViews,
    private readonly shape: { rows: number; inputSize: number; stateSize: number; bias: boolean; batch: number },
    private readonly x: Vec,
    private readonly h: Vec,
  ) {
    this.width = shape.inputSize + shape.stateSize + (shape.bias ? 1 : 0);
  }

  input(z: Vec): void {
    const { inputSize: I, stateSize: S, bias, batch } = this.shape;
    const m = this.width;
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < I; j++) z[b * m + j] = this.x[b * I + j]!;
      for (let j = 0; j < S; j++) z[b * m + I + j] = this.h[b * S + j]!;
      if (bias) z[b * m + I + S] = 1;
    }
  }

  addOuter(dTheta: Vec, row: Vec, column: Vec): void {
    const { rows: R, inputSize: I, stateSize: S, bias, batch } = this.shape;
    const m = this.width;
    const [dWeightIh, dWeightHh, dBias] = this.blocks.of(dTheta);
    for (let b = 0; b < batch; b++) {
      for (let k = 0; k < R; k++) {
        const r = row[b * R + k]!;
        if (r === 0) continue;
        for (let j = 0; j < I; j++) dWeightIh![k * I + j] += r * column[b * m + j]!;
        for (let j = 0; j < S; j++) dWeightHh![k * S + j] += r * column[b * m + I + j]!;
        if (bias) dBias![k] += r * column[b * m + I + S]!;
      }
    }
  }
}
