/** The bench scripts' shared argument contract: a bad argument is one line on stderr, nothing on stdout, exit 2, before anything is measured. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/bench/<name>.js */
export function benchScript(name: string): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), `../../bench/${name}.js`);
}

/** One test per case: `node dist/bench/<name>.js ...args` exits 2 with one stderr line matching `problem`. */
export function testArgumentRefusals(name: string, cases: ReadonlyArray<readonly [readonly string[], RegExp]>): void {
  const script = benchScript(name);
  for (const [args, problem] of cases) {
    test(`${name}.js ${args.join(' ')} exits 2 with one line naming the problem`, () => {
      const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
      assert.equal(r.status, 2);
      assert.match(r.stderr, problem);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.equal(r.stdout, '');
    });
  }
}
