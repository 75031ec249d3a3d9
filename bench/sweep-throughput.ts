/**
 * Sweep throughput on the queue: the same runs drained by one `sweep worker` process and by two
 * (each --concurrency 1), against a real redis-server started here at a free port. The two
 * configurations alternate (1, 2, 2, 1, 1, 2, …) for --repeats rounds in this one command, so a
 * change in the machine's load falls on both. Never part of `npm test`.
 *
 * Per leg it reports:
 *   wall       seconds from starting the workers to the last one's exit
 *   cpu        CPU seconds the workers and their processors used (this process's reaped
 *              children: /proc/self/stat cutime + cstime), and cpu / wall — at most the
 *              number of cores; 2 workers on 2 free cores would reach ≈ 2
 *   machine    the fraction of all cores busy meanwhile (/proc/stat), everyone's work included
 *   training   the runs' own training seconds (each record's timing), and what each job cost
 *              on top of it: its start-to-done time in the worker's log minus its training
 *
 * Writes the figures to a JSON file outside the tracked tree (default: the OS temp directory).
 *
 *   node dist/bench/sweep-throughput.js [--runs 8] [--steps 60000] [--repeats 2] [--out FILE]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { redisMissing, startRedis } from '../test/support/redis.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '8' }, steps: { type: 'string', default: '60000' }, repeats: { type: 'string', default: '2' }, out: { type: 'string' } } });
const runs = Number(values.runs);
const steps = Number(values.steps);
const repeats = Number(values.repeats);
const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');
const outFile = values.out ?? join(tmpdir(), 'online-rnn-sweep-throughput.json');

const missing = redisMissing();
if (missing !== null) {
  process.stderr.write(`sweep-throughput: ${missing}\n`);
  process.exit(1);
}

/** A CLI child; its stderr lines with the time each arrived (ms). */
const node = (args: string[]) =>
  new Promise<{ code: number | null; lines: Array<{ at: number; text: string }> }>((done) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    const lines: Array<{ at: number; text: string }> = [];
    let rest = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop()!;
      for (const text of parts) lines.push({ at: performance.now(), text });
    });
    child.on('exit', (code) => {
      if (code !== 0) process.stderr.write(lines.map((l) => l.text).join('\n') + '\n');
      done({ code, lines });
    });
  });

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds of this process's reaped descendants (cutime + cstime). */
function childrenCpu(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / TICKS;
}

/** Busy and total jiffies over all cores. */
function machineTicks(): { busy: number; total: number } {
  const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n');
  const n = cpu!.trim().split(/\s+/).slice(1).map(Number);
  const idle = n[3]! + n[4]!;
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

interface Leg {
  workers: number;
  seconds: number;
  cpuSeconds: number;
  utilisation: number;
  machineBusy: number;
  trainingSeconds: number;
  overheadPerJob: number;
}

const dir = mkdtempSync(join(tmpdir(), 'online-rnn-sweep-bench-'));
const redis = await startRedis();
try {
  const spec = join(dir, 'spec.yaml');
  // Seeds make the runs: equal work each, enough steps that training, not start-up, dominates.
  writeFileSync(spec, `task: copy\nsteps: ${steps}\nparameters:\n  cell: {value: rnn}\n  hidden: {value: 16}\n  learner: {value: uoro}\n  lr: {value: 0.01}\n  seed: {values: [${Array.from({ length: runs }, (_, i) => i + 1).join(', ')}]}\n`);
  const order = Array.from({ length: repeats }, (_, r) => (r % 2 === 0 ? [1, 2] : [2, 1])).flat();
  const legs: Leg[] = [];
  for (const [k, workers] of order.entries()) {
    const name = `bench-${k}`;
    const out = join(dir, `out-${k}`);
    if ((await node(['sweep', 'enqueue', spec, '--queue', redis.url, '--name', name])).code !== 0) throw new Error('enqueue failed');
    const cpu0 = childrenCpu();
    const machine0 = machineTicks();
    const start = performance.now();
    const results = await Promise.all(Array.from({ length: workers }, () => node(['sweep', 'worker', '--queue', redis.url, '--name', name, '--out', out, '--concurrency', '1', '--until-empty'])));
    const seconds = (performance.now() - start) / 1000;
    const cpuSeconds = childrenCpu() - cpu0;
    const machine1 = machineTicks();
    if (results.some((r) => r.code !== 0)) throw new Error(`a worker failed: ${results.map((r) => r.code).join(', ')}`);
    const records = readFileSync(join(out, 'records.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; timing: { seconds: number } });
    if (records.length !== runs) throw new Error(`${records.length} records, expected ${runs}`);
    const training = new Map(records.map((r) => [r.id, r.timing.seconds]));
    // Each job's wall time in its worker: from its "start" line to its "done" line.
    let jobWall = 0;
    for (const { lines } of results) {
      const started = new Map<string, number>();
      for (const { at, text } of lines) {
        const m = /: (start|done) +(\w+) /.exec(text);
        if (m === null) continue;
        if (m[1] === 'start') started.set(m[2]!, at);
        else if (started.has(m[2]!)) jobWall += (at - started.get(m[2]!)!) / 1000;
      }
    }
    const trainingSeconds = [...training.values()].reduce((a, b) => a + b, 0);
    legs.push({
      workers,
      seconds,
      cpuSeconds,
      utilisation: cpuSeconds / seconds,
      machineBusy: (machine1.busy - machine0.busy) / (machine1.total - machine0.total),
      trainingSeconds,
      overheadPerJob: (jobWall - trainingSeconds) / runs,
    });
    const leg = legs.at(-1)!;
    process.stdout.write(
      `  ${workers} worker${workers > 1 ? 's' : ' '}: ${seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} CPU s (${leg.utilisation.toFixed(2)} cores), machine ${(100 * leg.machineBusy).toFixed(0)}% busy; training ${trainingSeconds.toFixed(1)} s, ${leg.overheadPerJob.toFixed(2)} s a job on top\n`,
    );
  }
  const total = (w: number) => legs.filter((l) => l.workers === w).reduce((a, l) => a + l.seconds, 0);
  const ratio = total(1) / total(2);
  const mean = (w: number, key: keyof Leg) => legs.filter((l) => l.workers === w).reduce((a, l) => a + l[key], 0) / repeats;
  const lines = [
    `sweep throughput: ${runs} runs (copy, RNN 16, UORO, ${steps.toLocaleString('en-US')} steps each) on ${cpus().length} cores, ${repeats} rounds interleaved`,
    `  1 worker : ${(total(1) / repeats).toFixed(1)} s a round, ${mean(1, 'utilisation').toFixed(2)} cores used`,
    `  2 workers: ${(total(2) / repeats).toFixed(1)} s a round, ${mean(2, 'utilisation').toFixed(2)} cores used`,
    `  two workers vs one: ${ratio.toFixed(2)}× the throughput`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  writeFileSync(outFile, JSON.stringify({ runs, steps, repeats, cores: cpus().length, legs, ratio, date: new Date().toISOString() }, null, 2) + '\n');
  process.stdout.write(`wrote ${outFile}\n`);
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
