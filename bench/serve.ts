/**
 * What the service costs over the library (issue #11): one model + learner (LSTM hidden 32,
 * input 4, dense 4, UORO, Adam) measured four ways in one command —
 *
 *   in-process   learner.step(x, y) and session.observe(x, y) in a loop (steps/s)
 *   JSON lines   `serve --jsonl` as a child process, N lines piped in (lines/s, first to last reply)
 *   HTTP         `serve` on 127.0.0.1 at a free port, POST /observe driven by autocannon with 1 and
 *                16 connections (requests/s, p50 and p99 latency); also with --state (a WAL
 *                record fsynced before every reply)
 *
 *   npm run build && node dist/bench/serve.js [--seconds 5] [--lines 20000] [--json]
 *
 * Prints a table with each figure's ratio to the in-process learner.step rate (with --json, the
 * rows as one JSON line after it: how `npm run bench` includes this section). Not a test.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createModel } from '../src/model/config.js';
import { createLearner } from '../src/kinds/learners.js';
import { mse } from '../src/loss/loss.js';
import { Rng } from '../src/tensor/rng.js';
import { StreamSession } from '../src/stream/session.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, lines: { type: 'string', default: '20000' }, json: { type: 'boolean', default: false } } });
const seconds = Number(values.seconds);
const lineCount = Number(values.lines);
const here = dirname(fileURLToPath(import.meta.url));
const cli = resolve(here, '../src/cli/main.js');
const SIZE = 4;
const MODEL_FLAGS = ['--cell', 'lstm', '--hidden', '32', '--input', String(SIZE), '--output', String(SIZE), '--learner', 'uoro', '--optimizer', 'adam', '--lr', '0.001', '--seed', '1'];

function sample(rng: Rng): { x: number[]; y: number[] } {
  return { x: Array.from({ length: SIZE }, () => rng.normal()), y: Array.from({ length: SIZE }, () => rng.normal() * 0.5) };
}

/** Steps per second of `step` over `seconds` (after a one-second warm-up). */
function rate(step: (x: number[], y: number[]) => void): number {
  const rng = new Rng(1);
  const pool = Array.from({ length: 1024 }, () => sample(rng));
  let i = 0;
  const until = (s: number) => {
    const end = performance.now() + 1000 * s;
    let n = 0;
    while (performance.now() < end) {
      for (let k = 0; k < 64; k++, n++) {
        const { x, y } = pool[i++ & 1023]!;
        step(x, y);
      }
    }
    return n;
  };
  until(1);
  const start = performance.now();
  const n = until(seconds);
  return n / ((performance.now() - start) / 1000);
}

function inProcess(): { step: number; observe: number } {
  const make = () => createLearner({ kind: 'uoro' }, createModel({ inputSize: SIZE, layers: [{ cell: { kind: 'lstm', hiddenSize: 32 } }], outputSize: SIZE }, { seed: 1 }), { loss: mse, optimizer: { kind: 'adam', lr: 0.001 }, seed: 1 });
  const learner = make();
  const step = rate((x, y) => learner.step(x, y));
  const session = new StreamSession(make());
  const observe = rate((x, y) => session.observe(x, y));
  return { step, observe };
}

/** Lines per second through `serve --jsonl`, from the first reply to the last. */
async function jsonLines(): Promise<number> {
  const rng = new Rng(2);
  const child = spawn(process.execPath, [cli, 'serve', '--jsonl', ...MODEL_FLAGS], { stdio: ['pipe', 'pipe', 'inherit'] });
  let replies = 0;
  let first = 0;
  let buffered = '';
  const done = new Promise<number>((resolve) => {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (replies === 0) first = performance.now();
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      replies += lines.length;
      if (replies >= lineCount) resolve(performance.now());
    });
  });
  const text = Array.from({ length: lineCount }, (_, i) => JSON.stringify({ id: i, ...sample(rng) }) + '\n').join('');
  child.stdin.end(text);
  const last = await done;
  child.kill();
  return (replies - 1) / ((last - first) / 1000);
}

async function http(connections: number, state: boolean): Promise<{ rps: number; p50: number; p99: number }> {
  const dir = state ? mkdtempSync(join(tmpdir(), 'online-rnn-bench-')) : null;
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', ...MODEL_FLAGS, ...(dir !== null ? ['--state', dir, '--checkpoint-every', '100000'] : [])], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /listening on (\S+)/.exec(stderr);
      if (match !== null) resolve(match[1]!);
    });
    child.once('exit', () => reject(new Error(stderr)));
  });
  const body = JSON.stringify({ id: 'bench', ...sample(new Rng(3)) });
  const options = { url: `${url}/observe`, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body, connections, duration: seconds };
  await autocannon({ ...options, duration: 1 }); // warm-up
  const result = await autocannon(options);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`autocannon: ${result.non2xx} non-2xx replies, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

const local = inProcess();
const lines = await jsonLines();
const rows: Array<[string, number, string]> = [
  ['in-process learner.step', local.step, ''],
  ['in-process session.observe', local.observe, ''],
  ['serve --jsonl (lines/s)', lines, ''],
];
for (const state of [false, true]) {
  for (const connections of [1, 16]) {
    const r = await http(connections, state);
    rows.push([`HTTP POST /observe, ${connections} conn${state ? ', --state (fsync each)' : ''}`, r.rps, `p50 ${r.p50} ms, p99 ${r.p99} ms`]);
  }
}
console.log(`LSTM hidden 32, input ${SIZE}, dense ${SIZE}, UORO + Adam; ${seconds} s per figure (node ${process.version})`);
console.log('what                                          | per second | × learner.step | latency');
for (const [name, value, latency] of rows) console.log(`${name.padEnd(45)} | ${value.toFixed(0).padStart(10)} | ${(value / local.step).toFixed(3).padStart(14)} | ${latency}`);
if (values.json === true) console.log(JSON.stringify({ model: `LSTM hidden 32, input ${SIZE}, dense ${SIZE}, UORO + Adam`, seconds, rows: rows.map(([what, perSecond, latency]) => ({ what, perSecond, ofLearnerStep: perSecond / local.step, latency })) }));
