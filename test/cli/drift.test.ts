import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/fixtures.js';

const cli = join(repoRoot, 'dist/src/cli/main.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

/** A calm sine, then a level 50 higher and noisy: the loss jumps at row 301. */
function twoFiles(dir: string): { a: string; b: string } {
  const a = join(dir, 'a.csv');
  const b = join(dir, 'b.csv');
  writeFileSync(a, 'v\n' + Array.from({ length: 300 }, (_, t) => Math.sin(t / 3).toFixed(5)).join('\n') + '\n');
  writeFileSync(b, 'v\n' + Array.from({ length: 300 }, (_, t) => (50 + 20 * ((t * 7919) % 101) / 101).toFixed(5)).join('\n') + '\n');
  return { a, b };
}

test('train --csv a.csv,b.csv reads the files one after the other, and --drift draws its detections on the report and lists them in --json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-drift-'));
  try {
    const { a, b } = twoFiles(dir);
    const out = join(dir, 'run');
    const r = run('train', '--task', 'series', '--csv', `${a},${b}`, '--hidden', '4', '--steps', '600', '--log-every', '10', '--drift', 'adwin', '--on-drift', 'boost:factor=2:steps=50', '--out', out, '--json');
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { task: { title: string }; detections: number[] };
    assert.match(result.task.title, /a\.csv \+ b\.csv \(600 rows/);
    assert.ok(result.detections.some((step) => step > 300 && step < 400), `a detection soon after the files' boundary: ${result.detections.join(', ')}`);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const data = JSON.parse(html.match(/<script type="application\/json" id="report-data">([^<]*)<\/script>/)![1]!) as { markers: Array<{ step: number; learner: number }> };
    assert.deepEqual(data.markers.map((m) => m.step), result.detections);
    assert.match(html, /dotted verticals: drift detections/);
    assert.match(readFileSync(join(out, 'report.svg'), 'utf8'), /stroke-dasharray="2 3"/);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { drift: unknown };
    assert.deepEqual(config.drift, { detector: 'adwin', policy: 'boost:factor=2:steps=50' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compare --drift marks every run’s detections in its learner’s colour', () => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-drift-'));
  try {
    const { a, b } = twoFiles(dir);
    const report = join(dir, 'report.html');
    const r = run('compare', '--task', 'series', '--csv', `${a},${b}`, '--hidden', '4', '--steps', '600', '--learners', 'rtrl,uoro', '--seeds', '1', '--workers', '1', '--drift', 'page-hinkley:delta=0.05:threshold=20', '--report', report, '--json');
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { learners: Array<{ runs: Array<{ detections: number[] }> }> };
    const html = readFileSync(report, 'utf8');
    const data = JSON.parse(html.match(/id="report-data">([^<]*)<\/script>/)![1]!) as { markers: Array<{ step: number; learner: number }> };
    const expected = result.learners.flatMap((l, learner) => l.runs.flatMap((run) => run.detections.map((step) => ({ step, learner }))));
    assert.ok(expected.length > 0);
    assert.deepEqual(data.markers.map(({ step, learner }) => ({ step, learner })), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--tau a,b --switch-every N switches the Mackey–Glass delay; drift, τ and CSV-list mistakes are one-line errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-drift-'));
  try {
    const ok = run('train', '--task', 'series', '--tau', '17,30', '--switch-every', '200', '--hidden', '4', '--steps', '400', '--json');
    assert.equal(ok.status, 0, ok.stderr);
    assert.match((JSON.parse(ok.stdout) as { task: { title: string } }).task.title, /τ = 17.*→.*τ = 30.*switching at step 200/);
    const { a } = twoFiles(dir);
    for (const [args, message] of [
      [['--tau', '17,30'], /--tau 17,30 gives several delays: say when they change with --switch-every N/],
      [['--switch-every', '100'], /--switch-every needs --tau with two or more values/],
      [['--tau', '17,x', '--switch-every', '100'], /--tau 17,x: τ must be positive multiples of 0\.1/],
      [['--csv', a, '--tau', '17'], /--tau and --switch-every apply to the generated Mackey–Glass series, not to --csv/],
      [['--csv', `${a},`], /a file name is empty/],
      [['--csv', `${a},${join(dir, 'missing.csv')}`], /missing\.csv: no such file/],
      [['--on-drift', 'reset-both'], /--on-drift needs --drift/],
      [['--drift', 'cusum'], /--drift: unknown drift detector 'cusum' \(allowed: adwin, page-hinkley\)/],
      [['--drift', 'adwin', '--on-drift', 'boost:factor=2'], /--on-drift: drift policy boost:factor=2: steps must be a positive integer/],
      [['--drift', 'adwin', '--checkpoint-every', '10', '--out', join(dir, 'x')], /--drift cannot be combined with --checkpoint-every/],
    ] as const) {
      const r = run('train', '--task', 'series', ...args, '--steps', '10');
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
