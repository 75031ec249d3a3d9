/**
 * A few kills of the kill-and-resume sweep (bench/kill-resume.ts; run it with --kills 50 for
 * the full one): runs SIGKILLed at seeded moments — any time, mid-checkpoint, after the last
 * checkpoint — and resumed until they finish equal the runs never stopped, bit for bit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { killResumeSweep, SWEEP_RUNS } from '../../bench/kill-resume.js';

test('runs SIGKILLed at seeded moments (mid-checkpoint and after the last one included) and resumed equal the runs never stopped, bit for bit', async (t) => {
  const runs = SWEEP_RUNS.filter((run) => run.name === 'copy/uoro/lstm' || run.name === 'add/tbptt/lstm');
  const summary = await killResumeSweep({ kills: 5, seed: 2, runs, log: (line) => t.diagnostic(line) });
  assert.deepEqual(summary.mismatches, []);
  assert.equal(summary.kills, 5);
  assert.ok(summary.runs >= 2);
  assert.equal(summary.identical, summary.runs);
});
