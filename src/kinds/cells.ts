/**
 * The cell table: one spec per cell kind — how its config is parsed and validated (once), how
 * it is built, its CLI flags and help, its PyTorch and TF.js names, which capabilities its
 * influence offers (so which learners it supports), and the variants the contract suites run.
 * Adding a cell is its file (with its spec, as cells/influence.ts does) plus one line here.
 */
import type { DType } from '../tensor/dtype.js';
import { GATE_ACTIVATIONS, NONLINEARITIES, type GateActivation, type Nonlinearity } from '../tensor/activations.js';
import { rnn } from '../cells/rnn.js';
import { lstm } from '../cells/lstm.js';
import { CANDIDATE_ACTIVATIONS, gru, type CandidateActivation } from '../cells/gru.js';
import { influenceSpec } from '../cells/influence.js';
import { allowOnly, defined, kindsOf, parseKind, specOf, optionalBoolean, optionalChoice, optionalPositiveInteger, positiveInteger } from './options.js';
import type { CellSpec, ConfigOf, FlagSpec } from './spec.js';

export interface RnnCellConfig {
  readonly kind: 'rnn';
  readonly hiddenSize: number;
  readonly nonlinearity?: Nonlinearity;
  readonly bias?: boolean;
}

export interface LstmCellConfig {
  readonly kind: 'lstm';
  readonly hiddenSize: number;
  readonly projSize?: number;
  readonly peephole?: boolean;
  readonly bias?: boolean;
  readonly gateActivation?: GateActivation;
}

export interface GruCellConfig {
  readonly kind: 'gru';
  readonly hiddenSize: number;
  readonly resetAfter?: boolean;
  readonly bias?: boolean;
  readonly gateActivation?: GateActivation;
  /** The candidate's activation: tanh, or linear (Keras's GRU activation 'linear'). @default 'tanh' */
  readonly candidateActivation?: CandidateActivation;
}

// Flags several cells share: one object each, so their help is written once.
const HIDDEN: FlagSpec = { flag: '--hidden <n>', option: 'hiddenSize', value: 'integer', help: 'hidden size H' };
const BIAS: FlagSpec = { flag: '--no-bias', option: 'bias', value: 'switch', help: 'cells without bias', cliDefault: true };
const GATE: FlagSpec = { flag: '--gate-activation <f>', option: 'gateActivation', value: 'string', help: `gate activation: ${GATE_ACTIVATIONS.join(', ')} (default: sigmoid)`, cliDefault: 'sigmoid' };

/** The options every gated or plain cell with a hidden size reads: kind, hiddenSize, bias. */
function common(raw: Record<string, unknown>, where: string, kind: string, allowed: readonly string[]) {
  allowOnly(raw, ['kind', 'hiddenSize', 'bias', ...allowed], `${where} (${kind})`);
  return { hiddenSize: positiveInteger(raw.hiddenSize, `${where}.hiddenSize`), bias: optionalBoolean(raw.bias, `${where}.bias`) };
}

const rnnSpec = {
  summary: 'Elman RNN: h′ = f(W·x + U·h + b)',
  parse(raw, where) {
    const { hiddenSize, bias } = common(raw, where, 'rnn', ['nonlinearity']);
    const nonlinearity = optionalChoice(raw.nonlinearity, NONLINEARITIES, `${where}.nonlinearity`);
    return { kind: 'rnn', hiddenSize, ...defined({ bias, nonlinearity }) };
  },
  build: (config, { inputSize, dtype }) => rnn({ inputSize, dtype, hiddenSize: config.hiddenSize, ...defined({ nonlinearity: config.nonlinearity, bias: config.bias }) }),
  outputSize: (config) => config.hiddenSize,
  describe: (config) => `RNN, hidden ${config.hiddenSize}`,
  flags: [HIDDEN, BIAS, { flag: '--nonlinearity <f>', option: 'nonlinearity', value: 'string', help: `nonlinearity: ${NONLINEARITIES.join(', ')} (default: tanh)`, cliDefault: 'tanh' }],
  interop: { pytorch: 'RNN', tfjs: 'SimpleRNN' },
  provides: () => ['structuredInfluence', 'kroneckerInfluence'],
  examples: [
    { name: 'rnn tanh', config: { kind: 'rnn', hiddenSize: 4 } },
    { name: 'rnn relu', config: { kind: 'rnn', hiddenSize: 4, nonlinearity: 'relu' } },
  ],
} satisfies CellSpec<RnnCellConfig>;

