import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/fixtures.js';
import { PATIENCE_MS, until } from '../support/cli.js';

const cli = join(repoRoot, 'dist/src/cli/main.js');
// A hang guard only: the longest command here (halving over 32 configurations) takes ~40 s on two loaded cores.
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 5 * PATIENCE_MS });
const dir = mkdtempSync(join(tmpdir(), 'online-rnn-sweep-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const spec = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const INFLUENCE_24 = spec(
  'influence-24.yaml',
  `method: grid
task: influence
steps: 500
parameters:
  learner: {values: [tbptt:k=4, rtrl, uoro]}
  lr: {values: [0.0001, 0.0003]}
  seed: {values: [1, 2, 3, 4]}
`,
);
const COPY_1 = spec(
  'copy-1.yaml',
  `task: copy
steps: 3000
parameters:
  cell: {value: rnn}
  hidden: {value: 8}
  learner: {value: uoro}
  lr: {value: 0.01}
`,
);

interface Record_ {
  id: string;
  result: Record<string, unknown>;
  timing: unknown;
  provenance: { resumedFrom: number | null };
}
const records = (out: string) =>
  readFileSync(join(out, 'records.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record_);
/** A record without what differs between two executions of the run: timing and provenance. */
const timeAside = ({ timing: _t, provenance: _p, ...rest }: Record_) => rest;
const byId = (rs: Record_[]) => new Map(rs.map((r) => [r.id, timeAside(r)]));

test('sweep plan prints the same runs and ids on every call, as text and JSON', () => {
  const first = run('sweep', 'plan', INFLUENCE_24, '--json');
  assert.equal(first.status, 0, first.stderr);
  const plan = JSON.parse(first.stdout);
  assert.equal(plan.runs.length, 24);
  assert.equal(plan.method, 'grid');
  assert.deepEqual(JSON.parse(run('sweep', 'plan', INFLUENCE_24, '--json').stdout).runs, plan.runs);
  const text = run('sweep', 'plan', INFLUENCE_24);
  assert.match(text.stdout, /^influence-24\.yaml|.*: grid, 24 runs; metric final_loss \(minimize\)/);
  assert.match(text.stdout, new RegExp(`^ +0  ${plan.runs[0].id}  learner=tbptt:k=4 lr=0\\.0001 seed=1 steps=500 task=influence$`, 'm'));
});

test('24 runs split as --shard 0/3 … 2/3 (run at once, one records file) give exactly the records of one unsharded run, bit for bit; re-running a shard adds nothing', async () => {
  const whole = join(dir, 'whole');
  const sharded = join(dir, 'sharded');
  const one = run('sweep', 'run', INFLUENCE_24, '--out', whole, '--workers', '2');
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stdout, /all 24 runs: 0 already recorded, 24 finished/);
  const shards = await Promise.all(
    ['0/3', '1/3', '2/3'].map(
      (shard) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, [cli, 'sweep', 'run', INFLUENCE_24, '--out', sharded, '--shard', shard, '--workers', '1'], { stdio: 'ignore' });
          child.on('exit', resolve);
        }),
    ),
  );
  assert.deepEqual(shards, [0, 0, 0]);
  const a = records(whole);
  const b = records(sharded);
  assert.equal(b.length, 24);
  assert.deepEqual(byId(b), byId(a));

  const before = readFileSync(join(sharded, 'records.jsonl'), 'utf8');
  const again = run('sweep', 'run', INFLUENCE_24, '--out', sharded, '--shard', '1/3');
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /shard 1\/3 of 24 runs: 8 already recorded, 0 finished/);
  assert.equal(readFileSync(join(sharded, 'records.jsonl'), 'utf8'), before);
  const index = run('sweep', 'run', INFLUENCE_24, '--out', sharded, '--json', '--workers', '1');
  assert.equal(JSON.parse(index.stdout).skipped, 24);
  const status = run('sweep', 'status', INFLUENCE_24, '--out', sharded, '--json');
  assert.deepEqual(JSON.parse(status.stdout).records, { runs: 24, done: 24, pruned: 0, started: 0, waiting: 0, torn: 0 });
});

