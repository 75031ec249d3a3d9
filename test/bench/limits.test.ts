/** bench/limits.ts refuses bad arguments with one line and exit 2, before it measures anything. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = resolve(dirname(fileURLToPath(import.meta.url)), '../../bench/limits.js');

for (const [args, problem] of [
  [['W9'], /usage: limits\.js/],
  [['W1', 'float16'], /dtype must be float32 or float64, not float16/],
  [['W1', '--rounds', '0'], /--rounds needs a positive integer/],
  [['product', 'ba', '1', '2', '3'], /product needs ab, abt or atb/],
  [['product', 'ab', '0', '2', '3'], /m, n and k must be positive integers/],
] as const) {
  test(`limits.js ${args.join(' ')} exits 2 with one line naming the problem`, () => {
    const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, problem);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(r.stdout, '');
  });
}
