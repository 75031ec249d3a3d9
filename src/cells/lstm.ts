/**
 * LSTM cell (Hochreiter & Schmidhuber 1997 with the forget gate of Gers, Schmidhuber & Cummins
 * 2000; PyTorch nn.LSTMCell, Keras LSTMCell), with optional peepholes (Gers & Schmidhuber 2000)
 * and an optional projection (LSTMP, Sak, Senior & Beaufays 2014; PyTorch proj_size):
 *
 *   i  = σ(W_ii·x + W_hi·h + b_i [+ w_ci ⊙ c])       peepholes on i and f see c(t−1)
 *   f  = σ(W_if·x + W_hf·h + b_f [+ w_cf ⊙ c])
 *   g  = tanh(W_ig·x + W_hg·h + b_g)
 *   c' = f ⊙ c + i ⊙ g
 *   o  = σ(W_io·x + W_ho·h + b_o [+ w_co ⊙ c'])      the peephole on o sees c(t) = c'
 *   m  = o ⊙ tanh(c')
 *   h' = m,  or  h' = W_hr·m  with projection (h has P < H entries)
 *
 * σ is the gate activation. State s = [h (P); c (H)], n = P + H; the output is h'.
 * Gates are ordered i, f, g, o everywhere (PyTorch); Keras names the same order i, f, c, o.
 * Immediate influence, per batch row: one term per gate row k = gate·H + j, with
 *   u_k = [x; h; 1; peephole input] on row k of (W_ih, W_hh, b, w_c), v_k = ∂s'/∂a_k,
 * and with projection P more terms k = 4H + r, u_k = m on row r of W_hr, v_k = e_{h_r}.
 * Note: one bias per gate (Keras, TF.js); PyTorch's b_ih + b_hh are summed on import.
 * Note: initialisation treats each gate's block as its own matrix (as Flax's per-gate Dense
 * layers do): Glorot-uniform with fanOut H, orthogonal H×P recurrent blocks. Keras initialises
 * the fused (I × 4H) and (P × 4H) matrices instead. Peepholes start at zero (Keras draws them
 * from the kernel initialiser), so a fresh peephole LSTM computes what the plain one does.
 */
import { zeros, type DType, type Vec } from '../tensor/dtype.js';
import { gateActivation, GATE_ACTIVATIONS, type Activation, type GateActivation } from '../tensor/activations.js';
import { addColumns, copyColumns, lstmGates, matmulAB, matmulABt, matmulABtAdd, matmulAtBAdd, dotAt, type LstmGateBuffers } from '../tensor/kernels.js';
import { glorotUniform, orthogonal } from '../tensor/init.js';
import type { Rng } from '../tensor/rng.js';
import { SegmentViews } from '../tensor/views.js';
import { layoutParams, type Cell, type CellStep, type CellWindow, type ImmediateInfluence, type InventoryEntry, type KroneckerInfluence, type ParamBlock, type StatePart, type WindowOrder } from './cell.js';
import { DenseRowsKronecker } from './kronecker.js';
import { checkBoolean, checkChoice, checkDType, checkSize, rejectUnknownOptions } from './options.js';

export interface LstmOptions {
  inputSize: number;
  hiddenSize: number;
  /** P, the size of h when projecting (1 ≤ projSize < hiddenSize). @default no projection (P = H) */
  projSize?: number;
  /** Diagonal peephole weights from c to the gates. @default false */
  peephole?: boolean;
  /** @default true */
  bias?: boolean;
  /** @default 'sigmoid' */
  gateActivation?: GateActivation;
  /** @default 'float64' */
  dtype?: DType;
}

const OPTION_NAMES = ['inputSize', 'hiddenSize', 'projSize', 'peephole', 'bias', 'gateActivation', 'dtype'] as const;
/** θ's blocks in order; `blocks.of` gives an empty view for an absent one. */
const BLOCK_NAMES = ['weightIh', 'weightHh', 'bias', 'peephole', 'weightHr'] as const;
/** Keras's gate names in our gate order i, f, g, o. */
const KERAS_GATES = ['i', 'f', 'c', 'o'] as const;

