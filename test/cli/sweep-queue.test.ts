import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { repoRoot } from '../support/fixtures.js';
import { redisMissing, startRedis, type RedisServer } from '../support/redis.js';
import { running } from '../support/processes.js';
import { PATIENCE_MS, until } from '../support/cli.js';

const cli = join(repoRoot, 'dist/src/cli/main.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: PATIENCE_MS });
const missing = redisMissing();

const COPY = `method: grid
task: copy
steps: 3000
parameters:
  cell: {value: rnn}
  hidden: {value: 8}
  learner: {values: [tbptt:k=8, uoro]}
  lr: {values: [0.001, 0.01, 0.03]}
  seed: {values: [1, 2]}
`;
const INFLUENCE = `method: grid
task: influence
steps: 2000
parameters:
  learner: {values: [tbptt:k=4, rtrl, uoro]}
  lr: {values: [0.0001, 0.0003]}
  seed: {values: [1, 2]}
`;

let redis: RedisServer | null = null;
let dir = '';
before(async () => {
  if (missing !== null) return;
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'online-rnn-sweep-queue-'));
  writeFileSync(join(dir, 'copy.yaml'), COPY);
  writeFileSync(join(dir, 'influence.yaml'), INFLUENCE);
});
after(async () => {
  await redis?.stop();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

interface Started {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exit: Promise<number | null>;
}

function worker(...args: string[]): Started {
  const child = spawn(process.execPath, [cli, 'sweep', 'worker', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: string[] = [];
  let rest = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exit };
}

/** `pid` and its descendants, from /proc (Linux). */
function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while we read: it is no one's descendant any more.
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  return tree;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

interface Record_ {
  id: string;
  params: Record<string, string | number>;
  result: { end: string; steps: number; finalLoss: number | null; finalMetric: number | null };
  provenance: { resumedFrom: number | null };
}

test('queue: 24 runs of influence balancing and copy on two workers, one SIGKILLed mid-run and Redis killed and restarted from its append-only file; every run finishes exactly once and equals compare', { skip: missing ?? false, timeout: 5 * PATIENCE_MS }, async () => {
  const queue = redis!.url;
  const out = join(dir, 'out');
  const first = run('sweep', 'enqueue', join(dir, 'copy.yaml'), join(dir, 'influence.yaml'), '--queue', queue);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /24 runs added, 0 already there/);
  const again = run('sweep', 'enqueue', join(dir, 'influence.yaml'), '--queue', queue);
  assert.match(again.stdout, /0 runs added, 12 already there/);

  const options = ['--queue', queue, '--out', out, '--concurrency', '1', '--checkpoint-every', '200', '--lock-duration', '2000', '--until-empty'];
  const a = worker(...options);
  const b = worker(...options);
  // Kill A while one of its runs has a checkpoint and no record yet. The runs are short, so A and
  // its processors are first stopped (SIGSTOP) and the run checked again: between seeing a
  // checkpoint and the kill, a running processor could finish the run and record it.
  const aPid = a.child.pid!;
  const recorded = (id: string) => existsSync(join(out, 'records.jsonl')) && readFileSync(join(out, 'records.jsonl'), 'utf8').includes(`"id":"${id}"`);
  const candidate = (): string | null => {
    for (const line of a.lines) {
      const match = new RegExp(`^worker ${aPid}: start +(\\w+) `).exec(line);
      if (match === null) continue;
      const id = match[1]!;
      if (!recorded(id) && existsSync(join(out, 'runs', id, 'checkpoints', 'latest'))) return id;
    }
    return null;
  };
  let victim: string | null = null;
  const tree = processTree(aPid);
  for (let attempt = 0; victim === null; attempt++) {
    assert.ok(attempt < 50, 'worker A never held an unrecorded checkpoint long enough to be killed');
    await until(() => candidate() !== null, 'a checkpoint of a run worker A is running', { child: a.child, everyMs: 20 });
    const stopped = processTree(aPid);
    for (const pid of stopped) signal(pid, 'SIGSTOP');
    victim = candidate();
    if (victim === null) for (const pid of stopped) signal(pid, 'SIGCONT');
    else tree.push(...stopped);
  }
  // The machine running A dies: A and its sandboxed processors go at once.
  for (const pid of new Set(tree)) signal(pid, 'SIGKILL');
  assert.equal(await a.exit, null);

  // Redis dies (SIGKILL) while B works, and comes back on the same append-only file.
  const done = () => b.lines.filter((l) => / done /.test(l)).length;
  const before = done();
  await until(() => done() >= before + 2, 'worker B finishing two runs', { child: b.child, everyMs: 20 });
  await redis!.kill();
  await new Promise((r) => setTimeout(r, 1000));
  await redis!.start();

  assert.equal(await b.exit, 0, b.lines.join('\n'));
  const lines = readFileSync(join(out, 'records.jsonl'), 'utf8').trim().split('\n');
  const records = lines.map((l) => JSON.parse(l) as Record_);
  const plan = [...JSON.parse(run('sweep', 'plan', join(dir, 'copy.yaml'), '--json').stdout).runs, ...JSON.parse(run('sweep', 'plan', join(dir, 'influence.yaml'), '--json').stdout).runs] as Array<{ id: string }>;
  assert.equal(records.length, 24, 'one record per run');
  assert.deepEqual(records.map((r) => r.id).sort(), plan.map((r) => r.id).sort(), 'every run exactly once');
  const resumed = records.find((r) => r.id === victim)!;
  assert.ok(resumed.provenance.resumedFrom !== null && resumed.provenance.resumedFrom >= 200, `the killed run resumed from its checkpoint (${resumed.provenance.resumedFrom})`);
  assert.match(b.lines.join('\n'), new RegExp(`done +${victim} .*resumed from step`));

  // Progress came from the prequential loop: the step, the run's steps, the latest loss and metric.
  const client = new Redis(redis!.port, '127.0.0.1');
  try {
    const progress = JSON.parse((await client.hget(`bull:online-rnn-sweep:${victim}`, 'progress'))!) as { step: number; steps: number; loss: number | null };
    assert.equal(progress.steps, 3000);
    assert.ok(progress.step > 0 && progress.step <= 3000 && typeof progress.loss === 'number', JSON.stringify(progress));
  } finally {
    client.disconnect();
  }

  const status = run('sweep', 'status', '--queue', queue, '--json');
  assert.deepEqual(JSON.parse(status.stdout).queue, { url: `${queue}/0`, name: 'online-rnn-sweep', waiting: 0, active: 0, done: 24, failed: 0 });

  // Each result equals compare's run with the same flags.
  const groups: Array<{ task: string[]; learners: string; lr: string; steps: string }> = [
    ...['0.001', '0.01', '0.03'].map((lr) => ({ task: ['--task', 'copy', '--cell', 'rnn', '--hidden', '8'], learners: 'tbptt:k=8,uoro', lr, steps: '3000' })),
    ...['0.0001', '0.0003'].map((lr) => ({ task: ['--task', 'influence'], learners: 'tbptt:k=4,rtrl,uoro', lr, steps: '2000' })),
  ];
  let compared = 0;
  for (const g of groups) {
    const result = run('compare', ...g.task, '--learners', g.learners, '--lr', g.lr, '--steps', g.steps, '--seeds', '2', '--seed', '1', '--workers', '2', '--json');
    assert.equal(result.status, 0, result.stderr);
    for (const learner of JSON.parse(result.stdout).learners as Array<{ label: string; runs: Array<{ seed: number; end: string; steps: number; finalLoss: number | null; finalMetric: number | null }> }>) {
      for (const local of learner.runs) {
        const record = records.find((r) => r.params.task === g.task[1] && r.params.learner === learner.label && r.params.lr === Number(g.lr) && r.params.seed === local.seed)!;
        assert.deepEqual(
          { end: record.result.end, steps: record.result.steps, finalLoss: record.result.finalLoss, finalMetric: record.result.finalMetric },
          { end: local.end, steps: local.steps, finalLoss: local.finalLoss, finalMetric: local.finalMetric },
          `${g.task[1]} ${learner.label} lr ${g.lr} seed ${local.seed}`,
        );
        compared++;
      }
    }
  }
  assert.equal(compared, 24);
});

test('queue: the sandboxed processors of a worker killed with SIGKILL (alone, not its process tree) exit on their own; no orphan goes on with the run', { skip: missing ?? false, timeout: 3 * PATIENCE_MS }, async (t) => {
  const spec = join(dir, 'long.yaml');
  writeFileSync(spec, 'task: copy\nsteps: 2000000\nparameters:\n  cell: {value: rnn}\n  hidden: {value: 8}\n  learner: {value: uoro}\n  lr: {value: 0.01}\n  seed: {values: [1, 2]}\n');
  const name = 'orphans';
  assert.equal(run('sweep', 'enqueue', spec, '--queue', redis!.url, '--name', name).status, 0);
  const w = worker('--queue', redis!.url, '--name', name, '--out', join(dir, 'orphans'), '--concurrency', '2');
  const pid = w.child.pid!;
  await until(() => w.lines.filter((l) => / start /.test(l)).length === 2, 'the worker starting both runs', { child: w.child, everyMs: 20 });
  const processors = () => processTree(pid).filter((p) => p !== pid && running(p));
  await until(() => processors().length === 2, 'two sandboxed processors', { child: w.child, everyMs: 20 });
  const children = processors();
  const killed = performance.now();
  signal(pid, 'SIGKILL');
  assert.equal(await w.exit, null);
  await until(() => children.every((p) => !running(p)), `processors ${children.join(', ')} to exit after their worker died`, { everyMs: 20 });
  t.diagnostic(`both processors gone ${((performance.now() - killed) / 1000).toFixed(2)} s after the worker's SIGKILL`);
});

test('queue: a worker of another version than the producer is refused by name, and an unreachable Redis is one line within seconds', { skip: missing ?? false, timeout: 3 * PATIENCE_MS }, async () => {
  const client = new Redis(redis!.port, '127.0.0.1');
  try {
    await client.set('bull:from-elsewhere:online-rnn', '0.0.0-other');
  } finally {
    client.disconnect();
  }
  const out = join(dir, 'other');
  const refused = run('sweep', 'worker', '--queue', redis!.url, '--name', 'from-elsewhere', '--out', out);
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /^online-rnn: error: queue 'from-elsewhere' at redis:\/\/127\.0\.0\.1:\d+\/0 was filled by online-rnn 0\.0\.0-other; this worker is online-rnn \d+\.\d+\.\d+: refused/);
  assert.equal(refused.stderr.trim().split('\n').length, 1);
  const producer = run('sweep', 'enqueue', join(dir, 'influence.yaml'), '--queue', redis!.url, '--name', 'from-elsewhere');
  assert.equal(producer.status, 2);
  assert.match(producer.stderr, /holds runs of online-rnn 0\.0\.0-other; this is/);

  // Nothing listens on a port just closed; the spawn timeout (PATIENCE_MS) would fail the test as a hang.
  const server = await import('node:net').then((net) => new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  }));
  for (const args of [['enqueue', join(dir, 'copy.yaml')], ['status'], ['worker', '--out', join(dir, 'never')]]) {
    const result = run('sweep', ...args, '--queue', `redis://127.0.0.1:${server}`);
    assert.equal(result.status, 2, `${args[0]}: ${result.stderr}`);
    assert.match(result.stderr, new RegExp(`^online-rnn: error: cannot reach Redis at redis://127\\.0\\.0\\.1:${server}/0 after 3 attempts: .*ECONNREFUSED`));
    assert.equal(result.stderr.trim().split('\n').length, 1);
  }
});
