/**
 * Element-wise recurrent LSTM, eLSTM (Irie, Gopalakrishnan & Schmidhuber 2023, "Exploring the
 * promise and limits of real-time recurrent learning"; a quasi-LSTM whose recurrent weights
 * are vectors):
 *
 *   z  = tanh(W_z·x + w_z ⊙ c + b_z)                                                    (1)
 *   f  = σ(W_f·x + w_f ⊙ c + b_f)                                                       (2)
 *   c' = f ⊙ c + (1 − f) ⊙ z                                                            (3)
 *
 * State s = c (n = H), output c'. Unit i reads only its own c_i, so the state Jacobian is
 * diagonal, ∂c'_i/∂c_i = f_i + (1 − f_i)(1 − z_i²)·w_z,i + (c_i − z_i)·f_i(1 − f_i)·w_f,i, and
 * RTRL's sensitivity of unit i involves only unit i's parameters: O(n·d) memory and work, exact
 * (SnAp-1 of learners/snap1.ts is RTRL on this cell; docs/models.md).
 * Immediate influence: one term per gate row (gate, i), u = [x; c_i; 1] on that row of
 * (W, w, b), v_z,i = (1 − f_i)(1 − z_i²)·e_i and v_f,i = (c_i − z_i)·f_i(1 − f_i)·e_i.
 * Note: the paper's output gate, y = c' ⊙ σ(W_o·[x; c'] + b_o), reads c' and x through a full
 * matrix and is not recurrent; the authors' RTRL layer moves it out of the recurrent layer, and
 * so does this cell: the model's head (or the next layer) reads c' directly.
 */
import type { DType, Vec } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import type { CellStep, InventoryEntry } from './cell.js';
import { WholeStateCell } from './whole-state-cell.js';
import { ElstmStep } from './elstm-step.js';
import { checkBoolean, checkSize, rejectUnknownOptions } from './options.js';
import type { CellSpec, FlagSpec } from '../kinds/spec.js';
import { allowOnly, defined, optionalBoolean, positiveInteger } from '../kinds/options.js';

/** The JSON config of the table line (the CLI's flags and config files), validated by the spec below. */
export interface ElstmCellConfig {
  readonly kind: 'elstm';
  readonly hiddenSize: number;
  readonly bias?: boolean;
}

export interface ElstmOptions {
  inputSize: number;
  hiddenSize: number;
  /** @default true */
  bias?: boolean;
  /** @default 'float64' */
  dtype?: DType;
}

const OPTION_NAMES = ['inputSize', 'hiddenSize', 'bias', 'dtype'] as const;
/** The gates in the order of their rows: the candidate z, then the forget gate f. */
const GATES = ['z', 'f'] as const;
/** Irie et al.'s initialisation: every parameter N(0, 0.1²). */
const INIT_STD = 0.1;

export class ElstmCell extends WholeStateCell {
  declare readonly kind: 'elstm';
  readonly hiddenSize: number;
  readonly bias: boolean;

  constructor(options: ElstmOptions) {
    rejectUnknownOptions('elstm', options, OPTION_NAMES);
    const H = checkSize('elstm', 'hiddenSize', options.hiddenSize);
    const inputSize = checkSize('elstm', 'inputSize', options.inputSize);
    const bias = checkBoolean('elstm', 'bias', options.bias ?? true);
    // Rows z then f: W (2H × I), the recurrent vectors w (2H), b (2H).
    const blocks = [{ name: 'weightIh', shape: [2 * H, inputSize] }, { name: 'weightHh', shape: [2 * H] }, ...(bias ? [{ name: 'bias', shape: [2 * H] }] : [])];
    super('elstm', { dtype: options.dtype, inputSize, blocks, stateParts: [{ name: 'c', offset: 0, size: H }] });
    this.hiddenSize = H;
    this.bias = bias;
  }

  protected step(batch: number): CellStep {
    return new ElstmStep(this, batch);
  }

  inventory(): readonly InventoryEntry[] {
    const { inputSize: I, hiddenSize: H } = this;
    const perGate = (name: string, shape: number[]) => GATES.map((gate) => ({ name: `${name}[${gate}]`, shape }));
    return [...perGate('kernels', [I, H]), ...perGate('recurrentKernels', [H]), ...(this.bias ? perGate('bias', [H]) : [])];
  }

  initParams(theta: Vec, rng: Rng): void {
    for (let k = 0; k < theta.length; k++) theta[k] = INIT_STD * rng.normal();
  }
}

/** An element-wise recurrent LSTM (eLSTM) cell. */
export function elstm(options: ElstmOptions): ElstmCell {
  return new ElstmCell(options);
}

const ELSTM_FLAGS: readonly FlagSpec[] = [
  { flag: '--hidden <n>', option: 'hiddenSize', value: 'integer', help: 'hidden size H' },
  { flag: '--no-bias', option: 'bias', value: 'switch', help: 'cells without bias', cliDefault: true },
];

/** The table line of `elstm`. */
export const elstmSpec = {
  summary: 'element-wise recurrent LSTM, eLSTM (Irie et al. 2023): diagonal state Jacobian, exact RTRL at O(n·d)',
  parse(raw, where) {
    allowOnly(raw, ['kind', 'hiddenSize', 'bias'], `${where} (elstm)`);
    const bias = optionalBoolean(raw.bias, `${where}.bias`);
    return { kind: 'elstm', hiddenSize: positiveInteger(raw.hiddenSize, `${where}.hiddenSize`), ...defined({ bias }) };
  },
  build: (config, { inputSize, dtype }) => elstm({ inputSize, dtype, hiddenSize: config.hiddenSize, ...defined({ bias: config.bias }) }),
  outputSize: (config) => config.hiddenSize,
  describe: (config) => `eLSTM, hidden ${config.hiddenSize}`,
  // The same flag objects' text as the other cells' (the CLI merges flags by their text).
  flags: ELSTM_FLAGS,
  interop: { pytorch: null, tfjs: null },
  // The recurrent vectors w read c_i, not one shared input z: no Kronecker factors.
  provides: () => ['structuredInfluence'],
  examples: [
    { name: 'elstm', config: { kind: 'elstm', hiddenSize: 3 } },
    { name: 'elstm no bias', config: { kind: 'elstm', hiddenSize: 3, bias: false } },
  ],
} satisfies CellSpec<ElstmCellConfig>;
