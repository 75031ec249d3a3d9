/**
 * Gated recurrent unit (Cho et al. 2014; PyTorch nn.GRUCell, Keras GRU), in two conventions.
 *
 * resetAfter = true (PyTorch, cuDNN, Keras reset_after=True):
 *   r  = σ(W_ir·x + b_r + W_hr·h + b̂_r)
 *   z  = σ(W_iz·x + b_z + W_hz·h + b̂_z)
 *   n  = tanh(W_in·x + b_n + r ⊙ hn)          hn = W_hn·h + b̂_n
 *   h' = (1 − z) ⊙ n + z ⊙ h
 * resetAfter = false (Cho et al. 2014, Keras reset_after=False):
 *   r  = σ(W_ir·x + W_hr·h + b_r)
 *   z  = σ(W_iz·x + W_hz·h + b_z)
 *   n  = tanh(W_in·x + W_hn·rh + b_n)          rh = r ⊙ h
 *   h' = (1 − z) ⊙ n + z ⊙ h
 *
 * θ = [weightIh (3H×I), weightHh (3H×H), bias (3H), recurrentBias (3H)], gate rows r, z, n
 * (PyTorch's order); recurrentBias b̂ exists only with resetAfter. State s = h (n = H).
 * The pre-activations a = [a_r, a_z, a_n] (B×3H) are a_r = W_ir·x + W_hr·h + biases, likewise
 * a_z, and a_n = W_in·x + b_n + r ⊙ hn (resetAfter) or W_in·x + W_hn·rh + b_n.
 * Immediate influence: one term per gate row k = gate·H + i; v_k = ∂h'/∂a_k in total (for r it
 * runs through n), u_k = ∂a_k/∂θ; a prime is the derivative in the gate's own pre-activation
 * (r'_i = σ'(a_r,i), n'_i = 1 − n_i²):
 *   z: v = (h_i − n_i)·z'_i·e_i,         u = [x; h; 1; 1] on row k
 *   n: v = (1 − z_i)·n'_i·e_i,           u = [x; r_i·h; 1; r_i] (resetAfter) or [x; rh; 1]
 *   r: v = (1 − z_i)·n'_i·hn_i·r'_i·e_i  (resetAfter)
 *      v = ((1 − z) ⊙ n')·W_hn[:, i]·h_i·r'_i  (a dense column otherwise), u = [x; h; 1; 1].
 * Note: reset-before is Cho et al. 2014 as published (arXiv:1406.1078v3), reset-after is its v1
 * and cuDNN's form; TF.js offers only reset-before. z weights the old state, as in Cho et al.,
 * PyTorch and Keras (Chung et al. 2014 swap z and 1 − z). Cho et al. write no biases; we add
 * one per gate, as Keras does. Keras orders the gates z, r, h and calls n "h"; the inventory
 * uses its names and order.
 */
import { zeros, type DType, type Vec } from '../tensor/dtype.js';
import { gateActivation, GATE_ACTIVATIONS, type Activation, type GateActivation } from '../tensor/activations.js';
import { matmulAB, matmulABt, matmulABtAdd, matmulAtBAdd, dotAt } from '../tensor/kernels.js';
import { glorotUniform, orthogonal } from '../tensor/init.js';
import type { Rng } from '../tensor/rng.js';
import { SegmentViews } from '../tensor/views.js';
import { layoutParams, type Cell, type CellStep, type ImmediateInfluence, type InventoryEntry, type ParamBlock, type StatePart } from './cell.js';
import { checkBoolean, checkChoice, checkDType, checkSize, rejectUnknownOptions } from './options.js';

export interface GruOptions {
  inputSize: number;
  hiddenSize: number;
  /** Reset gate applied after the recurrent matmul (PyTorch, cuDNN, Keras 3) or before it (Cho 2014, TF.js). @default true */
  resetAfter?: boolean;
  /** @default true */
  bias?: boolean;
  /** @default 'sigmoid' */
  gateActivation?: GateActivation;
  /** @default 'float64' */
  dtype?: DType;
}

