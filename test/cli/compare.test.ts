import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliSync, tempDir } from '../support/cli.js';

const run = runCliSync;

test('compare on influence balancing: truncated BPTT with k ≤ 40 runs away, RTRL converges to −1/6; table, report and JSON agree', (t) => {
  const dir = tempDir(t, 'online-rnn-compare-');
  const report = join(dir, 'report.html');
  const args = ['compare', '--task', 'influence', '--learners', 'tbptt:k=10,rtrl,uoro:lr=1e-5', '--steps', '5000', '--seeds', '2', '--workers', '2'];
  const table = run(...args, '--report', report);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /5,000 steps × 2 seeds \(1, 2\) on 2 workers/);
  assert.match(table.stdout, /^learner +final loss +θ +at target +non-finite +steps\/s +state$/m);
  assert.match(table.stdout, /^rtrl +\S+ ± \S+ +−0\.167 ± 0 +2\/2 +0\/2/m);
  assert.match(table.stdout, /^tbptt:k=10 +\S+ ± \S+ +\S+ ± \S+ +0\/2 +0\/2/m);
  assert.match(table.stdout, new RegExp(`report: ${report.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(figure: .*report\\.svg\\)`));
  assert.ok(existsSync(join(dir, 'report.svg')));
  const html = readFileSync(report, 'utf8');
  assert.match(html, /<pre id="command">online-rnn compare --task influence --learners tbptt:k=10,rtrl,uoro:lr=1e-5/);

  const json = JSON.parse(run(...args, '--json').stdout);
  const [tbptt, rtrl, uoro] = json.learners;
  assert.deepEqual(tbptt.learner, { kind: 'tbptt', k2: 10, k1: 1 });
  assert.equal(uoro.lr, 1e-5);
  assert.deepEqual(rtrl.runs.map((r: { seed: number }) => r.seed), [1, 2]);
  for (const r of rtrl.runs) assert.ok(Math.abs(r.finalMetric + 1 / 6) < 1e-3, `rtrl θ = ${r.finalMetric}`);
  for (const r of tbptt.runs) assert.ok(r.finalMetric > 5, `tbptt:k=10 θ = ${r.finalMetric}`);
  assert.ok(rtrl.summary.stateBytes > 0 && rtrl.summary.stepsPerSecond > 0);
  assert.equal(rtrl.summary.atTarget, 2);
  assert.equal(tbptt.summary.atTarget, 0);
  assert.equal(json.task.references[0].value, -1 / 6);
});

test('compare refuses bad learner lists and report paths with one line and exit code 2', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--task', 'copy'], /--learners is required/],
    [['--task', 'copy', '--learners', 'rtrl,sgd'], /unknown learner 'sgd'/],
    [['--task', 'copy', '--learners', 'uoro,uoro'], /learner 'uoro' is listed twice/],
    [['--task', 'copy', '--learners', 'uoro:lr=fast'], /learner 'uoro:lr=fast': lr must be a number/],
    [['--task', 'copy', '--learners', 'tbptt'], /tbptt: k2 must be a positive integer/],
    [['--task', 'copy', '--learners', 'uoro', '--report', '/tmp'], /--report \/tmp is a directory; name an .html file/],
    [['--task', 'copy', '--learners', 'uoro', '--report', 'report.pdf'], /--report report.pdf: name an .html file/],
    [['--task', 'copy', '--learners', 'uoro', '--seeds', '0'], /--seeds must be ≥ 1/],
  ];
  for (const [args, message] of cases) {
    const result = run('compare', ...args);
    assert.equal(result.status, 2, `${args.join(' ')}: exit ${result.status} ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split('\n').length, 1, `more than one line: ${result.stderr}`);
  }
});

test('compare --help shows the influence-balancing example', () => {
  const result = run('compare', '--help');
  assert.equal(result.status, 0);
  assert.match(result.stdout, /\$ online-rnn compare --task influence --learners tbptt:k=2,tbptt:k=32/);
});

test("learner specs: k is the UORO paper's window (k2 = k, k1 = 1), lr is the learner's own, the rest goes to the library", async () => {
  const { parseLearnerSpec, parseLearnerSpecs } = await import('../../src/cli/learner-spec.js');
  assert.deepEqual(parseLearnerSpec('tbptt:k=32'), { label: 'tbptt:k=32', config: { kind: 'tbptt', k2: 32, k1: 1 } });
  assert.deepEqual(parseLearnerSpec('tbptt:k2=60'), { label: 'tbptt:k2=60', config: { kind: 'tbptt', k2: 60 } });
  assert.deepEqual(parseLearnerSpec('tbptt:k2=60:k1=20').config, { kind: 'tbptt', k2: 60, k1: 20 });
  assert.deepEqual(parseLearnerSpec('uoro:lr=1e-5'), { label: 'uoro:lr=1e-5', config: { kind: 'uoro' }, lr: 1e-5 });
  assert.deepEqual(parseLearnerSpec('uoro:rescale=false').config, { kind: 'uoro', rescale: false });
  assert.deepEqual(parseLearnerSpecs('rtrl, nbt').map((s) => s.label), ['rtrl', 'nbt']);
  assert.throws(() => parseLearnerSpec('tbptt:k1=5:k2=2'), /k1 \(5\) must not exceed k2 \(2\)/);
  assert.throws(() => parseLearnerSpec('rtrl:k'), /'k' is not key=value/);
});

test('a job is deterministic: the same seed trains to the same curve bit for bit, another seed to another', async () => {
  const { runJob } = await import('../../src/cli/job.js');
  const job = (seed: number) => ({
    id: 0,
    label: 'uoro',
    task: { kind: 'add' as const },
    model: { inputSize: 2, layers: [{ cell: { kind: 'gru' as const, hiddenSize: 4 } }], outputSize: 2 },
    learner: { kind: 'uoro' as const },
    optimizer: { kind: 'adam' as const, lr: 1e-2 },
    steps: 600,
    seed,
    logEvery: 100,
  });
  let clock = 0;
  const hooks = { now: () => (clock += 0.001), onPoints: () => {}, shouldStop: () => false };
  const strip = (r: { points: ReadonlyArray<{ step: number; loss: number; metric: number }> }) => r.points.map(({ step, loss, metric }) => [step, loss, metric]);
  const a = runJob(job(3), hooks);
  assert.equal(a.points.length, 6);
  assert.deepEqual(strip(a), strip(runJob(job(3), hooks)));
  assert.notDeepEqual(strip(a), strip(runJob(job(4), hooks)));
  let stops = 0;
  const stopped = runJob(job(3), { ...hooks, shouldStop: () => ++stops >= 250 });
  assert.equal(stopped.end, 'stopped');
  assert.equal(stopped.steps, 250);
  assert.deepEqual(strip(stopped).slice(0, 2), strip(a).slice(0, 2));
});
