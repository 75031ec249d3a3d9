/**
 * Issue #6 through the command line: `train --checkpoint-every N` and `train --resume DIR`.
 * A run killed (SIGKILL) after a checkpoint, or stopped by Ctrl-C, and resumed writes the
 * metrics.jsonl of a run never stopped — every loss and metric bit for bit, time aside.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/fixtures.js';
import { until } from '../support/cli.js';

const cli = join(repoRoot, 'dist/src/cli/main.js');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI in a child process; the runs of a test go in parallel. */
function start(args: string[]): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [cli, 'train', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Run>((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
  return { child, done };
}

const train = (...args: string[]) => start(args).done;

/** The curve without its time column, every number as JSON read it (so the comparison is bit for bit). */
function curve(dir: string): Array<{ step: number; loss: number | null; metric: number | null }> {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const { step, loss, metric, time, ...rest } = JSON.parse(line) as { step: number; loss: number | null; metric: number | null; time: number };
      assert.equal(typeof time, 'number');
      assert.deepEqual(rest, {});
      return { step, loss, metric };
    });
}

/** The step of the checkpoint `latest` names. */
function latestStep(dir: string): number {
  const name = readFileSync(join(dir, 'checkpoints', 'latest'), 'utf8').trim();
  return Number(/^checkpoint-(\d+)$/.exec(name)![1]);
}

/** A small LSTM on copy: episodes of random length, so a checkpoint falls inside one. */
const MODEL = ['--task', 'copy', '--cell', 'lstm', '--hidden', '6', '--lr', '0.01', '--seed', '3'];
/** TBPTT with k2 > k1: at a checkpoint its window is part-filled. */
const LEARNERS = ['uoro', 'rtrl', 'tbptt:k2=8:k1=3'];

