/** One timestep of the LRU (cells/lru.ts, eqs. 1–2): forward, its derivatives and its five influence terms per unit. */
import { zeros, type Vec } from '../tensor/dtype.js';
import { dotAt, matmulAB, matmulABt, matmulABtAdd, matmulAtBAdd } from '../tensor/kernels.js';
import { PreActivationStep } from './pre-activation.js';
import type { LruCell } from './lru.js';

/**
 * Per row the state is [Re h (N), Im h (N)] and the coefficients [ν, θ, γ, re, im] (5N), the
 * influence's term order; λ, γ, e^ν, e^θ (N each) depend on θ alone.
 */
export class LruStep extends PreActivationStep {
  readonly termCount: number;
  private readonly x: Vec; // B×d
  private readonly h: Vec; // B×2N, the recorded previous state
  private readonly bx: Vec; // B×2N, (B_re·x, B_im·x)
  private readonly lambdaH: Vec; // B×2N, λ ⊙ h
  private readonly unit: Vec; // 5×N: Re λ, Im λ, γ, e^ν, e^θ
  private readonly da: Vec; // B×5N, ∂L/∂a or ȧ
  private readonly daB: Vec; // B×2N, the B rows' part of da, contiguous for the matrix products

  constructor(private readonly cell: LruCell, readonly batch: number) {
    super();
    const { dtype, inputSize: d, hiddenSize: N } = cell;
    this.termCount = 5 * N;
    this.x = zeros(dtype, batch * d);
    this.h = zeros(dtype, batch * 2 * N);
    this.bx = zeros(dtype, batch * 2 * N);
    this.lambdaH = zeros(dtype, batch * 2 * N);
    this.unit = zeros(dtype, 5 * N);
    this.da = zeros(dtype, batch * 5 * N);
    this.daB = zeros(dtype, batch * 2 * N);
  }

  /** daB ← the B rows' coefficients of every row (or back, `toDa`). */
  private gatherB(toDa = false): void {
    const N = this.cell.hiddenSize;
    for (let row = 0; row < this.batch; row++) {
      for (let k = 0; k < 2 * N; k++) {
        if (toDa) this.da[row * 5 * N + 3 * N + k] = this.daB[row * 2 * N + k]!;
        else this.daB[row * 2 * N + k] = this.da[row * 5 * N + 3 * N + k]!;
      }
    }
  }

  forward(sNext: Vec, x: Vec, s: Vec, theta: Vec): void {
    const { inputSize: d, hiddenSize: N } = this.cell;
    const [nu, phase, gammaLog] = this.cell.blocks.of(theta);
    const { unit, bx, lambdaH, h } = this;
    this.x.set(x);
    h.set(s);
    for (let i = 0; i < N; i++) {
      const eNu = Math.exp(nu![i]!);
      const eTheta = Math.exp(phase![i]!);
      const modulus = Math.exp(-eNu); // eq. (1)
      unit[i] = modulus * Math.cos(eTheta);
      unit[N + i] = modulus * Math.sin(eTheta);
      unit[2 * N + i] = Math.exp(gammaLog![i]!);
      unit[3 * N + i] = eNu;
      unit[4 * N + i] = eTheta;
    }
    matmulABt(bx, this.x, this.cell.groups.of(theta)[1]!, this.batch, 2 * N, d); // (B_re·x, B_im·x) per row
    for (let row = 0; row < this.batch; row++) {
      const o = row * 2 * N;
      for (let i = 0; i < N; i++) {
        const re = h[o + i]!;
        const im = h[o + N + i]!;
        lambdaH[o + i] = unit[i]! * re - unit[N + i]! * im;
        lambdaH[o + N + i] = unit[N + i]! * re + unit[i]! * im;
        sNext[o + i] = lambdaH[o + i]! + unit[2 * N + i]! * bx[o + i]!; // eq. (2)
        sNext[o + N + i] = lambdaH[o + N + i]! + unit[2 * N + i]! * bx[o + N + i]!;
      }
    }
  }

  /** ∂L/∂a from ∂L/∂h' = (gRe, gIm); the state's cotangent is all bypass, λ̄ ⊙ ∂L/∂h'. */
  protected cotangent(dSNext: Vec, dS: Vec | null): void {
    const N = this.cell.hiddenSize;
    const { unit, bx, lambdaH, da } = this;
    for (let row = 0; row < this.batch; row++) {
      const o = row * 2 * N;
      const c = row * 5 * N;
      for (let i = 0; i < N; i++) {
        const gRe = dSNext[o + i]!;
        const gIm = dSNext[o + N + i]!;
        const gamma = unit[2 * N + i]!;
        da[c + i] = -unit[3 * N + i]! * (gRe * lambdaH[o + i]! + gIm * lambdaH[o + N + i]!);
        da[c + N + i] = unit[4 * N + i]! * (gIm * lambdaH[o + i]! - gRe * lambdaH[o + N + i]!);
        da[c + 2 * N + i] = gamma * (gRe * bx[o + i]! + gIm * bx[o + N + i]!);
        da[c + 3 * N + i] = gamma * gRe;
        da[c + 4 * N + i] = gamma * gIm;
        if (dS !== null) {
          dS[o + i] = unit[i]! * gRe + unit[N + i]! * gIm;
          dS[o + N + i] = unit[i]! * gIm - unit[N + i]! * gRe;
        }
      }
    }
  }

