/**
 * Element-wise recurrent LSTM, eLSTM (Irie, Gopalakrishnan & Schmidhuber 2023, "Exploring the
 * promise and limits of real-time recurrent learning"; a quasi-LSTM whose recurrent weights
 * are vectors):
 *
 *   z  = tanh(W_z·x + w_z ⊙ c + b_z)                                                    (1)
 *   f  = σ(W_f·x + w_f ⊙ c + b_f)                                                       (2)
 *   c' = f ⊙ c + (1 − f) ⊙ z                                                            (3)
 *
 * State s = c (n = H), output c'. Unit i reads only its own c_i, so the state Jacobian is
 * diagonal, ∂c'_i/∂c_i = f_i + (1 − f_i)(1 − z_i²)·w_z,i + (c_i − z_i)·f_i(1 − f_i)·w_f,i, and
 * RTRL's sensitivity of unit i involves only unit i's parameters: O(n·d) memory and work, exact
 * (SnAp-1 of learners/snap1.ts is RTRL on this cell; docs/models.md).
 * Immediate influence: one term per gate row (gate, i), u = [x; c_i; 1] on that row of
 * (W, w, b), v_z,i = (1 − f_i)(1 − z_i²)·e_i and v_f,i = (c_i − z_i)·f_i(1 − f_i)·e_i.
 * Note: the paper's output gate, y = c' ⊙ σ(W_o·[x; c'] + b_o), reads c' and x through a full
 * matrix and is not recurrent; the authors' RTRL layer moves it out of the recurrent layer, and
 * so does this cell: the model's head (or the next layer) reads c' directly.
 */
import { zeros, type DType, type Vec } from '../tensor/dtype.js';
import { matmulAB, matmulABt, matmulABtAdd, matmulAtBAdd, dotAt } from '../tensor/kernels.js';
import type { Rng } from '../tensor/rng.js';
import { SegmentViews } from '../tensor/views.js';
import { layoutParams, type Cell, type CellStep, type InventoryEntry, type ParamBlock, type StatePart } from './cell.js';
import { PreActivationStep } from './pre-activation.js';
import { checkBoolean, checkDType, checkSize, rejectUnknownOptions } from './options.js';
import type { CellSpec } from '../kinds/spec.js';
import { allowOnly, defined, optionalBoolean, positiveInteger } from '../kinds/options.js';

export interface ElstmOptions {
  inputSize: number;
  hiddenSize: number;
  /** @default true */
  bias?: boolean;
  /** @default 'float64' */
  dtype?: DType;
}

const OPTION_NAMES = ['inputSize', 'hiddenSize', 'bias', 'dtype'] as const;
/** The gates in the order of their rows: the candidate z, then the forget gate f. */
const GATES = ['z', 'f'] as const;
/** Irie et al.'s initialisation: every parameter N(0, 0.1²). */
const INIT_STD = 0.1;

const sigmoid = (a: number) => 1 / (1 + Math.exp(-a));

export class ElstmCell implements Cell {
  readonly kind = 'elstm';
  readonly dtype: DType;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  readonly stateSize: number;
  readonly outputSize: number;
  readonly outputOffset = 0;
  readonly paramSize: number;
  readonly params: readonly ParamBlock[];
  readonly stateParts: readonly StatePart[];
  /** Views [W (2H × I), w (2H), b (2H)?] of any θ-shaped buffer; rows z then f. */
  readonly blocks: SegmentViews;

  constructor(options: ElstmOptions) {
    rejectUnknownOptions('elstm', options, OPTION_NAMES);
    this.inputSize = checkSize('elstm', 'inputSize', options.inputSize);
    this.hiddenSize = checkSize('elstm', 'hiddenSize', options.hiddenSize);
    this.bias = checkBoolean('elstm', 'bias', options.bias ?? true);
    this.dtype = checkDType('elstm', options.dtype ?? 'float64');
    const H = this.hiddenSize;
    const layout = layoutParams([
      { name: 'weightIh', shape: [2 * H, this.inputSize] },
      { name: 'weightHh', shape: [2 * H] },
      ...(this.bias ? [{ name: 'bias', shape: [2 * H] }] : []),
    ]);
    this.params = layout.params;
    this.paramSize = layout.paramSize;
    this.stateSize = this.outputSize = H;
    this.stateParts = [{ name: 'c', offset: 0, size: H }];
    this.blocks = new SegmentViews(this.params);
  }

  inventory(): readonly InventoryEntry[] {
    const { inputSize: I, hiddenSize: H } = this;
    const perGate = (name: string, shape: number[]) => GATES.map((gate) => ({ name: `${name}[${gate}]`, shape }));
    return [...perGate('kernels', [I, H]), ...perGate('recurrentKernels', [H]), ...(this.bias ? perGate('bias', [H]) : [])];
  }

