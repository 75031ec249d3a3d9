/** Issue #13 item 11: `npm run bench -- --quick` no longer overwrites the tracked results. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchOutputDir } from '../../bench/output-dir.js';
import { tempDir } from '../support/cli.js';

test('the bench writes into bench/ only with --update; otherwise into --out DIR or a new temporary folder', (t) => {
  const tracked = '/repo/bench';
  assert.equal(benchOutputDir(['--quick', '--update'], tracked), tracked);
  const out = join(tempDir(t), 'results');
  assert.equal(benchOutputDir(['--quick', '--out', out], tracked), out);
  assert.ok(existsSync(out));
  const fresh = benchOutputDir(['--quick'], tracked);
  t.after(() => rmSync(fresh, { recursive: true, force: true }));
  assert.ok(fresh.startsWith(tmpdir()) && fresh !== tracked);
  assert.throws(() => benchOutputDir(['--out'], tracked), /--out needs a directory/);
});