test('a train run killed (SIGKILL) after a checkpoint and resumed writes the losses and metrics of a run never stopped, bit for bit (UORO, RTRL, TBPTT mid-window)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-train-resume-'));
  try {
    await Promise.all(
      LEARNERS.map(async (learner, i) => {
        const killed = join(dir, `killed-${i}`);
        const straight = join(dir, `straight-${i}`);
        // Far more steps than it gets to: killed as soon as a checkpoint exists, mid-run by construction.
        const run = start([...MODEL, '--learner', learner, '--steps', '10000000', '--log-every', '30', '--checkpoint-every', '100', '--out', killed]);
        await until(() => existsSync(join(killed, 'checkpoints', 'latest')), `${learner}'s first checkpoint`, { child: run.child });
        run.child.kill('SIGKILL');
        assert.equal((await run.done).status, null, 'killed, not finished');
        const at = latestStep(killed);
        assert.ok(at >= 100 && at % 100 === 0, `checkpoint at ${at}`);
        const steps = String(at + 150);

        const [resumed, reference] = await Promise.all([train('--resume', killed, '--steps', steps), train(...MODEL, '--learner', learner, '--steps', steps, '--log-every', '30', '--out', straight)]);
        assert.equal(resumed.status, 0, resumed.stderr);
        assert.equal(reference.status, 0, reference.stderr);
        assert.match(resumed.stdout, new RegExp(`steps: +${Number(steps).toLocaleString('en-US')} of ${Number(steps).toLocaleString('en-US')} — completed \\(resumed at step ${at.toLocaleString('en-US')}\\)`));
        const expected = curve(straight);
        assert.equal(expected.length, Math.ceil(Number(steps) / 30));
        assert.deepStrictEqual(curve(killed), expected, `${learner}: metrics.jsonl after resuming at step ${at}`);
        // The summary reads the whole curve, so it matches too.
        assert.equal(/loss: +(.*)/.exec(resumed.stdout)![1], /loss: +(.*)/.exec(reference.stdout)![1]);
        t.diagnostic(`${learner}: killed after the checkpoint at step ${at}; ${expected.length} points identical up to step ${steps}`);
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a resumed run goes on to its own --steps: metrics.jsonl is cut back to the checkpoint (later lines and a torn last line go) and continued', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-train-resume-'));
  try {
    const run = join(dir, 'run');
    const straight = join(dir, 'straight');
    const args = [...MODEL, '--learner', 'tbptt:k2=8:k1=3', '--steps', '400', '--log-every', '20'];
    const [first, reference] = await Promise.all([train(...args, '--checkpoint-every', '150', '--out', run), train(...args, '--out', straight)]);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(reference.status, 0, reference.stderr);
    // Checkpoints at 150, 300 and at the end, 400; the newest two are kept.
    assert.deepEqual(readdirSync(join(run, 'checkpoints')).sort(), ['checkpoint-000000300', 'checkpoint-000000400', 'latest']);
    assert.deepStrictEqual(curve(run), curve(straight), 'checkpointing changes nothing');
    // The state a kill between the checkpoints at 300 and 400 leaves, mid-append.
    rmSync(join(run, 'checkpoints', 'checkpoint-000000400'), { recursive: true });
    writeFileSync(join(run, 'checkpoints', 'latest'), 'checkpoint-000000300\n');
    appendFileSync(join(run, 'metrics.jsonl'), '{"step":420,"lo');

    const resumed = await train('--resume', run);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, /steps: +400 of 400 — completed \(resumed at step 300\)/);
    assert.deepStrictEqual(curve(run), curve(straight));
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    assert.equal(config.steps, 400);
    assert.deepEqual(
      config.resumed.map((r: { command: string; step: number }) => [r.command, r.step]),
      [[`online-rnn train --resume ${run}`, 300]],
    );
    assert.ok(existsSync(join(run, 'report.html')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Ctrl-C with --checkpoint-every saves a checkpoint at the step it stopped at, and resuming from it matches a run never stopped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-train-resume-'));
  try {
    const run = join(dir, 'run');
    const straight = join(dir, 'straight');
    const args = [...MODEL, '--learner', 'uoro', '--log-every', '25'];
    const running = start([...args, '--steps', '10000000', '--checkpoint-every', '1000000', '--out', run]);
    await until(() => existsSync(join(run, 'metrics.jsonl')) && readFileSync(join(run, 'metrics.jsonl'), 'utf8').split('\n').length > 8, 'a few points', { child: running.child });
    running.child.kill('SIGINT');
    const stopped = await running.done;
    assert.equal(stopped.status, 0, stopped.stderr);
    assert.match(stopped.stdout, /stopped by Ctrl-C/);
    const at = Number(/steps: +([\d,]+) of/.exec(stopped.stdout)![1]!.replace(/,/g, ''));
    assert.equal(latestStep(run), at, 'the checkpoint is at the step the run stopped at');
    assert.match(stopped.stdout, new RegExp(`checkpoint: .*checkpoint-${String(at).padStart(9, '0')}`));

    const steps = String(at + 120);
    const [resumed, reference] = await Promise.all([train('--resume', run, '--steps', steps), train(...args, '--steps', steps, '--out', straight)]);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(reference.status, 0, reference.stderr);
    // The partial interval written at the stop is replaced by the full one.
    assert.deepStrictEqual(curve(run), curve(straight), `resumed at step ${at}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad --resume and --checkpoint-every input is one line on stderr, exit code 2, and leaves the run as it was', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-train-resume-'));
  try {
    const good = join(dir, 'good');
    const plain = join(dir, 'plain');
    const runs = await Promise.all([
      train(...MODEL, '--learner', 'uoro', '--steps', '200', '--log-every', '20', '--checkpoint-every', '100', '--out', good),
      train(...MODEL, '--learner', 'uoro', '--steps', '50', '--out', plain),
    ]);
    for (const r of runs) assert.equal(r.status, 0, r.stderr);
    /** A copy of the good run, broken by `edit`. */
    const broken = (name: string, edit: (checkpoint: string) => void) => {
      const copy = join(dir, name);
      cpSync(good, copy, { recursive: true });
      edit(join(copy, 'checkpoints', 'checkpoint-000000200'));
      return copy;
    };
    const learnerJson = (checkpoint: string) => join(checkpoint, 'learner.json');
    const editState = (checkpoint: string, change: (state: { extra: { stream: { state: Record<string, unknown> } } }) => void) => {
      const state = JSON.parse(readFileSync(learnerJson(checkpoint), 'utf8'));
      change(state);
      writeFileSync(learnerJson(checkpoint), JSON.stringify(state));
    };
    const cases: Array<[string[], RegExp]> = [
      [['--resume', join(dir, 'nowhere')], /--resume .*nowhere: no such run directory/],
      [['--resume', plain, '--steps', '100'], /--resume .*plain: no checkpoint to resume from \(the run was trained without --checkpoint-every\)/],
      [['--resume', broken('killed-early', (c) => rmSync(join(c, '..'), { recursive: true }))], /no checkpoint to resume from \(the run stopped before its first, at step 100\)/],
      [['--resume', broken('torn-model', (c) => writeFileSync(join(c, 'model.safetensors'), 'garbage'))], /model\.safetensors/],
      [['--resume', broken('torn-json', (c) => writeFileSync(learnerJson(c), '{"format": "online-rnn/check'))], /learner\.json: not valid JSON/],
      [['--resume', broken('bad-stream', (c) => editState(c, (s) => (s.extra.stream.state.level = 0))), '--steps', '300'], /checkpoint-000000200: copy stream snapshot: level must be an integer in \[1, \d+\]/],
      [['--resume', broken('bad-latest', (c) => writeFileSync(join(c, '..', 'latest'), '../../etc\n'))], /latest: names "..\/..\/etc", not a checkpoint directory/],
      // (`--resume good` alone finishes a complete run: test/cli/run-signals.test.ts.)
      [['--resume', good, '--steps', '150'], /the checkpoint is at step 200, past --steps 150; give --steps 200 or more/],
      [['--resume', good, '--steps', '300', '--task', 'add'], /--task add contradicts the run in .*good: it has the task copy \(curriculum from T = 1.*\(with --resume only --steps, --checkpoint-every and --json may change\)/],
      [['--resume', good, '--steps', '300', '--learner', 'rtrl'], /--learner rtrl contradicts the run in .*: it has the learner uoro/],
      [['--resume', good, '--steps', '300', '--hidden', '7'], /--hidden 7 contradicts the run in .*: it has the model LSTM, hidden 6/],
      [['--resume', good, '--steps', '300', '--seed', '4'], /--seed 4 contradicts the run in .*: it has seed 3/],
      [['--resume', good, '--steps', '300', '--lr', '0.5'], /--lr 0\.5 contradicts the run in .*: it has adam lr 0\.01, no clipping, a curve point every 20 steps/],
      [['--resume', good, '--steps', '300', '--log-every', '7'], /--log-every 7 contradicts the run/],
      [['--resume', good, '--steps', '300', '--out', plain], /--out .*plain: --resume goes on writing into the run's own directory/],
      [['--task', 'copy', '--checkpoint-every', '10'], /--checkpoint-every needs --out: checkpoints go under <out>\/checkpoints/],
      [['--task', 'copy', '--checkpoint-every', '0', '--out', join(dir, 'zero')], /--checkpoint-every must be ≥ 1, got 0/],
    ];
    const before = readFileSync(join(good, 'metrics.jsonl'), 'utf8');
    // One after another: a resume takes the run's lock before it reads the run, so two at once would meet it.
    const results: Run[] = [];
    for (const [args] of cases) results.push(await train(...args));
    cases.forEach(([args, message], i) => {
      const result = results[i]!;
      assert.equal(result.status, 2, `${args.join(' ')}: exit ${result.status} ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.equal(result.stderr.trim().split('\n').length, 1, `more than one line: ${result.stderr}`);
    });
    assert.equal(readFileSync(join(good, 'metrics.jsonl'), 'utf8'), before, 'a refused resume writes nothing');
    assert.equal(existsSync(join(dir, 'influence')) || existsSync(join(dir, 'zero')), false);
    // The run's own settings, repeated, are accepted.
    const again = await train('--resume', good, '--steps', '260', '--task', 'copy', '--cell', 'lstm', '--hidden', '6', '--learner', 'uoro', '--lr', '0.01', '--seed', '3', '--log-every', '20', '--out', good);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /steps: +260 of 260 — completed \(resumed at step 200\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an influence-balancing run is checkpointed and resumed like any other: the resumed curve is the straight run’s, bit for bit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-train-resume-'));
  try {
    const args = ['--task', 'influence', '--learner', 'uoro', '--lr', '1e-3', '--log-every', '50'];
    const run = join(dir, 'run');
    const straight = join(dir, 'straight');
    const first = await train(...args, '--steps', '400', '--checkpoint-every', '200', '--out', run);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(latestStep(run), 400);
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    assert.deepEqual(config.model, { inputSize: 1, layers: [{ cell: { kind: 'influence' }, bidirectional: false }], dtype: 'float64' });
    const [resumed, reference] = await Promise.all([train('--resume', run, '--steps', '700'), train(...args, '--steps', '700', '--out', straight)]);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(reference.status, 0, reference.stderr);
    assert.deepStrictEqual(curve(run), curve(straight));
    assert.match(resumed.stdout, /model: +influence-balancing cell \(n = 23, one parameter θ, θ0 = 0\.5, s\(0\) = 1\) \(1 parameter, float64\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run directories written by main before the run configuration, and by main at 4b05efa (test/fixtures/run-dirs), resume bit for bit: the curve is the one main wrote for the run never stopped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-train-resume-'));
  try {
    const runs: Array<[string, string, string]> = [
      ['copy-lstm-uoro', 'straight-300.jsonl', '300'],
      ['charlm-gru-tbptt', 'straight-200.jsonl', '200'],
      ['influence-rtrl', 'straight-200.jsonl', '200'],
    ];
    await Promise.all(
      runs.map(async ([name, straight, steps]) => {
        const run = join(dir, name);
        cpSync(join(repoRoot, 'test/fixtures/run-dirs', name), run, { recursive: true });
        rmSync(join(run, straight));
        const resumed = await train('--resume', run, '--steps', steps);
        assert.equal(resumed.status, 0, resumed.stderr);
        const reference = mkdtempSync(join(dir, 'reference-'));
        cpSync(join(repoRoot, 'test/fixtures/run-dirs', name, straight), join(reference, 'metrics.jsonl'));
        assert.deepStrictEqual(curve(run), curve(reference), name);
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
