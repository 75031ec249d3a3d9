/**
 * `online-rnn forward`: runs a saved or imported model over one sequence and prints the
 * outputs and final states. With --json the output is exactly
 *   {"output": [[…]], "h_n": [[…]], "c_n": [[…]]}
 * time-major outputs; final states one row per layer and direction in PyTorch's order;
 * c_n only when the model has LSTM layers.
 */
import type { Command } from 'commander';
import { isDType, fromValues, type Vec } from '../tensor/dtype.js';
import type { Model } from '../model/model.js';
import { loadAnyModel, MODEL_FORMATS, type LoadOptions, type ModelFormat } from '../io/load.js';
import { readTextChecked } from '../io/files.js';
import { statesFromPyTorch } from '../io/pytorch.js';
import { runSequence } from '../io/run.js';
import { runCommand, UsageError } from './errors.js';

interface ForwardFlags {
  model?: string;
  config?: string;
  from?: string;
  prefix?: string;
  dtype?: string;
  input?: string;
  json?: boolean;
}

export function registerForward(program: Command): void {
  program
    .command('forward')
    .description('run a saved or imported model over one sequence and print its outputs and final states')
    .requiredOption('--model <path>', 'a native model directory, a PyTorch .safetensors file, or a TF.js model.json')
    .option('--config <args.json>', 'PyTorch: the module and its constructor arguments')
    .option('--from <format>', `the model's format: ${MODEL_FORMATS.join(', ')} (default: from the path)`)
    .option('--prefix <p>', "PyTorch: strip this prefix from the state_dict's names")
    .option('--dtype <dtype>', "imports: float64 or float32 (default: the file's)")
    .requiredOption('--input <input.json>', 'the sequence [[x…], …] (time-major), or {"input": [[…]], "h0": [[…]], "c0": [[…]]}')
    .option('--json', 'print {"output", "h_n", "c_n"} as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ online-rnn train --task copy --learner uoro --steps 20000 --out runs/copy   # saves runs/copy/model
  $ online-rnn forward --model runs/copy/model --input seq.json
  $ online-rnn forward --model lstm.safetensors --config args.json --input seq.json --json
  $ online-rnn forward --model tfjs/model.json --input seq.json --json`,
    )
    .action((flags: ForwardFlags) =>
      runCommand(() => {
        const model = loadAnyModel(flags.model!, loadOptions(flags));
        const { inputs, steps, states } = readInput(flags.input!, model);
        const result = runSequence(model, inputs, steps, states);
        const output = rows(result.output, model.outputSize);
        if (flags.json === true) {
          const json: Record<string, number[][]> = { output, h_n: result.h };
          if (result.c !== null) json.c_n = result.c;
          process.stdout.write(JSON.stringify(json) + '\n');
          return;
        }
        const lines = [`output (${steps} × ${model.outputSize}):`, ...output.map((row, t) => `  t=${t}: ${format(row)}`)];
        lines.push(`h_n (${result.h.length} × ${result.h[0]!.length}):`, ...result.h.map((row) => `  ${format(row)}`));
        if (result.c !== null) lines.push(`c_n (${result.c.length} × ${result.c[0]!.length}):`, ...result.c.map((row) => `  ${format(row)}`));
        process.stdout.write(lines.join('\n') + '\n');
      }),
    );
}

export function loadOptions(flags: { config?: string; from?: string; prefix?: string; dtype?: string }): LoadOptions {
  const options: LoadOptions = {};
  if (flags.from !== undefined) {
    if (!(MODEL_FORMATS as readonly string[]).includes(flags.from)) throw new UsageError(`--from must be one of ${MODEL_FORMATS.join(', ')}, got '${flags.from}'`);
    options.format = flags.from as ModelFormat;
  }
  if (flags.dtype !== undefined) {
    if (!isDType(flags.dtype)) throw new UsageError(`--dtype must be float64 or float32, got '${flags.dtype}'`);
    options.dtype = flags.dtype;
  }
  if (flags.config !== undefined) options.config = flags.config;
  if (flags.prefix !== undefined) options.prefix = flags.prefix;
  return options;
}

/** The input file: rows of inputSize finite numbers, and optional h0/c0 rows in PyTorch's layout. */
export function readInput(path: string, model: Model): ForwardInput {
  return parseInput(readTextChecked(path, 'input'), model, path);
}

export interface ForwardInput {
  inputs: Vec;
  steps: number;
  states: Vec[] | undefined;
}

/** The input file's text, checked against the model; errors name `path`. */
export function parseInput(text: string, model: Model, path: string): ForwardInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  let sequence: unknown = value;
  let h0: number[][] | null = null;
  let c0: number[][] | null = null;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) if (!['input', 'h0', 'c0'].includes(key)) throw new UsageError(`${path}: unknown key '${key}' (allowed: input, h0, c0)`);
    sequence = object.input;
    const cells = model.layers.flatMap((layer) => layer.cells);
    const hasC = cells.some((cell) => cell.stateParts.some((p) => p.name === 'c'));
    if (object.h0 !== undefined) h0 = matrix(object.h0, `${path}: h0`, cells.map((cell) => cell.outputSize));
    if (object.c0 !== undefined) {
      if (!hasC) throw new UsageError(`${path}: c0 is only for LSTM models`);
      c0 = matrix(object.c0, `${path}: c0`, cells.flatMap((cell) => cell.stateParts.filter((p) => p.name === 'c').map((p) => p.size)));
    }
    if (hasC && (h0 === null) !== (c0 === null)) throw new UsageError(`${path}: give both h0 and c0, or neither`);
  }
  if (!Array.isArray(sequence) || sequence.length === 0) throw new UsageError(`${path}: the input must be a non-empty array of timesteps [[x…], …]`);
  const steps = sequence.length;
  const data = matrix(sequence, `${path}: input`, new Array<number>(steps).fill(model.inputSize)).flat();
  const inputs = fromValues(model.dtype, data);
  const states = h0 === null ? undefined : statesFromPyTorch(model, h0.flat(), c0 === null ? null : c0.flat());
  return { inputs, steps, states };
}

/** Rows of finite numbers, row r of widths[r] entries. */
function matrix(value: unknown, where: string, widths: readonly number[]): number[][] {
  if (!Array.isArray(value) || value.length !== widths.length) throw new UsageError(`${where} must have ${widths.length} rows, got ${Array.isArray(value) ? value.length : typeof value}`);
  return value.map((row: unknown, r) => {
    const width = widths[r]!;
    if (!Array.isArray(row) || row.length !== width) throw new UsageError(`${where}: row ${r} must have ${width} numbers, got ${Array.isArray(row) ? row.length : JSON.stringify(row)}`);
    return row.map((v: unknown, k) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new UsageError(`${where}: row ${r} entry ${k} must be a finite number, got ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`);
      return v;
    });
  });
}

function rows(buffer: Vec, width: number): number[][] {
  return Array.from({ length: buffer.length / width }, (_, t) => Array.from(buffer.subarray(t * width, (t + 1) * width)));
}

function format(row: readonly number[]): string {
  return row.map((v) => v.toPrecision(6)).join(' ');
}
