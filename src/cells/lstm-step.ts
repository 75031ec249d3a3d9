/**
 * One LSTM timestep (the equations are in lstm.ts): the forward pass and the chain rule through
 * the pre-activations a = [a_i, a_f, a_g, a_o] (B×4H, peepholes included), which the shared
 * adapter (pre-activation.ts) turns into vjp, jvp and the immediate influence. With a
 * projection the P rows of W_hr are terms of their own: their "pre-activation" is h' itself,
 * so the coefficients are [∂L/∂a (4H); ∂L/∂h' (P)] per batch row, kept in aWork and hWork.
 * The term norms are in lstm-norms.ts.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { gateActivation, type Activation } from '../tensor/activations.js';
import { copyColumns, lstmGates, lstmGatesBackward, matmulAB, matmulABt, matmulABtAdd, matmulAtBAdd, matvecTransposed, type LstmGateBuffers, type LstmGateGradientBuffers } from '../tensor/kernels.js';
import type { KroneckerInfluence } from './cell.js';
import { DenseRowsKronecker } from './kronecker.js';
import type { LstmCell } from './lstm.js';
import { lstmParamNorms, lstmStateDiagonal, lstmStateNorms } from './lstm-norms.js';
import { addPeepholeGradient, addPeepholeTangent, ownStorage, type StepStorage } from './lstm-storage.js';
import { PreActivationStep } from './pre-activation.js';

export class LstmStep extends PreActivationStep {
  readonly termCount: number;
  /** Only without peepholes and projection, whose parameters read other inputs than [x; h; 1]. */
  readonly kronecker?: KroneckerInfluence;
  // Recorded at forward (B rows each); read by lstm-norms.ts too.
  readonly x: Vec; // B×I
  readonly h: Vec; // B×P
  readonly c: Vec; // B×H
  readonly a: Vec; // B×4H, pre-activations, peepholes included
  readonly y: Vec; // B×4H, gate values [i, f, g, o]
  readonly cNext: Vec; // B×H, c'
  readonly tc: Vec; // B×H, tanh(c')
  readonly m: Vec; // B×H, o ⊙ tanh(c')
  // The coefficients, and scratch shared by the reverse and forward passes.
  private readonly aWork: Vec; // B×4H: ∂L/∂a or ȧ
  private readonly hWork: Vec; // B×P: ∂L/∂h' or the direct part of ḣ' (the projection terms)
  private readonly hPrevWork: Vec; // B×P: ∂L/∂h or ḣ
  private readonly cWork: Vec; // B×H: f ⊙ ċ, the part of ċ' that bypasses a
  private readonly mWork: Vec; // B×H: ∂L/∂m or ṁ (projection only)
  /** ‖W_hr[:, j]‖ (H), for the norms. */
  readonly columnNorm: Vec;
  readonly sigma: Activation;
  /** The buffers of the pointwise gate kernel and of its chain rule (∂L/∂m in hWork, or in mWork when projecting), named once. */
  private readonly gates: LstmGateBuffers;
  private readonly gateGradients: LstmGateGradientBuffers;
  readonly hasBias: boolean;
  readonly hasPeephole: boolean;
  readonly projecting: boolean;

  /** [a; aWork] and [h; ḣ] as two-row buffers (own storage only): forwardWithStateJvp's one product. */
  private readonly pairs: NonNullable<StepStorage['pairs']> | null;

  /** Set by a window's `project`: a holds W_ih·x already, so the next forward skips that product. */
  projected = false;

  constructor(
    readonly cell: LstmCell,
    readonly batch: number,
    storage: StepStorage = ownStorage(cell, batch),
  ) {
    super();
    const { dtype, inputSize: I, hiddenSize: H, outputSize: P } = cell;
    const B = batch;
    this.projecting = cell.projSize !== undefined;
    this.hasBias = cell.bias;
    this.hasPeephole = cell.peephole;
    this.termCount = 4 * H + (this.projecting ? P : 0);
    ({ x: this.x, h: this.h, c: this.c, a: this.a, cNext: this.cNext, m: this.m, aWork: this.aWork, hWork: this.hWork } = storage);
    this.y = zeros(dtype, B * 4 * H);
    this.tc = zeros(dtype, B * H);
    this.pairs = storage.pairs ?? null;
    this.hPrevWork = this.pairs?.hDot ?? zeros(dtype, B * P);
    this.cWork = zeros(dtype, B * H);
    this.mWork = zeros(dtype, B * H);
    this.columnNorm = zeros(dtype, H);
    this.sigma = gateActivation(cell.gateActivation);
    this.gates = { a: this.a, c: this.c, y: this.y, cNext: this.cNext, tc: this.tc, m: this.m };
    // dcIn and dc are set per call (the c parts of ∂L/∂s' and ∂L/∂s); cNext stands in until then.
    this.gateGradients = { t: this.gates, dm: this.projecting ? this.mWork : this.hWork, dcIn: this.cNext, da: this.aWork, dc: null, stride: cell.stateSize, offset: P };
    if (!this.hasPeephole && !this.projecting) this.kronecker = new DenseRowsKronecker(cell.blocks, { rows: 4 * H, inputSize: I, stateSize: P, bias: this.hasBias, batch: B }, this.x, this.h);
  }

  forward(sNext: Vec, x: Vec, s: Vec, theta: Vec): void {
    this.record(x, s, theta);
    matmulABtAdd(this.a, this.h, this.cell.blocks.of(theta)[1]!, this.batch, 4 * this.cell.hiddenSize, this.cell.outputSize);
    this.finish(sNext, theta);
  }

  /**
   * `forward`, then sNextDot = J·sDot (`stateJvp`), with W_hh read once: W_hh·h and W_hh·ḣ are
   * the two rows of one product (the kernels sum each row as a matrix-vector product would, so
   * both results are bit-identical to the two calls). At H = 512, W_hh is most of θ and each
   * read of it most of a forward step (issue #17). Without the paired buffers, the two calls.
   */
  forwardWithStateJvp(sNext: Vec, x: Vec, s: Vec, theta: Vec, sNextDot: Vec, sDot: Vec): void {
    const { pairs } = this;
    if (pairs === null) {
      this.forward(sNext, x, s, theta);
      this.stateJvp(sNextDot, sDot, theta);
      return;
    }
    const { hiddenSize: H, outputSize: P, stateSize: n } = this.cell;
    const B = this.batch;
    this.record(x, s, theta);
    copyColumns(pairs.hDot, P, 0, sDot, n, 0, B, P);
    this.aWork.fill(0);
    matmulABtAdd(pairs.a, pairs.h, this.cell.blocks.of(theta)[1]!, 2 * B, 4 * H, P); // [a; ȧ] += [h; ḣ]·W_hhᵀ
    this.finish(sNext, theta);
    this.carryTangent(sDot, theta);
    this.propagate(sNextDot, sDot, theta);
  }

  /** The forward pass up to W_hh·h: records x, h, c and starts a with W_ih·x. */
  private record(x: Vec, s: Vec, theta: Vec): void {
    const { inputSize: I, hiddenSize: H, outputSize: P, stateSize: n } = this.cell;
    const B = this.batch;
    this.x.set(x);
    copyColumns(this.h, P, 0, s, n, 0, B, P);
    copyColumns(this.c, H, 0, s, n, P, B, H);
    if (this.projected) this.projected = false;
    else matmulABt(this.a, this.x, this.cell.blocks.of(theta)[0]!, B, 4 * H, I);
  }

  /** The forward pass after a = W_ih·x + W_hh·h: the gates, then s'. */
  private finish(sNext: Vec, theta: Vec): void {
    const { hiddenSize: H, outputSize: P, stateSize: n } = this.cell;
    const B = this.batch;
    const [, , bias, peephole, weightHr] = this.cell.blocks.of(theta);
    const { m, cNext, sigma } = this;
    lstmGates(this.gates, this.hasBias ? bias : null, this.hasPeephole ? peephole : null, sigma.value, B, H);
    if (this.projecting) {
      matmulABt(this.hWork, m, weightHr, B, P, H);
      copyColumns(sNext, n, 0, this.hWork, P, 0, B, P);
    } else {
      copyColumns(sNext, n, 0, m, H, 0, B, H);
    }
    copyColumns(sNext, n, P, cNext, H, 0, B, H);
  }

  /** ∂L/∂a (aWork) and, when projecting, ∂L/∂h' (hWork) given ∂L/∂s'; also the c part of ∂L/∂s. */
  protected cotangent(dSNext: Vec, dS: Vec | null, theta: Vec): void {
    const { hiddenSize: H, outputSize: P, stateSize: n } = this.cell;
    const B = this.batch;
    const [, , , peephole, weightHr] = this.cell.blocks.of(theta);
    const dhNext = this.hWork;
    copyColumns(dhNext, P, 0, dSNext, n, 0, B, P);
    if (this.projecting) matmulAB(this.mWork, dhNext, weightHr, B, H, P); // ∂L/∂m = W_hrᵀ·∂L/∂h'
    const d = this.gateGradients;
    d.dcIn = dSNext;
    d.dc = dS;
    lstmGatesBackward(d, this.hasPeephole ? peephole : null, this.sigma, B, H);
  }

  /** ∂θ += Σ_k coefficient_k·u_k from ∂L/∂a (aWork) and, when projecting, ∂L/∂h' (hWork). */
  protected accumulate(dTheta: Vec): void {
    const { inputSize: I, hiddenSize: H, outputSize: P } = this.cell;
    const B = this.batch;
    const [dWeightIh, dWeightHh, dBias, dPeephole, dWeightHr] = this.cell.blocks.of(dTheta);
    const da = this.aWork;
    matmulAtBAdd(dWeightIh, da, this.x, 4 * H, I, B);
    matmulAtBAdd(dWeightHh, da, this.h, 4 * H, P, B);
    if (this.hasBias) for (let k = 0; k < B * 4 * H; k++) dBias[k % (4 * H)] += da[k];
    if (this.hasPeephole) addPeepholeGradient(dPeephole, da, this.c, this.cNext, B, H);
    if (this.projecting) matmulAtBAdd(dWeightHr, this.hWork, this.m, P, H, B);
  }

  protected inputCotangent(dX: Vec, theta: Vec): void {
    const { inputSize: I, hiddenSize: H } = this.cell;
    matmulAB(dX, this.aWork, this.cell.blocks.of(theta)[0]!, this.batch, I, 4 * H);
  }

  protected stateCotangent(dS: Vec, _dSNext: Vec, theta: Vec): void {
    const { hiddenSize: H, outputSize: P, stateSize: n } = this.cell;
    if (this.batch === 1) matvecTransposed(this.hPrevWork, this.aWork, this.cell.blocks.of(theta)[1]!, P, 4 * H); // W_hhᵀ·∂L/∂a
    else matmulAB(this.hPrevWork, this.aWork, this.cell.blocks.of(theta)[1]!, this.batch, P, 4 * H);
    copyColumns(dS, n, 0, this.hPrevWork, P, 0, this.batch, P);
  }

  /** ȧ (aWork), f ⊙ ċ (cWork) and, when projecting, Ẇ_hr·m (hWork). */
  protected tangent(xDot: Vec | null, sDot: Vec | null, thetaDot: Vec | null, theta: Vec): void {
    const { inputSize: I, hiddenSize: H, outputSize: P, stateSize: n } = this.cell;
    const B = this.batch;
    const [weightIh, weightHh] = this.cell.blocks.of(theta);
    const { c, cNext, m } = this;
    const aDot = this.aWork;
    aDot.fill(0);
    this.cWork.fill(0);
    if (xDot !== null) matmulABtAdd(aDot, xDot, weightIh, B, 4 * H, I);
    if (sDot !== null) {
      const hDot = this.hPrevWork;
      copyColumns(hDot, P, 0, sDot, n, 0, B, P);
      matmulABtAdd(aDot, hDot, weightHh, B, 4 * H, P);
      this.carryTangent(sDot, theta);
    } else if (this.projecting) this.hWork.fill(0);
    if (thetaDot === null) return;
    const [weightIhDot, weightHhDot, biasDot, peepholeDot, weightHrDot] = this.cell.blocks.of(thetaDot);
    matmulABtAdd(aDot, this.x, weightIhDot, B, 4 * H, I);
    matmulABtAdd(aDot, this.h, weightHhDot, B, 4 * H, P);
    if (this.hasBias) for (let k = 0; k < B * 4 * H; k++) aDot[k] += biasDot[k % (4 * H)];
    if (this.hasPeephole) addPeepholeTangent(aDot, peepholeDot, c, cNext, B, H);
    if (this.projecting) matmulABt(this.hWork, m, weightHrDot, B, P, H); // Ẇ_hr·m
  }

  /** The state tangent's part besides W_hh·ḣ: f ⊙ ċ (cWork), the peepholes' w ⊙ ċ into ȧ; the projection terms' ḣ' (hWork) zeroed. */
  private carryTangent(sDot: Vec, theta: Vec): void {
    const { hiddenSize: H, outputSize: P, stateSize: n } = this.cell;
    const peephole = this.cell.blocks.of(theta)[3]!;
    const { y, aWork: aDot } = this;
    for (let b = 0; b < this.batch; b++) {
      for (let j = 0; j < H; j++) {
        const k = 4 * H * b + j;
        const cDot = sDot[n * b + P + j];
        this.cWork[H * b + j] = y[k + H] * cDot;
        if (this.hasPeephole) {
          aDot[k] += peephole[j] * cDot;
          aDot[k + H] += peephole[H + j] * cDot;
        }
      }
    }
    if (this.projecting) this.hWork.fill(0);
  }

  /** s'̇ from ȧ (aWork), with f ⊙ ċ (cWork) when sDot is given, and the direct ḣ' (hWork) when projecting. */
  protected propagate(sOut: Vec, sDot: Vec | null, theta: Vec): void {
    const { hiddenSize: H, outputSize: P, stateSize: n } = this.cell;
    const [, , , peephole, weightHr] = this.cell.blocks.of(theta);
    const { a, y, c, tc, sigma, aWork: aDot } = this;
    for (let b = 0; b < this.batch; b++) {
      for (let j = 0; j < H; j++) {
        const k = 4 * H * b + j;
        const u = H * b + j;
        const i = y[k];
        const g = y[k + 2 * H];
        const o = y[k + 3 * H];
        const carried = sDot === null ? 0 : this.cWork[u];
        const cNextDot = carried + sigma.grad(a[k], i) * g * aDot[k] + sigma.grad(a[k + H], y[k + H]) * c[u] * aDot[k + H] + i * (1 - g * g) * aDot[k + 2 * H];
        let aODot = aDot[k + 3 * H];
        if (this.hasPeephole) aODot += peephole[2 * H + j] * cNextDot; // o sees c'
        const mDot = sigma.grad(a[k + 3 * H], o) * tc[u] * aODot + o * (1 - tc[u] * tc[u]) * cNextDot;
        sOut[n * b + P + j] = cNextDot;
        if (this.projecting) this.mWork[u] = mDot;
        else sOut[n * b + j] = mDot;
      }
    }
    if (this.projecting) {
      matmulABtAdd(this.hWork, this.mWork, weightHr, this.batch, P, H); // + W_hr·ṁ
      copyColumns(sOut, n, 0, this.hWork, P, 0, this.batch, P);
    }
  }

  /** Splits coefficient rows (B×K) into the gate part (aWork) and the projection part (hWork). */
  protected load(coefficient: Vec): void {
    const { hiddenSize: H, outputSize: P } = this.cell;
    copyColumns(this.aWork, 4 * H, 0, coefficient, this.termCount, 0, this.batch, 4 * H);
    if (this.projecting) copyColumns(this.hWork, P, 0, coefficient, this.termCount, 4 * H, this.batch, P);
  }

  protected store(coefficient: Vec): void {
    const { hiddenSize: H, outputSize: P } = this.cell;
    copyColumns(coefficient, this.termCount, 0, this.aWork, 4 * H, 0, this.batch, 4 * H);
    if (this.projecting) copyColumns(coefficient, this.termCount, 4 * H, this.hWork, P, 0, this.batch, P);
  }

  protected stateNorms(vNorm: Vec, theta: Vec): void {
    lstmStateNorms(this, vNorm, theta);
  }

  paramNorms(uNorm: Vec): void {
    lstmParamNorms(this, uNorm);
  }

  stateJacobianDiagonal(out: Vec, theta: Vec): void {
    lstmStateDiagonal(this, out, theta);
  }
}