  protected accumulate(dTheta: Vec): void {
    const { inputSize: d, hiddenSize: N } = this.cell;
    const [dLambda, dB] = this.cell.groups.of(dTheta);
    for (let row = 0; row < this.batch; row++) for (let k = 0; k < 3 * N; k++) dLambda![k] += this.da[row * 5 * N + k]!;
    this.gatherB();
    matmulAtBAdd(dB!, this.daB, this.x, 2 * N, d, this.batch);
  }

  protected inputCotangent(dX: Vec, theta: Vec): void {
    const { inputSize: d, hiddenSize: N } = this.cell;
    this.gatherB();
    matmulAB(dX, this.daB, this.cell.groups.of(theta)[1]!, this.batch, d, 2 * N);
  }

  /** A = (ν, θ, γ_log, B·x) does not read the state: `cotangent` wrote all of ∂L/∂s. */
  protected stateCotangent(): void {}

  protected tangent(xDot: Vec | null, _sDot: Vec | null, thetaDot: Vec | null, theta: Vec): void {
    const { inputSize: d, hiddenSize: N } = this.cell;
    const { da: aDot, daB: bDot } = this;
    const dots = thetaDot === null ? null : this.cell.groups.of(thetaDot);
    bDot.fill(0);
    if (xDot !== null) matmulABtAdd(bDot, xDot, this.cell.groups.of(theta)[1]!, this.batch, 2 * N, d);
    if (dots !== null) matmulABtAdd(bDot, this.x, dots[1]!, this.batch, 2 * N, d);
    for (let row = 0; row < this.batch; row++) {
      if (dots === null) aDot.fill(0, row * 5 * N, row * 5 * N + 3 * N);
      else aDot.set(dots[0]!, row * 5 * N);
    }
    this.gatherB(true);
  }

  /** s'̇ = Σ_k v_k·ȧ_k (the header's five v per unit), plus λ ⊙ ṡ when ṡ is given. */
  protected propagate(sOut: Vec, sDot: Vec | null): void {
    const N = this.cell.hiddenSize;
    const { unit, bx, lambdaH, da } = this;
    for (let row = 0; row < this.batch; row++) {
      for (let i = 0, o = row * 2 * N, c = row * 5 * N; i < N; i++) {
        const shrink = -unit[3 * N + i]! * da[c + i]!; // −e^ν·ν̇ scales λh
        const turn = unit[4 * N + i]! * da[c + N + i]!; // e^θ·θ̇ turns λh by i
        const gain = da[c + 2 * N + i]!; // γ̇_log scales γ·B·x
        const re = shrink * lambdaH[o + i]! - turn * lambdaH[o + N + i]! + unit[2 * N + i]! * (gain * bx[o + i]! + da[c + 3 * N + i]!);
        const im = shrink * lambdaH[o + N + i]! + turn * lambdaH[o + i]! + unit[2 * N + i]! * (gain * bx[o + N + i]! + da[c + 4 * N + i]!);
        sOut[o + i] = sDot === null ? re : re + unit[i]! * sDot[o + i]! - unit[N + i]! * sDot[o + N + i]!;
        sOut[o + N + i] = sDot === null ? im : im + unit[N + i]! * sDot[o + i]! + unit[i]! * sDot[o + N + i]!;
      }
    }
  }

  protected load(coefficient: Vec): void {
    this.da.set(coefficient);
  }

  protected store(coefficient: Vec): void {
    coefficient.set(this.da);
  }

  /** ∂Re h'_i/∂Re h_i = ∂Im h'_i/∂Im h_i = Re λ_i. */
  stateJacobianDiagonal(out: Vec): void {
    const N = this.cell.hiddenSize;
    for (let k = 0; k < this.batch * 2 * N; k++) out[k] = this.unit[k % N]!;
  }

  protected stateNorms(vNorm: Vec): void {
    const N = this.cell.hiddenSize;
    const { unit, bx, lambdaH } = this;
    for (let row = 0; row < this.batch; row++) {
      const o = row * 2 * N;
      const c = row * 5 * N;
      for (let i = 0; i < N; i++) {
        const gamma = unit[2 * N + i]!;
        const lambdaHNorm = Math.hypot(lambdaH[o + i]!, lambdaH[o + N + i]!);
        vNorm[c + i] = unit[3 * N + i]! * lambdaHNorm;
        vNorm[c + N + i] = unit[4 * N + i]! * lambdaHNorm;
        vNorm[c + 2 * N + i] = gamma * Math.hypot(bx[o + i]!, bx[o + N + i]!);
        vNorm[c + 3 * N + i] = vNorm[c + 4 * N + i] = gamma;
      }
    }
  }

  /** ‖u‖ = 1 for ν, θ, γ_log (one parameter each), ‖x‖ for the rows of B. */
  paramNorms(uNorm: Vec): void {
    const { inputSize: d, hiddenSize: N } = this.cell;
    for (let row = 0; row < this.batch; row++) {
      const c = row * 5 * N;
      uNorm.fill(1, c, c + 3 * N);
      uNorm.fill(Math.sqrt(dotAt(this.x, row * d, this.x, row * d, d)), c + 3 * N, c + 5 * N);
    }
  }
}