const OPTION_NAMES = ['inputSize', 'hiddenSize', 'resetAfter', 'bias', 'gateActivation', 'dtype'] as const;

/** Keras's gate names in Keras's order (our rows are r, z, n). */
const KERAS_GATES = ['z', 'r', 'h'] as const;

export class GruCell implements Cell {
  readonly kind = 'gru';
  readonly dtype: DType;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly resetAfter: boolean;
  readonly bias: boolean;
  readonly gateActivation: GateActivation;
  readonly stateSize: number;
  readonly outputSize: number;
  readonly outputOffset = 0;
  readonly paramSize: number;
  readonly params: readonly ParamBlock[];
  readonly stateParts: readonly StatePart[];
  /** Views [W_ih, W_hh, b?, b̂?] of any θ-shaped buffer (θ, ∂θ, θ̇). */
  readonly blocks: SegmentViews;
  /** Views [W_h{r,z} (2H×H), W_hn (H×H)] of W_hh, for resetAfter = false where n sees r ⊙ h. */
  readonly recurrentRows: SegmentViews;

  constructor(options: GruOptions) {
    rejectUnknownOptions('gru', options, OPTION_NAMES);
    this.inputSize = checkSize('gru', 'inputSize', options.inputSize);
    this.hiddenSize = checkSize('gru', 'hiddenSize', options.hiddenSize);
    this.resetAfter = checkBoolean('gru', 'resetAfter', options.resetAfter ?? true);
    this.bias = checkBoolean('gru', 'bias', options.bias ?? true);
    this.gateActivation = checkChoice('gru', 'gateActivation', options.gateActivation ?? 'sigmoid', GATE_ACTIVATIONS);
    this.dtype = checkDType('gru', options.dtype ?? 'float64');
    const H = this.hiddenSize;
    const layout = layoutParams([
      { name: 'weightIh', shape: [3 * H, this.inputSize] },
      { name: 'weightHh', shape: [3 * H, H] },
      ...(this.bias ? [{ name: 'bias', shape: [3 * H] }] : []),
      ...(this.bias && this.resetAfter ? [{ name: 'recurrentBias', shape: [3 * H] }] : []),
    ]);
    this.params = layout.params;
    this.paramSize = layout.paramSize;
    this.stateSize = H;
    this.outputSize = H;
    this.stateParts = [{ name: 'h', offset: 0, size: H }];
    this.blocks = new SegmentViews(this.params);
    const weightHh = this.params[1]!;
    this.recurrentRows = new SegmentViews([
      { offset: weightHh.offset, size: 2 * H * H },
      { offset: weightHh.offset + 2 * H * H, size: H * H },
    ]);
  }

  inventory(): readonly InventoryEntry[] {
    const { inputSize: I, hiddenSize: H } = this;
    const entries = (name: string, shape: number[]) => KERAS_GATES.map((gate) => ({ name: `${name}[${gate}]`, shape }));
    return [
      ...entries('kernels', [I, H]),
      ...entries('recurrentKernels', [H, H]),
      ...(this.bias ? entries('bias', [H]) : []),
      ...(this.bias && this.resetAfter ? entries('recurrentBias', [H]) : []),
    ];
  }

  initParams(theta: Vec, rng: Rng): void {
    const H = this.hiddenSize;
    const [weightIh, weightHh, bias, recurrentBias] = this.blocks.of(theta);
    glorotUniform(weightIh, this.inputSize, H, rng);
    for (let gate = 0; gate < 3; gate++) orthogonal(weightHh.subarray(gate * H * H, (gate + 1) * H * H), H, H, rng);
    bias?.fill(0);
    recurrentBias?.fill(0);
  }

  createStep(batch = 1): CellStep {
    return new GruStep(this, checkSize('gru', 'batch', batch));
  }
}

