/**
 * Issue #13's fuzz: at least 1,000 hostile cases per format — native models, PyTorch
 * state_dicts, TF.js models and train checkpoints — on disk, with links out of the model's
 * directory, shards listed again and again, hostile layer counts and damaged checkpoint values.
 * No case may crash or print a stack trace, and each format's process must stay within a small
 * multiple of its largest input above its own baseline (hostile-child.ts measures maxRSS).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../support/fixtures.js';

interface Report {
  format: string;
  cases: number;
  loaded: number;
  rejected: number;
  largestInput: number;
  baselineRss: number;
  peakRss: number;
  failures: string[];
}

const CASES = Number(process.env.HOSTILE_CASES ?? 1000);
/** Fixed: what the measured cases may add to a process beyond its warm-up, whatever they are. */
const SLACK_BYTES = 48 * 2 ** 20;
const INPUT_MULTIPLE = 16;

function child(format: string, seed: number): Promise<Report> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(repoRoot, 'dist/test/io/hostile-child.js'), format, String(CASES), String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('close', (status) => (status === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as Report) : reject(new Error(`${format} fuzz exited ${status}:\n${err}`))));
  });
}

for (const [format, seed] of [['native', 11], ['pytorch', 12], ['tfjs', 13], ['checkpoint', 14]] as const) {
  test(`${CASES.toLocaleString('en-US')} hostile ${format} cases each load or are refused in one line, with memory bounded by the input`, async (t) => {
    const r = await child(format, seed);
    const growth = r.peakRss - r.baselineRss;
    t.diagnostic(`${format}: ${r.cases} cases, ${r.loaded} loaded, ${r.rejected} refused; largest input ${(r.largestInput / 1024).toFixed(1)} KiB; peak RSS ${(r.peakRss / 2 ** 20).toFixed(1)} MiB, ${(growth / 2 ** 20).toFixed(1)} MiB above the warm-up's`);
    assert.deepEqual(r.failures, []);
    assert.equal(r.loaded + r.rejected, r.cases);
    assert.ok(r.rejected > r.cases / 2, `most hostile cases are refused (${r.rejected})`);
    assert.ok(growth <= SLACK_BYTES + INPUT_MULTIPLE * r.largestInput, `peak memory grew by ${growth} bytes`);
  });
}