test('a run SIGKILLed after a checkpoint resumes from it on the next call and records the same result as a run never stopped', async () => {
  const out = join(dir, 'killed');
  const child = spawn(process.execPath, [cli, 'sweep', 'run', COPY_1, '--out', out, '--checkpoint-every', '200', '--workers', '1'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const id = JSON.parse(run('sweep', 'plan', COPY_1, '--json').stdout).runs[0].id as string;
  const latest = join(out, 'runs', id, 'checkpoints', 'latest');
  await until(() => existsSync(latest), "the run's first checkpoint", { child, everyMs: 10 });
  child.kill('SIGKILL');
  await exited;
  assert.ok(!existsSync(join(out, 'records.jsonl')) || readFileSync(join(out, 'records.jsonl'), 'utf8') === '', 'killed before its record');

  const resumed = run('sweep', 'run', COPY_1, '--out', out, '--checkpoint-every', '200');
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resumed from step \d+/);
  const fresh = join(dir, 'fresh');
  assert.equal(run('sweep', 'run', COPY_1, '--out', fresh, '--checkpoint-every', '0').status, 0);
  const [r] = records(out);
  const [f] = records(fresh);
  assert.ok(r!.provenance.resumedFrom! >= 200, `resumed from ${r!.provenance.resumedFrom}`);
  assert.equal(f!.provenance.resumedFrom, null);
  assert.deepEqual(timeAside(r!), timeAside(f!));
  assert.ok(!existsSync(join(out, 'runs', id)), 'a finished run leaves no directory behind');
});

test('successive halving on a 32-configuration lr × learner sweep: compute saved and the winner, against the full sweep', () => {
  const lrs = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2];
  const path = spec(
    'halving.yaml',
    `task: influence
steps: 1800
metric: {name: final_loss, goal: minimize}
parameters:
  log-every: {value: 25}
  learner: {values: [tbptt:k=2, tbptt:k=16, rtrl, uoro]}
  lr: {values: [${lrs.join(', ')}]}
`,
  );
  const full = join(dir, 'full');
  const pruned = join(dir, 'pruned');
  assert.equal(run('sweep', 'run', path, '--out', full, '--workers', '2').status, 0);
  const halving = run('sweep', 'run', path, '--out', pruned, '--workers', '2', '--prune', 'halving', '--eta', '2', '--min-steps', '225', '--json');
  assert.equal(halving.status, 0, halving.stderr);
  const outcome = JSON.parse(halving.stdout);
  assert.deepEqual(outcome.rungs, [225, 450, 900, 1800]);
  assert.equal(outcome.fullSteps, 32 * 1800);
  // Survivors go on from their checkpoints: each rung trains only its new steps.
  assert.equal(outcome.trainedSteps, 32 * 225 + 16 * 225 + 8 * 450 + 4 * 900);
  assert.equal(outcome.computeSaved, 1 - 18000 / 57600);
  assert.equal(outcome.pruned, 32 - 4);
  const best = JSON.parse(run('sweep', 'report', full, '--json').stdout).best[0];
  assert.deepEqual(outcome.winner.id, best.ids[0], `pruned winner ${JSON.stringify(outcome.winner.params)}, full sweep's ${best.label}`);
  // The winner's record, continued across the rungs from checkpoints, equals its unpruned run.
  const winner = records(pruned).find((r) => r.id === outcome.winner.id)!;
  assert.deepEqual(timeAside(winner), byId(records(full)).get(outcome.winner.id));
  process.stdout.write(`# halving: ${outcome.trainedSteps} of ${outcome.fullSteps} steps (${(100 * outcome.computeSaved).toFixed(1)}% saved); winner ${best.label}\n`);
});

