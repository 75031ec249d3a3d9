/**
 * Drift on the lag-switching `add` stream (issue #11): y(t) = 0.5 + 0.5·x(t − t1) − 0.25·x(t − t2)
 * until the switch, then the lags swap (t1, t2) → (t2, t1). A learner (UORO by default) trains
 * online with prequential evaluation, with Adam and the UORO paper's decaying rate
 * η/(1 + decay·√t) — which is what lets UORO master the task (near E[H(y)] ≈ 0.455) before the
 * switch, and what leaves it slow after it unless a policy raises the rate again.
 * ADWIN and Page–Hinkley watch its loss.
 *
 *   1. detection: over N seeds, the delay from the switch to the first detection after it, and
 *      the false alarms per 100k steps before it (detectors passive: policy none)
 *   2. recovery: the same seeds (so the same data and the same θ_0 for every policy) with a
 *      policy on detection — none, reset-estimator, reset-optimizer, reset-both, boost — and the
 *      task's metric after the switch, as curves, as means over windows, and as the steps until
 *      the metric is back within 0.02 nats of its level before the switch.
 *      --trigger adwin reacts to ADWIN's detections (false alarms included); --trigger switch
 *      reacts once, at the switch itself: the policy's effect without the detector's errors.
 *
 *   node dist/bench/drift.js [--seeds 10] [--switch 50000] [--after 50000] [--t1 2] [--t2 4]
 *       [--learner uoro] [--hidden 16] [--lr 0.003] [--decay 0.03] [--boost boost:factor=5:steps=10000]
 *       [--trigger adwin|switch] [--out runs/drift]
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
import { driftPolicyText, parseDriftPolicy, type DriftDetector, type DriftPolicy } from '../src/stream/drift.js';
import { parseLearnerSpec } from '../src/cli/learner-spec.js';
import { CurveRecorder, type CurvePoint } from '../src/report/curve.js';
import { renderSvg } from '../src/report/svg.js';
import type { RunResult } from '../src/report/comparison.js';

/** Every option is a string with a default (`--name value`). */
const DEFAULTS = { seeds: '10', switch: '50000', after: '50000', t1: '2', t2: '4', learner: 'uoro', lr: '0.003', decay: '0.03', hidden: '16', boost: 'boost:factor=5:steps=10000', trigger: 'adwin', out: 'runs/drift' };
const parsed = parseArgs({ options: Object.fromEntries(Object.keys(DEFAULTS).map((name) => [name, { type: 'string' as const }])) }).values;
const values = Object.fromEntries(Object.entries(DEFAULTS).map(([name, fallback]) => [name, String(parsed[name] ?? fallback)])) as Record<keyof typeof DEFAULTS, string>;
const seeds = Number(values.seeds);
const switchAt = Number(values.switch);
const steps = switchAt + Number(values.after);
const lr = Number(values.lr);
const decay = Number(values.decay);
const hidden = Number(values.hidden);
const [t1, t2] = [Number(values.t1), Number(values.t2)];
const spec = parseLearnerSpec(values.learner);
const trigger = values.trigger;
if (trigger !== 'adwin' && trigger !== 'switch') throw new RangeError(`--trigger must be adwin or switch, got ${trigger}`);
const task = switchingTask([addTask({ t1, t2 }), addTask({ t1: t2, t2: t1 })], [switchAt]);
const ADWIN_DELTA = 1e-4;
const PH_DELTA = 0.05;
const PH_THRESHOLD = 100;
/** Within this much of the pre-switch level, the learner has recovered (nats). */
const RECOVERED = 0.02;
const POLICIES: readonly DriftPolicy[] = ['none', 'reset-estimator', 'reset-optimizer', 'reset-both', parseDriftPolicy(values.boost)];
const names = POLICIES.map(driftPolicyText);

interface Run {
  readonly points: CurvePoint[];
  readonly adwin: number[];
  readonly pageHinkley: number[];
  readonly seconds: number;
  /** The step it diverged at (the curve stops there), or null. */
  readonly diverged: number | null;
}

/** Fires once, right after the first sample of the new phase was learned. */
function atTheSwitch(): DriftDetector {
  let seen = 0;
  return { kind: 'switch', update: () => ++seen === switchAt + 1, reset: () => undefined };
}

