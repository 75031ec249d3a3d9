/**
 * The kill-and-resume sweep (issue #13): `train` runs across learners and tasks are SIGKILLed
 * at seeded random moments — any time, while a checkpoint is being written, and after the last
 * checkpoint before the report — then `train --resume`d (and killed again) until they finish.
 * Every finished run must equal the run never stopped: the curve's losses and metrics bit for
 * bit, and the last checkpoint's model and learner files byte for byte.
 *
 *   node dist/bench/kill-resume.js [--kills 50] [--seed 1]
 *
 * Too slow for `npm test` (a process per kill and per resume); test/bench/kill-resume.test.ts
 * runs a few kills of it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/tensor/rng.js';

const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');

/** One run of the sweep: its flags (task, model, learner, seed) and length. */
export interface SweepRun {
  readonly name: string;
  readonly flags: readonly string[];
}

/** Every online learner, on the tasks with a model a checkpoint can hold. */
export const SWEEP_RUNS: readonly SweepRun[] = [
  { name: 'copy/uoro/lstm', flags: ['--task', 'copy', '--cell', 'lstm', '--hidden', '6', '--learner', 'uoro', '--lr', '0.01'] },
  { name: 'copy/rtrl/gru', flags: ['--task', 'copy', '--cell', 'gru', '--hidden', '4', '--learner', 'rtrl'] },
  { name: 'add/tbptt/lstm', flags: ['--task', 'add', '--cell', 'lstm', '--hidden', '5', '--learner', 'tbptt:k2=8:k1=3'] },
  { name: 'adding/nbt/rnn', flags: ['--task', 'adding', '--cell', 'rnn', '--hidden', '6', '--learner', 'nbt'] },
  { name: 'series/snap1/gru', flags: ['--task', 'series', '--cell', 'gru', '--hidden', '4', '--learner', 'snap1'] },
  { name: 'charlm/kfrtrl/rnn', flags: ['--task', 'charlm', '--cell', 'rnn', '--hidden', '6', '--learner', 'kfrtrl'] },
];

const STEPS = 3000;
const COMMON = ['--steps', String(STEPS), '--checkpoint-every', '250', '--log-every', '10', '--seed', '7', '--progress-every', '0'];

type Moment = 'any time' | 'during a checkpoint write' | 'after the last checkpoint';
const MOMENTS: readonly Moment[] = ['any time', 'during a checkpoint write', 'after the last checkpoint'];

export interface SweepSummary {
  readonly kills: number;
  /** Kills by the moment aimed at. */
  readonly byMoment: Record<Moment, number>;
  /** Kills that left a temporary in checkpoints/ (the write was under way). */
  readonly midWrite: number;
  /** Kills before the first checkpoint: nothing to resume, so the run started again. */
  readonly beforeFirstCheckpoint: number;
  readonly resumes: number;
  /** Killed runs taken to their end (each compared with the run never stopped). */
  readonly runs: number;
  readonly identical: number;
  readonly mismatches: string[];
}

function start(args: readonly string[]): { child: ChildProcess; done: Promise<{ status: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [cli, 'train', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return { child, done: new Promise((r) => child.on('close', (status) => r({ status, stderr }))) };
}

/** The curve without its time column, as JSON read it. */
function curve(dir: string): string {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.replace(/,"time":[^}]*/, ''))
    .join('\n');
}

function lastCheckpoint(dir: string): string {
  return join(dir, 'checkpoints', readFileSync(join(dir, 'checkpoints', 'latest'), 'utf8').trim());
}

