/** One timestep of the eLSTM (cells/elstm.ts, eqs. 1–3) on the pre-activation adapter: two influence terms per unit, z and f. */
import { zeros, type Vec } from '../tensor/dtype.js';
import { matmulAB, matmulABt, matmulABtAdd, matmulAtBAdd, dotAt } from '../tensor/kernels.js';
import { sigmoid } from '../tensor/activations.js';
import { PreActivationStep } from './pre-activation.js';
import type { ElstmCell } from './elstm.js';

/** Pre-activations a = (a_z, a_f) per row (B × 2H), gates z, f, the coefficients da in the same layout. */
export class ElstmStep extends PreActivationStep {
  readonly termCount: number;
  private readonly x: Vec; // B×I
  private readonly c: Vec; // B×H, the recorded previous state
  private readonly a: Vec; // B×2H, the input part of the pre-activations, W·x
  private readonly da: Vec; // B×2H, ∂L/∂a or ȧ
  private readonly gain: Vec; // B×2H, ∂c'_i/∂a: (1 − f)(1 − z²) for z, (c − z)·f(1 − f) for f — each term's v_k
  private readonly forget: Vec; // B×H, f = ∂c'/∂c past the gates

  constructor(private readonly cell: ElstmCell, readonly batch: number) {
    super();
    const { dtype, inputSize, hiddenSize: H } = cell;
    this.termCount = 2 * H;
    this.x = zeros(dtype, batch * inputSize);
    this.c = zeros(dtype, batch * H);
    this.a = zeros(dtype, batch * 2 * H);
    this.da = zeros(dtype, batch * 2 * H);
    this.gain = zeros(dtype, batch * 2 * H);
    this.forget = zeros(dtype, batch * H);
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
        this.gain[zk] = (1 - f) * (1 - z * z);
        this.gain[zk + H] = (c[k]! - z) * f * (1 - f);
        this.forget[k] = f;
        sNext[k] = f * c[k]! + (1 - f) * z; // eq. (3)
      }
    }
  }

  /** ∂c'_i/∂c_i = f_i + (1 − f_i)(1 − z_i²)·w_z,i + (c_i − z_i)·f_i(1 − f_i)·w_f,i. */
  stateJacobianDiagonal(out: Vec, theta: Vec): void {
    const H = this.cell.hiddenSize;
    const w = this.cell.blocks.of(theta)[1]!;
    for (let row = 0, k = 0; row < this.batch; row++) {
      for (let i = 0; i < H; i++, k++) out[k] = this.forget[k]! + this.gain[row * 2 * H + i]! * w[i]! + this.gain[row * 2 * H + H + i]! * w[H + i]!;
    }
  }

  protected cotangent(dSNext: Vec, dS: Vec | null): void {
    const H = this.cell.hiddenSize;
    for (let row = 0, k = 0; row < this.batch; row++) {
      for (let i = 0; i < H; i++, k++) {
        const zk = row * 2 * H + i;
        this.da[zk] = dSNext[k]! * this.gain[zk]!;
        this.da[zk + H] = dSNext[k]! * this.gain[zk + H]!;
        if (dS !== null) dS[k] = dSNext[k]! * this.forget[k]!; // through f ⊙ c
      }
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
    for (let row = 0, k = 0; row < this.batch; row++) {
      for (let i = 0; i < H; i++, k++) {
        const zk = row * 2 * H + i;
        sOut[k] = this.gain[zk]! * this.da[zk]! + this.gain[zk + H]! * this.da[zk + H]! + (sDot === null ? 0 : this.forget[k]! * sDot[k]!);
      }
    }
  }

  protected load(coefficient: Vec): void {
    this.da.set(coefficient);
  }

  protected store(coefficient: Vec): void {
    coefficient.set(this.da);
  }

  protected stateNorms(vNorm: Vec): void {
    for (let j = 0; j < this.gain.length; j++) vNorm[j] = Math.abs(this.gain[j]!);
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
