/** The model flags shared by every command that builds a model, parsed once into a ModelConfig. */
import type { Command } from 'commander';
import { isDType } from '../tensor/dtype.js';
import { GATE_ACTIVATIONS, NONLINEARITIES, type GateActivation, type Nonlinearity } from '../tensor/activations.js';
import { CELL_KINDS, parseModelConfig, repeatedLayers, type CellConfig, type ModelConfig } from '../model/config.js';
import { UsageError } from './errors.js';

export interface ModelFlags {
  cell: string;
  input?: string;
  hidden: string;
  layers: string;
  bidirectional?: boolean;
  output?: string;
  dtype: string;
  proj?: string;
  peephole?: boolean;
  bias: boolean;
  resetAfter?: string;
  nonlinearity?: string;
  gateActivation?: string;
}

export function addModelOptions(command: Command, defaults: { input?: boolean } = {}): Command {
  return command
    .option('--cell <kind>', `cell: ${CELL_KINDS.join(', ')}`, 'lstm')
    .option('--input <n>', defaults.input === false ? 'input size (default: the task’s)' : 'input size')
    .option('--hidden <n>', 'hidden size H', '64')
    .option('--layers <n>', 'number of stacked layers', '1')
    .option('--bidirectional', 'bidirectional layers (forward and backward outputs concatenated)')
    .option('--output <n>', 'size of the dense output head (omit for none)')
    .option('--dtype <dtype>', 'float64 or float32', 'float64')
    .option('--proj <n>', 'LSTM projection size P < H (LSTMP)')
    .option('--peephole', 'LSTM peephole connections')
    .option('--no-bias', 'cells without bias')
    .option('--reset-after <bool>', 'GRU: true = reset after the recurrent matmul (PyTorch), false = before (Cho 2014) (default: true)')
    .option('--nonlinearity <f>', `RNN nonlinearity: ${NONLINEARITIES.join(', ')} (default: tanh)`)
    .option('--gate-activation <f>', `LSTM/GRU gate activation: ${GATE_ACTIVATIONS.join(', ')} (default: sigmoid)`);
}

export function integerFlag(value: string | undefined, flag: string, options: { min?: number } = {}): number {
  const min = options.min ?? 1;
  if (value === undefined) throw new UsageError(`${flag} is required`);
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`${flag} must be an integer, got '${value}'`);
  const n = Number(value);
  if (n < min) throw new UsageError(`${flag} must be ≥ ${min}, got ${n}`);
  return n;
}

export function numberFlag(value: string | undefined, flag: string): number {
  if (value === undefined) throw new UsageError(`${flag} is required`);
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} must be a finite number, got '${value}'`);
  return n;
}

function booleanFlag(value: string, flag: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new UsageError(`${flag} must be true or false, got '${value}'`);
}

/** The model config the flags describe; `inputSize` overrides --input (a task knows its own). */
export function modelConfigFromFlags(flags: ModelFlags, inputSize?: number, outputSize?: number): ModelConfig {
  if (!(CELL_KINDS as readonly string[]).includes(flags.cell)) throw new UsageError(`unknown cell '${flags.cell}' (allowed: ${CELL_KINDS.join(', ')})`);
  if (!isDType(flags.dtype)) throw new UsageError(`--dtype must be float64 or float32, got '${flags.dtype}'`);
  const hiddenSize = integerFlag(flags.hidden, '--hidden');
  const bias = flags.bias;
  // A flag that does not apply to the chosen cell is an error, never silently ignored.
  const onlyFor: Array<[unknown, string, string]> = [
    [flags.proj, '--proj', 'lstm'],
    [flags.peephole, '--peephole', 'lstm'],
    [flags.resetAfter, '--reset-after', 'gru'],
    [flags.nonlinearity, '--nonlinearity', 'rnn'],
    [flags.gateActivation, '--gate-activation', flags.cell === 'rnn' ? 'lstm or gru' : flags.cell],
  ];
  for (const [value, flag, cells] of onlyFor) {
    if (value !== undefined && !cells.split(' or ').includes(flags.cell)) throw new UsageError(`${flag} applies to ${cells} cells, not ${flags.cell}`);
  }
  let cell: CellConfig;
  switch (flags.cell as CellConfig['kind']) {
    case 'rnn':
      const nonlinearity = flags.nonlinearity ?? 'tanh';
      if (!(NONLINEARITIES as readonly string[]).includes(nonlinearity)) throw new UsageError(`--nonlinearity must be one of ${NONLINEARITIES.join(', ')}, got '${nonlinearity}'`);
      cell = { kind: 'rnn', hiddenSize, bias, nonlinearity: nonlinearity as Nonlinearity };
      break;
    case 'lstm':
      cell = {
        kind: 'lstm',
        hiddenSize,
        bias,
        peephole: flags.peephole === true,
        gateActivation: gate(flags.gateActivation),
        ...(flags.proj !== undefined ? { projSize: integerFlag(flags.proj, '--proj') } : {}),
      };
      break;
    case 'gru':
      cell = { kind: 'gru', hiddenSize, bias, resetAfter: booleanFlag(flags.resetAfter ?? 'true', '--reset-after'), gateActivation: gate(flags.gateActivation) };
      break;
  }
  const input = inputSize ?? integerFlag(flags.input, '--input');
  const output = outputSize ?? (flags.output === undefined ? undefined : integerFlag(flags.output, '--output'));
  const config = {
    inputSize: input,
    layers: repeatedLayers(cell, integerFlag(flags.layers, '--layers'), flags.bidirectional === true),
    dtype: flags.dtype,
    ...(output !== undefined ? { outputSize: output } : {}),
  };
  return parseModelConfig(config);
}

function gate(flag: string | undefined): GateActivation {
  const value = flag ?? 'sigmoid';
  if (!(GATE_ACTIVATIONS as readonly string[]).includes(value)) throw new UsageError(`--gate-activation must be one of ${GATE_ACTIVATIONS.join(', ')}, got '${value}'`);
  return value as GateActivation;
}
