/**
 * Where an online step's time goes, by phase: runs one learner on bench/online.ts's model
 * (LSTM 32 → H, dense 32, SGD) with the step's phases wrapped in `process.hrtime` — the forward
 * step with the jvp, the estimator's propagate, the head and loss, the optimizer's update — and
 * prints each one's µs per step and its multiple of a forward step timed in the same process.
 * A sampling profile (online-profile.ts) attributes inlined code to whichever frame V8 kept; this
 * charges each phase with exactly its calls, at the price of about 0.1 µs per wrapped call.
 *
 *   node dist/bench/online-phases.js uoro|nbt|tbptt H float64|float32 [--steps N]
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zeros, type DType } from '../src/tensor/dtype.js';
import { LstmStep } from '../src/cells/lstm-step.js';
import { UoroEstimator } from '../src/learners/uoro.js';
import { NbtEstimator } from '../src/learners/nbt.js';
import { LearnerContext } from '../src/learners/context.js';
import { Sgd } from '../src/optim/sgd.js';
import { stepper, type OnlineKind } from './online.js';

type Method = (...args: unknown[]) => unknown;

/** Replaces prototype[name] by a copy that adds its time to totals[label] (ns); returns the undo. */
function timed(prototype: object, name: string, label: string, totals: Map<string, bigint>): () => void {
  const methods = prototype as Record<string, Method>;
  const original = methods[name];
  if (typeof original !== 'function') throw new TypeError(`online-phases: no method ${name} to time`);
  totals.set(label, 0n);
  methods[name] = function (this: unknown, ...args: unknown[]): unknown {
    const start = process.hrtime.bigint();
    try {
      return original.apply(this, args);
    } finally {
      totals.set(label, totals.get(label)! + (process.hrtime.bigint() - start));
    }
  };
  return () => {
    methods[name] = original;
  };
}

export interface PhaseTimes {
  readonly forwardMicroseconds: number;
  readonly stepMicroseconds: number;
  /** µs per step of each phase, in the order they run. */
  readonly phases: ReadonlyArray<{ readonly label: string; readonly microseconds: number }>;
}

export async function phaseTimes(kind: Exclude<OnlineKind, 'forward' | 'rtrl'>, hiddenSize: number, dtype: DType, steps: number): Promise<PhaseTimes> {
  const forward = await stepper('forward', 'lstm', hiddenSize, dtype);
  const learner = await stepper(kind, 'lstm', hiddenSize, dtype);
  const x = zeros(dtype, 32);
  const y = zeros(dtype, 32);
  for (let i = 0; i < 32; i++) x[i] = Math.sin(i);
  for (let i = 0; i < 32; i++) y[i] = Math.cos(i);
  const totals = new Map<string, bigint>();
  const undo = [
    timed(LearnerContext.prototype, 'input', 'the input checked and copied', totals),
    timed(LstmStep.prototype, 'forwardWithStateJvp', 'forward step with the jvp (J·s̃)', totals),
    timed(LstmStep.prototype, 'forward', 'forward step', totals),
    timed(UoroEstimator.prototype, 'propagate', 'estimator propagate (without J·s̃)', totals),
    timed(NbtEstimator.prototype, 'propagate', 'estimator propagate (without J·s̃)', totals),
    timed(LearnerContext.prototype, 'evaluate', 'head and loss, ∂ℓ/∂s', totals),
    timed(Sgd.prototype, 'stepStructured', 'SGD pass (structured: θ̃ fused)', totals),
    timed(Sgd.prototype, 'step', 'SGD pass (dense)', totals),
  ];
  try {
    for (let i = 0; i < steps; i++) learner(x, y); // warm-up: the JIT and the caches
    for (const label of totals.keys()) totals.set(label, 0n);
    const start = process.hrtime.bigint();
    for (let i = 0; i < steps; i++) learner(x, y);
    const stepNs = Number(process.hrtime.bigint() - start) / steps;
    const learnerTotals = new Map(totals); // before the baseline's own forward steps add to them
    const forwardStart = process.hrtime.bigint();
    for (let i = 0; i < 4 * steps; i++) forward(x, y);
    const forwardNs = Number(process.hrtime.bigint() - forwardStart) / (4 * steps);
    const phases = [...learnerTotals].filter(([, ns]) => ns > 0n).map(([label, ns]) => ({ label, microseconds: Number(ns) / steps / 1000 }));
    return { forwardMicroseconds: forwardNs / 1000, stepMicroseconds: stepNs / 1000, phases };
  } finally {
    for (const restore of undo) restore();
  }
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const [kind, hidden, dtype] = process.argv.slice(2, 5);
  const at = process.argv.indexOf('--steps');
  const H = Number(hidden);
  const steps = at < 0 ? Math.max(200, Math.round(4e7 / (H * H))) : Number(process.argv[at + 1]);
  if (!(kind === 'uoro' || kind === 'nbt' || kind === 'tbptt') || !(Number.isInteger(H) && H > 0) || !(dtype === 'float64' || dtype === 'float32') || !(Number.isInteger(steps) && steps > 0)) {
    process.stderr.write('usage: node dist/bench/online-phases.js uoro|nbt|tbptt H float64|float32 [--steps N]\n');
    process.exit(2);
  }
  const t = await phaseTimes(kind, H, dtype, steps);
  const share = (us: number) => `${us.toFixed(2).padStart(9)} µs ${(us / t.forwardMicroseconds).toFixed(2).padStart(6)} forward steps`;
  process.stdout.write(`${kind} H=${H} ${dtype}, ${steps} steps (wall clock; phases timed with process.hrtime)\n`);
  process.stdout.write(`${'forward step alone (the baseline)'.padEnd(40)}${share(t.forwardMicroseconds)}\n`);
  process.stdout.write(`${'learner step'.padEnd(40)}${share(t.stepMicroseconds)}\n`);
  let accounted = 0;
  for (const { label, microseconds } of t.phases) {
    accounted += microseconds;
    process.stdout.write(`  ${label.padEnd(38)}${share(microseconds)}\n`);
  }
  process.stdout.write(`  ${'the rest'.padEnd(38)}${share(t.stepMicroseconds - accounted)}\n`);
}
