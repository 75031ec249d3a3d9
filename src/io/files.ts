/**
 * Crash-safe writes. A file is written to a temporary name beside its target, flushed to disk
 * (fsync), renamed over the target, and the directory is flushed so the rename itself
 * survives a power cut. A directory of files is built under a temporary name the same way and
 * renamed into place, so a reader sees the old directory or the new one, never half of one.
 */
import { closeSync, existsSync, fstatSync, realpathSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FormatError } from './safetensors.js';
import type { FileContents } from '../codec/tar.js';
import { utf8, type FileSource } from '../codec/files.js';

export type { FileContents } from '../codec/tar.js';

/**
 * Runs `body`, naming `path` in any system error it throws without one (read, write and fsync
 * on a descriptor report no path), so the message can say which file failed.
 */
export function atPath<T>(path: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e instanceof Error && typeof e.code === 'string' && e.path === undefined) e.path = path;
    throw error;
  }
}

function writeAndSync(path: string, contents: FileContents): void {
  atPath(path, () => writeAndSyncUnnamed(path, contents));
}

function writeAndSyncUnnamed(path: string, contents: FileContents): void {
  const data = typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents;
  const fd = openSync(path, 'wx', 0o644);
  try {
    let written = 0;
    while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Appends `text` whole or not at all: when the write fails part-way (a full disk), the file is
 * cut back to its old length, so a log never ends in a torn line.
 */
export function appendWhole(path: string, text: string): void {
  atPath(path, () => appendWholeUnnamed(path, text));
}

function appendWholeUnnamed(path: string, text: string): void {
  const data = Buffer.from(text, 'utf8');
  const fd = openSync(path, 'a');
  try {
    const before = fstatSync(fd).size;
    try {
      let written = 0;
      while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    } catch (error) {
      ftruncateSync(fd, before);
      throw error;
    }
  } finally {
    closeSync(fd);
  }
}

/** Flushes a file's contents to disk, e.g. an appended log before a checkpoint that relies on it. */
export function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a directory's entries (the renames into it). */
export function syncDirectory(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function temporaryName(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Writes one file atomically: the target holds the old contents or the new, never a mix. */
export function writeFileAtomic(path: string, contents: FileContents): void {
  const target = resolve(path);
  mkdirSync(dirname(target), { recursive: true });
  const temporary = temporaryName(target);
  try {
    writeAndSync(temporary, contents);
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  syncDirectory(dirname(target));
}

/**
 * Creates directory `path` holding `files` atomically. An existing empty directory is
 * replaced; an existing non-empty one is an error unless `overwrite`, when it is swapped out
 * and removed only after the new one is in place.
 */
export function writeDirectoryAtomic(path: string, files: Readonly<Record<string, FileContents>>, options: { overwrite?: boolean } = {}): void {
  const target = resolve(path);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  let previous: string | null = null;
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new RangeError(`${path} exists and is not a directory`);
    if (readdirSync(target).length > 0) {
      if (options.overwrite !== true) throw new RangeError(`${path} already exists and is not empty; remove it or choose another path`);
      previous = temporaryName(target);
    }
  }
  const temporary = temporaryName(target);
  mkdirSync(temporary);
  try {
    for (const [name, contents] of Object.entries(files)) writeAndSync(join(temporary, name), contents);
    syncDirectory(temporary);
    if (previous !== null) renameSync(target, previous);
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    if (previous !== null && existsSync(previous) && !existsSync(target)) renameSync(previous, target);
    throw error;
  }
  syncDirectory(parent);
  if (previous !== null) rmSync(previous, { recursive: true, force: true });
}

const TEMPORARY = /^\..+\.tmp-(\d+)-[0-9a-f]{8}$/;

/** Removes temporaries in `dir` left by writers that died mid-write (their process is gone). */
export function removeStaleTemporaries(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const match = TEMPORARY.exec(entry);
    if (match === null || isAlive(Number(match[1]))) continue;
    rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

/** Whether process `pid` (on this host) is running. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads a whole file, turning "not there" (or unreadable) into a one-line FormatError naming it. */
export function readFileChecked(path: string, what = 'file'): Buffer {
  fileSize(path, what);
  try {
    return readFileSync(path);
  } catch (error) {
    throw new FormatError(`${path}: cannot read the ${what} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** The size of a regular file, or a one-line FormatError naming it. */
export function fileSize(path: string, what = 'file'): number {
  try {
    const stats = statSync(path);
    if (!stats.isFile()) throw new FormatError(`${path}: the ${what} is not a regular file`);
    return stats.size;
  } catch (error) {
    if (error instanceof FormatError) throw error;
    throw new FormatError(`${path}: cannot read the ${what} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/**
 * `dir/name`, after checking that it really lies inside `dir`: a symbolic link (to the file, or
 * to a folder on the way) that leads out of the model's directory is refused, so a model file
 * can never make the loader read, or quote, another file of the machine.
 */
export function pathInside(dir: string, name: string, what = 'file'): string {
  const path = join(dir, name);
  let realDir: string;
  let realPath: string;
  try {
    realDir = realpathSync(dir);
    realPath = realpathSync(path);
  } catch (error) {
    throw new FormatError(`${path}: cannot read the ${what} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (!realPath.startsWith(realDir.endsWith(sep) ? realDir : realDir + sep)) throw new FormatError(`${path}: the ${what} is a link to a file outside ${dir}; a model's files must lie in its directory`);
  return path;
}

export function readTextChecked(path: string, what = 'file'): string {
  return utf8(readFileChecked(path, what), path, what);
}

/** The files of directory `dir`, read on demand with the checks above, for the core's decoders. */
export function directoryFiles(dir: string): FileSource {
  return {
    // pathInside: a file that is a link out of `dir` is refused, never read.
    bytes: (name, what) => readFileChecked(pathInside(dir, name, what), what),
    text: (name, what) => readTextChecked(pathInside(dir, name, what), what),
    where: (name) => join(dir, name),
  };
}
