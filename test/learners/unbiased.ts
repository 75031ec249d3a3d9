/** The unbiasedness check shared by the UORO and NoBackTrack tests. */
import assert from 'node:assert/strict';
import { createModel } from '../../src/model/config.js';
import { estimatorStats, exactGradient } from '../../src/learners/gradstats.js';
import type { LearnerConfig } from '../../src/kinds/learners.js';
import { mse } from '../../src/loss/loss.js';
import { TINY_FAMILIES, randomStream } from './helpers.js';

/**
 * The mean of N estimates approaches RTRL's gradient like √(variance/N): at N = 10,000 its
 * error is within 2.5× of that prediction and at least 4× smaller than at N = 100.
 */
export function checkUnbiased(config: LearnerConfig, family: (typeof TINY_FAMILIES)[number]): string {
  const model = createModel(family.config, { seed: 1 }).online();
  const stream = randomStream(6, family.config.inputSize, family.config.outputSize!, 5);
  const exact = exactGradient(model, stream, mse);
  const few = estimatorStats(config, model, stream, exact, { loss: mse, samples: 100, seed: 7 });
  const many = estimatorStats(config, model, stream, exact, { loss: mse, samples: 10_000, seed: 8 });
  const predicted = Math.sqrt(many.relativeVariance / many.samples);
  assert.ok(many.meanRelativeError <= 2.5 * predicted, `error ${many.meanRelativeError.toFixed(4)} at N = 10,000 vs √(variance/N) = ${predicted.toFixed(4)}`);
  assert.ok(few.meanRelativeError >= 4 * many.meanRelativeError, `error ${few.meanRelativeError.toFixed(4)} at N = 100 vs ${many.meanRelativeError.toFixed(4)} at N = 10,000`);
  return `error of the mean ${few.meanRelativeError.toFixed(4)} at N = 100, ${many.meanRelativeError.toFixed(4)} at N = 10,000 (√(variance/N) = ${predicted.toFixed(4)})`;
}