function temporaryIn(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((entry) => entry.includes('.tmp'));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits for `moment` — a time drawn after the run's first checkpoint, a checkpoint write under
 * way (after the first), or the last checkpoint in place — then SIGKILLs; false when the run
 * ended first.
 */
async function killAt(run: ReturnType<typeof start>, dir: string, moment: Moment, delayMs: number): Promise<boolean> {
  let ended = false;
  void run.done.then(() => (ended = true));
  const checkpoints = join(dir, 'checkpoints');
  const latest = join(checkpoints, 'latest');
  const final = `checkpoint-${String(STEPS).padStart(9, '0')}`;
  const deadline = Date.now() + 120_000;
  // Polled as fast as the event loop allows: a checkpoint's write takes milliseconds.
  const poll = async (condition: () => boolean) => {
    while (!ended && Date.now() < deadline && !condition()) await new Promise((r) => setImmediate(r));
  };
  await poll(() => existsSync(latest));
  if (moment === 'any time') await sleep(delayMs);
  else if (moment === 'during a checkpoint write') await poll(() => temporaryIn(checkpoints));
  else await poll(() => existsSync(latest) && readFileSync(latest, 'utf8').trim() === final);
  if (ended) return false;
  run.child.kill('SIGKILL');
  await run.done;
  return true;
}

/** Milliseconds from a run's first checkpoint to its end: the window "any time" is drawn in. */
async function trainingWindow(run: ReturnType<typeof start>, dir: string): Promise<number> {
  let ended = false;
  void run.done.then(() => (ended = true));
  while (!ended && !existsSync(join(dir, 'checkpoints', 'latest'))) await sleep(1);
  const from = Date.now();
  await run.done;
  return Date.now() - from;
}

export async function killResumeSweep(options: { kills: number; seed: number; runs?: readonly SweepRun[]; log?: (line: string) => void }): Promise<SweepSummary> {
  const runs = options.runs ?? SWEEP_RUNS;
  const log = options.log ?? (() => {});
  const rng = new Rng(options.seed);
  const root = mkdtempSync(join(tmpdir(), 'online-rnn-kill-resume-'));
  const byMoment: Record<Moment, number> = { 'any time': 0, 'during a checkpoint write': 0, 'after the last checkpoint': 0 };
  let kills = 0;
  let midWrite = 0;
  let beforeFirstCheckpoint = 0;
  let resumes = 0;
  let identical = 0;
  let finished = 0;
  const mismatches: string[] = [];
  try {
    // The runs never stopped, and how long each trains after its first checkpoint.
    const references = await Promise.all(
      runs.map(async (run, i) => {
        const dir = join(root, `reference-${i}`);
        const child = start([...run.flags, ...COMMON, '--out', dir]);
        const ms = await trainingWindow(child, dir);
        const r = await child.done;
        if (r.status !== 0) throw new Error(`${run.name}: the reference run failed: ${r.stderr}`);
        return { dir, ms };
      }),
    );
    // Chains of up to three kills a run, the runs taken in turn, until the kills are done.
    for (let chain = 0; kills < options.kills; chain++) {
      const i = chain % runs.length;
      const run = runs[i]!;
      const dir = join(root, `killed-${chain}`);
      let fresh = true;
      let killsHere = 0;
      for (;;) {
        const args = fresh ? [...run.flags, ...COMMON, '--out', dir] : ['--resume', dir];
        if (!fresh) resumes++;
        const child = start(args);
        if (killsHere < 3 && kills < options.kills) {
          const moment = MOMENTS[rng.int(MOMENTS.length)]!;
          const delay = rng.uniform() * references[i]!.ms;
          if (await killAt(child, dir, moment, delay)) {
            kills++;
            killsHere++;
            byMoment[moment]++;
            if (temporaryIn(join(dir, 'checkpoints'))) midWrite++;
            if (!existsSync(join(dir, 'checkpoints', 'latest'))) {
              beforeFirstCheckpoint++;
              rmSync(dir, { recursive: true, force: true });
              fresh = true;
            } else fresh = false;
            log(`${run.name}: kill ${kills} ${moment === 'any time' ? `${delay.toFixed(0)} ms after the first checkpoint` : moment}${fresh ? ' (before the first checkpoint: started again)' : ''}`);
            continue;
          }
        }
        const r = await child.done;
        if (r.status !== 0) {
          mismatches.push(`${run.name}: ${fresh ? 'the run' : 'a resume'} failed (${r.status}): ${r.stderr.trim().split('\n').pop()}`);
          break;
        }
        const reference = references[i]!.dir;
        const same =
          curve(dir) === curve(reference) &&
          ['model.safetensors', 'learner.safetensors'].every((file) => readFileSync(join(lastCheckpoint(dir), file)).equals(readFileSync(join(lastCheckpoint(reference), file)))) &&
          existsSync(join(dir, 'report.html'));
        finished++;
        if (same) identical++;
        else mismatches.push(`${run.name}: the resumed run differs from the run never stopped`);
        log(`${run.name}: finished after ${killsHere} kills — ${same ? 'bit-identical' : 'DIFFERENT'}`);
        rmSync(dir, { recursive: true, force: true });
        break;
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return { kills, byMoment, midWrite, beforeFirstCheckpoint, resumes, runs: finished, identical, mismatches };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const value = (flag: string, fallback: number) => {
    const at = process.argv.indexOf(flag);
    return at > 0 ? Number(process.argv[at + 1]) : fallback;
  };
  const summary = await killResumeSweep({ kills: value('--kills', 50), seed: value('--seed', 1), log: (line) => process.stderr.write(line + '\n') });
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  process.exitCode = summary.mismatches.length === 0 && summary.identical === summary.runs ? 0 : 1;
}
