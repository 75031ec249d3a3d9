/**
 * Elman RNN cell (Elman 1990; PyTorch nn.RNNCell, Keras SimpleRNN):
 *
 *   a  = W_ih·x + W_hh·h + b
 *   h' = φ(a)                       φ ∈ {tanh, relu, satlin, linear}
 *
 * State s = h (n = H). Immediate influence: one term per unit i,
 *   v_i = φ'(a_i)·e_i,  u_i = [x; h; 1] on row i of (W_ih, W_hh, b).
 * Note: `satlin` (clip(a, 0, 1)) is Siegelmann & Sontag's saturated-linear unit, for the
 * constructed networks of docs/theory.md; PyTorch offers tanh and relu.
 */
import { zeros, type DType, type Vec } from '../tensor/dtype.js';
import { nonlinearity, NONLINEARITIES, type Activation, type Nonlinearity } from '../tensor/activations.js';
import { matmulAB, matmulABt, matmulABtAdd, matmulAtBAdd, dotAt } from '../tensor/kernels.js';
import { glorotUniform, orthogonal } from '../tensor/init.js';
import type { Rng } from '../tensor/rng.js';
import { SegmentViews } from '../tensor/views.js';
import { layoutParams, type Cell, type CellStep, type InventoryEntry, type KroneckerInfluence, type ParamBlock, type StatePart } from './cell.js';
import { PreActivationStep } from './pre-activation.js';
import { DenseRowsKronecker } from './kronecker.js';
import { checkBoolean, checkChoice, checkDType, checkSize, rejectUnknownOptions } from './options.js';

export interface RnnOptions {
  inputSize: number;
  hiddenSize: number;
  /** @default 'tanh' */
  nonlinearity?: Nonlinearity;
  /** @default true */
  bias?: boolean;
  /** @default 'float64' */
  dtype?: DType;
}

const OPTION_NAMES = ['inputSize', 'hiddenSize', 'nonlinearity', 'bias', 'dtype'] as const;

export class RnnCell implements Cell {
  readonly kind = 'rnn';
  readonly dtype: DType;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly nonlinearity: Nonlinearity;
  readonly bias: boolean;
  readonly stateSize: number;
  readonly outputSize: number;
  readonly outputOffset = 0;
  readonly paramSize: number;
  readonly params: readonly ParamBlock[];
  readonly stateParts: readonly StatePart[];
  /** Views [W_ih, W_hh, b?] of any θ-shaped buffer (θ, ∂θ, θ̇). */
  readonly blocks: SegmentViews;

  constructor(options: RnnOptions) {
    rejectUnknownOptions('rnn', options, OPTION_NAMES);
    this.inputSize = checkSize('rnn', 'inputSize', options.inputSize);
    this.hiddenSize = checkSize('rnn', 'hiddenSize', options.hiddenSize);
    this.nonlinearity = checkChoice('rnn', 'nonlinearity', options.nonlinearity ?? 'tanh', NONLINEARITIES);
    this.bias = checkBoolean('rnn', 'bias', options.bias ?? true);
    this.dtype = checkDType('rnn', options.dtype ?? 'float64');
    const H = this.hiddenSize;
    const layout = layoutParams([
      { name: 'weightIh', shape: [H, this.inputSize] },
      { name: 'weightHh', shape: [H, H] },
      ...(this.bias ? [{ name: 'bias', shape: [H] }] : []),
    ]);
    this.params = layout.params;
    this.paramSize = layout.paramSize;
    this.stateSize = H;
    this.outputSize = H;
    this.stateParts = [{ name: 'h', offset: 0, size: H }];
    this.blocks = new SegmentViews(this.params);
  }

  inventory(): readonly InventoryEntry[] {
    const H = this.hiddenSize;
    return [
      { name: 'kernels', shape: [this.inputSize, H] },
      { name: 'recurrentKernels', shape: [H, H] },
      ...(this.bias ? [{ name: 'bias', shape: [H] }] : []),
    ];
  }

  initParams(theta: Vec, rng: Rng): void {
    const [weightIh, weightHh, bias] = this.blocks.of(theta);
    glorotUniform(weightIh, this.inputSize, this.hiddenSize, rng);
    orthogonal(weightHh, this.hiddenSize, this.hiddenSize, rng);
    bias?.fill(0);
  }

  createStep(batch = 1): CellStep {
    return new RnnStep(this, checkSize('rnn', 'batch', batch));
  }
}

/** The step: a = W_ih·x + W_hh·h + b is the pre-activation, h' = φ(a) the gate; the coefficients are da (B×H). */
class RnnStep extends PreActivationStep {
  readonly termCount: number;
  readonly kronecker: KroneckerInfluence;
  private readonly x: Vec; // B×I, the recorded input
  private readonly h: Vec; // B×H, the recorded previous state
  private readonly a: Vec; // B×H, pre-activations
  private readonly y: Vec; // B×H, h' = φ(a)
  private readonly da: Vec; // B×H, the coefficients: ∂L/∂a or ȧ
  private readonly phi: Activation;