export class LstmCell implements Cell {
  readonly kind = 'lstm';
  readonly dtype: DType;
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** P when projecting, undefined otherwise. */
  readonly projSize: number | undefined;
  readonly peephole: boolean;
  readonly bias: boolean;
  readonly gateActivation: GateActivation;
  readonly stateSize: number;
  readonly outputSize: number;
  readonly outputOffset = 0;
  readonly paramSize: number;
  readonly params: readonly ParamBlock[];
  readonly stateParts: readonly StatePart[];
  /** Views [W_ih, W_hh, b, w_c, W_hr] of any θ-shaped buffer (θ, ∂θ, θ̇); absent blocks are empty. */
  readonly blocks: SegmentViews;

  constructor(options: LstmOptions) {
    rejectUnknownOptions('lstm', options, OPTION_NAMES);
    this.inputSize = checkSize('lstm', 'inputSize', options.inputSize);
    this.hiddenSize = checkSize('lstm', 'hiddenSize', options.hiddenSize);
    const H = this.hiddenSize;
    this.projSize = options.projSize === undefined ? undefined : checkSize('lstm', 'projSize', options.projSize);
    if (this.projSize !== undefined && this.projSize >= H) {
      throw new RangeError(`lstm: projSize must be less than hiddenSize (${H}), got ${this.projSize}`);
    }
    this.peephole = checkBoolean('lstm', 'peephole', options.peephole ?? false);
    this.bias = checkBoolean('lstm', 'bias', options.bias ?? true);
    this.gateActivation = checkChoice('lstm', 'gateActivation', options.gateActivation ?? 'sigmoid', GATE_ACTIVATIONS);
    this.dtype = checkDType('lstm', options.dtype ?? 'float64');
    const P = this.projSize ?? H;
    const layout = layoutParams([
      { name: 'weightIh', shape: [4 * H, this.inputSize] },
      { name: 'weightHh', shape: [4 * H, P] },
      ...(this.bias ? [{ name: 'bias', shape: [4 * H] }] : []),
      ...(this.peephole ? [{ name: 'peephole', shape: [3 * H] }] : []),
      ...(this.projSize !== undefined ? [{ name: 'weightHr', shape: [P, H] }] : []),
    ]);
    this.params = layout.params;
    this.paramSize = layout.paramSize;
    this.stateSize = P + H;
    this.outputSize = P;
    this.stateParts = [
      { name: 'h', offset: 0, size: P },
      { name: 'c', offset: P, size: H },
    ];
    this.blocks = new SegmentViews(BLOCK_NAMES.map((name) => this.params.find((p) => p.name === name) ?? { offset: 0, size: 0 }));
  }

  inventory(): readonly InventoryEntry[] {
    const { inputSize: I, hiddenSize: H, outputSize: P } = this;
    const perGate = (name: string, shape: number[]) => KERAS_GATES.map((gate) => ({ name: `${name}[${gate}]`, shape }));
    return [
      ...perGate('kernels', [I, H]),
      ...perGate('recurrentKernels', [P, H]),
      ...(this.bias ? perGate('bias', [H]) : []),
      ...(this.peephole ? ['i', 'f', 'o'].map((gate) => ({ name: `peepholes[${gate}]`, shape: [H] })) : []),
      ...(this.projSize !== undefined ? [{ name: 'projection', shape: [H, P] }] : []),
    ];
  }

  initParams(theta: Vec, rng: Rng): void {
    const { inputSize: I, hiddenSize: H, outputSize: P } = this;
    const [weightIh, weightHh, bias, peephole, weightHr] = this.blocks.of(theta);
    for (let gate = 0; gate < 4; gate++) {
      glorotUniform(weightIh.subarray(gate * H * I, (gate + 1) * H * I), I, H, rng);
      orthogonal(weightHh.subarray(gate * H * P, (gate + 1) * H * P), H, P, rng);
    }
    bias.fill(0);
    bias.fill(1, H, 2 * H); // forget gate open at the start (Jozefowicz et al. 2015; Keras unit_forget_bias)
    peephole.fill(0);
    glorotUniform(weightHr, H, P, rng);
  }

