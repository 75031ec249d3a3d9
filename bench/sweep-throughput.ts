/**
 * Sweep throughput on the queue: the same runs drained by one `sweep worker` process and by two
 * (each --concurrency 1), against a real redis-server started here at a free port. Reports the
 * wall time of each and the ratio, measured in the same command; writes the figures to a JSON
 * file outside the tracked tree (default: the OS temp directory). Never part of `npm test`.
 *
 *   node dist/bench/sweep-throughput.js [--runs 12] [--steps 6000] [--out FILE]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { redisMissing, startRedis } from '../test/support/redis.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '12' }, steps: { type: 'string', default: '6000' }, out: { type: 'string' } } });
const runs = Number(values.runs);
const steps = Number(values.steps);
const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');
const outFile = values.out ?? join(tmpdir(), 'online-rnn-sweep-throughput.json');

const missing = redisMissing();
if (missing !== null) {
  process.stderr.write(`sweep-throughput: ${missing}\n`);
  process.exit(1);
}

const node = (args: string[]) =>
  new Promise<number | null>((done) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
    child.on('exit', (code) => {
      if (code !== 0) process.stderr.write(errors);
      done(code);
    });
  });

const dir = mkdtempSync(join(tmpdir(), 'online-rnn-sweep-bench-'));
const redis = await startRedis();
try {
  const spec = join(dir, 'spec.yaml');
  // Seeds make the runs: equal work each, enough steps that training, not start-up, dominates.
  writeFileSync(spec, `task: copy\nsteps: ${steps}\nparameters:\n  cell: {value: rnn}\n  hidden: {value: 16}\n  learner: {value: uoro}\n  lr: {value: 0.01}\n  seed: {values: [${Array.from({ length: runs }, (_, i) => i + 1).join(', ')}]}\n`);
  const figures: Array<{ workers: number; seconds: number; runsPerMinute: number; load: number }> = [];
  for (const workers of [1, 2]) {
    const name = `bench-${workers}`;
    const out = join(dir, `out-${workers}`);
    if ((await node(['sweep', 'enqueue', spec, '--queue', redis.url, '--name', name])) !== 0) throw new Error('enqueue failed');
    const start = performance.now();
    const codes = await Promise.all(Array.from({ length: workers }, () => node(['sweep', 'worker', '--queue', redis.url, '--name', name, '--out', out, '--concurrency', '1', '--until-empty'])));
    const seconds = (performance.now() - start) / 1000;
    if (codes.some((c) => c !== 0)) throw new Error(`a worker failed: ${codes.join(', ')}`);
    // The 1-minute load average after the leg: other processes competing for the cores.
    figures.push({ workers, seconds, runsPerMinute: (60 * runs) / seconds, load: loadavg()[0]! });
  }
  const ratio = figures[0]!.seconds / figures[1]!.seconds;
  const lines = [
    `sweep throughput: ${runs} runs (copy, RNN 16, UORO, ${steps.toLocaleString('en-US')} steps each) on ${cpus().length} cores`,
    ...figures.map((f) => `  ${f.workers} worker${f.workers > 1 ? 's' : ' '}: ${f.seconds.toFixed(1)} s (${f.runsPerMinute.toFixed(1)} runs/min; load average ${f.load.toFixed(1)})`),
    `  two workers vs one: ${ratio.toFixed(2)}× the throughput`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  writeFileSync(outFile, JSON.stringify({ runs, steps, cores: cpus().length, figures, ratio, date: new Date().toISOString() }, null, 2) + '\n');
  process.stdout.write(`wrote ${outFile}\n`);
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