  constructor(private readonly cell: RnnCell, readonly batch: number) {
    super();
    const { dtype, inputSize, hiddenSize } = cell;
    this.termCount = hiddenSize;
    this.x = zeros(dtype, batch * inputSize);
    this.h = zeros(dtype, batch * hiddenSize);
    this.a = zeros(dtype, batch * hiddenSize);
    this.y = zeros(dtype, batch * hiddenSize);
    this.da = zeros(dtype, batch * hiddenSize);
    this.phi = nonlinearity(cell.nonlinearity);
    this.kronecker = new DenseRowsKronecker(cell.blocks, { rows: hiddenSize, inputSize, stateSize: hiddenSize, bias: cell.bias, batch }, this.x, this.h);
  }

  forward(sNext: Vec, x: Vec, s: Vec, theta: Vec): void {
    const { inputSize: I, hiddenSize: H } = this.cell;
    const B = this.batch;
    const [weightIh, weightHh, bias] = this.cell.blocks.of(theta);
    this.x.set(x);
    this.h.set(s);
    const { a, y, phi } = this;
    matmulABt(a, this.x, weightIh, B, H, I);
    matmulABtAdd(a, this.h, weightHh, B, H, H);
    for (let k = 0; k < B * H; k++) {
      const pre = bias === undefined ? a[k] : a[k] + bias[k % H];
      a[k] = pre;
      y[k] = phi.value(pre);
    }
    sNext.set(y);
  }

  protected cotangent(dSNext: Vec): void {
    const { a, y, da, phi } = this;
    for (let k = 0; k < this.batch * this.cell.hiddenSize; k++) da[k] = dSNext[k] * phi.grad(a[k], y[k]);
  }

  protected accumulate(dTheta: Vec): void {
    const { inputSize: I, hiddenSize: H } = this.cell;
    const B = this.batch;
    const da = this.da;
    const [dWeightIh, dWeightHh, dBias] = this.cell.blocks.of(dTheta);
    matmulAtBAdd(dWeightIh, da, this.x, H, I, B);
    matmulAtBAdd(dWeightHh, da, this.h, H, H, B);
    if (dBias !== undefined) for (let k = 0; k < B * H; k++) dBias[k % H] += da[k];
  }

  protected inputCotangent(dX: Vec, theta: Vec): void {
    const { inputSize: I, hiddenSize: H } = this.cell;
    matmulAB(dX, this.da, this.cell.blocks.of(theta)[0]!, this.batch, I, H);
  }

  protected stateCotangent(dS: Vec, _dSNext: Vec, theta: Vec): void {
    const H = this.cell.hiddenSize;
    matmulAB(dS, this.da, this.cell.blocks.of(theta)[1]!, this.batch, H, H);
  }

  protected tangent(xDot: Vec | null, sDot: Vec | null, thetaDot: Vec | null, theta: Vec): void {
    const { inputSize: I, hiddenSize: H } = this.cell;
    const B = this.batch;
    const aDot = this.da;
    aDot.fill(0);
    const [weightIh, weightHh] = this.cell.blocks.of(theta);
    if (xDot !== null) matmulABtAdd(aDot, xDot, weightIh, B, H, I);
    if (sDot !== null) matmulABtAdd(aDot, sDot, weightHh, B, H, H);
    if (thetaDot !== null) {
      const [weightIhDot, weightHhDot, biasDot] = this.cell.blocks.of(thetaDot);
      matmulABtAdd(aDot, this.x, weightIhDot, B, H, I);
      matmulABtAdd(aDot, this.h, weightHhDot, B, H, H);
      if (biasDot !== undefined) for (let k = 0; k < B * H; k++) aDot[k] += biasDot[k % H];
    }
  }

  /** h' depends on s only through a, so sDot adds nothing here. */
  protected propagate(sOut: Vec): void {
    const { a, y, da, phi } = this;
    for (let k = 0; k < this.batch * this.cell.hiddenSize; k++) sOut[k] = phi.grad(a[k], y[k]) * da[k];
  }

  protected load(coefficient: Vec): void {
    this.da.set(coefficient);
  }

  protected store(coefficient: Vec): void {
    coefficient.set(this.da);
  }

  /** ∂h'_i/∂h_i = φ'(a_i)·W_hh[i, i]. */
  stateJacobianDiagonal(out: Vec, theta: Vec): void {
    const H = this.cell.hiddenSize;
    const weightHh = this.cell.blocks.of(theta)[1]!;
    const { a, y, phi } = this;
    for (let k = 0; k < this.batch * H; k++) out[k] = phi.grad(a[k], y[k]) * weightHh[(k % H) * (H + 1)];
  }

  // Immediate influence: term i of row b is unit i.

  protected stateNorms(vNorm: Vec): void {
    const { a, y, phi } = this;
    for (let k = 0; k < this.batch * this.cell.hiddenSize; k++) vNorm[k] = Math.abs(phi.grad(a[k], y[k]));
  }

  /** ‖u_i‖ = ‖[x; h; 1]‖, the same for every unit of a row. */
  paramNorms(uNorm: Vec): void {
    const { inputSize: I, hiddenSize: H, bias } = this.cell;
    for (let b = 0; b < this.batch; b++) {
      const zNorm = Math.sqrt(dotAt(this.x, b * I, this.x, b * I, I) + dotAt(this.h, b * H, this.h, b * H, H) + (bias ? 1 : 0));
      uNorm.fill(zNorm, b * H, (b + 1) * H);
    }
  }
}

/** An Elman RNN cell. */
export function rnn(options: RnnOptions): RnnCell {
  return new RnnCell(options);
}
