/**
 * Drift on the lag-switching `add` stream (issue #11): y(t) = 0.5 + 0.5·x(t − 5) − 0.25·x(t − 9)
 * until the switch, then the lags swap (t1, t2) = (9, 5). A UORO-trained RNN learns online with
 * prequential evaluation; ADWIN and Page–Hinkley watch its loss.
 *
 *   1. detection: over N seeds, the delay from the switch to the first detection after it, and
 *      the false alarms per 100k steps before it (detectors passive: policy none)
 *   2. recovery: the same seeds with ADWIN and a policy on detection (none, reset-estimator,
 *      reset-both): the task's metric after the switch, as curves and as means over windows
 *
 *   node dist/bench/drift.js [--seeds 10] [--switch 60000] [--after 60000] [--lr 0.001] [--out runs/drift]
 *
 * Writes <out>/drift.json and <out>/recovery.svg (curves with the switch and detections drawn).
 * Not a test: nothing here asserts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createModel } from '../src/model/config.js';
import { createLearner } from '../src/kinds/learners.js';
import { DivergenceError } from '../src/learners/learner.js';
import { addTask } from '../src/tasks/add.js';
import { Rng } from '../src/tensor/rng.js';
import { StreamSession } from '../src/stream/session.js';
import { prequential } from '../src/stream/prequential.js';
import { switchingTask } from '../src/stream/switching.js';
import { adwin } from '../src/stream/adwin.js';
import { pageHinkley } from '../src/stream/page-hinkley.js';
import type { DriftPolicy } from '../src/stream/drift.js';
import { CurveRecorder, type CurvePoint } from '../src/report/curve.js';
import { renderSvg } from '../src/report/svg.js';
import type { RunResult } from '../src/report/comparison.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10' },
    switch: { type: 'string', default: '60000' },
    after: { type: 'string', default: '60000' },
    lr: { type: 'string', default: '0.001' },
    hidden: { type: 'string', default: '32' },
    out: { type: 'string', default: 'runs/drift' },
  },
});
const seeds = Number(values.seeds);
const switchAt = Number(values.switch);
const steps = switchAt + Number(values.after);
const lr = Number(values.lr);
const hidden = Number(values.hidden);
const task = switchingTask([addTask({ t1: 5, t2: 9 }), addTask({ t1: 9, t2: 5 })], [switchAt]);
const ADWIN_DELTA = 1e-4;
const PH_DELTA = 0.05;
const PH_THRESHOLD = 100;
const POLICIES: readonly DriftPolicy[] = ['none', 'reset-estimator', 'reset-optimizer', 'reset-both'];

interface Run {
  readonly points: CurvePoint[];
  readonly adwin: number[];
  readonly pageHinkley: number[];
  readonly seconds: number;
  /** The step it diverged at (the curve stops there), or null. */
  readonly diverged: number | null;
}

function runOnce(seed: number, policy: DriftPolicy): Run {
  const rng = new Rng(seed);
  const stream = task.stream(rng.split());
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: hidden } }], outputSize: 2 }, { seed: rng.nextUint32() });
  const learner = createLearner({ kind: 'uoro' }, model, { loss: task.loss, optimizer: { kind: 'adam', lr }, seed: rng.nextUint32() });
  const ph = pageHinkley({ delta: PH_DELTA, threshold: PH_THRESHOLD });
  const phAlarms: number[] = [];
  const start = performance.now() / 1000;
  const recorder = new CurveRecorder(1000, () => performance.now() / 1000, start);
  const points: CurvePoint[] = [];
  const record = { step: 0, loss: NaN, metric: NaN };
  let diverged: number | null = null;
  const detections: number[] = [];
  try {
    prequential({
    session: new StreamSession(learner),
    next: () => stream.next(),
    steps,
    metrics: [],
    detector: adwin({ delta: ADWIN_DELTA }),
    policy,
    onStep(r) {
      stream.observe({ loss: r.loss, prediction: r.prediction, theta: model.theta });
      if (ph.update(r.loss)) phAlarms.push(r.step);
      record.step = r.step + 1;
      record.loss = r.loss;
      record.metric = stream.metric();
      const point = recorder.add(record);
      if (point !== null) points.push(point);
      if (r.drift) detections.push(r.step);
    },
    });
  } catch (error) {
    if (!(error instanceof DivergenceError)) throw error;
    diverged = record.step;
  }
  return { points, adwin: detections, pageHinkley: phAlarms, seconds: performance.now() / 1000 - start, diverged };
}

