/**
 * Gated recurrent unit (Cho et al. 2014; PyTorch nn.GRUCell, Keras GRU), in two conventions.
 *
 * resetAfter = true (PyTorch, cuDNN, Keras reset_after=True):
 *   r  = σ(W_ir·x + b_r + W_hr·h + b̂_r)
 *   z  = σ(W_iz·x + b_z + W_hz·h + b̂_z)
 *   n  = φ(W_in·x + b_n + r ⊙ hn)             hn = W_hn·h + b̂_n,  φ = tanh (or the identity)
 *   h' = (1 − z) ⊙ n + z ⊙ h
 * resetAfter = false (Cho et al. 2014, Keras reset_after=False):
 *   r  = σ(W_ir·x + W_hr·h + b_r)
 *   z  = σ(W_iz·x + W_hz·h + b_z)
 *   n  = φ(W_in·x + W_hn·rh + b_n)             rh = r ⊙ h
 *   h' = (1 − z) ⊙ n + z ⊙ h
 *
 * θ = [weightIh (3H×I), weightHh (3H×H), bias (3H), recurrentBias (3H)], gate rows r, z, n
 * (PyTorch's order); recurrentBias b̂ exists only with resetAfter. State s = h (n = H).
 * The pre-activations a = [a_r, a_z, a_n] (B×3H) are a_r = W_ir·x + W_hr·h + biases, likewise
 * a_z, and a_n = W_in·x + b_n + r ⊙ hn (resetAfter) or W_in·x + W_hn·rh + b_n.
 * Immediate influence: one term per gate row k = gate·H + i; v_k = ∂h'/∂a_k in total (for r it
 * runs through n), u_k = ∂a_k/∂θ; a prime is the derivative in the gate's own pre-activation
 * (r'_i = σ'(a_r,i), n'_i = φ'(a_n,i): 1 − n_i² for tanh, 1 for the identity):
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
import type { DType, Vec } from '../tensor/dtype.js';
import { GATE_ACTIVATIONS, type GateActivation } from '../tensor/activations.js';

/** The candidate n's activation φ: tanh (every GRU's), or the identity (Keras's GRU with activation 'linear'). */
export type CandidateActivation = 'tanh' | 'linear';
export const CANDIDATE_ACTIVATIONS: readonly CandidateActivation[] = ['tanh', 'linear'];
import { glorotUniform, orthogonal } from '../tensor/init.js';
import type { Rng } from '../tensor/rng.js';
import { SegmentViews } from '../tensor/views.js';
import { layoutParams, type Cell, type CellStep, type InventoryEntry, type ParamBlock, type StatePart } from './cell.js';
import { GruResetAfterStep } from './gru-reset-after.js';
import { GruResetBeforeStep } from './gru-reset-before.js';
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
  /** @default 'tanh' */
  candidateActivation?: CandidateActivation;
  /** @default 'float64' */
  dtype?: DType;
}

const OPTION_NAMES = ['inputSize', 'hiddenSize', 'resetAfter', 'bias', 'gateActivation', 'candidateActivation', 'dtype'] as const;

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
  readonly candidateActivation: CandidateActivation;
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
    this.candidateActivation = checkChoice('gru', 'candidateActivation', options.candidateActivation ?? 'tanh', CANDIDATE_ACTIVATIONS);
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
    const rows = checkSize('gru', 'batch', batch);
    return this.resetAfter ? new GruResetAfterStep(this, rows) : new GruResetBeforeStep(this, rows);
  }
}

/** A gated recurrent unit. */
export function gru(options: GruOptions): GruCell {
  return new GruCell(options);
}
