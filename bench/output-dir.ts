/**
 * Where a benchmark writes its results: the tracked files under bench/ only when asked
 * (`--update`), else `--out DIR`, else a new temporary folder — so a quick run never
 * overwrites the committed figures.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export function benchOutputDir(argv: readonly string[], trackedDir: string): string {
  if (argv.includes('--update')) return trackedDir;
  const at = argv.indexOf('--out');
  if (at >= 0) {
    const dir = argv[at + 1];
    if (dir === undefined || dir.startsWith('--')) throw new Error('--out needs a directory');
    mkdirSync(resolve(dir), { recursive: true });
    return resolve(dir);
  }
  return mkdtempSync(join(tmpdir(), 'online-rnn-bench-'));
}
