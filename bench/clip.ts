/**
 * Why per-step gradient clipping wrecks UORO on the `add` task (issue #11: "clip: 1 stays at
 * 1.04–1.18 nats against 0.54 without"). The loss is a 2-way softmax on a coin-flip label, so
 * every step's gradient is linear in one scalar e_t = p_t − 1[label = "1"]:  ĝ_t = e_t·v_t, v_t
 * free of the label. When ‖ĝ_t‖ > c at nearly every step — UORO's rank-one estimate is far
 * longer than the true gradient — clipping turns it into c·sign(e_t)·v_t/‖v_t‖: the size of the
 * error is gone, only its sign is left, and the fixed point of E[sign(e_t)] = 0 is the median of
 * the label, not its mean. p is pushed to 0 or 1 (the likelier class), and the cross-entropy
 * against y(t) rises above ln 2. Clipping works as intended only when it rarely fires (RTRL's
 * exact gradient here; or a bound above UORO's typical norm).
 *
 * For each learner and clip bound: the share of steps clipped, the metric over the last 10k
 * steps, and calibration — the mean predicted p("1") grouped by the true y(t).
 *
 *   node dist/bench/clip.js [--steps 50000] [--seeds 3] [--clips none,1,10]
 *
 * Same setting as bench/drift.ts before its switch: lags (2, 4), RNN 16, Adam 0.003/(1 + 0.03·√t).
 * Not a test: nothing here asserts.
 */
import { parseArgs } from 'node:util';
import { createModel } from '../src/model/config.js';
import { createLearner } from '../src/kinds/learners.js';
import { DivergenceError } from '../src/learners/learner.js';
import { addTask } from '../src/tasks/add.js';
import { norm } from '../src/tensor/kernels.js';
import { Rng } from '../src/tensor/rng.js';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '50000' }, seeds: { type: 'string', default: '3' }, clips: { type: 'string', default: 'none,1,10' }, learners: { type: 'string', default: 'uoro,rtrl' } } });
const steps = Number(values.steps);
const seeds = Number(values.seeds);
const clips = values.clips!.split(',').map((c) => (c === 'none' ? undefined : Number(c)));
const [t1, t2] = [2, 4];
const task = addTask({ t1, t2 });
const LEVELS = [0.25, 0.5, 0.75, 1];

function runOnce(kind: 'uoro' | 'rtrl', clip: number | undefined, seed: number) {
  const rng = new Rng(seed);
  const stream = task.stream(rng.split());
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 16 } }], outputSize: 2 }, { seed: rng.nextUint32() });
  const learner = createLearner({ kind }, model, { loss: task.loss, optimizer: { kind: 'adam', lr: 0.003, schedule: { kind: 'inverseSqrt', decay: 0.03 } }, seed: rng.nextUint32(), ...(clip !== undefined ? { clip } : {}) });
  const history: number[] = [];
  let clipped = 0;
  const sums = new Map(LEVELS.map((y) => [y, { p: 0, n: 0 }]));
  let metric = 0;
  let counted = 0;
  try {
    for (let t = 0; t < steps; t++) {
      const sample = stream.next();
      history.push(sample.input[0]!);
      const { loss, prediction } = learner.step(sample.input, sample.target);
      stream.observe({ loss, prediction, theta: model.theta });
      // The gradient handed to the optimizer: exactly of norm `clip` when it was clipped.
      if (clip !== undefined && Math.abs(norm(learner.gradient) - clip) < 1e-9 * clip) clipped++;
      if (t >= steps - 10_000 && t >= t2) {
        const y = 0.5 + 0.5 * history[t - t1]! - 0.25 * history[t - t2]!;
        const p = 1 / (1 + Math.exp(prediction[1]! - prediction[0]!));
        const s = sums.get(y)!;
        s.p += p;
        s.n++;
        metric += stream.metric();
        counted++;
      }
    }
  } catch (error) {
    if (!(error instanceof DivergenceError)) throw error;
    return null;
  }
  return { clipped: clipped / steps, metric: metric / counted, calibration: LEVELS.map((y) => sums.get(y)!.p / sums.get(y)!.n) };
}

console.log(`add (${t1}, ${t2}), RNN 16, Adam 0.003/(1 + 0.03·√t), ${steps} steps, seeds 1–${seeds}; metric: cross-entropy vs y(t) over the last 10k steps (E[H(y)] ≈ 0.455, ln 2 ≈ 0.693)`);
console.log(`learner | clip | steps clipped | metric (nats) | mean p("1") when y(t) = ${LEVELS.join(', ')}`);
for (const kind of values.learners!.split(',') as Array<'uoro' | 'rtrl'>) {
  for (const clip of clips) {
    const results = Array.from({ length: seeds }, (_, i) => runOnce(kind, clip, i + 1)).filter((r) => r !== null);
    const mean = (f: (r: NonNullable<ReturnType<typeof runOnce>>) => number) => results.reduce((s, r) => s + f(r), 0) / results.length;
    console.log(`${kind.padEnd(7)} | ${String(clip ?? 'none').padEnd(4)} | ${(100 * mean((r) => r.clipped)).toFixed(1).padStart(12)}% | ${mean((r) => r.metric).toFixed(4).padStart(13)} | ${LEVELS.map((_, k) => mean((r) => r.calibration[k]!).toFixed(3)).join(', ')}${results.length < seeds ? ` (${seeds - results.length} diverged)` : ''}`);
  }
}