test('successive halving continues each survivor from its checkpoint at the rung: the winner’s record equals its run never stopped', () => {
  const path = spec(
    'halving-copy.yaml',
    `task: copy
steps: 1200
parameters:
  log-every: {value: 25}
  cell: {value: rnn}
  hidden: {value: 8}
  learner: {value: uoro}
  lr: {values: [0.001, 0.003, 0.01, 0.03]}
`,
  );
  const full = join(dir, 'full-copy');
  const pruned = join(dir, 'pruned-copy');
  assert.equal(run('sweep', 'run', path, '--out', full, '--workers', '2').status, 0);
  const outcome = JSON.parse(run('sweep', 'run', path, '--out', pruned, '--workers', '2', '--prune', 'halving', '--eta', '2', '--min-steps', '300', '--json').stdout);
  assert.deepEqual(outcome.rungs, [300, 600, 1200]);
  assert.equal(outcome.trainedSteps, 4 * 300 + 2 * 300 + 1 * 600);
  const winner = records(pruned).find((r) => r.id === outcome.winner.id)!;
  assert.deepEqual(timeAside(winner), byId(records(full)).get(outcome.winner.id));
  assert.equal(records(pruned).filter((r) => r.result.end === 'pruned').length, 3);
});

test('sweep report writes the HTML page (sensitivity, best table, curves) and --json the same data', () => {
  const whole = join(dir, 'whole');
  const html = join(dir, 'sweep-report.html');
  const result = run('sweep', 'report', whole, '--out', html, '--best', '3');
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^24 runs, 6 configurations; best: /);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /<div class="chart" id="chart-sensitivity"><\/div><div class="chart" id="chart-curves"><\/div>/);
  assert.match(page, /final loss against the learning rate/);
  assert.equal((page.match(/<tr class="best">/g) ?? []).length, 3);
  const data = JSON.parse(run('sweep', 'report', whole, '--json', '--best', '3').stdout);
  assert.equal(data.configurations.length, 6);
  assert.deepEqual(data.sensitivity.map((l: { label: string }) => l.label), ['rtrl', 'tbptt:k=4', 'uoro']);
  assert.deepEqual(data.sensitivity[0].lr, [0.0001, 0.0003]);
  assert.equal(data.curves.length, 3);
  assert.deepEqual(data.configurations[0].seeds, [1, 2, 3, 4]);
});

test('bad input is one line and exit code 2, and nothing already written is lost: a malformed spec, an unwritable --out, an index past the plan', () => {
  const out = join(dir, 'whole');
  const before = readFileSync(join(out, 'records.jsonl'), 'utf8');
  const bad = spec('bad.yaml', 'task: influence\nparameters:\n  lr: {distribution: log_uniform_values, min: 0.1, max: 0.01}\n');
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  const cases: Array<[string[], RegExp]> = [
    [['sweep', 'plan', bad], /bad\.yaml: parameters\.lr: empty range/],
    [['sweep', 'run', bad, '--out', out], /bad\.yaml: parameters\.lr: empty range/],
    [['sweep', 'plan', join(dir, 'missing.yaml')], /spec .*missing\.yaml: no such file/],
    [['sweep', 'run', INFLUENCE_24, '--out', join(file, 'sub')], /--out .*a-file\/sub is not writable \(ENOTDIR\)/],
    [['sweep', 'run', INFLUENCE_24, '--out', file], /--out .*a-file is a file, not a directory/],
    [['sweep', 'run', INFLUENCE_24, '--out', out, '--index', '24'], /index 24 is past the plan's last run/],
    [['sweep', 'run', INFLUENCE_24, '--out', out, '--shard', '0/2', '--prune', 'halving'], /--prune halving ranks every run at each rung/],
    [['sweep', 'report', out, '--out', join(file, 'r.html')], /--out .*r\.html cannot be written \(ENOTDIR\)/],
    [['sweep', 'report', join(dir, 'nothing')], /no records\.jsonl here/],
    [['sweep', 'enqueue', INFLUENCE_24, '--queue', 'http://localhost:6379'], /--queue must start with redis:\/\//],
  ];
  if (process.getuid?.() !== 0) {
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    cases.push([['sweep', 'run', INFLUENCE_24, '--out', locked], /--out .*locked is not writable \(EACCES\)/]);
  }
  for (const [args, message] of cases) {
    const result = run(...args);
    assert.equal(result.status, 2, `${args.join(' ')}: exit ${result.status} ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split('\n').length, 1, `more than one line: ${result.stderr}`);
  }
  assert.equal(readFileSync(join(out, 'records.jsonl'), 'utf8'), before);
});
