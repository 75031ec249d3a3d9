/**
 * The LSTM's per-term norms ‖v_k‖, ‖u_k‖ (what NoBackTrack scales by) and the diagonal of its
 * state Jacobian, read from a recorded LstmStep. Terms per batch row: [i, f, g, o gate rows (4H);
 * W_hr rows (P, when projecting)], as in lstm-step.ts; s = [h (P); c (H)].
 */
import type { Vec } from '../tensor/dtype.js';
import { dotAt } from '../tensor/kernels.js';
import type { LstmStep } from './lstm-step.js';

/** vNorm (B×K) ← ‖v_k‖ = ‖∂s'/∂a_k‖. */
export function lstmStateNorms(step: LstmStep, vNorm: Vec, theta: Vec): void {
  const { hiddenSize: H, outputSize: P } = step.cell;
  const K = step.termCount;
  const [, , , peephole, weightHr] = step.cell.blocks.of(theta);
  const { a, y, c, tc, sigma, columnNorm } = step;
  if (step.projecting) {
    for (let j = 0; j < H; j++) {
      let sum = 0;
      for (let r = 0; r < P; r++) sum += weightHr[r * H + j] ** 2;
      columnNorm[j] = Math.sqrt(sum);
    }
  }
  for (let b = 0; b < step.batch; b++) {
    const t = K * b;
    for (let j = 0; j < H; j++) {
      const hScale = step.projecting ? columnNorm[j] : 1;
      const k = 4 * H * b + j;
      const u = H * b + j;
      const o = y[k + 3 * H];
      const oGrad = sigma.grad(a[k + 3 * H], o);
      const i = y[k];
      const g = y[k + 2 * H];
      // ∂m/∂c' in full: through tanh and, with a peephole, through o.
      let kappa = o * (1 - tc[u] * tc[u]);
      if (step.hasPeephole) kappa += tc[u] * oGrad * peephole[2 * H + j];
      const mTerm = kappa * hScale;
      const cTerm = Math.sqrt(mTerm * mTerm + 1); // ‖∂s'/∂c'_j‖ (not Math.hypot, which allocates per call in V8)
      vNorm[t + j] = Math.abs(g * sigma.grad(a[k], i)) * cTerm;
      vNorm[t + H + j] = Math.abs(c[u] * sigma.grad(a[k + H], y[k + H])) * cTerm;
      vNorm[t + 2 * H + j] = Math.abs(i * (1 - g * g)) * cTerm;
      vNorm[t + 3 * H + j] = Math.abs(tc[u] * oGrad) * hScale;
    }
    if (step.projecting) for (let r = 0; r < P; r++) vNorm[t + 4 * H + r] = 1;
  }
}

/** uNorm (B×K) ← ‖u_k‖: the norm of what parameter row k reads, [x; h; 1; peephole input] or m. */
export function lstmParamNorms(step: LstmStep, uNorm: Vec): void {
  const { inputSize: I, hiddenSize: H, outputSize: P } = step.cell;
  const K = step.termCount;
  const { x, h, c, cNext, m } = step;
  for (let b = 0; b < step.batch; b++) {
    const z2 = dotAt(x, b * I, x, b * I, I) + dotAt(h, b * P, h, b * P, P) + (step.hasBias ? 1 : 0);
    const t = K * b;
    if (!step.hasPeephole) {
      // every gate row reads [x; h; 1]: one norm for all 4H (√(z2 + 0) = √z2 exactly)
      uNorm.fill(Math.sqrt(z2), t, t + 4 * H);
    } else {
      // the peepholes add c to the i and f rows' inputs and c' to the o row's
      for (let j = 0; j < H; j++) {
        const u = H * b + j;
        const c2 = c[u] * c[u];
        uNorm[t + j] = Math.sqrt(z2 + c2);
        uNorm[t + H + j] = Math.sqrt(z2 + c2);
        uNorm[t + 2 * H + j] = Math.sqrt(z2);
        uNorm[t + 3 * H + j] = Math.sqrt(z2 + cNext[u] * cNext[u]);
      }
    }
    if (step.projecting) {
      const mNorm = Math.sqrt(dotAt(m, b * H, m, b * H, H));
      for (let r = 0; r < P; r++) uNorm[t + 4 * H + r] = mNorm;
    }
  }
}

/**
 * out (B×n) ← the diagonal of ∂s'/∂s. For c: ∂c'_j/∂c_j = f_j (+ the peepholes' g_j·i'_j·w_ci,j +
 * c_j·f'_j·w_cf,j). For h: ∂h'_r/∂h_r = Σ_j W_hr[r, j]·∂m_j/∂h_r (W_hr = I without projection),
 * where h_r reaches m_j through the gate rows' recurrent weights W_h·[j, r]:
 *   ∂c'_j/∂h_r = i'·g·W_hi[j, r] + f'·c·W_hf[j, r] + i·(1 − g²)·W_hg[j, r],
 *   ∂m_j/∂h_r  = o'·tanh(c'_j)·(W_ho[j, r] + w_co,j·∂c'_j/∂h_r) + o·(1 − tanh²c'_j)·∂c'_j/∂h_r.
 * Cost O(B·P·H) with a projection (the size of W_hr), O(B·H) without.
 */
export function lstmStateDiagonal(step: LstmStep, out: Vec, theta: Vec): void {
  const { hiddenSize: H, outputSize: P, stateSize: n } = step.cell;
  const [, weightHh, , peephole, weightHr] = step.cell.blocks.of(theta);
  const { a, y, c, sigma } = step;
  for (let b = 0; b < step.batch; b++) {
    for (let r = 0; r < P; r++) {
      if (!step.projecting) {
        out[n * b + r] = memoryByState(step, weightHh, peephole, b, r, r);
        continue;
      }
      let sum = 0;
      for (let j = 0; j < H; j++) sum += weightHr[r * H + j] * memoryByState(step, weightHh, peephole, b, j, r);
      out[n * b + r] = sum;
    }
    for (let j = 0; j < H; j++) {
      const k = 4 * H * b + j;
      const u = H * b + j;
      let diagonal = y[k + H];
      if (step.hasPeephole) diagonal += y[k + 2 * H] * sigma.grad(a[k], y[k]) * peephole[j] + c[u] * sigma.grad(a[k + H], y[k + H]) * peephole[H + j];
      out[n * b + P + j] = diagonal;
    }
  }
}

/** ∂m_j/∂h_r in batch row b (see lstmStateDiagonal). */
function memoryByState(step: LstmStep, weightHh: Vec, peephole: Vec, b: number, j: number, r: number): number {
  const { hiddenSize: H, outputSize: P } = step.cell;
  const { a, y, c, tc, sigma } = step;
  const k = 4 * H * b + j;
  const u = H * b + j;
  const i = y[k];
  const g = y[k + 2 * H];
  const o = y[k + 3 * H];
  const row = j * P + r; // W_h·[j, r] in gate block 0; block q starts q·H·P further
  const dc = sigma.grad(a[k], i) * g * weightHh[row] + sigma.grad(a[k + H], y[k + H]) * c[u] * weightHh[H * P + row] + i * (1 - g * g) * weightHh[2 * H * P + row];
  const daO = weightHh[3 * H * P + row] + (step.hasPeephole ? peephole[2 * H + j] * dc : 0);
  return sigma.grad(a[k + 3 * H], o) * tc[u] * daO + o * (1 - tc[u] * tc[u]) * dc;
}
