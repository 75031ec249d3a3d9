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
import type { DType, Vec } from '../tensor/dtype.js';
import { GATE_ACTIVATIONS, type GateActivation } from '../tensor/activations.js';
import { glorotUniform, orthogonal } from '../tensor/init.js';
import type { Rng } from '../tensor/rng.js';
import { SegmentViews } from '../tensor/views.js';
import { layoutParams, type Cell, type CellStep, type CellWindow, type InventoryEntry, type ParamBlock, type StatePart } from './cell.js';
import { LstmStep } from './lstm-step.js';
import { LstmWindow } from './lstm-window.js';
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

/** LSTMP projects h down to P < H entries: the one statement of that rule (the cell table's parse uses it too). */
export function checkProjSize(where: string, projSize: number, hiddenSize: number): number {
  if (projSize >= hiddenSize) throw new RangeError(`${where} must be smaller than hiddenSize (${hiddenSize}), got ${projSize}`);
  return projSize;
}

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
    this.projSize = options.projSize === undefined ? undefined : checkProjSize('lstm: projSize', checkSize('lstm', 'projSize', options.projSize), H);
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

/** An LSTM cell, optionally with peepholes and a projection. */
export function lstm(options: LstmOptions): LstmCell {
  return new LstmCell(options);
}