  initParams(theta: Vec, rng: Rng): void {
    for (let k = 0; k < theta.length; k++) theta[k] = INIT_STD * rng.normal();
  }

  createStep(batch = 1): CellStep {
    return new ElstmStep(this, checkSize('elstm', 'batch', batch));
  }
}

/** Pre-activations a = (a_z, a_f) per row (B × 2H), gates z, f, the coefficients da in the same layout. */
class ElstmStep extends PreActivationStep {
  readonly termCount: number;
  private readonly x: Vec; // B×I
  private readonly c: Vec; // B×H, the recorded previous state
  private readonly a: Vec; // B×2H, pre-activations, then (z, f)
  private readonly da: Vec; // B×2H, ∂L/∂a or ȧ

  constructor(private readonly cell: ElstmCell, readonly batch: number) {
    super();
    const { dtype, inputSize, hiddenSize: H } = cell;
    this.termCount = 2 * H;
    this.x = zeros(dtype, batch * inputSize);
    this.c = zeros(dtype, batch * H);
    this.a = zeros(dtype, batch * 2 * H);
    this.da = zeros(dtype, batch * 2 * H);
  }

  forward(sNext: Vec, x: Vec, s: Vec, theta: Vec): void {
    const { inputSize: I, hiddenSize: H } = this.cell;
    const [W, w, b] = this.cell.blocks.of(theta);
    const { a, c } = this;
    this.x.set(x);
    c.set(s);
    matmulABt(a, this.x, W!, this.batch, 2 * H, I);
    for (let row = 0; row < this.batch; row++) {
      for (let i = 0; i < H; i++) {
        const k = row * H + i;
        const zk = row * 2 * H + i;
        const z = Math.tanh(a[zk]! + w![i]! * c[k]! + (b === undefined ? 0 : b[i]!)); // eq. (1)
        const f = sigmoid(a[zk + H]! + w![H + i]! * c[k]! + (b === undefined ? 0 : b[H + i]!)); // eq. (2)
        a[zk] = z;
        a[zk + H] = f;
        sNext[k] = f * c[k]! + (1 - f) * z; // eq. (3)
      }
    }
  }

  /** ∂c'/∂a_z and ∂c'/∂a_f of unit k (row·H + i). */
  private gains(k: number, H: number): [number, number, number] {
    const zk = Math.floor(k / H) * 2 * H + (k % H);
    const z = this.a[zk]!;
    const f = this.a[zk + H]!;
    return [(1 - f) * (1 - z * z), (this.c[k]! - z) * f * (1 - f), f];
  }

  protected cotangent(dSNext: Vec, dS: Vec | null): void {
    const H = this.cell.hiddenSize;
    for (let k = 0; k < this.batch * H; k++) {
      const [gz, gf, f] = this.gains(k, H);
      const zk = Math.floor(k / H) * 2 * H + (k % H);
      this.da[zk] = dSNext[k]! * gz;
      this.da[zk + H] = dSNext[k]! * gf;
      if (dS !== null) dS[k] = dSNext[k]! * f; // through f ⊙ c
    }
  }

  protected accumulate(dTheta: Vec): void {
    const { inputSize: I, hiddenSize: H } = this.cell;
    const [dW, dw, db] = this.cell.blocks.of(dTheta);
    matmulAtBAdd(dW!, this.da, this.x, 2 * H, I, this.batch);
    for (let k = 0; k < this.batch * 2 * H; k++) {
      const i = k % (2 * H);
      dw![i] += this.da[k]! * this.c[Math.floor(k / (2 * H)) * H + (i % H)]!;
      if (db !== undefined) db[i] += this.da[k]!;
    }
  }

  protected inputCotangent(dX: Vec, theta: Vec): void {
    const { inputSize: I, hiddenSize: H } = this.cell;
    matmulAB(dX, this.da, this.cell.blocks.of(theta)[0]!, this.batch, I, 2 * H);
  }

  /** Adds the path through the gates, w ⊙ ∂L/∂a, to the bypass `cotangent` wrote. */
  protected stateCotangent(dS: Vec, _dSNext: Vec, theta: Vec): void {
    const H = this.cell.hiddenSize;
    const w = this.cell.blocks.of(theta)[1]!;
    for (let k = 0; k < this.batch * H; k++) {
      const i = k % H;
      const zk = Math.floor(k / H) * 2 * H + i;
      dS[k] += this.da[zk]! * w[i]! + this.da[zk + H]! * w[H + i]!;
    }
  }

