/**
 * A task as a run directory records it (config.json, and every checkpoint of the run): the
 * TaskConfig as it is, except that a text or a CSV column is not copied but named — its file's
 * absolute path, its size and the SHA-256 of its contents — and read again, and checked, when
 * the run is resumed.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { JsonValue } from '../io/checkpoint.js';
import { concatenatedColumn, csvFiles, parseTaskConfig, type TaskConfig } from '../kinds/tasks.js';
import { UsageError } from './errors.js';
import { readText } from './task-options.js';

/** The data files a task was read from, as their flags named them. */
export interface TaskFiles {
  readonly text?: string;
  readonly csv?: string;
  readonly column?: string;
}

type JsonObject = { readonly [key: string]: JsonValue };

/** The record of `config`, read from `files`. */
export function taskRecord(config: TaskConfig, files: TaskFiles): JsonObject {
  if (config.kind === 'charlm' && config.corpus.kind === 'text') {
    const { name, text } = config.corpus;
    return { ...config, corpus: { kind: 'text', name, characters: codePoints(text), path: resolve(files.text!), sha256: sha256Text(text) } };
  }
  if (config.kind === 'series' && config.source.kind === 'values') {
    const { name, values } = config.source;
    return { ...config, source: { kind: 'values', name, count: values.length, path: csvFiles(files.csv!).map((file) => resolve(file)).join(','), column: files.column ?? null, sha256: sha256Values(values) } };
  }
  return JSON.parse(JSON.stringify(config)) as JsonObject;
}

/**
 * The TaskConfig a record stands for, and the files it was read from. A text or CSV is read
 * from `--text`/`--csv` when given (a file that moved), else from the recorded path, and must
 * have the recorded contents; any other record is a TaskConfig, checked by the task table.
 */
export function taskFromRecord(record: JsonValue, given: TaskFiles, source: string): { config: TaskConfig; files: TaskFiles } {
  const root = asRecord(record);
  if (root === null || typeof root.kind !== 'string') throw new UsageError(`${source}: "task" must be a task config with a "kind"`);
  if (root.kind === 'charlm' && asRecord(root.corpus)?.kind === 'text') {
    const corpus = asRecord(root.corpus)!;
    const path = given.text ?? stringField(corpus.path, `${source}: task.corpus.path`);
    const text = readData(path, '--text', given.text !== undefined);
    checkDigest(sha256Text(text), corpus.sha256, path, `${source}: task.corpus.sha256`, '--text');
    return { config: { kind: 'charlm', corpus: { kind: 'text', name: stringField(corpus.name, `${source}: task.corpus.name`), text } }, files: { text: path } };
  }
  if (root.kind === 'series' && asRecord(root.source)?.kind === 'values') {
    const data = asRecord(root.source)!;
    const path = given.csv ?? stringField(data.path, `${source}: task.source.path`);
    const column = data.column === null ? undefined : stringField(data.column, `${source}: task.source.column`);
    const values = concatenatedColumn(csvFiles(path), column, (file, flag) => readData(file, flag, given.csv !== undefined));
    checkDigest(sha256Values(values), data.sha256, path, `${source}: task.source.sha256`, '--csv');
    return { config: { kind: 'series', source: { kind: 'values', name: stringField(data.name, `${source}: task.source.name`), values } }, files: { csv: path, ...(column !== undefined ? { column } : {}) } };
  }
  return { config: parseTaskConfig(root), files: {} };
}

/** The same task: equal configs but for what their data files are called. */
export function sameTask(a: TaskConfig, b: TaskConfig): boolean {
  const unnamed = (config: TaskConfig) => {
    if (config.kind === 'charlm' && config.corpus.kind === 'text') return { ...config, corpus: { ...config.corpus, name: '' } };
    if (config.kind === 'series' && config.source.kind === 'values') return { ...config, source: { ...config.source, name: '' } };
    return config;
  };
  return isDeepStrictEqual(unnamed(a), unnamed(b));
}

/** The text of a data file; one the run recorded, when missing, is asked for by its flag. */
function readData(path: string, flag: string, given: boolean): string {
  try {
    return readText(path, flag);
  } catch (error) {
    if (given) throw error;
    throw new UsageError(`the run's data file ${path} cannot be read (${(error as Error).message.replace(`${flag} ${path}`, '').replace(/^[:\s]+/, '')}); give it with ${flag} FILE`);
  }
}

function sha256Text(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The digest of the values as little-endian float64s: the numbers, whatever their spelling in the file. */
function sha256Values(values: ArrayLike<number>): string {
  const bytes = new DataView(new ArrayBuffer(8 * values.length));
  for (let i = 0; i < values.length; i++) bytes.setFloat64(8 * i, values[i]!, true);
  return createHash('sha256').update(new Uint8Array(bytes.buffer)).digest('hex');
}

function checkDigest(actual: string, recorded: JsonValue | undefined, path: string, where: string, flag: string): void {
  if (typeof recorded !== 'string') throw new UsageError(`${where} must be a hex string`);
  if (actual !== recorded) throw new UsageError(`${path} is not the data this run was trained on (its SHA-256 differs from ${where}); give the original with ${flag} FILE`);
}

function stringField(value: JsonValue | undefined, where: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`${where} must be a non-empty string`);
  return value;
}

function asRecord(value: JsonValue | undefined): { readonly [key: string]: JsonValue } | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
}

/** The characters (code points) of `text`, counted without making an array of them. */
function codePoints(text: string): number {
  let count = text.length;
  for (let u = 0; u + 1 < text.length; u++) {
    const unit = text.charCodeAt(u);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = text.charCodeAt(u + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        count--;
        u++;
      }
    }
  }
  return count;
}
