/**
 * A GRU step with the reset gate applied after the recurrent product (PyTorch, cuDNN, Keras
 * reset_after=True; the equations are in gru.ts):
 *   gh = W_hh·h + b̂ (B×3H, all three gate rows),  a_r += gh_r,  a_z += gh_z,
 *   hn = gh_n,  a_n += r ⊙ hn,  h' = (1 − z) ⊙ n + z ⊙ h.
 * Influence terms: v_r = (1 − z_i)·n'_i·hn_i·r'_i·e_i, u_n = [x; r_i·h; 1; r_i].
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { matmulAB, matmulABt, matmulABtAdd, matmulAtBAdd } from '../tensor/kernels.js';
import type { GruCell } from './gru.js';
import { addRowSum, addToEachRow, GruStep } from './gru-step.js';

export class GruResetAfterStep extends GruStep {
  private readonly hn: Vec; // B×H, W_hn·h + b̂_n

  constructor(cell: GruCell, batch: number) {
    super(cell, batch);
    this.hn = zeros(cell.dtype, batch * cell.hiddenSize);
  }

  forward(sNext: Vec, x: Vec, s: Vec, theta: Vec): void {
    const H = this.cell.hiddenSize;
    const B = this.batch;
    const [, weightHh, , recurrentBias] = this.cell.blocks.of(theta);
    this.recordInputSide(x, s, theta);
    const { a, gates, hn, gh, sigma } = this;
    matmulABt(gh, this.h, weightHh, B, 3 * H, H);
    if (recurrentBias !== undefined) addToEachRow(gh, recurrentBias);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        a[r] += gh[r];
        a[r + H] += gh[r + H];
        gates[r] = sigma.value(a[r]);
        gates[r + H] = sigma.value(a[r + H]);
        hn[b * H + i] = gh[r + 2 * H];
        this.finishUnit(sNext, b, i, gates[r] * hn[b * H + i]);
      }
    }
  }

  /** da ← ∂L/∂a given ∂L/∂h', then gh ← its recurrent-product cotangent. */
  protected cotangent(dSNext: Vec): void {
    const H = this.cell.hiddenSize;
    const { a, gates, h, hn, da, sigma } = this;
    for (let b = 0; b < this.batch; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        const z = r + H;
        const n = r + 2 * H;
        const dh = dSNext[b * H + i];
        da[z] = dh * (h[b * H + i] - gates[n]) * sigma.grad(a[z], gates[z]);
        da[n] = dh * (1 - gates[z]) * this.phi.grad(a[n], gates[n]);
        da[r] = da[n] * hn[b * H + i] * sigma.grad(a[r], gates[r]);
      }
    }
    this.recurrentCotangent(da);
  }

  /** gh ← [∂a_r, ∂a_z, r ⊙ ∂a_n]: the cotangent of W_hh·h + b̂. */
  protected recurrentCotangent(coefficient: Vec): void {
    const H = this.cell.hiddenSize;
    const { gates, gh } = this;
    for (let k = 0; k < this.batch * 3 * H; k += 3 * H) {
      for (let i = 0; i < H; i++) {
        gh[k + i] = coefficient[k + i];
        gh[k + H + i] = coefficient[k + H + i];
        gh[k + 2 * H + i] = gates[k + i] * coefficient[k + 2 * H + i];
      }
    }
  }

  protected accumulateRecurrent(dTheta: Vec): void {
    const H = this.cell.hiddenSize;
    const [, dWeightHh, , dRecurrentBias] = this.cell.blocks.of(dTheta);
    matmulAtBAdd(dWeightHh, this.gh, this.h, 3 * H, H, this.batch);
    if (dRecurrentBias !== undefined) addRowSum(dRecurrentBias, this.gh);
  }

  /** ∂L/∂h = W_hhᵀ·gh + z ⊙ ∂L/∂h'. */
  protected stateCotangent(dS: Vec, dSNext: Vec, theta: Vec): void {
    const H = this.cell.hiddenSize;
    matmulAB(dS, this.gh, this.cell.blocks.of(theta)[1], this.batch, H, 3 * H);
    for (let b = 0; b < this.batch; b++) {
      for (let i = 0; i < H; i++) dS[b * H + i] += dSNext[b * H + i] * this.gates[b * 3 * H + H + i];
    }
  }

  protected recurrentTangent(sDot: Vec | null, thetaDot: Vec | null, theta: Vec): void {
    const H = this.cell.hiddenSize;
    const B = this.batch;
    const { gates, gh: ghDot, da: aDot } = this;
    if (sDot !== null) matmulABtAdd(ghDot, sDot, this.cell.blocks.of(theta)[1], B, 3 * H, H);
    if (thetaDot !== null) {
      const [, weightHhDot, , recurrentBiasDot] = this.cell.blocks.of(thetaDot);
      matmulABtAdd(ghDot, this.h, weightHhDot, B, 3 * H, H);
      if (recurrentBiasDot !== undefined) addToEachRow(ghDot, recurrentBiasDot);
    }
    // The recurrent products enter the pre-activations as in forward (the transpose of recurrentCotangent).
    for (let k = 0; k < B * 3 * H; k += 3 * H) {
      for (let i = 0; i < H; i++) {
        aDot[k + i] += ghDot[k + i];
        aDot[k + H + i] += ghDot[k + H + i];
        aDot[k + 2 * H + i] += gates[k + i] * ghDot[k + 2 * H + i];
      }
    }
  }

  /** h'̇ with ṅ = n'·(ȧ_n + r'·ȧ_r·hn). */
  protected propagate(sOut: Vec, sDot: Vec | null): void {
    const H = this.cell.hiddenSize;
    const { a, gates, hn, da, sigma } = this;
    for (let b = 0; b < this.batch; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        this.unitTangent(sOut, sDot, b, i, sigma.grad(a[r], gates[r]) * da[r] * hn[b * H + i]);
      }
    }
  }

  protected stateNorms(vNorm: Vec): void {
    const H = this.cell.hiddenSize;
    const { a, gates, hn, sigma } = this;
    this.updateAndCandidateNorms(vNorm);
    for (let b = 0; b < this.batch; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        const dn = (1 - gates[r + H]) * this.phi.grad(a[r + 2 * H], gates[r + 2 * H]); // ∂h'_i/∂a_n,i
        vNorm[r] = Math.abs(dn * hn[b * H + i] * sigma.grad(a[r], gates[r]));
      }
    }
  }

  /** ‖u_r‖ = ‖u_z‖ = ‖[x; h; 1; 1]‖, ‖u_n‖ = ‖[x; r·h; 1; r]‖. */
  protected rowParamNorms(uNorm: Vec, b: number, xx: number, hh: number): void {
    const H = this.cell.hiddenSize;
    const biasCount = this.cell.bias ? 1 : 0;
    const uGate = Math.sqrt(xx + hh + 2 * biasCount);
    for (let i = 0; i < H; i++) {
      const r = b * 3 * H + i;
      const reset = this.gates[r];
      uNorm[r] = uGate;
      uNorm[r + H] = uGate;
      uNorm[r + 2 * H] = Math.sqrt(xx + biasCount + reset * reset * (hh + biasCount));
    }
  }

  /** ∂h'_i/∂h_i = z_i + (h_i − n_i)·z'_i·W_hz[i, i] + (1 − z_i)·n'_i·(r_i·W_hn[i, i] + hn_i·r'_i·W_hr[i, i]). */
  stateJacobianDiagonal(out: Vec, theta: Vec): void {
    const H = this.cell.hiddenSize;
    const weightHh = this.cell.blocks.of(theta)[1];
    const { a, gates, h, hn, sigma } = this;
    for (let b = 0; b < this.batch; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        const z = r + H;
        const n = r + 2 * H;
        const candidate = gates[r] * weightHh[(2 * H + i) * H + i] + hn[b * H + i] * sigma.grad(a[r], gates[r]) * weightHh[i * H + i];
        out[b * H + i] =
          gates[z] + (h[b * H + i] - gates[n]) * sigma.grad(a[z], gates[z]) * weightHh[(H + i) * H + i] + (1 - gates[z]) * this.phi.grad(a[n], gates[n]) * candidate;
      }
    }
  }
}
