/** bench/fused-pass.ts times the fused rank-one SGD pass on an LSTM's blocks, and refuses bad arguments in one line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { timePass } from '../../bench/fused-pass.js';
import { kernelBackend } from '../../src/tensor/backend.js';
import { benchScript, testArgumentRefusals } from '../support/bench-scripts.js';

testArgumentRefusals('fused-pass', [
  [['--hidden', '12'], /--hidden takes multiples of 8/],
  [['--dtypes', 'float16'], /--dtypes takes float64 and\/or float32, got float16/],
  [['--burst-ms', '0'], /--burst-ms takes a positive number/],
]);

test('fused-pass times the pass over all of an LSTM 32 → H’s core parameters and the W_hh·h product, both positive', { skip: kernelBackend() !== 'wasm' && 'needs the wasm kernels' }, () => {
  for (const dtype of ['float64', 'float32'] as const) {
    const t = timePass(16, dtype, 1);
    assert.equal(t.parameters, 4 * 16 * (32 + 16 + 1));
    assert.ok(t.passMicroseconds > 0 && Number.isFinite(t.passMicroseconds), `${dtype} pass`);
    assert.ok(t.productMicroseconds > 0 && Number.isFinite(t.productMicroseconds), `${dtype} product`);
  }
});

test('fused-pass.js prints a header and one row per (dtype, H) with the parameter count', { skip: kernelBackend() !== 'wasm' && 'needs the wasm kernels' }, () => {
  const r = spawnSync(process.execPath, [benchScript('fused-pass'), '--hidden', '8,16', '--dtypes', 'float32', '--burst-ms', '1'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').slice(2);
  assert.equal(rows.length, 2);
  assert.match(rows[0]!, /^float32\s+8\s+1312\s/);
  assert.match(rows[1]!, /^float32\s+16\s+3136\s/);
});
