/**
 * The exclusive lock of a run directory: one `train` at a time writes a run. The lock is a
 * file, DIR/.lock, created with O_EXCL and holding the owner's process id, host and start
 * time. It is held while that process lives and removed when it exits; the lock of a process
 * that died (SIGKILL, a power cut) is stale and taken over. A second `train --resume DIR`
 * while the first runs is refused, naming the lock and its owner.
 *
 * Note: the owner is checked with kill(pid, 0) on this host, so a lock taken on another machine
 * sharing the folder is always respected (it can be removed by hand once that run is gone).
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './errors.js';
import { isAlive } from '../io/files.js';

export const LOCK_FILE = '.lock';

interface Owner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** Takes DIR's lock for this process until it exits (or `release` is called). */
export function lockRunDirectory(dir: string): { readonly path: string; release(): void } {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    const owner: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readOwner(path);
      if (holder !== null && holdsLock(holder)) {
        throw new UsageError(`${dir} is in use by another run: process ${holder.pid} on ${holder.host} holds ${path} since ${holder.since}; wait for it to end or stop it first`);
      }
      // A stale lock (its process is gone) or one torn by a crash while it was written.
      if (attempt > 0) throw new UsageError(`${dir}: cannot take the lock ${path} (another process keeps taking it)`);
      rmSync(path, { force: true });
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(owner) + '\n');
    } finally {
      closeSync(fd);
    }
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      process.off('exit', release);
      // Only our own lock: never one a later process took over.
      if (readOwner(path)?.pid === process.pid) rmSync(path, { force: true });
    };
    process.on('exit', release);
    return { path, release };
  }
}

function readOwner(path: string): Owner | null {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<Owner>;
    if (typeof value.pid !== 'number' || !Number.isSafeInteger(value.pid) || value.pid <= 0 || typeof value.host !== 'string' || typeof value.since !== 'string') return null;
    return value as Owner;
  } catch {
    return null;
  }
}

function holdsLock(owner: Owner): boolean {
  if (owner.host !== hostname()) return true;
  return owner.pid !== process.pid && isAlive(owner.pid);
}
