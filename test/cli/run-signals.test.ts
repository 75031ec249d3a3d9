/**
 * Issue #13 items 7 and 8: how a training command ends — SIGTERM like Ctrl-C, a diverged run's
 * own exit code, progress lines when no terminal shows a bar, and a run killed after its final
 * checkpoint finished by --resume.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_DIVERGED } from '../../src/cli/run-signals.js';
import { runCli, startCli, tempDir, until } from '../support/cli.js';

const SMALL = ['--task', 'copy', '--cell', 'rnn', '--hidden', '4', '--learner', 'uoro', '--seed', '4'];

/** The curve without its time column. */
function curve(dir: string): unknown[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const { time: _time, ...point } = JSON.parse(line) as { time: number };
      return point;
    });
}

test('SIGTERM stops train like Ctrl-C: the summary, a final checkpoint at the step reached and the report, exit 0; progress lines come while stderr is a pipe', async (t) => {
  const dir = join(tempDir(t), 'run');
  const run = startCli(['train', ...SMALL, '--steps', '100000000', '--checkpoint-every', '100000000', '--log-every', '10', '--progress-every', '0.05', '--out', dir]);
  await until(() => (run.output().stderr.match(/^progress: uoro step [\d,]+ of 100,000,000 \(0%\), [\d,–]+ steps\/s, loss .*, metric .*$/gm) ?? []).length >= 2, 'two progress lines', { child: run.child });
  run.child.kill('SIGTERM');
  const r = await run.done;
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /SIGTERM: stopping after the current step/);
  const stopped = Number(/steps: +([\d,]+) of 100,000,000 — stopped by SIGTERM/.exec(r.stdout)![1]!.replace(/,/g, ''));
  assert.match(readFileSync(join(dir, 'checkpoints', 'latest'), 'utf8'), new RegExp(`checkpoint-0*${stopped}\\n`));
  assert.ok(existsSync(join(dir, 'report.html')));
});

test('SIGTERM stops compare with its table, exit 0', async () => {
  const run = startCli(['compare', '--task', 'copy', '--cell', 'rnn', '--hidden', '4', '--learners', 'uoro,rtrl', '--steps', '100000000', '--workers', '1', '--progress-every', '0.05']);
  // A progress line means the jobs run, so the handlers are set (a fixed wait was too short on a loaded machine).
  await until(() => /^progress: /m.test(run.output().stderr), 'a progress line', { child: run.child });
  run.child.kill('SIGTERM');
  const r = await run.done;
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /stopped by SIGTERM: the table covers the steps run/);
});

test(`a diverged run exits with its own code, ${EXIT_DIVERGED}, after writing its curve and report`, async (t) => {
  const dir = join(tempDir(t), 'run');
  const r = await runCli(['train', '--task', 'series', '--cell', 'rnn', '--nonlinearity', 'relu', '--lr', '10', '--optimizer', 'sgd', '--steps', '3000', '--out', dir]);
  assert.equal(r.status, EXIT_DIVERGED, r.stderr);
  assert.match(r.stdout, /— diverged: the (loss|gradient estimate) diverged at step \d+/);
  assert.ok(existsSync(join(dir, 'report.html')));
});

test('a run killed after its final checkpoint, before its report, is finished by --resume: the report written, the curve of a run never stopped, exit 0', async (t) => {
  const root = tempDir(t);
  const flags = [...SMALL, '--steps', '1005', '--checkpoint-every', '1005', '--log-every', '10'];
  const whole = await runCli(['train', ...flags, '--out', join(root, 'whole')]);
  assert.equal(whole.status, 0, whole.stderr);
  // The same run, as a kill right after the last checkpoint leaves it: no report, the partial last point not yet written.
  const dir = join(root, 'killed');
  assert.equal((await runCli(['train', ...flags, '--out', dir])).status, 0);
  rmSync(join(dir, 'report.html'));
  rmSync(join(dir, 'report.svg'));
  const text = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
  writeFileSync(join(dir, 'metrics.jsonl'), text.slice(0, text.lastIndexOf('{"step":1005')));
  const r = await runCli(['train', '--resume', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /steps: +1,005 of 1,005 — completed \(resumed at step 1,005\)/);
  assert.ok(existsSync(join(dir, 'report.html')) && existsSync(join(dir, 'report.svg')));
  assert.deepEqual(curve(dir), curve(join(root, 'whole')));
  const again = await runCli(['train', '--resume', dir, '--steps', '1000']);
  assert.equal(again.status, 2, 'fewer steps than the checkpoint holds is still refused');
});