function runOnce(seed: number, policy: DriftPolicy): Run {
  const rng = new Rng(seed);
  const stream = task.stream(rng.split());
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: hidden } }], outputSize: 2 }, { seed: rng.nextUint32() });
  const learner = createLearner(spec.config, model, { loss: task.loss, optimizer: { kind: 'adam', lr: spec.lr ?? lr, schedule: { kind: 'inverseSqrt', decay } }, seed: rng.nextUint32() });
  const watch = adwin({ delta: ADWIN_DELTA });
  const ph = pageHinkley({ delta: PH_DELTA, threshold: PH_THRESHOLD });
  const adwinAlarms: number[] = [];
  const phAlarms: number[] = [];
  const start = performance.now() / 1000;
  const recorder = new CurveRecorder(1000, () => performance.now() / 1000, start);
  const points: CurvePoint[] = [];
  const record = { step: 0, loss: NaN, metric: NaN };
  let diverged: number | null = null;
  try {
    prequential({
      session: new StreamSession(learner),
      next: () => stream.next(),
      steps,
      metrics: [],
      detector: trigger === 'switch' ? atTheSwitch() : watch,
      policy,
      onStep(r) {
        stream.observe({ loss: r.loss, prediction: r.prediction, theta: model.theta });
        if (ph.update(r.loss)) phAlarms.push(r.step);
        if (trigger === 'switch' ? watch.update(r.loss) : r.drift) adwinAlarms.push(r.step);
        record.step = r.step + 1;
        record.loss = r.loss;
        record.metric = stream.metric();
        const point = recorder.add(record);
        if (point !== null) points.push(point);
      },
    });
  } catch (error) {
    if (!(error instanceof DivergenceError)) throw error;
    diverged = record.step;
  }
  return { points, adwin: adwinAlarms, pageHinkley: phAlarms, seconds: performance.now() / 1000 - start, diverged };
}

function delayAndFalseAlarms(detections: readonly number[]): { delay: number | null; falseAlarms: number } {
  const first = detections.find((t) => t >= switchAt);
  return { delay: first === undefined ? null : first - switchAt, falseAlarms: detections.filter((t) => t < switchAt).length };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: readonly number[]) => Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / Math.max(1, xs.length - 1));
const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)]!;
};
const runs = new Map<string, Run[]>(names.map((p) => [p, []]));
for (let seed = 1; seed <= seeds; seed++) {
  POLICIES.forEach((policy, i) => {
    const run = runOnce(seed, policy);
    runs.get(names[i]!)!.push(run);
    process.stderr.write(`seed ${seed} ${names[i]}: ${run.seconds.toFixed(1)} s${run.diverged === null ? '' : `, diverged at ${run.diverged}`}, adwin ${run.adwin.join(' ')} | page-hinkley ${policy === 'none' ? run.pageHinkley.join(' ') : '-'}\n`);
  });
}

const setting = `switch at ${switchAt}, ${seeds} seeds, ${spec.label} RNN ${hidden}, Adam lr ${spec.lr ?? lr}/(1 + ${decay}·√t), lags (${t1}, ${t2}) → (${t2}, ${t1})`;
// 1. Detection table (passive detectors, policy none).
const table: Record<string, unknown> = {};
console.log(`\ndetection on the lag-switching add stream: ${setting}; ADWIN δ = ${ADWIN_DELTA}, Page–Hinkley δ = ${PH_DELTA}, λ = ${PH_THRESHOLD}`);
console.log('detector       | delay to detection: median (min–max) | missed | false alarms per 100k steps (mean over seeds)');
for (const detector of ['adwin', 'pageHinkley'] as const) {
  const figures = runs.get('none')!.map((run) => delayAndFalseAlarms(run[detector]));
  const delays = figures.map((f) => f.delay).filter((d): d is number => d !== null).sort((a, b) => a - b);
  const alarmsPer100k = mean(figures.map((f) => (f.falseAlarms * 100_000) / switchAt));
  table[detector] = { delays: figures.map((f) => f.delay), falseAlarms: figures.map((f) => f.falseAlarms), alarmsPer100k };
  console.log(`${detector.padEnd(14)} | ${String(median(delays)).padStart(6)} (${delays[0] ?? '-'}–${delays[delays.length - 1] ?? '-'})${' '.repeat(16)} | ${seeds - delays.length}      | ${alarmsPer100k.toFixed(2)}`);
}