function delayAndFalseAlarms(detections: readonly number[]): { delay: number | null; falseAlarms: number } {
  const first = detections.find((t) => t >= switchAt);
  return { delay: first === undefined ? null : first - switchAt, falseAlarms: detections.filter((t) => t < switchAt).length };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const runs = new Map<DriftPolicy, Run[]>(POLICIES.map((p) => [p, []]));
for (let seed = 1; seed <= seeds; seed++) {
  for (const policy of POLICIES) {
    const run = runOnce(seed, policy);
    runs.get(policy)!.push(run);
    process.stderr.write(`seed ${seed} ${policy}: ${run.seconds.toFixed(1)} s${run.diverged === null ? '' : `, diverged at ${run.diverged}`}, adwin ${run.adwin.join(' ')} | page-hinkley ${policy === 'none' ? run.pageHinkley.join(' ') : '-'}\n`);
  }
}

// 1. Detection table (passive detectors, policy none).
const table: Record<string, unknown> = {};
console.log(`\ndetection on the lag-switching add stream: switch at ${switchAt}, ${seeds} seeds, UORO RNN ${hidden}, Adam lr ${lr}; ADWIN δ = ${ADWIN_DELTA}, Page–Hinkley δ = ${PH_DELTA}, λ = ${PH_THRESHOLD}`);
console.log('detector       | delay to detection: median (min–max) | missed | false alarms per 100k steps (mean over seeds)');
for (const detector of ['adwin', 'pageHinkley'] as const) {
  const figures = runs.get('none')!.map((run) => delayAndFalseAlarms(run[detector]));
  const delays = figures.map((f) => f.delay).filter((d): d is number => d !== null).sort((a, b) => a - b);
  const alarmsPer100k = mean(figures.map((f) => (f.falseAlarms * 100_000) / switchAt));
  const median = delays.length === 0 ? NaN : delays[Math.floor(delays.length / 2)]!;
  table[detector] = { delays: figures.map((f) => f.delay), falseAlarms: figures.map((f) => f.falseAlarms), alarmsPer100k };
  console.log(`${detector.padEnd(14)} | ${String(median).padStart(6)} (${delays[0] ?? '-'}–${delays[delays.length - 1] ?? '-'})${' '.repeat(16)} | ${seeds - delays.length}      | ${alarmsPer100k.toFixed(2)}`);
}

// 2. Recovery: the task's metric (cross-entropy vs y(t), nats; a running mean over 2,000 steps) after the switch.
const windows = [[0, 10_000], [10_000, 30_000], [30_000, 60_000]] as const;
console.log(`\nrecovery after the switch (metric: cross-entropy vs y(t), nats; mean over seeds; lower is better; before the switch: mean over the 10k steps before it)`);
console.log(`policy on ADWIN detection | before | ${windows.map(([a, b]) => `+${a / 1000}k..+${b / 1000}k`).join(' | ')}`);
const recovery: Record<string, number[]> = {};
for (const policy of POLICIES) {
  const at = (from: number, to: number) => mean(runs.get(policy)!.flatMap((run) => run.points.filter((p) => p.step > switchAt + from && p.step <= switchAt + to).map((p) => p.metric)));
  const row = [at(-10_000, 0), ...windows.filter(([, b]) => b <= steps - switchAt).map(([a, b]) => at(a, b))];
  recovery[policy] = row;
  const diverged = runs.get(policy)!.filter((run) => run.diverged !== null).length;
  console.log(`${policy.padEnd(25)} | ${row.map((v) => v.toFixed(4)).join(' | ')}${diverged > 0 ? ` (${diverged} of ${seeds} runs diverged: their curves stop there)` : ''}`);
}

const out = values.out!;
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'drift.json'), JSON.stringify({ switchAt, steps, seeds, lr, hidden, detection: table, recovery, windows }, null, 1) + '\n');
const asResult = (run: Run, seed: number): RunResult => ({ seed, points: run.points, end: 'completed', steps, seconds: run.seconds, stateBytes: 0, finalLoss: NaN, finalMetric: NaN });
const detectionsOf = (policy: DriftPolicy, learner: number) => runs.get(policy)!.flatMap((run) => run.adwin.filter((t) => t >= switchAt).slice(0, 1)).map((step) => ({ step, label: '', learner }));
writeFileSync(
  join(out, 'recovery.svg'),
  renderSvg({
    task: { title: `UORO on the add stream, lags (5, 9) → (9, 5) at step ${switchAt}: reset on ADWIN detection or not (${seeds} seeds)`, loss: 'nats', metric: task.metric, references: [] },
    model: `rnn ${hidden}`,
    optimizer: `adam ${lr}`,
    steps,
    learners: POLICIES.map((policy) => ({ label: policy === 'none' ? 'no reset' : `${policy} on detection`, runs: runs.get(policy)!.map(asResult) })),
    command: process.argv.join(' '),
    versions: {},
    date: new Date().toISOString(),
    markers: [{ step: switchAt, label: 'switch' }, ...POLICIES.flatMap((policy, i) => detectionsOf(policy, i))],
  }) + '\n',
);
console.log(`\nwrote ${join(out, 'drift.json')} and ${join(out, 'recovery.svg')}`);