const lstmSpec = {
  summary: 'LSTM, with peepholes (Gers & Schmidhuber 2000) and projection (LSTMP) as options',
  parse(raw, where) {
    const { hiddenSize, bias } = common(raw, where, 'lstm', ['projSize', 'peephole', 'gateActivation']);
    const projSize = optionalPositiveInteger(raw.projSize, `${where}.projSize`);
    if (projSize !== undefined && projSize >= hiddenSize) throw new RangeError(`${where}.projSize must be smaller than hiddenSize (${hiddenSize}), got ${projSize}`);
    const peephole = optionalBoolean(raw.peephole, `${where}.peephole`);
    const gateActivation = optionalChoice(raw.gateActivation, GATE_ACTIVATIONS, `${where}.gateActivation`);
    return { kind: 'lstm', hiddenSize, ...defined({ projSize, peephole, bias, gateActivation }) };
  },
  build: (config, { inputSize, dtype }) => lstm({ inputSize, dtype, hiddenSize: config.hiddenSize, ...defined({ projSize: config.projSize, peephole: config.peephole, bias: config.bias, gateActivation: config.gateActivation }) }),
  outputSize: (config) => config.projSize ?? config.hiddenSize,
  describe: (config) => `LSTM, hidden ${config.hiddenSize}`,
  flags: [
    HIDDEN,
    BIAS,
    GATE,
    { flag: '--proj <n>', option: 'projSize', value: 'integer', help: 'projection size P < H (LSTMP)' },
    { flag: '--peephole', option: 'peephole', value: 'switch', help: 'peephole connections', cliDefault: false },
  ],
  interop: { pytorch: 'LSTM', tfjs: 'LSTM' },
  // Peepholes and the projection read c and o⊙tanh c, not one shared input z: no Kronecker factors.
  provides: (config) => (config.peephole === true || config.projSize !== undefined ? ['structuredInfluence'] : ['structuredInfluence', 'kroneckerInfluence']),
  examples: [
    { name: 'lstm', config: { kind: 'lstm', hiddenSize: 3 } },
    { name: 'lstm peephole', config: { kind: 'lstm', hiddenSize: 3, peephole: true } },
    { name: 'lstm projection', config: { kind: 'lstm', hiddenSize: 3, projSize: 2 } },
    { name: 'lstm peephole+projection', config: { kind: 'lstm', hiddenSize: 3, projSize: 2, peephole: true } },
    { name: 'lstm no bias', config: { kind: 'lstm', hiddenSize: 3, bias: false } },
  ],
} satisfies CellSpec<LstmCellConfig>;

const gruSpec = {
  summary: 'GRU, reset gate after the recurrent matmul (PyTorch, cuDNN) or before it (Cho 2014)',
  parse(raw, where) {
    const { hiddenSize, bias } = common(raw, where, 'gru', ['resetAfter', 'gateActivation', 'candidateActivation']);
    const resetAfter = optionalBoolean(raw.resetAfter, `${where}.resetAfter`);
    const gateActivation = optionalChoice(raw.gateActivation, GATE_ACTIVATIONS, `${where}.gateActivation`);
    const candidateActivation = optionalChoice(raw.candidateActivation, CANDIDATE_ACTIVATIONS, `${where}.candidateActivation`);
    return { kind: 'gru', hiddenSize, ...defined({ resetAfter, bias, gateActivation, candidateActivation }) };
  },
  build: (config, { inputSize, dtype }) =>
    gru({ inputSize, dtype, hiddenSize: config.hiddenSize, ...defined({ resetAfter: config.resetAfter, bias: config.bias, gateActivation: config.gateActivation, candidateActivation: config.candidateActivation }) }),
  outputSize: (config) => config.hiddenSize,
  describe: (config) => `GRU, hidden ${config.hiddenSize}`,
  flags: [
    HIDDEN,
    BIAS,
    GATE,
    { flag: '--reset-after <bool>', option: 'resetAfter', value: 'boolean', help: 'true = reset after the recurrent matmul (PyTorch), false = before (Cho 2014) (default: true)', cliDefault: true },
  ],
  interop: { pytorch: 'GRU', tfjs: 'GRU' },
  // The candidate's rows read r⊙h, not the shared z = [x; h]: no Kronecker factors.
  provides: () => ['structuredInfluence'],
  examples: [
    { name: 'gru resetAfter', config: { kind: 'gru', hiddenSize: 3, resetAfter: true } },
    { name: 'gru resetBefore', config: { kind: 'gru', hiddenSize: 3, resetAfter: false } },
    { name: 'gru linear candidate', config: { kind: 'gru', hiddenSize: 3, candidateActivation: 'linear' } },
    { name: 'gru resetBefore linear candidate', config: { kind: 'gru', hiddenSize: 3, resetAfter: false, candidateActivation: 'linear' } },
  ],
} satisfies CellSpec<GruCellConfig>;

/** The closed table of cell kinds. */
export const CELLS = { rnn: rnnSpec, lstm: lstmSpec, gru: gruSpec, influence: influenceSpec } as const satisfies { readonly [K in string]: CellSpec<{ readonly kind: K }> };
export type CellKind = keyof typeof CELLS;
export type CellConfig = { [K in CellKind]: ConfigOf<(typeof CELLS)[K]> }[CellKind];
export const CELL_KINDS: readonly CellKind[] = kindsOf(CELLS);

export const cellSpec = <C extends CellConfig>(config: C) => specOf<CellSpec<C>>(CELLS, config);

/** Validates an untrusted cell config; errors name the field. */
export const parseCell = (value: unknown, where: string): CellConfig => parseKind(CELLS, 'cell', value, where) as CellConfig;

/** One cell from its config: the single place a cell kind becomes code. */
export function buildCell(config: CellConfig, inputSize: number, dtype: DType) {
  return cellSpec(config).build(config, { inputSize, dtype });
}

/** The width of a cell's output h. */
export function cellOutputSize(config: CellConfig): number {
  return cellSpec(config).outputSize(config);
}

/** The cells the interop formats (io/pytorch, io/tfjs) map; another kind is refused there by name, whatever it is. */
export type InteropCellConfig = RnnCellConfig | LstmCellConfig | GruCellConfig;
const INTEROP_KINDS: readonly string[] = ['rnn', 'lstm', 'gru'] satisfies ReadonlyArray<InteropCellConfig['kind']>;

/** The config of a cell that `target` has a layer for (its table line names one), or a TypeError naming what cannot be written. */
export function interopCell(config: CellConfig, target: 'pytorch' | 'tfjs', what: string): InteropCellConfig {
  if (cellSpec(config).interop[target] === null || !INTEROP_KINDS.includes(config.kind)) throw new TypeError(`${what}: the ${config.kind} cell has no ${target === 'pytorch' ? 'PyTorch' : 'TF.js'} counterpart`);
  return config as InteropCellConfig;
}
