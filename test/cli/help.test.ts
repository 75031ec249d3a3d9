/** Issue #13 item 11: the help says what the command has. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';

test('the top-level --help names every online learner, SnAp-1 and KF-RTRL included', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.status, 0);
  for (const name of ['truncated BPTT', 'RTRL', 'UORO', 'NoBackTrack', 'SnAp-1', 'KF-RTRL']) assert.ok(r.stdout.includes(name), name);
});
