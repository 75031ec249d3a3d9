import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import { createLearner } from '../../src/kinds/learners.js';
import { mse } from '../../src/loss/loss.js';
import { StreamSession } from '../../src/stream/session.js';
import { randomStream, type Stream } from '../learners/helpers.js';
import { bpttGradientOfStep } from './helpers.js';

const tinyLstm: ModelConfig = { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3 } }], outputSize: 2 };

/** ‖mean of N delayed estimates of ∇ℓ_s − ∇ℓ_s‖ / ‖∇ℓ_s‖ and the relative variance of one estimate. */
function meanError(session: StreamSession, stream: Stream, d: number, s: number, exact: Float64Array, samples: number): { error: number; variance: number } {
  const mean = new Float64Array(exact.length);
  const exactNorm2 = exact.reduce((a, g) => a + g * g, 0);
  let variance = 0;
  for (let n = 0; n < samples; n++) {
    session.reset();
    for (let t = 0; t <= s + d; t++) {
      const late = t >= d ? stream.targets[t - d]! : null;
      if (t <= s) session.observe(stream.inputs[t]!, late);
      else session.learn(late!);
    }
    const estimate = session.learner.gradient; // the last target learned is step s's
    let squared = 0;
    for (let i = 0; i < exact.length; i++) {
      mean[i] += estimate![i]! / samples;
      squared += (estimate![i]! - exact[i]!) ** 2;
    }
    variance += squared / exactNorm2 / samples;
  }
  let bias = 0;
  for (let i = 0; i < exact.length; i++) bias += (mean[i]! - exact[i]!) ** 2;
  return { error: Math.sqrt(bias / exactNorm2), variance };
}

for (const kind of ['uoro', 'nbt'] as const) {
  for (const d of [1, 5]) {
    test(`${kind} with targets ${d} step(s) late stays unbiased: the error of the mean of N estimates falls like 1/√N (fixed seeds)`, (t) => {
      const model = createModel(tinyLstm, { seed: 1 });
      const stream = randomStream(6, 2, 2, 5);
      const s = 5;
      const exact = bpttGradientOfStep(model, stream, s);
      const few = meanError(new StreamSession(createLearner({ kind }, model, { loss: mse, optimizer: null, seed: 7 }), { delay: d }), stream, d, s, exact, 100);
      const many = meanError(new StreamSession(createLearner({ kind }, model, { loss: mse, optimizer: null, seed: 8 }), { delay: d }), stream, d, s, exact, 6400);
      const predicted = Math.sqrt(many.variance / 6400);
      t.diagnostic(`error of the mean ${few.error.toFixed(4)} at N = 100, ${many.error.toFixed(4)} at N = 6,400 (√(variance/N) = ${predicted.toFixed(4)})`);
      assert.ok(many.error <= 2.5 * predicted, `error ${many.error} at N = 6,400 vs √(variance/N) = ${predicted}`);
      assert.ok(few.error >= 4 * many.error, `error ${few.error} at N = 100 vs ${many.error} at N = 6,400`);
    });
  }
}