  protected tangent(xDot: Vec | null, sDot: Vec | null, thetaDot: Vec | null, theta: Vec): void {
    const { inputSize: I, hiddenSize: H } = this.cell;
    const aDot = this.da;
    aDot.fill(0);
    const [W, w] = this.cell.blocks.of(theta);
    if (xDot !== null) matmulABtAdd(aDot, xDot, W!, this.batch, 2 * H, I);
    const [WDot, wDot, bDot] = thetaDot === null ? [] : this.cell.blocks.of(thetaDot);
    if (WDot !== undefined) matmulABtAdd(aDot, this.x, WDot, this.batch, 2 * H, I);
    if (sDot === null && wDot === undefined) return;
    for (let k = 0; k < this.batch * 2 * H; k++) {
      const i = k % (2 * H);
      const unit = Math.floor(k / (2 * H)) * H + (i % H);
      if (sDot !== null) aDot[k] += w![i]! * sDot[unit]!;
      if (wDot !== undefined) aDot[k] += wDot[i]! * this.c[unit]! + (bDot === undefined ? 0 : bDot[i]!);
    }
  }

  protected propagate(sOut: Vec, sDot: Vec | null): void {
    const H = this.cell.hiddenSize;
    for (let k = 0; k < this.batch * H; k++) {
      const [gz, gf, f] = this.gains(k, H);
      const zk = Math.floor(k / H) * 2 * H + (k % H);
      sOut[k] = gz * this.da[zk]! + gf * this.da[zk + H]! + (sDot === null ? 0 : f * sDot[k]!);
    }
  }

  protected load(coefficient: Vec): void {
    this.da.set(coefficient);
  }

  protected store(coefficient: Vec): void {
    coefficient.set(this.da);
  }

  stateJacobianDiagonal(out: Vec, theta: Vec): void {
    const H = this.cell.hiddenSize;
    const w = this.cell.blocks.of(theta)[1]!;
    for (let k = 0; k < this.batch * H; k++) {
      const [gz, gf, f] = this.gains(k, H);
      out[k] = f + gz * w[k % H]! + gf * w[H + (k % H)]!;
    }
  }

  protected stateNorms(vNorm: Vec): void {
    const H = this.cell.hiddenSize;
    for (let k = 0; k < this.batch * H; k++) {
      const [gz, gf] = this.gains(k, H);
      const zk = Math.floor(k / H) * 2 * H + (k % H);
      vNorm[zk] = Math.abs(gz);
      vNorm[zk + H] = Math.abs(gf);
    }
  }

  /** ‖u‖ = ‖[x; c_i; 1]‖, the same for both gates of unit i. */
  paramNorms(uNorm: Vec): void {
    const { inputSize: I, hiddenSize: H, bias } = this.cell;
    for (let row = 0; row < this.batch; row++) {
      const xx = dotAt(this.x, row * I, this.x, row * I, I) + (bias ? 1 : 0);
      for (let i = 0; i < H; i++) {
        const norm = Math.sqrt(xx + this.c[row * H + i]! ** 2);
        uNorm[row * 2 * H + i] = uNorm[row * 2 * H + H + i] = norm;
      }
    }
  }
}

/** An element-wise recurrent LSTM (eLSTM) cell. */
export function elstm(options: ElstmOptions): ElstmCell {
  return new ElstmCell(options);
}

export interface ElstmCellConfig {
  readonly kind: 'elstm';
  readonly hiddenSize: number;
  readonly bias?: boolean;
}

/** The table line of `elstm`. */
export const elstmSpec = {
  summary: 'element-wise recurrent LSTM, eLSTM (Irie et al. 2023): diagonal state Jacobian, exact RTRL at O(n·d)',
  parse(raw, where) {
    allowOnly(raw, ['kind', 'hiddenSize', 'bias'], `${where} (elstm)`);
    const bias = optionalBoolean(raw.bias, `${where}.bias`);
    return { kind: 'elstm', hiddenSize: positiveInteger(raw.hiddenSize, `${where}.hiddenSize`), ...defined({ bias }) };
  },
  build: (config, { inputSize, dtype }) => elstm({ inputSize, dtype, hiddenSize: config.hiddenSize, ...defined({ bias: config.bias }) }),
  outputSize: (config) => config.hiddenSize,
  describe: (config) => `eLSTM, hidden ${config.hiddenSize}`,
  // The same flag objects' text as the other cells' (the CLI merges flags by their text).
  flags: [
    { flag: '--hidden <n>', option: 'hiddenSize', value: 'integer', help: 'hidden size H' },
    { flag: '--no-bias', option: 'bias', value: 'switch', help: 'cells without bias', cliDefault: true },
  ],
  interop: { pytorch: null, tfjs: null },
  // The recurrent vectors w read c_i, not one shared input z: no Kronecker factors.
  provides: () => ['structuredInfluence'],
  examples: [
    { name: 'elstm', config: { kind: 'elstm', hiddenSize: 3 } },
    { name: 'elstm no bias', config: { kind: 'elstm', hiddenSize: 3, bias: false } },
  ],
} satisfies CellSpec<ElstmCellConfig>;