  createStep(batch = 1): CellStep {
    return new LstmStep(this, checkSize('lstm', 'batch', batch));
  }

  createWindow(maxSteps: number, batch: number): CellWindow {
    return new LstmWindow(this, checkSize('lstm', 'maxSteps', maxSteps), checkSize('lstm', 'batch', batch));
  }
}

class LstmStep implements CellStep, ImmediateInfluence {
  readonly influence: ImmediateInfluence = this;
  readonly termCount: number;
  /** Only without peepholes and projection, whose parameters read other inputs than [x; h; 1]. */
  readonly kronecker?: KroneckerInfluence;
  // Recorded at forward (B rows each).
  private readonly x: Vec; // B×I
  private readonly h: Vec; // B×P
  private readonly c: Vec; // B×H
  private readonly a: Vec; // B×4H, pre-activations, peepholes included
  private readonly y: Vec; // B×4H, gate values [i, f, g, o]
  private readonly cNext: Vec; // B×H, c'
  private readonly tc: Vec; // B×H, tanh(c')
  private readonly m: Vec; // B×H, o ⊙ tanh(c')
  // Scratch shared by vjp (cotangents) and jvp (tangents).
  private readonly aWork: Vec; // B×4H: ∂L/∂a or ȧ
  private readonly hWork: Vec; // B×P: ∂L/∂h' or the direct part of ḣ' (the projection terms)
  private readonly hPrevWork: Vec; // B×P: ∂L/∂h or ḣ
  private readonly cWork: Vec; // B×H: ċ'
  private readonly mWork: Vec; // B×H: ∂L/∂m or ṁ (projection only)
  private readonly columnNorm: Vec; // H: ‖W_hr[:, j]‖
  private readonly sigma: Activation;
  /** The buffers of the pointwise gate kernel, named once. */
  private readonly gates: LstmGateBuffers;
  private readonly hasBias: boolean;
  private readonly hasPeephole: boolean;
  private readonly projecting: boolean;

  /** Set by a window's `project`: a holds W_ih·x already, so the next forward skips that product. */
  projected = false;

  constructor(
    private readonly cell: LstmCell,
    readonly batch: number,
    storage: StepStorage = ownStorage(cell, batch),
  ) {
    const { dtype, inputSize: I, hiddenSize: H, outputSize: P } = cell;
    const B = batch;
    this.projecting = cell.projSize !== undefined;
    this.hasBias = cell.bias;
    this.hasPeephole = cell.peephole;
    this.termCount = 4 * H + (this.projecting ? P : 0);
    ({ x: this.x, h: this.h, c: this.c, a: this.a, cNext: this.cNext, m: this.m, aWork: this.aWork, hWork: this.hWork } = storage);
    this.y = zeros(dtype, B * 4 * H);
    this.tc = zeros(dtype, B * H);
    this.hPrevWork = zeros(dtype, B * P);
    this.cWork = zeros(dtype, B * H);
    this.mWork = zeros(dtype, B * H);
    this.columnNorm = zeros(dtype, H);
    this.sigma = gateActivation(cell.gateActivation);
    this.gates = { a: this.a, c: this.c, y: this.y, cNext: this.cNext, tc: this.tc, m: this.m };
    if (!this.hasPeephole && !this.projecting) this.kronecker = new DenseRowsKronecker(cell.blocks, { rows: 4 * H, inputSize: I, stateSize: P, bias: this.hasBias, batch: B }, this.x, this.h);
  }

