/**
 * A small tmpfs of the test's own, to meet a full disk (ENOSPC) or a read-only file system
 * (EROFS) for real. Mounting needs root (or CAP_SYS_ADMIN); where the machine refuses, the
 * test is skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** Mounts a tmpfs of `bytes` in a fresh folder, unmounted when the test ends; null (test skipped) when it cannot. */
export function smallTmpfs(t: TestContext, bytes: number, options: { readOnly?: boolean } = {}): string | null {
  const parent = mkdtempSync(join(tmpdir(), 'online-rnn-tmpfs-'));
  const dir = join(parent, 'mnt');
  mkdirSync(dir);
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}${options.readOnly === true ? ',ro' : ''}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mount.status !== 0) {
    rmSync(parent, { recursive: true, force: true });
    t.skip(`cannot mount a tmpfs here (${(mount.stderr || mount.error?.message || `exit ${mount.status}`).trim()}): the disk-full case needs root`);
    return null;
  }
  t.after(() => {
    spawnSync('umount', ['-l', dir]);
    rmSync(parent, { recursive: true, force: true });
  });
  return dir;
}

/** Fills the file system holding `dir` with one file until it is full. */
export function fill(dir: string): void {
  spawnSync('sh', ['-c', `dd if=/dev/zero of=${JSON.stringify(join(dir, 'filler'))} bs=4096 2>/dev/null; true`]);
}
