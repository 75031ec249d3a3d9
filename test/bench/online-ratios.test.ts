/** bench/online-ratios.ts refuses bad arguments with one line and exit 2, before it measures anything. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = resolve(dirname(fileURLToPath(import.meta.url)), '../../bench/online-ratios.js');

for (const [args, problem] of [
  [['--kinds', 'uoro,rtrl'], /--kinds takes tbptt, uoro, nbt, got uoro,rtrl/],
  [['--hidden', '0'], /--hidden takes positive integers/],
  [['--dtypes', 'float16'], /--dtypes takes float64 and\/or float32/],
  [['--repeat', '0'], /--repeat takes a positive integer/],
] as const) {
  test(`online-ratios.js ${args.join(' ')} exits 2 with one line naming the problem`, () => {
    const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, problem);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(r.stdout, '');
  });
}
