import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/fixtures.js';
import { until } from '../support/cli.js';
import { CELL_KINDS } from '../../src/kinds/cells.js';

const cli = join(repoRoot, 'dist/src/cli/main.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const scratch = () => mkdtempSync(join(tmpdir(), 'online-rnn-train-'));

test('train writes config.json, metrics.jsonl, the model and the report under --out, and ends with a one-screen summary', () => {
  const dir = scratch();
  const out = join(dir, 'run');
  try {
    const result = run('train', '--task', 'influence', '--learner', 'rtrl', '--steps', '3000', '--log-every', '100', '--out', out);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(readdirSync(out).sort(), ['config.json', 'metrics.jsonl', 'model', 'report.html', 'report.svg']);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.match(config.command, /^online-rnn train --task influence --learner rtrl --steps 3000/);
    assert.deepEqual(config.learner, { kind: 'rtrl' });
    assert.equal(config.seed, 1);
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 30);
    assert.deepEqual(Object.keys(lines[0]), ['step', 'loss', 'metric', 'time']);
    assert.deepEqual(lines.map((l) => l.step), Array.from({ length: 30 }, (_, i) => 100 * (i + 1)));
    assert.ok(Math.abs(lines[29].metric + 1 / 6) < 1e-3, `θ = ${lines[29].metric}`);
    const screen = result.stdout.split('\n');
    assert.ok(screen.length < 20);
    assert.match(result.stdout, /steps: +3,000 of 3,000 — completed/);
    assert.match(result.stdout, /θ: −0\.167/);
    assert.match(result.stdout, /θ\* = −1\/6 = −0\.167/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("without --cell and --hidden, train uses the task's paper model; with them, the user's", () => {
  assert.match(run('train', '--task', 'add', '--steps', '10').stdout, /model: +RNN, hidden 32, dense head 2/);
  assert.match(run('train', '--task', 'charlm', '--steps', '10').stdout, /model: +GRU, hidden 64, dense head 3/);
  assert.match(run('train', '--task', 'add', '--hidden', '5', '--steps', '10').stdout, /model: +RNN, hidden 5,/);
  assert.match(run('train', '--task', 'add', '--cell', 'lstm', '--steps', '10').stdout, /model: +LSTM, hidden 32,/);
});

test('train --json prints the run as JSON, with null for what is not finite', () => {
  const result = run('train', '--task', 'add', '--cell', 'rnn', '--hidden', '4', '--learner', 'uoro', '--steps', '500', '--json');
  assert.equal(result.status, 0, result.stderr);
  const json = JSON.parse(result.stdout);
  assert.equal(json.end, 'completed');
  assert.equal(json.steps, 500);
  assert.equal(json.task.kind, 'add');
  assert.deepEqual(json.learner, { kind: 'uoro' });
  assert.ok(json.stateBytes > 0 && json.stepsPerSecond > 0);
  assert.equal(json.points, undefined, 'the curve goes to metrics.jsonl, not to stdout');
});

test('Ctrl-C stops train at the next step and keeps every point written so far', async () => {
  const dir = scratch();
  const out = join(dir, 'run');
  try {
    const child = spawn(process.execPath, [cli, 'train', '--task', 'copy', '--cell', 'rnn', '--hidden', '8', '--learner', 'uoro', '--steps', '100000000', '--log-every', '50', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const metrics = join(out, 'metrics.jsonl');
    await until(() => existsSync(metrics) && readFileSync(metrics, 'utf8').split('\n').length > 20, '20 points in metrics.jsonl', { child, everyMs: 50 });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    assert.match(stdout, /stopped by Ctrl-C/);
    const lines = readFileSync(metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const stoppedAt = Number(/steps: +([\d,]+) of/.exec(stdout)![1]!.replace(/,/g, ''));
    assert.ok(stoppedAt < 100_000_000);
    assert.equal(lines[lines.length - 1].step, stoppedAt, 'the last partial interval is written too');
    assert.ok(existsSync(join(out, 'report.html')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input is one line on stderr, exit code 2, and nothing under --out', () => {
  const dir = scratch();
  try {
    writeFileSync(join(dir, 'empty.txt'), '');
    writeFileSync(join(dir, 'prices.csv'), 'date,close\n2024-01-01,10\n2024-01-02,11\n2024-01-03,n/a\n');
    const cases: Array<[string[], RegExp]> = [
      [['--task', 'sudoku'], /unknown task 'sudoku' \(allowed: copy, add, adding, charlm, series, influence\)/],
      [['--task', 'copy', '--learner', 'bptt'], /unknown learner 'bptt'/],
      [['--task', 'copy', '--learner', 'tbptt:q=3'], /learner 'tbptt:q=3': tbptt: unknown option 'q'/],
      [['--task', 'copy', '--frobnicate'], /unknown option '--frobnicate'/],
      [['--task', 'charlm', '--text', join(dir, 'missing.txt')], /--text .*missing\.txt: no such file/],
      [['--task', 'charlm', '--text', join(dir, 'empty.txt')], /--text .*empty\.txt is empty/],
      [['--task', 'series', '--csv', join(dir, 'prices.csv'), '--column', 'open'], /prices\.csv has no column 'open' \(columns: date, close\)/],
      [['--task', 'series', '--csv', join(dir, 'prices.csv'), '--column', 'close'], /prices\.csv row 4, column 'close': 'n\/a' is not a finite number/],
      [['--task', 'copy', '--steps', '0'], /--steps must be ≥ 1, got 0/],
      [['--task', 'copy', '--lag', '5'], /--lag applies to --task adding, not copy/],
      [['--task', 'influence', '--cell', 'gru'], /--cell does not apply to --task influence: it trains its own model/],
      [['--task', 'copy', '--bidirectional'], /online learners need a unidirectional model/],
      [['--task', 'copy', '--lr', 'fast'], /--lr must be a finite number, got 'fast'/],
    ];
    for (const [args, message] of cases) {
      const out = join(dir, 'out');
      const result = run('train', ...args, '--out', out);
      assert.equal(result.status, 2, `${args.join(' ')}: exit ${result.status} ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1, `more than one line: ${result.stderr}`);
      assert.equal(existsSync(out), false, `${args.join(' ')} created --out`);
    }
    const full = join(dir, 'full');
    run('train', '--task', 'influence', '--steps', '10', '--out', full);
    const again = run('train', '--task', 'influence', '--steps', '10', '--out', full);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /--out .*full is not empty; choose a new directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('train --help lists the options with examples', () => {
  const result = run('train', '--help');
  assert.equal(result.status, 0);
  assert.match(result.stdout, /Examples:\n {2}\$ online-rnn train --task copy --cell lstm --hidden 64 --learner uoro --steps 200000/);
  assert.match(result.stdout, new RegExp(`--cell <kind> +cell: ${CELL_KINDS.join(', ')}\\s+\\(default: the task’s\\)`));
});
