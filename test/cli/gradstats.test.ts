import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/fixtures.js';

const cli = join(repoRoot, 'dist/src/cli/main.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'gradstats', ...args], { encoding: 'utf8' });

test('`online-rnn gradstats` prints one row per learner with bias, variance, cosine and time', () => {
  const result = run('--cell', 'gru', '--hidden', '3', '--samples', '200', '--steps', '6');
  assert.equal(result.status, 0, result.stderr);
  for (const learner of ['rtrl', 'tbptt (k=5)', 'uoro', 'uoro-norho', 'nbt', 'snap1']) assert.match(result.stdout, new RegExp(`^${learner.replace(/[()]/g, '\\$&')}\\s+\\d+`, 'm'));
  assert.match(result.stdout, /bias ‖Eĝ−g‖\/‖g‖\s+variance E‖ĝ−g‖²\/‖g‖²\s+cosine\s+µs\/step/);
});

test('`online-rnn gradstats --json` is machine-readable: rtrl is exact, uoro and nbt are noisy, tbptt is biased', () => {
  const result = run('--cell', 'rnn', '--hidden', '4', '--samples', '300', '--steps', '8', '--k', '2', '--json');
  assert.equal(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal(report.n, 4);
  const byName = Object.fromEntries(report.learners.map((l: { learner: string }) => [l.learner, l]));
  assert.ok(byName.rtrl.meanRelativeError < 1e-12 && byName.rtrl.meanCosine > 0.999999);
  assert.ok(byName.tbptt.meanRelativeError > 1e-3 && byName.tbptt.relativeVariance < 1);
  for (const name of ['uoro', 'uoro-norho', 'nbt']) {
    assert.equal(byName[name].samples, 300);
    assert.ok(byName[name].relativeVariance > 0.1, `${name} variance ${byName[name].relativeVariance}`);
    assert.ok(byName[name].microsecondsPerStep > 0);
  }
});

test('`online-rnn gradstats --help` explains the measures and gives examples', () => {
  const result = run('--help');
  assert.equal(result.status, 0);
  assert.match(result.stdout, /Examples:\n\s+\$ online-rnn gradstats --cell lstm --hidden 8 --samples 10000/);
  assert.match(result.stdout, /--samples <n>/);
});

test('bad gradstats flags exit with code 2 and a one-line error naming the problem', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--samples', '0'], /--samples must be ≥ 1/],
    [['--steps', 'many'], /--steps must be an integer/],
    [['--learners', 'uoro,bptt'], /unknown learner 'bptt' in --learners/],
    [['--cell', 'lstm', '--bidirectional'], /unidirectional model, but layer 0 is bidirectional/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
  ];
  for (const [args, message] of cases) {
    const result = run('--hidden', '2', '--samples', '5', ...args);
    assert.equal(result.status, 2, `${args.join(' ')}: exit ${result.status} ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split('\n').length, 1, `more than one line: ${result.stderr}`);
  }
});

test('`online-rnn gradstats --alignment` runs every applicable learner on one stream and writes the matrix as a heatmap report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-alignment-'));
  try {
    const report = join(dir, 'alignment.html');
    const result = run('--alignment', '--cell', 'gru', '--hidden', '3', '--steps', '8', '--report', report);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^rtrl\s+1\.000/m);
    assert.match(result.stdout, /^eprop\s/m);
    assert.match(result.stdout, /^skipped kfrtrl: /m, 'a GRU has no Kronecker-factored influence');
    const html = readFileSync(report, 'utf8');
    assert.match(html, /<svg[^>]*>[\s\S]*<rect[^>]*fill="rgb\(/);
    assert.match(html, /online-rnn gradstats --alignment --cell gru/);
    assert.ok(existsSync(join(dir, 'alignment.svg')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('`online-rnn gradstats --alignment --json` gives each learner its alignments and cost; --report without --alignment is refused', () => {
  const result = run('--alignment', '--cell', 'rnn', '--hidden', '3', '--steps', '6', '--learners', 'rtrl,uoro,rkfrtrl', '--json');
  assert.equal(result.status, 0, result.stderr);
  const parsed = JSON.parse(result.stdout);
  assert.deepEqual(parsed.learners.map((l: { learner: string }) => l.learner), ['rtrl', 'uoro', 'rkfrtrl']);
  assert.ok(Math.abs(parsed.learners[0].alignment.rtrl - 1) < 1e-12);
  assert.ok(parsed.learners.every((l: { microsecondsPerStep: number }) => l.microsecondsPerStep > 0));
  const refused = run('--report', 'x.html');
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /--report goes with --alignment/);
});
