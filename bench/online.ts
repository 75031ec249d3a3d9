/**
 * Online figures: the cost of one timestep of each learner on W1's model (LSTM 32 → H, dense
 * 32, batch 1), as a forward-only step (cell, head and loss: the baseline every ratio is
 * measured against, as in bench/learners.ts), TBPTT
 * (k2 = 16), UORO, NoBackTrack and RTRL. Learners are loaded by dynamic import through the
 * Learner contract only, so a learner not yet on this branch is reported as skipped.
 */
import type { DType, Vec } from '../src/tensor/dtype.js';
import { zeros } from '../src/tensor/dtype.js';
import { Rng } from '../src/tensor/rng.js';
import { createModel } from '../src/model/config.js';
import { mse } from '../src/loss/loss.js';
import type { Learner } from '../src/learners/learner.js';
import { time, type Timing } from './stats.js';

export type OnlineKind = 'forward' | 'tbptt' | 'uoro' | 'nbt' | 'rtrl';
export const ONLINE_KINDS: readonly OnlineKind[] = ['forward', 'tbptt', 'uoro', 'nbt', 'rtrl'];

type Stepper = (x: Vec, target: Vec) => void;

/** The module and factory of each learner, and its options beyond loss and optimizer. */
const FACTORIES: Record<Exclude<OnlineKind, 'forward'>, { module: string; extra: Record<string, unknown> }> = {
  tbptt: { module: 'tbptt', extra: { k2: 16 } },
  uoro: { module: 'uoro', extra: {} },
  nbt: { module: 'nbt', extra: {} },
  rtrl: { module: 'rtrl', extra: {} },
};

export class Skipped extends Error {}

/** A per-timestep closure for one learner kind, or Skipped with the reason. */
export async function stepper(kind: OnlineKind, cell: 'lstm' | 'gru', hiddenSize: number, dtype: DType): Promise<Stepper> {
  const model = createModel({ inputSize: 32, layers: [{ cell: { kind: cell, hiddenSize } }], outputSize: 32, dtype }, { seed: 1 });
  const online = model.online();
  if (kind === 'forward') {
    const step = online.core.createStep(1);
    const s = zeros(dtype, online.core.stateSize);
    const y = zeros(dtype, online.core.outputSize);
    const prediction = zeros(dtype, online.outputSize);
    const head = online.head!;
    return (x, target) => {
      step.forward(s, x, s, online.coreTheta);
      for (let j = 0; j < y.length; j++) y[j] = s[online.core.outputOffset + j]!;
      head.forward(prediction, y, online.headTheta!, 1);
      mse.evaluate(null, prediction, target, online.outputSize, 1);
    };
  }
  const { module, extra } = FACTORIES[kind];
  let factory: ((model: unknown, options: unknown) => Learner) | undefined;
  try {
    const path = `../src/learners/${module}.js`;
    const loaded = (await import(path)) as Record<string, unknown>;
    factory = loaded[module] as typeof factory;
  } catch {
    throw new Skipped('learner not available');
  }
  if (typeof factory !== 'function') throw new Skipped(`learner not available (no ${module}() in src/learners/${module}.js)`);
  const options = { loss: mse, optimizer: { kind: 'sgd', lr: 1e-3 }, ...extra };
  let learner: Learner;
  try {
    learner = factory(online, options);
  } catch {
    learner = factory(model, options);
  }
  return (x, target) => {
    learner.step(x, target);
  };
}

/** Milliseconds per timestep of `kind`, timed over runs of `steps` steps each. */
export async function timePerStep(kind: OnlineKind, options: { cell?: 'lstm' | 'gru'; hiddenSize: number; dtype: DType; steps: number; runs: number }): Promise<Timing> {
  const { hiddenSize, dtype, steps } = options;
  const step = await stepper(kind, options.cell ?? 'lstm', hiddenSize, dtype);
  const rng = new Rng(3);
  const xs = Array.from({ length: steps }, () => randomVec(dtype, 32, rng));
  const targets = Array.from({ length: steps }, () => randomVec(dtype, 32, rng));
  const t = await time(
    () => {
      for (let k = 0; k < steps; k++) step(xs[k]!, targets[k]!);
    },
    { runs: options.runs, warmup: 1, minTotalMs: 1000, maxRuns: 40 },
  );
  return { median: t.median / steps, min: t.min / steps, max: t.max / steps, runs: t.runs };
}

function randomVec(dtype: DType, n: number, rng: Rng): Vec {
  const v = zeros(dtype, n);
  for (let i = 0; i < n; i++) v[i] = rng.normal();
  return v;
}
