/**
 * Issue #13 item 10: the kernel set (TypeScript, SIMD, SIMD with FMA) rounds differently, so
 * checkpoints and run directories record it and a resume under another set warns that the run
 * is no longer bit-identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelSet, kernelSetWarning } from '../../src/io/kernel-set.js';
import { createModel } from '../../src/model/config.js';
import { createLearner } from '../../src/kinds/learners.js';
import { mse } from '../../src/loss/loss.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/io/checkpoint.js';
import { runCli, tempDir } from '../support/cli.js';

test('a checkpoint records the kernel set it was computed with, and reads it back', (t) => {
  const dir = tempDir(t);
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 2 } }], outputSize: 1 });
  const learner = createLearner({ kind: 'uoro' }, model, { loss: mse, optimizer: { kind: 'sgd', lr: 0.1 } });
  learner.step([1, 2], [0.5]);
  const path = saveCheckpoint(dir, { model, learner });
  assert.equal(JSON.parse(readFileSync(join(path, 'learner.json'), 'utf8')).kernels, kernelSet());
  assert.equal(loadCheckpoint(dir).kernels, kernelSet());
});

test('the warning names both sets, and there is none within one set or for a checkpoint older than the record', () => {
  const other = kernelSet() === 'ts' ? 'wasm' : 'ts';
  assert.match(kernelSetWarning(other, 'ckpt') ?? '', new RegExp(`'${other}' kernels, this process uses '${kernelSet()}'.*not be bit-identical`));
  assert.equal(kernelSetWarning(kernelSet(), 'ckpt'), null);
  assert.equal(kernelSetWarning(null, 'ckpt'), null);
});

test('train records the kernel set in config.json; resuming under ONLINE_RNN_KERNELS=ts after the default warns, and goes on', async (t) => {
  const dir = join(tempDir(t), 'run');
  const env = { ...process.env, ONLINE_RNN_KERNELS: 'wasm' };
  const first = await runCli(['train', '--task', 'copy', '--cell', 'rnn', '--hidden', '3', '--steps', '200', '--checkpoint-every', '100', '--out', dir], { env });
  assert.equal(first.status, 0, first.stderr);
  const recorded = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).kernels;
  assert.ok(recorded === 'wasm' || recorded === 'ts', recorded);
  const resumed = await runCli(['train', '--resume', dir, '--steps', '300'], { env: { ...process.env, ONLINE_RNN_KERNELS: 'ts' } });
  assert.equal(resumed.status, 0, resumed.stderr);
  if (recorded === 'ts') return t.skip('no WebAssembly here: both runs used the TypeScript kernels');
  assert.match(resumed.stderr, /warning: .*checkpoint-000000200 was computed with the 'wasm' kernels, this process uses 'ts'.*not be bit-identical/);
});