  forward(sNext: Vec, x: Vec, s: Vec, theta: Vec): void {
    const { inputSize: I, hiddenSize: H, outputSize: P, stateSize: n } = this.cell;
    const B = this.batch;
    const [weightIh, weightHh, bias, peephole, weightHr] = this.cell.blocks.of(theta);
    const { a, c, cNext, m, sigma } = this;
    this.x.set(x);
    takeColumns(this.h, s, B, n, 0, P);
    takeColumns(c, s, B, n, P, H);
    if (this.projected) this.projected = false;
    else matmulABt(a, this.x, weightIh, B, 4 * H, I);
    matmulABtAdd(a, this.h, weightHh, B, 4 * H, P);
    lstmGates(this.gates, this.hasBias ? bias : null, this.hasPeephole ? peephole : null, sigma.value, B, H);
    if (this.projecting) {
      matmulABt(this.hWork, m, weightHr, B, P, H);
      putColumns(sNext, this.hWork, B, n, 0, P);
    } else {
      putColumns(sNext, m, B, n, 0, H);
    }
    putColumns(sNext, cNext, B, n, P, H);
  }

  vjp(dX: Vec | null, dS: Vec | null, dTheta: Vec | null, dSNext: Vec, theta: Vec): void {
    const { inputSize: I, hiddenSize: H, outputSize: P } = this.cell;
    const B = this.batch;
    const [weightIh, weightHh] = this.cell.blocks.of(theta);
    const da = this.aWork;
    this.preActivationCotangent(dSNext, dS, theta);
    if (dTheta !== null) this.accumulateParams(dTheta);
    if (dX !== null) matmulAB(dX, da, weightIh, B, I, 4 * H);
    if (dS !== null) {
      matmulAB(this.hPrevWork, da, weightHh, B, P, 4 * H);
      putColumns(dS, this.hPrevWork, B, this.cell.stateSize, 0, P);
    }
  }

