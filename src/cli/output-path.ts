/**
 * Checks, before any training, that a path the command will write (train's --out, compare's
 * --report) can be written: its nearest existing ancestor is a directory this process may write
 * in, nothing on the way is a file, and it is not inside the proc or sys file systems (where
 * Node's recursive mkdir never returns). A full disk can still strike later; that is reported
 * as an I/O error (io-errors.ts).
 */
import { accessSync, constants, realpathSync, statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './errors.js';

/** statfs f_type of the pseudo file systems a run directory must never go into. */
const PSEUDO_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x64626720, 'debugfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
]);

/** Throws a UsageError naming `flag` when `path` (a directory or a file to create) cannot be written. */
export function checkWritablePath(path: string, flag: string): void {
  let ancestor = resolve(path);
  for (;;) {
    let stats;
    try {
      stats = statSync(ancestor);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') throw new UsageError(`${flag} ${path}: a part of the path is a file, not a directory`);
      if (code !== 'ENOENT') throw new UsageError(`${flag} ${path}: cannot reach ${ancestor} (${code ?? (error as Error).message})`);
      const parent = dirname(ancestor);
      if (parent === ancestor) throw new UsageError(`${flag} ${path}: no existing folder to create it in`);
      ancestor = parent;
      continue;
    }
    const real = realpathSync(ancestor);
    const pseudo = pseudoFileSystem(real);
    if (pseudo !== null) throw new UsageError(`${flag} ${path} is inside the ${pseudo} file system (${real}), which cannot hold files`);
    if (ancestor === resolve(path) && stats.isDirectory()) {
      accessOrThrow(ancestor, path, flag);
      return;
    }
    if (!stats.isDirectory()) {
      if (ancestor === resolve(path)) {
        // An existing file to be replaced (a report): its folder must be writable.
        accessOrThrow(dirname(ancestor), path, flag);
        return;
      }
      throw new UsageError(`${flag} ${path}: ${ancestor} is a file, not a directory`);
    }
    accessOrThrow(ancestor, path, flag);
    return;
  }
}

function accessOrThrow(directory: string, path: string, flag: string): void {
  try {
    accessSync(directory, constants.W_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${flag} ${path}: cannot write in ${directory} (${code === 'EROFS' ? 'read-only file system' : code === 'EACCES' ? 'permission denied' : code})`);
  }
}

function pseudoFileSystem(path: string): string | null {
  if (/^\/(proc|sys)(\/|$)/.test(path)) return path.split('/')[1]!;
  try {
    return PSEUDO_FILE_SYSTEMS.get(Number(statfsSync(path).type)) ?? null;
  } catch {
    return null;
  }
}
