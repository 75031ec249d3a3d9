import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliSync, tempDir } from '../support/cli.js';

const run = runCliSync;

test('train --task series --columns a,b --targets c reads several CSV columns as inputs and predicts another; mistakes are one-line errors', (t) => {
  const dir = tempDir(t, 'online-rnn-columns-');
  const csv = join(dir, 'sensors.csv');
  writeFileSync(csv, 'time,a,b,c\n' + Array.from({ length: 40 }, (_, t) => `${t},${Math.sin(t)},${Math.cos(t)},${Math.sin(t + 1)}`).join('\n') + '\n');
  const ok = run('train', '--task', 'series', '--csv', csv, '--columns', 'a,b', '--targets', 'c', '--hidden', '4', '--steps', '100', '--json');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match((JSON.parse(ok.stdout) as { task: { title: string } }).task.title, /inputs a, b → targets c/);
  for (const [args, message] of [
    [['--columns', 'a,nope'], /sensors\.csv has no column 'nope' \(columns: time, a, b, c\)/],
    [['--columns', 'a,,b'], /--columns must be comma-separated column names/],
    [['--targets', 'c'], /--targets needs --columns/],
    [['--columns', 'a', '--column', 'b'], /either --column or --columns/],
  ] as const) {
    const r = run('train', '--task', 'series', '--csv', csv, ...args, '--steps', '10');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
  }
});