  /**
   * ∂L/∂a (aWork) and, when projecting, ∂L/∂h' (hWork) given ∂L/∂s' — the cotangents every
   * parameter row reads; also the c part of ∂L/∂s into dS when it is not null.
   */
  private preActivationCotangent(dSNext: Vec, dS: Vec | null, theta: Vec): void {
    const { hiddenSize: H, outputSize: P, stateSize: n } = this.cell;
    const B = this.batch;
    const [, , , peephole, weightHr] = this.cell.blocks.of(theta);
    const { a, y, c, tc, sigma } = this;
    const da = this.aWork;
    const dhNext = this.hWork;
    takeColumns(dhNext, dSNext, B, n, 0, P);
    let dm = dhNext;
    if (this.projecting) {
      dm = this.mWork;
      matmulAB(dm, dhNext, weightHr, B, H, P); // ∂L/∂m = W_hrᵀ·∂L/∂h'
    }
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) {
        const k = 4 * H * b + j;
        const u = H * b + j;
        const i = y[k];
        const f = y[k + H];
        const g = y[k + 2 * H];
        const o = y[k + 3 * H];
        const daO = dm[u] * tc[u] * sigma.grad(a[k + 3 * H], o);
        // ∂L/∂c' gathers the state's c part, the path through tanh(c'), and o's peephole.
        let dcNext = dSNext[n * b + P + j] + dm[u] * o * (1 - tc[u] * tc[u]);
        if (this.hasPeephole) dcNext += daO * peephole[2 * H + j];
        da[k] = dcNext * g * sigma.grad(a[k], i);
        da[k + H] = dcNext * c[u] * sigma.grad(a[k + H], f);
        da[k + 2 * H] = dcNext * i * (1 - g * g);
        da[k + 3 * H] = daO;
        if (dS !== null) {
          let dc = dcNext * f;
          if (this.hasPeephole) dc += da[k] * peephole[j] + da[k + H] * peephole[H + j];
          dS[n * b + P + j] = dc;
        }
      }
    }
  }

  jvp(sNextDot: Vec, xDot: Vec | null, sDot: Vec | null, thetaDot: Vec | null, theta: Vec): void {
    const { inputSize: I, hiddenSize: H, outputSize: P, stateSize: n } = this.cell;
    const B = this.batch;
    const [weightIh, weightHh, , peephole] = this.cell.blocks.of(theta);
    const { y, c, cNext, m } = this;
    const aDot = this.aWork;
    const cNextDot = this.cWork; // here only f ⊙ ċ; propagate adds the gates' part
    aDot.fill(0);
    cNextDot.fill(0);
    if (xDot !== null) matmulABtAdd(aDot, xDot, weightIh, B, 4 * H, I);
    if (sDot !== null) {
      const hDot = this.hPrevWork;
      takeColumns(hDot, sDot, B, n, 0, P);
      matmulABtAdd(aDot, hDot, weightHh, B, 4 * H, P);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const k = 4 * H * b + j;
          const cDot = sDot[n * b + P + j];
          cNextDot[H * b + j] = y[k + H] * cDot;
          if (this.hasPeephole) {
            aDot[k] += peephole[j] * cDot;
            aDot[k + H] += peephole[H + j] * cDot;
          }
        }
      }
    }
    if (this.projecting) this.hWork.fill(0);
    if (thetaDot !== null) {
      const [weightIhDot, weightHhDot, biasDot, peepholeDot, weightHrDot] = this.cell.blocks.of(thetaDot);
      matmulABtAdd(aDot, this.x, weightIhDot, B, 4 * H, I);
      matmulABtAdd(aDot, this.h, weightHhDot, B, 4 * H, P);
      if (this.hasBias) for (let k = 0; k < B * 4 * H; k++) aDot[k] += biasDot[k % (4 * H)];
      if (this.hasPeephole) {
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < H; j++) {
            const k = 4 * H * b + j;
            const u = H * b + j;
            aDot[k] += peepholeDot[j] * c[u];
            aDot[k + H] += peepholeDot[H + j] * c[u];
            aDot[k + 3 * H] += peepholeDot[2 * H + j] * cNext[u];
          }
        }
      }
      if (this.projecting) matmulABt(this.hWork, m, weightHrDot, B, P, H); // Ẇ_hr·m
    }
    this.propagate(sNextDot, theta);
  }

  /**
   * s'̇ from the direct pre-activation tangents ȧ (aWork), the carried ċ' (cWork) and, when
   * projecting, the direct ḣ' (hWork): the map a ↦ s' that every v_k is a column of.
   */
  private propagate(sOut: Vec, theta: Vec): void {
    const { hiddenSize: H, outputSize: P, stateSize: n } = this.cell;
    const B = this.batch;
    const [, , , peephole, weightHr] = this.cell.blocks.of(theta);
    const { a, y, c, tc, sigma } = this;
    const aDot = this.aWork;
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) {
        const k = 4 * H * b + j;
        const u = H * b + j;
        const i = y[k];
        const f = y[k + H];
        const g = y[k + 2 * H];
        const o = y[k + 3 * H];
        const cNextDot =
          this.cWork[u] + sigma.grad(a[k], i) * g * aDot[k] + sigma.grad(a[k + H], f) * c[u] * aDot[k + H] + i * (1 - g * g) * aDot[k + 2 * H];
        let aODot = aDot[k + 3 * H];
        if (this.hasPeephole) aODot += peephole[2 * H + j] * cNextDot; // o sees c'
        const mDot = sigma.grad(a[k + 3 * H], o) * tc[u] * aODot + o * (1 - tc[u] * tc[u]) * cNextDot;
        sOut[n * b + P + j] = cNextDot;
        if (this.projecting) this.mWork[u] = mDot;
        else sOut[n * b + j] = mDot;
      }
    }
    if (this.projecting) {
      matmulABtAdd(this.hWork, this.mWork, weightHr, B, P, H); // + W_hr·ṁ
      putColumns(sOut, this.hWork, B, n, 0, P);
    }
  }

  /** ∂θ += Σ_k coefficient_k·u_k from ∂L/∂a (aWork) and, when projecting, ∂L/∂h' (hWork). */
  private accumulateParams(dTheta: Vec): void {
    const { inputSize: I, hiddenSize: H, outputSize: P } = this.cell;
    const B = this.batch;
    const [dWeightIh, dWeightHh, dBias, dPeephole, dWeightHr] = this.cell.blocks.of(dTheta);
    const { c, cNext } = this;
    const da = this.aWork;
    matmulAtBAdd(dWeightIh, da, this.x, 4 * H, I, B);
    matmulAtBAdd(dWeightHh, da, this.h, 4 * H, P, B);
    if (this.hasBias) for (let k = 0; k < B * 4 * H; k++) dBias[k % (4 * H)] += da[k];
    if (this.hasPeephole) {
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const k = 4 * H * b + j;
          const u = H * b + j;
          dPeephole[j] += da[k] * c[u];
          dPeephole[H + j] += da[k + H] * c[u];
          dPeephole[2 * H + j] += da[k + 3 * H] * cNext[u];
        }
      }
    }
    if (this.projecting) matmulAtBAdd(dWeightHr, this.hWork, this.m, P, H, B);
  }

  // Immediate influence: terms [i, f, g, o gate rows (4H); W_hr rows (P, when projecting)].

  norms(vNorm: Vec, uNorm: Vec, theta: Vec): void {
    const { inputSize: I, hiddenSize: H, outputSize: P } = this.cell;
    const K = this.termCount;
    const [, , , peephole, weightHr] = this.cell.blocks.of(theta);
    const { a, y, x, h, c, cNext, tc, m, sigma, columnNorm } = this;
    if (this.projecting) {
      for (let j = 0; j < H; j++) {
        let sum = 0;
        for (let r = 0; r < P; r++) sum += weightHr[r * H + j] ** 2;
        columnNorm[j] = Math.sqrt(sum);
      }
    }
    for (let b = 0; b < this.batch; b++) {
      const z2 = dotAt(x, b * I, x, b * I, I) + dotAt(h, b * P, h, b * P, P) + (this.hasBias ? 1 : 0);
      const t = K * b;
      for (let j = 0; j < H; j++) {
        const k = 4 * H * b + j;
        const u = H * b + j;
        const i = y[k];
        const f = y[k + H];
        const g = y[k + 2 * H];
        const o = y[k + 3 * H];
        const oGrad = sigma.grad(a[k + 3 * H], o);
        const hScale = this.projecting ? columnNorm[j] : 1;
        // ∂m/∂c' in full: through tanh and, with a peephole, through o.
        let kappa = o * (1 - tc[u] * tc[u]);
        if (this.hasPeephole) kappa += tc[u] * oGrad * peephole[2 * H + j];
        const mTerm = kappa * hScale;
        const cTerm = Math.sqrt(mTerm * mTerm + 1); // ‖∂s'/∂c'_j‖ (not Math.hypot, which allocates per call in V8)
        vNorm[t + j] = Math.abs(g * sigma.grad(a[k], i)) * cTerm;
        vNorm[t + H + j] = Math.abs(c[u] * sigma.grad(a[k + H], f)) * cTerm;
        vNorm[t + 2 * H + j] = Math.abs(i * (1 - g * g)) * cTerm;
        vNorm[t + 3 * H + j] = Math.abs(tc[u] * oGrad) * hScale;
        const c2 = this.hasPeephole ? c[u] * c[u] : 0;
        uNorm[t + j] = Math.sqrt(z2 + c2);
        uNorm[t + H + j] = Math.sqrt(z2 + c2);
        uNorm[t + 2 * H + j] = Math.sqrt(z2);
        uNorm[t + 3 * H + j] = Math.sqrt(z2 + (this.hasPeephole ? cNext[u] * cNext[u] : 0));
      }
      if (this.projecting) {
        const mNorm = Math.sqrt(dotAt(m, b * H, m, b * H, H));
        for (let r = 0; r < P; r++) {
          vNorm[t + 4 * H + r] = 1;
          uNorm[t + 4 * H + r] = mNorm;
        }
      }
    }
  }

  combineState(sOut: Vec, coefficient: Vec, theta: Vec): void {
    this.unpackCoefficients(coefficient);
    this.cWork.fill(0);
    this.propagate(sOut, theta);
  }

  addCombinedParams(dTheta: Vec, coefficient: Vec): void {
    this.unpackCoefficients(coefficient);
    this.accumulateParams(dTheta);
  }

  /** coefficient ← [∂L/∂a (4H); ∂L/∂h' (P, when projecting)] given ∂L/∂s' = s, as in vjp. */
  projectState(coefficient: Vec, s: Vec, theta: Vec): void {
    const { hiddenSize: H, outputSize: P } = this.cell;
    this.preActivationCotangent(s, null, theta);
    putColumns(coefficient, this.aWork, this.batch, this.termCount, 0, 4 * H);
    if (this.projecting) putColumns(coefficient, this.hWork, this.batch, this.termCount, 4 * H, P);
  }

  /** Splits coefficient rows (B×K) into the gate part (aWork) and the projection part (hWork). */
  private unpackCoefficients(coefficient: Vec): void {
    const { hiddenSize: H, outputSize: P } = this.cell;
    takeColumns(this.aWork, coefficient, this.batch, this.termCount, 0, 4 * H);
    if (this.projecting) takeColumns(this.hWork, coefficient, this.batch, this.termCount, 4 * H, P);
  }
}

