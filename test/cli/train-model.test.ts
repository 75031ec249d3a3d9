import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, runCliSync, tempDir } from '../support/cli.js';

const run = runCliSync;

test('train --out saves the trained model under <out>/model, which forward and serve then read', (t) => {
  const dir = tempDir(t, 'online-rnn-train-model-');
  const out = join(dir, 'run');
  const trained = run('train', '--task', 'copy', '--learner', 'uoro', '--hidden', '6', '--steps', '300', '--seed', '2', '--out', out);
  assert.equal(trained.status, 0, trained.stderr);
  assert.match(trained.stdout, /prequential/);
  assert.match(trained.stdout, new RegExp(`model: +${join(out, 'model')}`));
  writeFileSync(join(dir, 'seq.json'), JSON.stringify([[1, 0, 0], [0, 1, 0]]));
  const forward = run('forward', '--model', join(out, 'model'), '--input', join(dir, 'seq.json'), '--json');
  assert.equal(forward.status, 0, forward.stderr);
  assert.equal((JSON.parse(forward.stdout) as { output: number[][] }).output.length, 2);
  const served = spawnSync(process.execPath, [cli, 'serve', '--jsonl', '--model', join(out, 'model'), '--loss', 'crossEntropy'], { input: '{"id": 1, "x": [1, 0, 0], "y": [1]}\n', encoding: 'utf8' });
  assert.equal(served.status, 0, served.stderr);
  assert.deepEqual(Object.keys(JSON.parse(served.stdout) as object).sort(), ['id', 'loss', 'prediction']);
});