// 2. Recovery: the task's metric (cross-entropy vs y(t), nats; a running mean over 2,000 steps).
const windows = [
  [0, 5_000],
  [5_000, 10_000],
  [10_000, 20_000],
  [20_000, 30_000],
  [30_000, 50_000],
].filter(([, b]) => b! <= steps - switchAt) as Array<[number, number]>;
/** Per run: the mean metric over (switch + from, switch + to]. */
const windowMean = (run: Run, from: number, to: number) => mean(run.points.filter((p) => p.step > switchAt + from && p.step <= switchAt + to).map((p) => p.metric));
/** Per run: steps after the switch until the metric is within RECOVERED of the 10k steps before it (null: never). */
const recoveryTime = (run: Run) => {
  const level = windowMean(run, -10_000, 0);
  // The running mean covers 2,000 steps: look once it holds only post-switch steps.
  const back = run.points.find((p) => p.step >= switchAt + 2000 && p.metric <= level + RECOVERED);
  return back === undefined ? null : back.step - switchAt;
};
const reaction = trigger === 'switch' ? 'policy applied once, at the switch' : 'policy on ADWIN detection';
console.log(`\nrecovery after the switch (${reaction}; metric: cross-entropy vs y(t), nats, mean ± sd over seeds; lower is better; "before": the 10k steps before the switch; recovered: back within ${RECOVERED} of "before")`);
console.log(`${'policy'.padEnd(26)} | before          | ${windows.map(([a, b]) => `+${a / 1000}k..+${b / 1000}k`.padEnd(15)).join(' | ')} | recovered after (median, never)`);
const recovery: Record<string, unknown> = {};
for (const name of names) {
  const group = runs.get(name)!;
  const cells = [[-10_000, 0] as [number, number], ...windows].map(([a, b]) => group.map((run) => windowMean(run, a, b)));
  const times = group.map(recoveryTime);
  const reached = times.filter((t): t is number => t !== null);
  recovery[name] = { windows: cells.map((c) => ({ mean: mean(c), sd: sd(c), values: c })), recoveredAfter: times };
  const diverged = group.filter((run) => run.diverged !== null).length;
  console.log(`${name.padEnd(26)} | ${cells.map((c) => `${mean(c).toFixed(4)} ± ${sd(c).toFixed(4)}`).join(' | ')} | ${median(reached)} steps, ${seeds - reached.length} never${diverged > 0 ? ` (${diverged} of ${seeds} runs diverged: their curves stop there)` : ''}`);
}

// Paired by seed (the same data and θ_0): the policy's mean metric over the first 10k steps after the switch minus no reaction's.
console.log(`\npaired by seed, +0k..+10k after the switch: policy − none (nats; negative: the policy recovers faster)`);
const early = (run: Run) => windowMean(run, 0, 10_000);
for (const name of names.slice(1)) {
  const differences = runs.get(name)!.map((run, i) => early(run) - early(runs.get('none')![i]!));
  const better = differences.filter((d) => d < 0).length;
  (recovery[name] as Record<string, unknown>).pairedFirst10k = { mean: mean(differences), sd: sd(differences), better };
  console.log(`${name.padEnd(26)} | ${mean(differences).toFixed(4)} ± ${sd(differences).toFixed(4)} | better in ${better} of ${seeds} seeds`);
}

const out = values.out;
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'drift.json'), JSON.stringify({ switchAt, steps, seeds, lr, decay, hidden, t1, t2, learner: spec.label, trigger, detection: table, recovery, windows }, null, 1) + '\n');
const asResult = (run: Run, seed: number): RunResult => ({ seed, points: run.points, end: 'completed', steps, seconds: run.seconds, stateBytes: 0, finalLoss: NaN, finalMetric: NaN });
const detectionsOf = (name: string, learner: number) => runs.get(name)!.flatMap((run) => run.adwin.filter((t) => t >= switchAt).slice(0, 1)).map((step) => ({ step, label: '', learner }));
writeFileSync(
  join(out, 'recovery.svg'),
  renderSvg({
    task: { title: `${spec.label} on the add stream, lags (${t1}, ${t2}) → (${t2}, ${t1}) at step ${switchAt}: ${reaction} (${seeds} seeds)`, loss: 'nats', metric: task.metric, references: task.references },
    model: `rnn ${hidden}`,
    optimizer: `adam ${spec.lr ?? lr}/(1 + ${decay}·√t)`,
    steps,
    learners: names.map((name) => ({ label: name === 'none' ? 'no reaction' : name, runs: runs.get(name)!.map(asResult) })),
    command: process.argv.join(' '),
    versions: {},
    date: new Date().toISOString(),
    markers: [{ step: switchAt, label: 'switch' }, ...(trigger === 'adwin' ? names.flatMap((name, i) => detectionsOf(name, i)) : [])],
  }) + '\n',
);
console.log(`\nwrote ${join(out, 'drift.json')} and ${join(out, 'recovery.svg')}`);
