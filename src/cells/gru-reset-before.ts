/**
 * A GRU step with the reset gate applied before the recurrent product (Cho et al. 2014, Keras
 * reset_after=False, TF.js; the equations are in gru.ts):
 *   a_r += W_hr·h,  a_z += W_hz·h,  rh = r ⊙ h,  a_n += W_hn·rh,  h' = (1 − z) ⊙ n + z ⊙ h.
 * r reaches a_n through the dense W_hn, so v_r = ((1 − z) ⊙ n')·W_hn[:, i]·h_i·r'_i is a column,
 * and u_n = [x; rh; 1]. The scratch gh is split as [W_h{r,z}·h products (B×2H); W_hn·rh (B×H)].
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { dotAt, matmulAB, matmulABt, matmulABtAdd, matmulAtBAdd } from '../tensor/kernels.js';
import type { GruCell } from './gru.js';
import { GruStep } from './gru-step.js';

export class GruResetBeforeStep extends GruStep {
  private readonly rh: Vec; // B×H, r ⊙ h
  private readonly ghRz: Vec; // B×2H, the front of gh: W_h{r,z}·h, its tangent or cotangent
  private readonly ghN: Vec; // B×H, the back of gh: W_hn·rh, its tangent or cotangent
  private readonly t: Vec; // B×H, scratch for ∂L/∂rh, r ⊙ ḣ, ṙ ⊙ h and column norms

  constructor(cell: GruCell, batch: number) {
    super(cell, batch);
    const H = cell.hiddenSize;
    this.rh = zeros(cell.dtype, batch * H);
    this.ghRz = this.gh.subarray(0, batch * 2 * H);
    this.ghN = this.gh.subarray(batch * 2 * H);
    this.t = zeros(cell.dtype, batch * H);
  }

  forward(sNext: Vec, x: Vec, s: Vec, theta: Vec): void {
    const H = this.cell.hiddenSize;
    const B = this.batch;
    const [weightHhRz, weightHhN] = this.cell.recurrentRows.of(theta);
    this.recordInputSide(x, s, theta);
    const { a, gates, h, rh, ghRz, ghN, sigma } = this;
    matmulABt(ghRz, h, weightHhRz, B, 2 * H, H);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        a[r] += ghRz[b * 2 * H + i];
        a[r + H] += ghRz[b * 2 * H + H + i];
        gates[r] = sigma.value(a[r]);
        gates[r + H] = sigma.value(a[r + H]);
        rh[b * H + i] = gates[r] * h[b * H + i];
      }
    }
    matmulABt(ghN, rh, weightHhN, B, H, H);
    for (let b = 0; b < B; b++) for (let i = 0; i < H; i++) this.finishUnit(sNext, b, i, ghN[b * H + i]);
  }

  /** da ← ∂L/∂a given ∂L/∂h' (on the way t ← ∂L/∂rh = W_hnᵀ·∂a_n), then the recurrent cotangent. */
  protected cotangent(dSNext: Vec, _dS: Vec | null, theta: Vec): void {
    const H = this.cell.hiddenSize;
    const B = this.batch;
    const { a, gates, h, da, t, sigma } = this;
    const daN = this.ghN; // ∂L/∂a_n gathered into B×H for the product with W_hn
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < H; i++) {
        const z = b * 3 * H + H + i;
        const n = z + H;
        const dh = dSNext[b * H + i];
        da[z] = dh * (h[b * H + i] - gates[n]) * sigma.grad(a[z], gates[z]);
        da[n] = dh * (1 - gates[z]) * this.phi.grad(a[n], gates[n]);
        daN[b * H + i] = da[n];
      }
    }
    matmulAB(t, daN, this.cell.recurrentRows.of(theta)[1], B, H, H);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        da[r] = t[b * H + i] * h[b * H + i] * sigma.grad(a[r], gates[r]);
      }
    }
    this.recurrentCotangent(da);
  }

  /** ghRz ← [∂a_r, ∂a_z] (B×2H), ghN ← ∂a_n (B×H). */
  protected recurrentCotangent(coefficient: Vec): void {
    const H = this.cell.hiddenSize;
    const { ghRz, ghN } = this;
    for (let b = 0; b < this.batch; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        ghRz[b * 2 * H + i] = coefficient[r];
        ghRz[b * 2 * H + H + i] = coefficient[r + H];
        ghN[b * H + i] = coefficient[r + 2 * H];
      }
    }
  }

  protected accumulateRecurrent(dTheta: Vec): void {
    const H = this.cell.hiddenSize;
    const [dWeightHhRz, dWeightHhN] = this.cell.recurrentRows.of(dTheta);
    matmulAtBAdd(dWeightHhRz, this.ghRz, this.h, 2 * H, H, this.batch);
    matmulAtBAdd(dWeightHhN, this.ghN, this.rh, H, H, this.batch);
  }

  /** ∂L/∂h = W_h{r,z}ᵀ·[∂a_r, ∂a_z] + z ⊙ ∂L/∂h' + r ⊙ ∂L/∂rh. */
  protected stateCotangent(dS: Vec, dSNext: Vec, theta: Vec): void {
    const H = this.cell.hiddenSize;
    const { gates, t } = this;
    matmulAB(dS, this.ghRz, this.cell.recurrentRows.of(theta)[0], this.batch, H, 2 * H);
    for (let b = 0; b < this.batch; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        dS[b * H + i] += dSNext[b * H + i] * gates[r + H] + t[b * H + i] * gates[r];
      }
    }
  }

  protected recurrentTangent(sDot: Vec | null, thetaDot: Vec | null, theta: Vec): void {
    const H = this.cell.hiddenSize;
    const B = this.batch;
    const { gates, t, da: aDot, ghRz: ghRzDot, ghN: ghNDot } = this;
    if (sDot !== null) {
      const [weightHhRz, weightHhN] = this.cell.recurrentRows.of(theta);
      matmulABtAdd(ghRzDot, sDot, weightHhRz, B, 2 * H, H);
      for (let b = 0; b < B; b++) for (let i = 0; i < H; i++) t[b * H + i] = gates[b * 3 * H + i] * sDot[b * H + i];
      matmulABtAdd(ghNDot, t, weightHhN, B, H, H);
    }
    if (thetaDot !== null) {
      const [weightHhRzDot, weightHhNDot] = this.cell.recurrentRows.of(thetaDot);
      matmulABtAdd(ghRzDot, this.h, weightHhRzDot, B, 2 * H, H);
      matmulABtAdd(ghNDot, this.rh, weightHhNDot, B, H, H);
    }
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        aDot[r] += ghRzDot[b * 2 * H + i];
        aDot[r + H] += ghRzDot[b * 2 * H + H + i];
        aDot[r + 2 * H] += ghNDot[b * H + i];
      }
    }
  }

  /** h'̇ with ṅ = n'·(ȧ_n + W_hn·(r'·ȧ_r ⊙ h)). */
  protected propagate(sOut: Vec, sDot: Vec | null, theta: Vec): void {
    const H = this.cell.hiddenSize;
    const B = this.batch;
    const { a, gates, h, da, t, ghN, sigma } = this;
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        t[b * H + i] = sigma.grad(a[r], gates[r]) * da[r] * h[b * H + i];
      }
    }
    matmulABt(ghN, t, this.cell.recurrentRows.of(theta)[1], B, H, H);
    for (let b = 0; b < B; b++) for (let i = 0; i < H; i++) this.unitTangent(sOut, sDot, b, i, ghN[b * H + i]);
  }

  /** ‖v_r‖ = |h_i·r'_i|·‖((1 − z) ⊙ n') ⊙ W_hn[:, i]‖ (t holds the squared column norms). */
  protected stateNorms(vNorm: Vec, theta: Vec): void {
    const H = this.cell.hiddenSize;
    const B = this.batch;
    const { a, gates, h, t, sigma } = this;
    const weightHhN = this.cell.recurrentRows.of(theta)[1];
    t.fill(0);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) {
        const n = b * 3 * H + 2 * H + j;
        const w = (1 - gates[n - H]) * this.phi.grad(a[n], gates[n]);
        for (let i = 0; i < H; i++) t[b * H + i] += (w * weightHhN[j * H + i]) ** 2;
      }
    }
    this.updateAndCandidateNorms(vNorm);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        vNorm[r] = Math.abs(h[b * H + i] * sigma.grad(a[r], gates[r])) * Math.sqrt(t[b * H + i]);
      }
    }
  }

  /** ‖u_r‖ = ‖u_z‖ = ‖[x; h; 1]‖, ‖u_n‖ = ‖[x; rh; 1]‖. */
  protected rowParamNorms(uNorm: Vec, b: number, xx: number, hh: number): void {
    const H = this.cell.hiddenSize;
    const biasCount = this.cell.bias ? 1 : 0;
    const row = b * 3 * H;
    uNorm.fill(Math.sqrt(xx + hh + biasCount), row, row + 2 * H);
    uNorm.fill(Math.sqrt(xx + dotAt(this.rh, b * H, this.rh, b * H, H) + biasCount), row + 2 * H, row + 3 * H);
  }

  /**
   * ∂h'_i/∂h_i = z_i + (h_i − n_i)·z'_i·W_hz[i, i] + (1 − z_i)·n'_i·∂a_n,i/∂h_i, where h_i reaches
   * a_n,i through rh_i = r_i·h_i and through every r_j: ∂a_n,i/∂h_i = W_hn[i, i]·r_i +
   * Σ_j W_hn[i, j]·h_j·r'_j·W_hr[j, i]. O(H²) per row, as one matrix-vector product.
   */
  stateJacobianDiagonal(out: Vec, theta: Vec): void {
    const H = this.cell.hiddenSize;
    const weightHh = this.cell.blocks.of(theta)[1];
    const { a, gates, h, sigma } = this;
    for (let b = 0; b < this.batch; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        const z = r + H;
        const n = r + 2 * H;
        let candidate = weightHh[(2 * H + i) * H + i] * gates[r];
        for (let j = 0; j < H; j++) {
          const rj = b * 3 * H + j;
          candidate += weightHh[(2 * H + i) * H + j] * h[b * H + j] * sigma.grad(a[rj], gates[rj]) * weightHh[j * H + i];
        }
        out[b * H + i] =
          gates[z] + (h[b * H + i] - gates[n]) * sigma.grad(a[z], gates[z]) * weightHh[(H + i) * H + i] + (1 - gates[z]) * this.phi.grad(a[n], gates[n]) * candidate;
      }
    }
  }
}