/** The recordings a step keeps (B rows each): its own buffers, or views into a window's. */
interface StepStorage {
  readonly x: Vec; // B×I
  readonly h: Vec; // B×P
  readonly c: Vec; // B×H
  readonly a: Vec; // B×4H
  readonly cNext: Vec; // B×H
  readonly m: Vec; // B×H
  readonly aWork: Vec; // B×4H
  readonly hWork: Vec; // B×P
}

const STORAGE_WIDTHS = (cell: LstmCell): Record<keyof StepStorage, number> => {
  const { inputSize: I, hiddenSize: H, outputSize: P } = cell;
  return { x: I, h: P, c: H, a: 4 * H, cNext: H, m: H, aWork: 4 * H, hWork: P };
};

function ownStorage(cell: LstmCell, batch: number): StepStorage {
  const widths = STORAGE_WIDTHS(cell);
  const make = (name: keyof StepStorage) => zeros(cell.dtype, batch * widths[name]);
  return { x: make('x'), h: make('h'), c: make('c'), a: make('a'), cNext: make('cNext'), m: make('m'), aWork: make('aWork'), hWork: make('hWork') };
}

/**
 * A window of LSTM steps whose recordings are rows of contiguous (maxSteps·B × width) buffers,
 * step k at rows [k·B, (k+1)·B). Then for a window of T steps
 *   A[·] = X·W_ihᵀ                       one GEMM instead of T matrix-vector products,
 *   ∂W_ih += ∂Aᵀ·X,  ∂W_hh += ∂Aᵀ·H,     two GEMMs instead of 2T rank-one updates,
 *   ∂X = ∂A·W_ih,  ∂b = Σ_rows ∂A,       ∂W_hr += ∂H'ᵀ·M (projection), peepholes summed row-wise,
 * where ∂A = ∂L/∂a is what each step's vjp leaves in its aWork row. Only W_hh·h and W_hhᵀ·∂a
 * remain per step: they carry the recurrence.
 */
