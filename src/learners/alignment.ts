/**
 * Gradient alignment (Marschall, Cho & Savin, JMLR 2020, their comparison of learners on one
 * trajectory): every learner runs on the same stream with θ held fixed, and at each step t the
 * gradients g^a_t of learners a and b are compared by their normalised dot product,
 *
 *   A[a, b] = mean_t ⟨g^a_t, g^b_t⟩ / (‖g^a_t‖·‖g^b_t‖),    t over the second half of the stream   (1)
 *
 * with RTRL's exact gradient as one of the rows. The first half is left out so that every
 * estimate carries more than a few steps of history (at t = 1 most of them are exact). A
 * stochastic learner's row is one run's estimates, as in the paper — its noise lowers its
 * alignment, which is the point. The engine of `online-rnn gradstats --alignment`.
 */
import { dot, norm } from '../tensor/kernels.js';
import type { Loss } from '../loss/loss.js';
import type { OnlineModel } from '../model/online.js';
import { createLearner, type LearnerConfig } from '../kinds/learners.js';
import type { ReplayStream } from './gradstats.js';

export interface Alignment {
  readonly names: readonly string[];
  /** A[a][b], eq. (1): symmetric, 1 on the diagonal (0 where a gradient was zero). */
  readonly matrix: readonly (readonly number[])[];
  /** Wall-clock seconds per learner step, over a second pass of the stream (0 without a clock). */
  readonly secondsPerStep: readonly number[];
  /** The steps (1) averages over. */
  readonly from: number;
  readonly to: number;
}

export interface AlignmentOptions {
  loss: Loss;
  /** Seed of the learners' random signs: learner a draws from seed + a. @default 0 */
  seed?: number;
  /** Milliseconds (e.g. performance.now), for the cost per step. @default no timing */
  clock?: () => number;
}

/** Eq. (1) for the named learners on `stream`, at the model's θ (left unchanged). */
export function alignment(learners: ReadonlyArray<{ readonly name: string; readonly config: LearnerConfig }>, model: OnlineModel, stream: ReplayStream, options: AlignmentOptions): Alignment {
  const T = stream.inputs.length;
  if (T < 2 || stream.targets.length !== T) throw new RangeError('alignment: the stream needs as many targets as inputs, at least two');
  if (learners.length === 0) throw new RangeError('alignment: no learner to compare');
  const from = Math.floor(T / 2);
  // g^a_t for t ≥ from, each normalised (a zero gradient stays zero).
  const unit = learners.map(() => Array.from({ length: T - from }, () => new Float64Array(model.paramSize)));
  const secondsPerStep = learners.map(({ config }, a) => {
    // Each learner its own signs: with one seed, UORO's ν and R-KF-RTRL's would coincide and correlate their errors.
    const learner = createLearner(config, model, { loss: options.loss, optimizer: null, seed: (options.seed ?? 0) + a });
    for (let t = 0; t < T; t++) {
      learner.step(stream.inputs[t]!, stream.targets[t]!);
      if (t < from) continue;
      const size = norm(learner.gradient);
      const out = unit[a]![t - from]!;
      if (size > 0) for (let i = 0; i < out.length; i++) out[i] = learner.gradient[i]! / size;
    }
    if (options.clock === undefined) return 0;
    // Timed on a second pass, warm: the first one paid for compiling the learner's code.
    learner.reset();
    const start = options.clock();
    for (let t = 0; t < T; t++) learner.step(stream.inputs[t]!, stream.targets[t]!);
    return (options.clock() - start) / 1000 / T;
  });
  const matrix = learners.map((_, a) => learners.map((_, b) => unit[a]!.reduce((sum, g, t) => sum + dot(g, unit[b]![t]!), 0) / (T - from)));
  return { names: learners.map((l) => l.name), matrix, secondsPerStep, from: from + 1, to: T };
}
