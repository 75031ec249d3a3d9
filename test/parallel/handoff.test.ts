import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { kernelBackend } from '../../src/tensor/backend.js';
import { PATIENCE_MS } from '../support/cli.js';

const skip = kernelBackend() === 'wasm' ? false : 'needs the WebAssembly arena (ONLINE_RNN_KERNELS=ts is set)';

test('thousands of hand-offs between the inference threads never hang (a notify the engine loses costs a short wait, not a deadlock)', { skip }, () => {
  const child = fileURLToPath(new URL('../support/handoff-child.js', import.meta.url));
  // 40,000 hand-offs (~3 s): with the unbounded waits this hung in 2 of 6 runs; never since.
  const calls = 20_000;
  const result = spawnSync(process.execPath, [child, String(calls)], { encoding: 'utf8', timeout: PATIENCE_MS });
  assert.equal(result.error, undefined, `the child did not finish: ${String(result.error)}`);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), String(calls));
});