class LstmWindow implements CellWindow {
  readonly steps: LstmStep[];
  private readonly rows: Record<keyof StepStorage, Vec>;
  private readonly dX: Vec; // maxSteps·B × I, ∂L/∂x in step order

  constructor(
    private readonly cell: LstmCell,
    maxSteps: number,
    readonly batch: number,
  ) {
    const widths = STORAGE_WIDTHS(cell);
    const names = Object.keys(widths) as Array<keyof StepStorage>;
    this.rows = Object.fromEntries(names.map((name) => [name, zeros(cell.dtype, maxSteps * batch * widths[name])])) as Record<keyof StepStorage, Vec>;
    const row = (name: keyof StepStorage, k: number) => this.rows[name].subarray(k * batch * widths[name], (k + 1) * batch * widths[name]);
    this.steps = Array.from({ length: maxSteps }, (_, k) => {
      const storage = Object.fromEntries(names.map((name) => [name, row(name, k)])) as unknown as StepStorage;
      return new LstmStep(cell, batch, storage);
    });
    this.dX = zeros(cell.dtype, maxSteps * batch * cell.inputSize);
  }

  project(inputs: Vec, count: number, theta: Vec, order: WindowOrder): void {
    const { inputSize: I, hiddenSize: H } = this.cell;
    const B = this.batch;
    const X = this.rows.x;
    if (order.reversed) for (let k = 0; k < count; k++) copyColumns(X, I, k * B * I, inputs, I, (count - 1 - k) * B * I, B, I);
    else X.set(inputs.subarray(0, count * B * I));
    matmulABt(this.rows.a, X, this.cell.blocks.of(theta)[0]!, count * B, 4 * H, I);
    for (let k = 0; k < count; k++) this.steps[k]!.projected = true;
  }

