/**
 * How good is an online gradient estimate? With θ held fixed, replay one stream of T steps
 * many times (a reset between replays, fresh random signs each time) and compare the
 * estimate ĝ at the last step with RTRL's exact per-step gradient g at that step:
 *
 *   bias      ‖mean(ĝ) − g‖ / ‖g‖          → 0 like √(variance / N) when ĝ is unbiased   (1)
 *   variance  mean(‖ĝ − g‖²) / ‖g‖²        the relative variance of one estimate          (2)
 *   cosine    mean(⟨ĝ, g⟩ / (‖ĝ‖·‖g‖))      how well one estimate points                   (3)
 *
 * TBPTT's estimate is deterministic: its "variance" is its squared bias. The engine of the
 * `gradstats` command and of the unbiasedness tests.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { dot, norm } from '../tensor/kernels.js';
import type { Loss } from '../loss/loss.js';
import type { OnlineModel } from '../model/online.js';
import { createLearner, type LearnerConfig } from '../kinds/learners.js';
import type { Learner } from './learner.js';

/** T steps of (input, target) pairs, replayed identically for every sample. */
export interface ReplayStream {
  readonly inputs: readonly ArrayLike<number>[];
  readonly targets: readonly ArrayLike<number>[];
}

export interface EstimatorStats {
  /** ‖mean(ĝ) − g‖/‖g‖, eq. (1). */
  readonly meanRelativeError: number;
  /** mean ‖ĝ − g‖²/‖g‖², eq. (2). */
  readonly relativeVariance: number;
  /** mean cos(ĝ, g), eq. (3). */
  readonly meanCosine: number;
  readonly samples: number;
  /** Wall-clock seconds per learner step (0 when no clock is given). */
  readonly secondsPerStep: number;
}

export interface StatsOptions {
  loss: Loss;
  samples: number;
  /** Seed of the estimator's random signs. @default 0 */
  seed?: number;
  /** Milliseconds, for timing (e.g. performance.now). @default no timing */
  clock?: () => number;
}

/** g: RTRL's exact gradient of the last step's loss, at the model's current θ. */
export function exactGradient(model: OnlineModel, stream: ReplayStream, loss: Loss): Vec {
  const learner = createLearner({ kind: 'rtrl' }, model, { loss, optimizer: null });
  replay(learner, stream);
  return learner.gradient.slice();
}

/** Statistics (1)–(3) of `config`'s estimate against `exact`, θ fixed. */
export function estimatorStats(config: LearnerConfig, model: OnlineModel, stream: ReplayStream, exact: Vec, options: StatsOptions): EstimatorStats {
  const { samples } = options;
  if (!Number.isInteger(samples) || samples < 1) throw new RangeError(`gradstats: samples must be a positive integer, got ${samples}`);
  if (stream.inputs.length === 0 || stream.inputs.length !== stream.targets.length) throw new RangeError('gradstats: the stream needs as many targets as inputs, at least one');
  const learner = createLearner(config, model, { loss: options.loss, optimizer: null, seed: options.seed ?? 0 });
  const mean = zeros('float64', exact.length);
  const exactNorm = norm(exact);
  const exactNorm2 = exactNorm * exactNorm;
  if (!(exactNorm > 0)) throw new RangeError('gradstats: the exact gradient is zero; choose another seed or stream');
  let variance = 0;
  let cosine = 0;
  const start = options.clock?.() ?? 0;
  for (let sample = 0; sample < samples; sample++) {
    learner.reset();
    replay(learner, stream);
    const estimate = learner.gradient;
    let squaredError = 0;
    for (let i = 0; i < exact.length; i++) {
      const difference = estimate[i]! - exact[i]!;
      squaredError += difference * difference;
      mean[i] += estimate[i]! / samples;
    }
    variance += squaredError / exactNorm2 / samples;
    const estimateNorm = norm(estimate);
    cosine += (estimateNorm > 0 ? dot(estimate, exact) / (estimateNorm * exactNorm) : 0) / samples;
  }
  const elapsed = options.clock === undefined ? 0 : options.clock() - start;
  let bias = 0;
  for (let i = 0; i < exact.length; i++) bias += (mean[i]! - exact[i]!) ** 2;
  return {
    meanRelativeError: Math.sqrt(bias) / exactNorm,
    relativeVariance: variance,
    meanCosine: cosine,
    samples,
    secondsPerStep: elapsed / 1000 / (samples * stream.inputs.length),
  };
}

function replay(learner: Learner, stream: ReplayStream): void {
  for (let t = 0; t < stream.inputs.length; t++) learner.step(stream.inputs[t]!, stream.targets[t]!);
}
