/**
 * Issue #13 item 1: a run directory is written by one process at a time. Two `train --resume`
 * of one run at once used to both succeed and corrupt it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { oneErrorLine, runCli, startCli, tempDir, until } from '../support/cli.js';

const RUN = ['train', '--task', 'copy', '--cell', 'rnn', '--hidden', '4', '--learner', 'uoro', '--log-every', '10', '--seed', '1'];

test('a second train --resume of a run that is being resumed is refused, naming the lock and its process; after a SIGKILL the stale lock is taken over', async (t) => {
  const dir = join(tempDir(t), 'run');
  const first = await runCli([...RUN, '--steps', '400', '--checkpoint-every', '200', '--out', dir]);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(existsSync(join(dir, '.lock')), false, 'a finished run leaves no lock');
  const metricsBefore = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');

  const holder = startCli(['train', '--resume', dir, '--steps', '100000000', '--checkpoint-every', '100000000']);
  const lock = join(dir, '.lock');
  await until(() => existsSync(lock) && readFileSync(lock, 'utf8').includes(`"pid":${holder.child.pid}`), 'the first resume to take the lock', { child: holder.child });
  const second = await runCli(['train', '--resume', dir, '--steps', '600']);
  assert.equal(second.status, 2);
  const line = oneErrorLine(second.stderr);
  assert.match(line, new RegExp(`in use by another run: process ${holder.child.pid} .* holds .*\\.lock`));

  holder.child.kill('SIGKILL');
  await holder.done;
  assert.ok(existsSync(lock), 'a killed process cannot remove its lock');
  const third = await runCli(['train', '--resume', dir, '--steps', '600']);
  assert.equal(third.status, 0, third.stderr);
  assert.equal(existsSync(lock), false);
  const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 60, 'one curve of 600 steps at 10 a point, nothing doubled');
  assert.ok(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').startsWith(metricsBefore.slice(0, metricsBefore.lastIndexOf('"step":200'))));
});