  accumulate(dTheta: Vec, count: number): void {
    const { inputSize: I, hiddenSize: H, outputSize: P } = this.cell;
    const R = count * this.batch;
    const { x: X, h: Hprev, c: C, cNext: CNext, m: M, aWork: dA, hWork: dHNext } = this.rows;
    const [dWeightIh, dWeightHh, dBias, dPeephole, dWeightHr] = this.cell.blocks.of(dTheta);
    matmulAtBAdd(dWeightIh, dA, X, 4 * H, I, R);
    matmulAtBAdd(dWeightHh, dA, Hprev, 4 * H, P, R);
    if (this.cell.bias) for (let r = 0; r < R; r++) for (let k = 0; k < 4 * H; k++) dBias[k] += dA[r * 4 * H + k];
    if (this.cell.peephole) {
      for (let r = 0; r < R; r++) {
        for (let j = 0; j < H; j++) {
          const k = 4 * H * r + j;
          const u = H * r + j;
          dPeephole[j] += dA[k] * C[u];
          dPeephole[H + j] += dA[k + H] * C[u];
          dPeephole[2 * H + j] += dA[k + 3 * H] * CNext[u];
        }
      }
    }
    if (this.cell.projSize !== undefined) matmulAtBAdd(dWeightHr, dHNext, M, P, H, R);
  }

  addInputGradient(dInputs: Vec, count: number, theta: Vec, order: WindowOrder): void {
    const { inputSize: I, hiddenSize: H } = this.cell;
    const B = this.batch;
    matmulAB(this.dX, this.rows.aWork, this.cell.blocks.of(theta)[0]!, count * B, I, 4 * H);
    for (let k = 0; k < count; k++) {
      const t = order.reversed ? count - 1 - k : k;
      addColumns(dInputs, I, t * B * I, this.dX, I, k * B * I, B, I);
    }
  }
}

/** out (rows×width) = columns [from, from + width) of A (rows×stride). */
function takeColumns(out: Vec, A: Vec, rows: number, stride: number, from: number, width: number): void {
  for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) out[r * width + j] = A[r * stride + from + j];
}

/** Columns [from, from + width) of out (rows×stride) = A (rows×width). */
function putColumns(out: Vec, A: Vec, rows: number, stride: number, from: number, width: number): void {
  for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) out[r * stride + from + j] = A[r * width + j];
}

/** An LSTM cell, optionally with peepholes and a projection. */
export function lstm(options: LstmOptions): LstmCell {
  return new LstmCell(options);
}