/** Offsets of the r, z, n blocks within one batch row of a (B×3H) buffer are 0, H, 2H. */
class GruStep implements CellStep, ImmediateInfluence {
  readonly influence: ImmediateInfluence = this;
  readonly termCount: number;
  private readonly x: Vec; // B×I, the recorded input
  private readonly h: Vec; // B×H, the recorded previous state
  private readonly a: Vec; // B×3H, pre-activations [a_r, a_z, a_n]
  private readonly gates: Vec; // B×3H, [r, z, n]
  private readonly hn: Vec; // B×H, W_hn·h + b̂_n (resetAfter)
  private readonly rh: Vec; // B×H, r ⊙ h (resetAfter = false)
  private readonly da: Vec; // B×3H, scratch for ∂L/∂a and ȧ
  private readonly gh: Vec; // B×3H, scratch for the recurrent products W_hh·h, their tangents or cotangents
  private readonly ghRz: Vec; // B×2H, the front of gh for W_h{r,z}·h (resetAfter = false)
  private readonly ghN: Vec; // B×H, the back of gh for W_hn·rh (resetAfter = false)
  private readonly t: Vec; // B×H, scratch for ∂L/∂rh, r ⊙ ḣ, ṙ ⊙ h and column norms
  private readonly sigma: Activation;

  constructor(private readonly cell: GruCell, readonly batch: number) {
    const { dtype, inputSize, hiddenSize: H } = cell;
    this.termCount = 3 * H;
    this.x = zeros(dtype, batch * inputSize);
    this.h = zeros(dtype, batch * H);
    this.a = zeros(dtype, batch * 3 * H);
    this.gates = zeros(dtype, batch * 3 * H);
    this.hn = zeros(dtype, batch * H);
    this.rh = zeros(dtype, batch * H);
    this.da = zeros(dtype, batch * 3 * H);
    this.gh = zeros(dtype, batch * 3 * H);
    this.ghRz = this.gh.subarray(0, batch * 2 * H);
    this.ghN = this.gh.subarray(batch * 2 * H);
    this.t = zeros(dtype, batch * H);
    this.sigma = gateActivation(cell.gateActivation);
  }

