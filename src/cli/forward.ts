/**
 * `online-rnn forward`: runs a saved or imported model over one sequence, or a batch of them,
 * and prints the outputs and final states. With --json the output is exactly
 *   {"output": [[…]], "h_n": [[…]], "c_n": [[…]]}
 * time-major outputs; final states one row per layer and direction in PyTorch's order;
 * c_n only when the model has LSTM layers. A batch ({"batch": [sequence, …]} or an array of
 * sequences, each of its own length) prints {"batch": [{"output", "h_n", "c_n"}, …]}.
 * A non-finite output or state is an error naming where it is, unless --non-finite-as-strings
 * asks for such numbers as the strings "NaN", "Infinity", "-Infinity" (JSON has no number for them).
 */
import type { Command } from 'commander';
import { isDType, fromValues, type Vec } from '../tensor/dtype.js';
import type { Model } from '../model/model.js';
import { loadAnyModelAsync, MODEL_FORMATS, type LoadOptions, type ModelFormat } from '../io/load.js';
import { readTextChecked } from '../io/files.js';
import { jsonProblem } from '../io/safetensors.js';
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
  nonFiniteAsStrings?: boolean;
}

/** One sequence's results as printed: output rows, h_n rows and (LSTM) c_n rows. */
interface ForwardResult {
  output: number[][];
  h_n: number[][];
  c_n?: number[][];
}

export function defineForward(command: Command): void {
  command
    .requiredOption('--model <path>', 'a native model directory, a PyTorch .safetensors file, a TF.js model.json, an ONNX .onnx or a Keras 3 .keras file')
    .option('--config <args.json>', 'PyTorch: the module and its constructor arguments')
    .option('--from <format>', `the model's format: ${MODEL_FORMATS.join(', ')} (default: from the path)`)
    .option('--prefix <p>', "PyTorch: strip this prefix from the state_dict's names")
    .option('--dtype <dtype>', "imports: float64 or float32 (default: the file's)")
    .requiredOption('--input <input.json>', 'the sequence [[x…], …] (time-major), or {"input": [[…]], "h0": [[…]], "c0": [[…]]}, or a batch {"batch": [sequence, …]}')
    .option('--json', 'print {"output", "h_n", "c_n"} (a batch: {"batch": [{…}, …]}) as JSON')
    .option('--non-finite-as-strings', 'print NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity" instead of failing')
    .addHelpText(
      'after',
      `
Examples:
  $ online-rnn train --task copy --learner uoro --steps 20000 --out runs/copy   # saves runs/copy/model
  $ online-rnn forward --model runs/copy/model --input seq.json
  $ online-rnn forward --model lstm.safetensors --config args.json --input seq.json --json
  $ online-rnn forward --model tfjs/model.json --input batch.json --json`,
    )
    .action((flags: ForwardFlags) =>
      runCommand(async () => {
        const model = await loadAnyModelAsync(flags.model!, loadOptions(flags));
        const { sequences, batch } = readInputs(flags.input!, model);
        const results = sequences.map(({ inputs, steps, states }, s) => {
          const result = runSequence(model, inputs, steps, states);
          const printed: ForwardResult = { output: rows(result.output, model.outputSize), h_n: result.h };
          if (result.c !== null) printed.c_n = result.c;
          if (flags.nonFiniteAsStrings !== true) checkFinite(printed, batch ? `sequence ${s}: ` : '');
          return printed;
        });
        if (flags.json === true) {
          const replacer = (_key: string, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value);
          process.stdout.write(JSON.stringify(batch ? { batch: results } : results[0], replacer) + '\n');
          return;
        }
        const text = results.map((result, s) => {
          const lines = batch ? [`sequence ${s}:`] : [];
          const steps = result.output.length;
          lines.push(`output (${steps} × ${model.outputSize}):`, ...result.output.map((row, t) => `  ${model.returnSequences ? `t=${t}` : 'last'}: ${format(row)}`));
          lines.push(`h_n (${result.h_n.length} × ${result.h_n[0]!.length}):`, ...result.h_n.map((row) => `  ${format(row)}`));
          if (result.c_n !== undefined) lines.push(`c_n (${result.c_n.length} × ${result.c_n[0]!.length}):`, ...result.c_n.map((row) => `  ${format(row)}`));
          return lines.join('\n');
        });
        process.stdout.write(text.join('\n') + '\n');
      }),
    );
}

/** Refuses NaN and ±Infinity in what would be printed, naming the first one found. */
function checkFinite(result: ForwardResult, where: string): void {
  for (const [name, matrix] of Object.entries(result) as Array<[string, number[][]]>) {
    matrix.forEach((row, r) =>
      row.forEach((v, k) => {
        if (!Number.isFinite(v)) throw new RangeError(`${where}${name} row ${r} entry ${k} is ${v} (the model overflowed or its input did); pass --non-finite-as-strings to print such values as strings`);
      }),
    );
  }
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

/** The input file as one sequence or a batch of them (see parseInputs). */
export function readInputs(path: string, model: Model): { sequences: ForwardInput[]; batch: boolean } {
  return parseInputs(readTextChecked(path, 'input'), model, path);
}

/**
 * One sequence, or a batch: {"batch": [sequence, …]} or an array of sequences [[[x…], …], …];
 * each sequence as parseInput reads it, each of its own length.
 */
export function parseInputs(text: string, model: Model, path: string): { sequences: ForwardInput[]; batch: boolean } {
  const value = parseJson(text, path);
  let items: unknown[] | null = null;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'batch' in value) {
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) if (key !== 'batch') throw new UsageError(`${path}: unknown key '${key}' beside "batch"`);
    if (!Array.isArray(object.batch) || object.batch.length === 0) throw new UsageError(`${path}: "batch" must be a non-empty array of sequences`);
    items = object.batch;
  } else if (Array.isArray(value) && value.length > 0 && Array.isArray(value[0]) && (value[0] as unknown[]).some((row) => Array.isArray(row))) {
    items = value;
  }
  if (items === null) return { sequences: [inputFrom(value, model, path)], batch: false };
  return { sequences: items.map((item, s) => inputFrom(item, model, `${path}: batch[${s}]`)), batch: true };
}

export interface ForwardInput {
  inputs: Vec;
  steps: number;
  states: Vec[] | undefined;
}

/** The input file's text, checked against the model; errors name `path`. */
export function parseInput(text: string, model: Model, path: string): ForwardInput {
  return inputFrom(parseJson(text, path), model, path);
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path}: not valid JSON (${jsonProblem(e)})`);
  }
}

/** One sequence from its parsed JSON; errors name `path`. */
function inputFrom(value: unknown, model: Model, path: string): ForwardInput {
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
