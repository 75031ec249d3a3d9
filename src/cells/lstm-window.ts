/** The LSTM's BPTT window (Cell.createWindow): a window's input-side products as matrix-matrix products. */
import { zeros, type Vec } from '../tensor/dtype.js';
import { addColumns, copyColumns, matmulAB, matmulABt, matmulAtBAdd } from '../tensor/kernels.js';
import type { CellWindow, WindowOrder } from './cell.js';
import type { LstmCell } from './lstm.js';
import { LstmStep } from './lstm-step.js';
import { addPeepholeGradient, storageWidths, type RecordingName, type StepStorage } from './lstm-storage.js';

/**
 * A window of LSTM steps whose recordings are rows of contiguous (maxSteps·B × width) buffers,
 * step k at rows [k·B, (k+1)·B). Then for a window of T steps
 *   A[·] = X·W_ihᵀ                       one GEMM instead of T matrix-vector products,
 *   ∂W_ih += ∂Aᵀ·X,  ∂W_hh += ∂Aᵀ·H,     two GEMMs instead of 2T rank-one updates,
 *   ∂X = ∂A·W_ih,  ∂b = 1ᵀ·∂A,           ∂W_hr += ∂H'ᵀ·M (projection), peepholes summed row-wise,
 * where ∂A = ∂L/∂a is what each step's vjp leaves in its aWork row. Only W_hh·h and W_hhᵀ·∂a
 * remain per step: they carry the recurrence.
 */
export class LstmWindow implements CellWindow {
  readonly steps: LstmStep[];
  private readonly rows: Record<RecordingName, Vec>;
  private readonly dX: Vec; // maxSteps·B × I, ∂L/∂x in step order
  private readonly ones: Vec; // maxSteps·B ones: ∂b as a product

  constructor(
    private readonly cell: LstmCell,
    maxSteps: number,
    readonly batch: number,
  ) {
    const widths = storageWidths(cell);
    const names = Object.keys(widths) as Array<RecordingName>;
    this.rows = Object.fromEntries(names.map((name) => [name, zeros(cell.dtype, maxSteps * batch * widths[name])])) as Record<RecordingName, Vec>;
    const row = (name: RecordingName, k: number) => this.rows[name].subarray(k * batch * widths[name], (k + 1) * batch * widths[name]);
    this.steps = Array.from({ length: maxSteps }, (_, k) => {
      const storage = Object.fromEntries(names.map((name) => [name, row(name, k)])) as unknown as StepStorage;
      return new LstmStep(cell, batch, storage);
    });
    this.dX = zeros(cell.dtype, maxSteps * batch * cell.inputSize);
    this.ones = zeros(cell.dtype, maxSteps * batch).fill(1);
  }

  project(inputs: Vec, count: number, theta: Vec, order: WindowOrder): void {
    const { inputSize: I, hiddenSize: H } = this.cell;
    const B = this.batch;
    const X = this.rows.x;
    if (order.reversed) for (let k = 0; k < count; k++) copyColumns(X, I, k * B * I, inputs, I, (count - 1 - k) * B * I, B, I);
    else X.set(inputs.subarray(0, count * B * I));
    matmulABt(this.rows.a, X, this.cell.blocks.of(theta)[0]!, count * B, 4 * H, I);
    for (let k = 0; k < count; k++) this.steps[k]!.projected = true;
  }

  accumulate(dTheta: Vec, count: number): void {
    const { inputSize: I, hiddenSize: H, outputSize: P } = this.cell;
    const R = count * this.batch;
    const { x: X, h: Hprev, c: C, cNext: CNext, m: M, aWork: dA, hWork: dHNext } = this.rows;
    const [dWeightIh, dWeightHh, dBias, dPeephole, dWeightHr] = this.cell.blocks.of(dTheta);
    matmulAtBAdd(dWeightIh, dA, X, 4 * H, I, R);
    matmulAtBAdd(dWeightHh, dA, Hprev, 4 * H, P, R);
    if (this.cell.bias) matmulAtBAdd(dBias, this.ones, dA, 1, 4 * H, R); // ∂b += 1ᵀ·∂A, the rows summed in order
    if (this.cell.peephole) addPeepholeGradient(dPeephole, dA, C, CNext, R, H);
    if (this.cell.projSize !== undefined) matmulAtBAdd(dWeightHr, dHNext, M, P, H, R);
  }

  addInputGradient(dInputs: Vec, count: number, theta: Vec, order: WindowOrder): void {
    const { inputSize: I, hiddenSize: H } = this.cell;
    const B = this.batch;
    matmulAB(this.dX, this.rows.aWork, this.cell.blocks.of(theta)[0]!, count * B, I, 4 * H);
    for (let k = 0; k < count; k++) {
      const t = order.reversed ? count - 1 - k : k;
      addColumns(dInputs, I, t * B * I, this.dX, I, k * B * I, B, I);
    }
  }
}
