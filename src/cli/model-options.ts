/**
 * The model flags shared by every command that builds a model, read from the cell table: they
 * are overrides applied to a base model config (the task's default model, a run's model, or
 * LSTM 64 for the commands without a task), so the same code builds a fresh model and checks
 * the flags given to `train --resume`.
 */
import { Option, type Command } from 'commander';
import { CELLS, CELL_KINDS, cellSpec, type CellKind } from '../kinds/cells.js';
import { isDType } from '../tensor/dtype.js';
import { parseModelConfig, repeatedLayers, type CellConfig, type ModelConfig } from '../model/config.js';
import { UsageError } from './errors.js';
import { addKindFlags, attributeOf, flagsByKind, flagValue, integerFlag, longOf, type FlagValues, type Given } from './kind-flags.js';

export { integerFlag, numberFlag } from './kind-flags.js';
export type ModelFlags = FlagValues;

/** Every cell flag, by flag text, with the kinds it applies to. */
const CELL_FLAGS = flagsByKind(CELLS);
const cellNames = (kinds: string[]) => `${kinds.map((k) => k.toUpperCase()).join('/')}: `;

/** The attributes of every model flag (what `train --resume` compares as the model). */
export const MODEL_FLAGS: readonly string[] = ['cell', 'input', 'layers', 'bidirectional', 'output', 'dtype', ...[...CELL_FLAGS.values()].map(({ flag }) => attributeOf(flag))];

/** The base of the commands without a task: an LSTM with 64 units. */
export const GENERIC_CELL: CellConfig = { kind: 'lstm', hiddenSize: 64 };

export function addModelOptions(command: Command, options: { input?: boolean; cell?: string } = {}): Command {
  command
    .option('--cell <kind>', `cell: ${CELL_KINDS.join(', ')} (default: ${options.cell ?? GENERIC_CELL.kind})`)
    .addOption(new Option('--input <n>', options.input === false ? 'input size (default: the task’s)' : 'input size'))
    .option('--layers <n>', 'number of stacked layers (default: 1)')
    .option('--bidirectional', 'bidirectional layers (forward and backward outputs concatenated)')
    .option('--output <n>', 'size of the dense output head (omit for none)')
    .option('--dtype <dtype>', 'float64 or float32 (default: float64)');
  return addKindFlags(command, CELL_FLAGS, { all: CELL_KINDS.length, prefix: cellNames });
}

/**
 * The model config of `base` with the given flags on top: a new --cell starts from the base's
 * hidden size and the CLI's defaults of that cell; a flag of another cell is an error, never
 * silently ignored. `inputSize`/`outputSize` are the task's, when there is one.
 */
export function modelConfigFromFlags(flags: ModelFlags, given: Given, options: { base?: ModelConfig; inputSize?: number; outputSize?: number } = {}): ModelConfig {
  const base = options.base;
  const baseCell = base?.layers[0]?.cell ?? GENERIC_CELL;
  const kindFlag = given('cell') ? String(flags.cell) : baseCell.kind;
  if (!(CELL_KINDS as readonly string[]).includes(kindFlag)) throw new UsageError(`unknown cell '${kindFlag}' (allowed: ${CELL_KINDS.join(', ')})`);
  const kind = kindFlag as CellKind;
  const spec = CELLS[kind];
  const raw: Record<string, unknown> = kind === baseCell.kind ? { ...baseCell } : { kind, ...('hiddenSize' in baseCell && spec.flags.some((f) => f.option === 'hiddenSize') ? { hiddenSize: baseCell.hiddenSize } : {}) };
  for (const flag of spec.flags) if (raw[flag.option] === undefined && flag.cliDefault !== undefined) raw[flag.option] = flag.cliDefault;
  for (const { flag, kinds } of CELL_FLAGS.values()) {
    const attribute = attributeOf(flag);
    const value = flags[attribute];
    if (!given(attribute) || value === undefined) continue;
    if (!kinds.includes(kind)) throw new UsageError(`${longOf(flag)} applies to ${kinds.join(' or ')} cells, not ${kind}`);
    raw[flag.option] = flagValue(flag, value);
  }
  if (given('dtype') && !isDType(flags.dtype)) throw new UsageError(`--dtype must be float64 or float32, got '${String(flags.dtype)}'`);
  const dtype = given('dtype') ? (flags.dtype as ModelConfig['dtype']) : (base?.dtype ?? 'float64');
  const inputSize = options.inputSize ?? (given('input') || base === undefined ? integerFlag(flags.input as string | undefined, '--input') : base.inputSize);
  const output = options.outputSize ?? (given('output') ? integerFlag(flags.output as string, '--output') : base?.outputSize);
  const count = given('layers') ? integerFlag(flags.layers as string, '--layers') : (base?.layers.length ?? 1);
  const bidirectional = given('bidirectional') ? flags.bidirectional === true : (base?.layers[0]?.bidirectional ?? false);
  const cell = cellSpec(raw as unknown as CellConfig).parse(raw, 'cell');
  return parseModelConfig({ inputSize, layers: repeatedLayers(cell, count, bidirectional), dtype, ...(output !== undefined ? { outputSize: output } : {}) });
}
