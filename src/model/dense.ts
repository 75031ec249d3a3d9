/**
 * Dense output head (Keras Dense, PyTorch nn.Linear): ŷ = W·y + b, applied row by row;
 * without bias (Keras use_bias = false, nn.Linear(bias=False)) ŷ = W·y.
 * Pure functions of (θ, y) writing into caller-owned buffers; W is (outputSize × inputSize)
 * row-major as in PyTorch, reported as Keras's (inputSize, outputSize) `Weight` in the inventory.
 */
import type { DType, Vec } from '../tensor/dtype.js';
import { matmulAB, matmulABt, matmulAtBAdd } from '../tensor/kernels.js';
import { glorotUniform } from '../tensor/init.js';
import type { Rng } from '../tensor/rng.js';
import { SegmentViews } from '../tensor/views.js';
import { layoutParams, type InventoryEntry, type ParamBlock } from '../cells/cell.js';
import { checkDType, checkSize } from '../cells/options.js';

export class Dense {
  readonly kind = 'dense';
  readonly inputSize: number;
  readonly outputSize: number;
  readonly dtype: DType;
  readonly bias: boolean;
  readonly params: readonly ParamBlock[];
  readonly paramSize: number;
  private readonly blocks: SegmentViews;

  constructor(options: { inputSize: number; outputSize: number; dtype?: DType; bias?: boolean }) {
    this.inputSize = checkSize('dense', 'inputSize', options.inputSize);
    this.outputSize = checkSize('dense', 'outputSize', options.outputSize);
    this.dtype = checkDType('dense', options.dtype ?? 'float64');
    this.bias = options.bias ?? true;
    const layout = layoutParams([{ name: 'weight', shape: [this.outputSize, this.inputSize] }, ...(this.bias ? [{ name: 'bias', shape: [this.outputSize] }] : [])]);
    this.params = layout.params;
    this.paramSize = layout.paramSize;
    this.blocks = new SegmentViews(this.params);
  }

  inventory(): readonly InventoryEntry[] {
    return [{ name: 'Weight', shape: [this.inputSize, this.outputSize] }, ...(this.bias ? [{ name: 'bias', shape: [this.outputSize] }] : [])];
  }

  initParams(theta: Vec, rng: Rng): void {
    const views = this.blocks.of(theta);
    glorotUniform(views[0]!, this.inputSize, this.outputSize, rng);
    views[1]?.fill(0);
  }

  /** out (batch × O) = y (batch × Y) · Wᵀ + b. */
  forward(out: Vec, y: Vec, theta: Vec, batch: number): void {
    const views = this.blocks.of(theta);
    const weight = views[0]!;
    const bias = views[1];
    const O = this.outputSize;
    matmulABt(out, y, weight, batch, O, this.inputSize);
    if (bias !== undefined) for (let k = 0; k < batch * O; k++) out[k] += bias[k % O];
  }

  /** Given ∂L/∂ŷ (batch × O): writes ∂L/∂y when dY is given and adds ∂L/∂θ into dTheta when given. */
  vjp(dY: Vec | null, dTheta: Vec | null, dOut: Vec, y: Vec, theta: Vec, batch: number): void {
    const O = this.outputSize;
    const Y = this.inputSize;
    if (dTheta !== null) {
      const grads = this.blocks.of(dTheta);
      const dBias = grads[1];
      matmulAtBAdd(grads[0]!, dOut, y, O, Y, batch);
      if (dBias !== undefined) for (let k = 0; k < batch * O; k++) dBias[k % O] += dOut[k];
    }
    if (dY !== null) matmulAB(dY, dOut, this.blocks.of(theta)[0]!, batch, Y, O);
  }
}

export function dense(options: { inputSize: number; outputSize: number; dtype?: DType; bias?: boolean }): Dense {
  return new Dense(options);
}
