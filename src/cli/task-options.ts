/**
 * The task flags shared by train and compare, parsed once into a TaskConfig. Files (--text,
 * --csv) are read here, at the edge, and travel inside the config as text and numbers. A flag
 * that does not belong to the chosen task is an error, never silently ignored.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { TASK_KINDS, type CorpusConfig, type TaskConfig, type TaskKind } from '../tasks/config.js';
import { csvColumn, csvColumns } from '../tasks/csv.js';
import type { SeriesSource } from '../tasks/series.js';
import { UsageError } from './errors.js';
import { integerFlag, numberFlag } from './model-options.js';

export interface TaskFlags {
  task?: string;
  start?: string;
  threshold?: string;
  t1?: string;
  t2?: string;
  lag?: string;
  text?: string;
  corpus?: string;
  variant?: string;
  csv?: string;
  column?: string;
  columns?: string;
  targets?: string;
  interval?: string;
}

/** Which task each task flag belongs to. */
export const FLAG_TASK: Record<Exclude<keyof TaskFlags, 'task'>, TaskKind> = {
  start: 'copy',
  threshold: 'copy',
  t1: 'add',
  t2: 'add',
  lag: 'adding',
  text: 'charlm',
  corpus: 'charlm',
  variant: 'charlm',
  csv: 'series',
  column: 'series',
  columns: 'series',
  targets: 'series',
  interval: 'series',
};

export function addTaskOptions(command: Command): Command {
  return command
    .option('--task <kind>', `task: ${TASK_KINDS.join(', ')}`)
    .option('--start <T>', 'copy: the curriculum’s first length (default: 1)')
    .option('--threshold <bits>', 'copy: level up below this loss per bit (default: 0.15)')
    .option('--t1 <steps>', 'add: first lag (default: 5)')
    .option('--t2 <steps>', 'add: second lag (default: 9)')
    .option('--lag <T>', 'adding: episode length (default: 50)')
    .option('--text <file>', 'charlm: a UTF-8 text file to predict')
    .option('--corpus <name>', 'charlm: built-in language anbn or brackets (default: anbn unless --text)')
    .option('--variant <n>', 'charlm --corpus brackets: the UORO paper’s variant 1, 2 or 3 (default: 1)')
    .option('--csv <file>', 'series: a CSV file (first row: column names)')
    .option('--column <name>', 'series: the CSV column to predict (default: the only one)')
    .option('--columns <a,b,c>', 'series: several CSV columns as inputs (standardised online)')
    .option('--targets <names>', 'series, with --columns: the columns to predict one row ahead (default: the --columns)')
    .option('--interval <t>', 'series without --csv: Mackey–Glass time units between samples (default: 1)');
}

export function taskConfigFromFlags(flags: TaskFlags): TaskConfig {
  if (flags.task === undefined) throw new UsageError(`--task is required (one of ${TASK_KINDS.join(', ')})`);
  if (!(TASK_KINDS as readonly string[]).includes(flags.task)) throw new UsageError(`unknown task '${flags.task}' (allowed: ${TASK_KINDS.join(', ')})`);
  const kind = flags.task as TaskKind;
  for (const [flag, owner] of Object.entries(FLAG_TASK)) {
    if (flags[flag as keyof TaskFlags] !== undefined && owner !== kind) throw new UsageError(`--${flag} applies to --task ${owner}, not ${kind}`);
  }
  switch (kind) {
    case 'copy':
      return {
        kind,
        ...(flags.start !== undefined ? { start: integerFlag(flags.start, '--start') } : {}),
        ...(flags.threshold !== undefined ? { threshold: numberFlag(flags.threshold, '--threshold') } : {}),
      };
    case 'add':
      return {
        kind,
        ...(flags.t1 !== undefined ? { t1: integerFlag(flags.t1, '--t1') } : {}),
        ...(flags.t2 !== undefined ? { t2: integerFlag(flags.t2, '--t2') } : {}),
      };
    case 'adding':
      return { kind, ...(flags.lag !== undefined ? { lag: integerFlag(flags.lag, '--lag', { min: 2 }) } : {}) };
    case 'charlm':
      return { kind, corpus: corpusFromFlags(flags) };
    case 'series':
      if (flags.csv === undefined) {
        if (flags.column !== undefined) throw new UsageError('--column needs --csv');
        return { kind, source: { kind: 'mackeyGlass', ...(flags.interval !== undefined ? { interval: integerFlag(flags.interval, '--interval') } : {}) } };
      }
      if (flags.interval !== undefined) throw new UsageError('--interval applies to the generated Mackey–Glass series, not to --csv');
      if (flags.columns !== undefined) return { kind, source: tableFromFlags(flags.csv, flags.columns, flags.targets, flags.column) };
      if (flags.targets !== undefined) throw new UsageError('--targets needs --columns');
      return { kind, source: { kind: 'values', name: basename(flags.csv), values: Array.from(csvColumn(readText(flags.csv, '--csv'), flags.column, basename(flags.csv))) } };
    case 'influence':
      return { kind };
  }
}

/** --columns a,b --targets c: the union of the named columns, inputs and targets as indices into it. */
function tableFromFlags(path: string, columns: string, targets: string | undefined, column: string | undefined): SeriesSource {
  if (column !== undefined) throw new UsageError('give either --column or --columns, not both');
  const list = (text: string, flag: string) => {
    const names = text.split(',').map((name) => name.trim());
    if (names.some((name) => name === '')) throw new UsageError(`${flag} must be comma-separated column names, got '${text}'`);
    if (new Set(names).size !== names.length) throw new UsageError(`${flag} names a column twice: '${text}'`);
    return names;
  };
  const inputs = list(columns, '--columns');
  const outputs = targets === undefined ? inputs : list(targets, '--targets');
  const names = [...new Set([...inputs, ...outputs])];
  const table = csvColumns(readText(path, '--csv'), names, basename(path));
  return { kind: 'table', name: basename(path), columns: table.columns, values: Array.from(table.values), inputs: inputs.map((n) => names.indexOf(n)), targets: outputs.map((n) => names.indexOf(n)) };
}

function corpusFromFlags(flags: TaskFlags): CorpusConfig {
  if (flags.text !== undefined) {
    if (flags.corpus !== undefined) throw new UsageError('give either --text or --corpus, not both');
    if (flags.variant !== undefined) throw new UsageError('--variant applies to --corpus brackets');
    return { kind: 'text', name: basename(flags.text), text: readText(flags.text, '--text') };
  }
  const corpus = flags.corpus ?? 'anbn';
  if (corpus === 'anbn') {
    if (flags.variant !== undefined) throw new UsageError('--variant applies to --corpus brackets');
    return { kind: 'anbn' };
  }
  if (corpus === 'brackets') {
    const variant = flags.variant === undefined ? 1 : integerFlag(flags.variant, '--variant');
    if (variant !== 1 && variant !== 2 && variant !== 3) throw new UsageError(`--variant must be 1, 2 or 3, got ${variant}`);
    return { kind: 'brackets', variant };
  }
  throw new UsageError(`unknown corpus '${corpus}' (allowed: anbn, brackets; or --text FILE)`);
}

/** A UTF-8 text file, with one-line errors for the usual mistakes. */
export function readText(path: string, flag: string): string {
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new UsageError(`${flag} ${path} is a directory, not a file`);
    size = stat.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${flag} ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  if (size === 0) throw new UsageError(`${flag} ${path} is empty`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(path));
  } catch {
    throw new UsageError(`${flag} ${path} is not valid UTF-8 text`);
  }
}