  forward(sNext: Vec, x: Vec, s: Vec, theta: Vec): void {
    const { inputSize: I, hiddenSize: H, resetAfter } = this.cell;
    const B = this.batch;
    const [weightIh, weightHh, bias, recurrentBias] = this.cell.blocks.of(theta);
    const [weightHhRz, weightHhN] = this.cell.recurrentRows.of(theta);
    this.x.set(x);
    this.h.set(s);
    const { a, gates, h, hn, rh, gh, ghRz, ghN, sigma } = this;
    matmulABt(a, this.x, weightIh, B, 3 * H, I);
    if (bias !== undefined) addToEachRow(a, bias);
    if (resetAfter) {
      matmulABt(gh, h, weightHh, B, 3 * H, H);
      if (recurrentBias !== undefined) addToEachRow(gh, recurrentBias);
    } else {
      matmulABt(ghRz, h, weightHhRz, B, 2 * H, H);
    }
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        const z = r + H;
        a[r] += resetAfter ? gh[r] : ghRz[b * 2 * H + i];
        a[z] += resetAfter ? gh[z] : ghRz[b * 2 * H + H + i];
        gates[r] = sigma.value(a[r]);
        gates[z] = sigma.value(a[z]);
        if (resetAfter) hn[b * H + i] = gh[r + 2 * H];
        else rh[b * H + i] = gates[r] * h[b * H + i];
      }
    }
    if (!resetAfter) matmulABt(ghN, rh, weightHhN, B, H, H);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        const z = r + H;
        const n = r + 2 * H;
        a[n] += resetAfter ? gates[r] * hn[b * H + i] : ghN[b * H + i];
        gates[n] = Math.tanh(a[n]);
        sNext[b * H + i] = (1 - gates[z]) * gates[n] + gates[z] * h[b * H + i];
      }
    }
  }

  vjp(dX: Vec | null, dS: Vec | null, dTheta: Vec | null, dSNext: Vec, theta: Vec): void {
    const { inputSize: I, hiddenSize: H, resetAfter } = this.cell;
    const B = this.batch;
    const { da, gates, t } = this;
    this.preActivationCotangent(dSNext, theta);
    if (dTheta !== null || dS !== null) this.recurrentCotangent(da);
    if (dTheta !== null) this.accumulateParams(dTheta, da);
    const [weightIh, weightHh] = this.cell.blocks.of(theta);
    if (dX !== null) matmulAB(dX, da, weightIh, B, I, 3 * H);
    if (dS === null) return;
    // ∂L/∂h: through the recurrent products, through rh = r ⊙ h (Cho), and directly through z ⊙ h.
    if (resetAfter) matmulAB(dS, this.gh, weightHh, B, H, 3 * H);
    else matmulAB(dS, this.ghRz, this.cell.recurrentRows.of(theta)[0], B, H, 2 * H);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        const throughRh = resetAfter ? 0 : t[b * H + i] * gates[r];
        dS[b * H + i] += dSNext[b * H + i] * gates[r + H] + throughRh;
      }
    }
  }

  jvp(sNextDot: Vec, xDot: Vec | null, sDot: Vec | null, thetaDot: Vec | null, theta: Vec): void {
    const H = this.cell.hiddenSize;
    this.preActivationTangent(xDot, sDot, thetaDot, theta);
    this.combineState(sNextDot, this.da, theta);
    if (sDot === null) return;
    for (let b = 0; b < this.batch; b++) {
      for (let i = 0; i < H; i++) sNextDot[b * H + i] += this.gates[b * 3 * H + H + i] * sDot[b * H + i];
    }
  }

  /** da ← ∂L/∂a given ∂L/∂h' (for Cho, on the way, t ← ∂L/∂rh). */
  private preActivationCotangent(dSNext: Vec, theta: Vec): void {
    const { hiddenSize: H, resetAfter } = this.cell;
    const B = this.batch;
    const { a, gates, h, hn, da, t, sigma } = this;
    const daN = this.ghN; // ∂L/∂a_n gathered into B×H for the product with W_hn
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        const z = r + H;
        const n = r + 2 * H;
        const dh = dSNext[b * H + i];
        da[z] = dh * (h[b * H + i] - gates[n]) * sigma.grad(a[z], gates[z]);
        da[n] = dh * (1 - gates[z]) * (1 - gates[n] * gates[n]);
        if (resetAfter) da[r] = da[n] * hn[b * H + i] * sigma.grad(a[r], gates[r]);
        else daN[b * H + i] = da[n];
      }
    }
    if (resetAfter) return;
    matmulAB(t, daN, this.cell.recurrentRows.of(theta)[1], B, H, H);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        da[r] = t[b * H + i] * h[b * H + i] * sigma.grad(a[r], gates[r]);
      }
    }
  }

  /**
   * gh ← the cotangent of the recurrent products given ∂L/∂a = coefficient: [∂a_r, ∂a_z, r ⊙ ∂a_n]
   * (resetAfter, B×3H), or ghRz ← [∂a_r, ∂a_z] (B×2H) and ghN ← ∂a_n (B×H) (Cho).
   */
  private recurrentCotangent(coefficient: Vec): void {
    const { hiddenSize: H, resetAfter } = this.cell;
    const { gates, gh: dgh, ghRz: dghRz, ghN: dghN } = this;
    for (let b = 0; b < this.batch; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        if (resetAfter) {
          dgh[r] = coefficient[r];
          dgh[r + H] = coefficient[r + H];
          dgh[r + 2 * H] = gates[r] * coefficient[r + 2 * H];
        } else {
          dghRz[b * 2 * H + i] = coefficient[r];
          dghRz[b * 2 * H + H + i] = coefficient[r + H];
          dghN[b * H + i] = coefficient[r + 2 * H];
        }
      }
    }
  }

  /** dTheta += Σ_k coefficient_k·u_k, after recurrentCotangent(coefficient). */
  private accumulateParams(dTheta: Vec, coefficient: Vec): void {
    const { inputSize: I, hiddenSize: H, resetAfter } = this.cell;
    const B = this.batch;
    const { x, h, rh } = this;
    const [dWeightIh, dWeightHh, dBias, dRecurrentBias] = this.cell.blocks.of(dTheta);
    matmulAtBAdd(dWeightIh, coefficient, x, 3 * H, I, B);
    if (dBias !== undefined) addRowSum(dBias, coefficient);
    if (resetAfter) {
      matmulAtBAdd(dWeightHh, this.gh, h, 3 * H, H, B);
      if (dRecurrentBias !== undefined) addRowSum(dRecurrentBias, this.gh);
    } else {
      const [dWeightHhRz, dWeightHhN] = this.cell.recurrentRows.of(dTheta);
      matmulAtBAdd(dWeightHhRz, this.ghRz, h, 2 * H, H, B);
      matmulAtBAdd(dWeightHhN, this.ghN, rh, H, H, B);
    }
  }

  /** da ← ȧ: the pre-activations' tangent at fixed gates, ∂a/∂x·ẋ + ∂a/∂h·ḣ + Σ_k ⟨u_k, θ̇⟩·e_k. */
  private preActivationTangent(xDot: Vec | null, sDot: Vec | null, thetaDot: Vec | null, theta: Vec): void {
    const { inputSize: I, hiddenSize: H, resetAfter } = this.cell;
    const B = this.batch;
    const { x, h, rh, gates, t } = this;
    const { da: aDot, gh: ghDot, ghRz: ghRzDot, ghN: ghNDot } = this;
    const [weightIh, weightHh] = this.cell.blocks.of(theta);
    const [weightHhRz, weightHhN] = this.cell.recurrentRows.of(theta);
    aDot.fill(0);
    ghDot.fill(0);
    if (xDot !== null) matmulABtAdd(aDot, xDot, weightIh, B, 3 * H, I);
    if (sDot !== null && resetAfter) matmulABtAdd(ghDot, sDot, weightHh, B, 3 * H, H);
    if (sDot !== null && !resetAfter) {
      matmulABtAdd(ghRzDot, sDot, weightHhRz, B, 2 * H, H);
      for (let b = 0; b < B; b++) for (let i = 0; i < H; i++) t[b * H + i] = gates[b * 3 * H + i] * sDot[b * H + i];
      matmulABtAdd(ghNDot, t, weightHhN, B, H, H);
    }
    if (thetaDot !== null) {
      const [weightIhDot, weightHhDot, biasDot, recurrentBiasDot] = this.cell.blocks.of(thetaDot);
      matmulABtAdd(aDot, x, weightIhDot, B, 3 * H, I);
      if (biasDot !== undefined) addToEachRow(aDot, biasDot);
      if (resetAfter) {
        matmulABtAdd(ghDot, h, weightHhDot, B, 3 * H, H);
        if (recurrentBiasDot !== undefined) addToEachRow(ghDot, recurrentBiasDot);
      } else {
        const [weightHhRzDot, weightHhNDot] = this.cell.recurrentRows.of(thetaDot);
        matmulABtAdd(ghRzDot, h, weightHhRzDot, B, 2 * H, H);
        matmulABtAdd(ghNDot, rh, weightHhNDot, B, H, H);
      }
    }
    // The recurrent products enter the pre-activations as in forward (the transpose of recurrentCotangent).
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        if (resetAfter) {
          aDot[r] += ghDot[r];
          aDot[r + H] += ghDot[r + H];
          aDot[r + 2 * H] += gates[r] * ghDot[r + 2 * H];
        } else {
          aDot[r] += ghRzDot[b * 2 * H + i];
          aDot[r + H] += ghRzDot[b * 2 * H + H + i];
          aDot[r + 2 * H] += ghNDot[b * H + i];
        }
      }
    }
  }

  // Immediate influence: term k = gate·H + i of row b is gate row k (gates r, z, n).

  norms(vNorm: Vec, uNorm: Vec, theta: Vec): void {
    const { inputSize: I, hiddenSize: H, resetAfter, bias } = this.cell;
    const B = this.batch;
    const { a, gates, x, h, hn, rh, t, sigma } = this;
    if (!resetAfter) {
      // t[b, i] = ‖((1 − z) ⊙ n') ⊙ W_hn[:, i]‖², the column part of v_r.
      const weightHhN = this.cell.recurrentRows.of(theta)[1];
      t.fill(0);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const n = b * 3 * H + 2 * H + j;
          const w = (1 - gates[n - H]) * (1 - gates[n] * gates[n]);
          for (let i = 0; i < H; i++) t[b * H + i] += (w * weightHhN[j * H + i]) ** 2;
        }
      }
    }
    const biasCount = bias ? 1 : 0;
    for (let b = 0; b < B; b++) {
      const xx = dotAt(x, b * I, x, b * I, I);
      const hh = dotAt(h, b * H, h, b * H, H);
      const uGate = Math.sqrt(xx + hh + (resetAfter ? 2 : 1) * biasCount);
      const uCandidate = resetAfter ? 0 : Math.sqrt(xx + dotAt(rh, b * H, rh, b * H, H) + biasCount);
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        const z = r + H;
        const n = r + 2 * H;
        const dn = (1 - gates[z]) * (1 - gates[n] * gates[n]); // ∂h'_i/∂a_n,i
        const rGrad = sigma.grad(a[r], gates[r]);
        vNorm[r] = resetAfter ? Math.abs(dn * hn[b * H + i] * rGrad) : Math.abs(h[b * H + i] * rGrad) * Math.sqrt(t[b * H + i]);
        vNorm[z] = Math.abs((h[b * H + i] - gates[n]) * sigma.grad(a[z], gates[z]));
        vNorm[n] = Math.abs(dn);
        uNorm[r] = uGate;
        uNorm[z] = uGate;
        uNorm[n] = resetAfter ? Math.sqrt(xx + biasCount + gates[r] * gates[r] * (hh + biasCount)) : uCandidate;
      }
    }
  }

  /** sOut ← Σ_k coefficient_k·v_k: h'̇ given the pre-activation tangents ȧ = coefficient. */
  combineState(sOut: Vec, coefficient: Vec, theta: Vec): void {
    const { hiddenSize: H, resetAfter } = this.cell;
    const B = this.batch;
    const { a, gates, h, hn, t, sigma } = this;
    const ghNDot = this.ghN;
    if (!resetAfter) {
      // ṙ reaches a_n through W_hn·(ṙ ⊙ h).
      for (let b = 0; b < B; b++) {
        for (let i = 0; i < H; i++) {
          const r = b * 3 * H + i;
          t[b * H + i] = sigma.grad(a[r], gates[r]) * coefficient[r] * h[b * H + i];
        }
      }
      matmulABt(ghNDot, t, this.cell.recurrentRows.of(theta)[1], B, H, H);
    }
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < H; i++) {
        const r = b * 3 * H + i;
        const z = r + H;
        const n = r + 2 * H;
        const zDot = sigma.grad(a[z], gates[z]) * coefficient[z];
        const fromR = resetAfter ? sigma.grad(a[r], gates[r]) * coefficient[r] * hn[b * H + i] : ghNDot[b * H + i];
        const nDot = (1 - gates[n] * gates[n]) * (coefficient[n] + fromR);
        sOut[b * H + i] = (1 - gates[z]) * nDot + (h[b * H + i] - gates[n]) * zDot;
      }
    }
  }

  /** coefficient ← ∂L/∂a given ∂L/∂h' = s: the gate rows' cotangent, as in vjp. */
  projectState(coefficient: Vec, s: Vec, theta: Vec): void {
    this.preActivationCotangent(s, theta);
    coefficient.set(this.da);
  }

  addCombinedParams(dTheta: Vec, coefficient: Vec): void {
    this.recurrentCotangent(coefficient);
    this.accumulateParams(dTheta, coefficient);
  }
}

/** out (B×G) += row (G) on every row. */
function addToEachRow(out: Vec, row: Vec): void {
  for (let k = 0; k < out.length; k++) out[k] += row[k % row.length];
}

/** out (G) += the sum of the rows of A (B×G). */
function addRowSum(out: Vec, A: Vec): void {
  for (let k = 0; k < A.length; k++) out[k % out.length] += A[k];
}

/** A gated recurrent unit. */
export function gru(options: GruOptions): GruCell {
  return new GruCell(options);
}
