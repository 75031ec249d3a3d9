/**
 * A task as a run directory records it (config.json, and every checkpoint of the run): the
 * TaskConfig as it is, except that a data file's contents (the task spec's `dataFile`: a text, a
 * CSV column) are not copied but named — the file's absolute path, its size and the SHA-256 of
 * its contents — and read again, and checked, when the run is resumed. Nothing here knows a task.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { JsonValue } from '../io/checkpoint.js';
import { parseTaskConfig, TASK_KINDS, TASKS, type DataFileSpec, type TaskConfig, type TaskSpec } from '../kinds/tasks.js';
import { UsageError } from './errors.js';
import { readText } from './task-options.js';

/** The data files a task was read from and the flags read with them, by option (`text`, `csv`, `column`). */
export type TaskFiles = Readonly<Record<string, string>>;

type JsonObject = { readonly [key: string]: JsonValue };

/** A task spec's data file, typed for any config of the table. */
function dataFileOf(kind: string): DataFileSpec<TaskConfig> | undefined {
  return (TASKS as Record<string, { readonly dataFile?: DataFileSpec<TaskConfig> }>)[kind]?.dataFile;
}

/** The files a data-file flag's value names (`a.csv,b.csv`: two). */
function filesOfFlag(file: DataFileSpec<TaskConfig>, value: string): string[] {
  return file.files?.(value) ?? [value];
}

/** The file flags of every task (`text`, `csv`, `column`) with their values in `flags`. */
export function filesOf(flags: Readonly<Record<string, unknown>>): TaskFiles {
  const names = TASK_KINDS.flatMap((kind) => {
    const file = dataFileOf(kind);
    return file === undefined ? [] : [file.flag, ...file.with];
  });
  return Object.fromEntries(names.filter((name) => typeof flags[name] === 'string').map((name) => [name, flags[name] as string]));
}

/** The record of `config`, read from `files`. */
export function taskRecord(config: TaskConfig, files: TaskFiles): JsonObject {
  const file = dataFileOf(config.kind);
  const contents = file?.contents(config);
  if (file === undefined || contents === undefined) return JSON.parse(JSON.stringify(config)) as JsonObject;
  const { name, data } = contents;
  const size = typeof data === 'string' ? { characters: codePoints(data) } : { count: data.length };
  const chosen = Object.fromEntries(file.with.map((flag) => [flag, files[flag] ?? null]));
  return { ...(JSON.parse(JSON.stringify(config)) as JsonObject), [file.part]: { kind: file.kind, name, ...size, path: filesOfFlag(file, files[file.flag]!).map((f) => resolve(f)).join(','), ...chosen, sha256: sha256Of(data) } };
}

/**
 * The TaskConfig a record stands for, and the files it was read from. A data file is read from
 * its flag when given (a file that moved), else from the recorded path, and must have the
 * recorded contents; any other record is a TaskConfig, checked by the task table.
 */
export function taskFromRecord(record: JsonValue, given: TaskFiles, source: string): { config: TaskConfig; files: TaskFiles } {
  const root = asRecord(record);
  if (root === null || typeof root.kind !== 'string') throw new UsageError(`${source}: "task" must be a task config with a "kind"`);
  const file = dataFileOf(root.kind);
  const part = file === undefined ? null : asRecord(root[file.part]);
  if (file === undefined || part === null || part.kind !== file.kind) return { config: parseTaskConfig(root), files: {} };
  const where = `${source}: task.${file.part}`;
  const path = given[file.flag] ?? stringField(part.path, `${where}.path`);
  const chosen: Record<string, string> = {};
  for (const flag of file.with) if (part[flag] !== null) chosen[flag] = stringField(part[flag], `${where}.${flag}`);
  const read = (f: string, flag: string) => readData(f, flag, given[file.flag] !== undefined);
  const config = file.fromFile(filesOfFlag(file, path), read, chosen, stringField(part.name, `${where}.name`));
  checkDigest(sha256Of(file.contents(config)!.data), part.sha256, path, `${where}.sha256`, `--${file.flag}`);
  return { config, files: { [file.flag]: path, ...chosen } };
}

/** The same task: equal configs but for what their data files are called. */
export function sameTask(a: TaskConfig, b: TaskConfig): boolean {
  const unnamed = (config: TaskConfig) => {
    const file = dataFileOf(config.kind);
    if (file === undefined || file.contents(config) === undefined) return config;
    const part = (config as unknown as Record<string, object>)[file.part];
    return { ...config, [file.part]: { ...part, name: '' } };
  };
  return isDeepStrictEqual(unnamed(a), unnamed(b));
}

/** The flag values that describe `config`: its task's, and its data file's by `files`' paths. */
export function taskFlagValuesOf(config: TaskConfig, files: TaskFiles): Record<string, string | number | boolean> {
  const spec = TASKS[config.kind] as unknown as TaskSpec<TaskConfig>;
  const values: Record<string, string | number | boolean> = { ...(spec.flagValues?.(config) ?? optionValues(spec, config)) };
  const file = spec.dataFile;
  if (file !== undefined && file.contents(config) !== undefined) for (const flag of [file.flag, ...file.with]) if (files[flag] !== undefined) values[flag] = files[flag];
  return values;
}

/** The config's options that are flags of its task, as they are. */
function optionValues(spec: TaskSpec<TaskConfig>, config: TaskConfig): Record<string, string | number | boolean> {
  const record = config as unknown as Record<string, unknown>;
  const values: Record<string, string | number | boolean> = {};
  for (const flag of spec.flags) {
    const value = record[flag.option];
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') values[flag.option] = value;
  }
  return values;
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

/** A text's digest is of its UTF-8; values' is of them as little-endian float64s: the numbers, whatever their spelling in the file. */
function sha256Of(data: string | ArrayLike<number>): string {
  if (typeof data === 'string') return createHash('sha256').update(data, 'utf8').digest('hex');
  const values = data;
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
