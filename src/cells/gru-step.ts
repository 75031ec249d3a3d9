/**
 * What the GRU's two step classes (gru-reset-after.ts, gru-reset-before.ts) share: the recorded
 * input side a = W_i·x + b of every gate row, the z and n rows' derivatives, and the wiring of
 * the pre-activation adapter. Each convention writes only how h reaches the pre-activations
 * (the recurrent products and where r enters), so no inner loop asks which convention it is in.
 * Pre-activations and coefficients are (B×3H) rows [a_r, a_z, a_n] (see gru.ts); state s = h.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { gateActivation, nonlinearity, type Activation } from '../tensor/activations.js';
import { dotAt, matmulAB, matmulABt, matmulABtAdd, matmulAtBAdd } from '../tensor/kernels.js';
import type { GruCell } from './gru.js';
import { PreActivationStep } from './pre-activation.js';

export abstract class GruStep extends PreActivationStep {
  readonly termCount: number;
  protected readonly x: Vec; // B×I, the recorded input
  protected readonly h: Vec; // B×H, the recorded previous state
  protected readonly a: Vec; // B×3H, pre-activations [a_r, a_z, a_n]
  protected readonly gates: Vec; // B×3H, [r, z, n]
  protected readonly da: Vec; // B×3H, the coefficients: ∂L/∂a or ȧ
  /** B×3H scratch for the recurrent products, their tangents or cotangents (each convention splits it its way). */
  protected readonly gh: Vec;
  protected readonly sigma: Activation;
  /** The candidate's activation φ: tanh, or the identity (Keras's activation 'linear'). */
  protected readonly phi: Activation;

  constructor(
    protected readonly cell: GruCell,
    readonly batch: number,
  ) {
    super();
    const { dtype, inputSize, hiddenSize: H } = cell;
    this.termCount = 3 * H;
    this.x = zeros(dtype, batch * inputSize);
    this.h = zeros(dtype, batch * H);
    this.a = zeros(dtype, batch * 3 * H);
    this.gates = zeros(dtype, batch * 3 * H);
    this.da = zeros(dtype, batch * 3 * H);
    this.gh = zeros(dtype, batch * 3 * H);
    this.sigma = gateActivation(cell.gateActivation);
    this.phi = nonlinearity(cell.candidateActivation);
  }

  /** The gh cotangent of the recurrent products given ∂L/∂a = coefficient (what accumulateRecurrent and stateCotangent read). */
  protected abstract recurrentCotangent(coefficient: Vec): void;
  /** ∂θ of the recurrent weights and biases, after recurrentCotangent. */
  protected abstract accumulateRecurrent(dTheta: Vec): void;
  /** gh ← the recurrent products' tangent and its entry into ȧ (da already holds the input side). */
  protected abstract recurrentTangent(sDot: Vec | null, thetaDot: Vec | null, theta: Vec): void;

  /** uNorm of row b given ‖x‖² and ‖h‖²: what the convention's r, z and n rows read. */
  protected abstract rowParamNorms(uNorm: Vec, b: number, xx: number, hh: number): void;

  paramNorms(uNorm: Vec): void {
    const { inputSize: I, hiddenSize: H } = this.cell;
    for (let b = 0; b < this.batch; b++) this.rowParamNorms(uNorm, b, dotAt(this.x, b * I, this.x, b * I, I), dotAt(this.h, b * H, this.h, b * H, H));
  }

  /** Records x and h and writes a ← W_i·x + b (every gate row's input side). */
  protected recordInputSide(x: Vec, s: Vec, theta: Vec): void {
    const { inputSize: I, hiddenSize: H } = this.cell;
    const [weightIh, , bias] = this.cell.blocks.of(theta);
    this.x.set(x);
    this.h.set(s);
    matmulABt(this.a, this.x, weightIh, this.batch, 3 * H, I);
    if (bias !== undefined) addToEachRow(this.a, bias);
  }

  protected accumulate(dTheta: Vec): void {
    const { inputSize: I, hiddenSize: H } = this.cell;
    const [dWeightIh, , dBias] = this.cell.blocks.of(dTheta);
    matmulAtBAdd(dWeightIh, this.da, this.x, 3 * H, I, this.batch);
    if (dBias !== undefined) addRowSum(dBias, this.da);
    this.accumulateRecurrent(dTheta);
  }

  protected inputCotangent(dX: Vec, theta: Vec): void {
    const { inputSize: I, hiddenSize: H } = this.cell;
    matmulAB(dX, this.da, this.cell.blocks.of(theta)[0], this.batch, I, 3 * H);
  }

  protected tangent(xDot: Vec | null, sDot: Vec | null, thetaDot: Vec | null, theta: Vec): void {
    const { inputSize: I, hiddenSize: H } = this.cell;
    const aDot = this.da;
    aDot.fill(0);
    this.gh.fill(0);
    if (xDot !== null) matmulABtAdd(aDot, xDot, this.cell.blocks.of(theta)[0], this.batch, 3 * H, I);
    if (thetaDot !== null) {
      const [weightIhDot, , biasDot] = this.cell.blocks.of(thetaDot);
      matmulABtAdd(aDot, this.x, weightIhDot, this.batch, 3 * H, I);
      if (biasDot !== undefined) addToEachRow(aDot, biasDot);
    }
    this.recurrentTangent(sDot, thetaDot, theta);
  }

  protected load(coefficient: Vec): void {
    this.da.set(coefficient);
    this.recurrentCotangent(this.da);
  }

  protected store(coefficient: Vec): void {
    coefficient.set(this.da);
  }

  /**
   * Unit i of row b once the candidate's recurrent input is known (the conventions differ only
   * there): a_n += that input, n = φ(a_n), h' = (1 − z) ⊙ n + z ⊙ h.
   */
  protected finishUnit(sNext: Vec, b: number, i: number, candidateRecurrent: number): void {
    const H = this.cell.hiddenSize;
    const { a, gates } = this;
    const z = b * 3 * H + H + i;
    const n = z + H;
    a[n] += candidateRecurrent;
    gates[n] = this.phi.value(a[n]);
    sNext[b * H + i] = (1 - gates[z]) * gates[n] + gates[z] * this.h[b * H + i];
  }

  /**
   * h'̇_i of row b given the candidate's tangent from r (the conventions differ only there):
   * (1 − z)·n'·(ȧ_n + fromR) + (h − n)·z'·ȧ_z, plus z·ḣ when sDot is given.
   */
  protected unitTangent(sOut: Vec, sDot: Vec | null, b: number, i: number, fromR: number): void {
    const H = this.cell.hiddenSize;
    const { a, gates, da, sigma } = this;
    const z = b * 3 * H + H + i;
    const n = z + H;
    const zDot = sigma.grad(a[z], gates[z]) * da[z];
    const nDot = this.phi.grad(a[n], gates[n]) * (da[n] + fromR);
    sOut[b * H + i] = (1 - gates[z]) * nDot + (this.h[b * H + i] - gates[n]) * zDot;
    if (sDot !== null) sOut[b * H + i] += gates[z] * sDot[b * H + i];
  }

  /** vNorm of the z and n rows: |(h_i − n_i)·z'_i| and |(1 − z_i)·n'_i|; the r rows are the convention's. */
  protected updateAndCandidateNorms(vNorm: Vec): void {
    const H = this.cell.hiddenSize;
    const { a, gates, h, sigma } = this;
    for (let b = 0; b < this.batch; b++) {
      for (let i = 0; i < H; i++) {
        const z = b * 3 * H + H + i;
        vNorm[z] = Math.abs((h[b * H + i] - gates[z + H]) * sigma.grad(a[z], gates[z]));
        vNorm[z + H] = Math.abs((1 - gates[z]) * this.phi.grad(a[z + H], gates[z + H]));
      }
    }
  }
}

/** out (B×G) += row (G) on every row. */
export function addToEachRow(out: Vec, row: Vec): void {
  for (let k = 0; k < out.length; k++) out[k] += row[k % row.length];
}

/** out (G) += the sum of the rows of A (B×G). */
export function addRowSum(out: Vec, A: Vec): void {
  for (let k = 0; k < A.length; k++) out[k % out.length] += A[k];
}
