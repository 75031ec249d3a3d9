import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import { createLearner, type LearnerConfig } from '../../src/kinds/learners.js';
import { mse } from '../../src/loss/loss.js';
import { StreamSession } from '../../src/stream/session.js';
import { prequential } from '../../src/stream/prequential.js';
import { PrequentialMetric, StreamAverages } from '../../src/stream/metrics.js';
import { adwin } from '../../src/stream/adwin.js';
import { pageHinkley } from '../../src/stream/page-hinkley.js';
import { Rng } from '../../src/tensor/rng.js';
import { randomStream } from '../learners/helpers.js';

const config: ModelConfig = { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 4 } }], outputSize: 2 };
const adam = { kind: 'adam' as const, lr: 0.01 };

const CASES: ReadonlyArray<{ learner: LearnerConfig; delay: number }> = [
  { learner: { kind: 'uoro' }, delay: 0 },
  { learner: { kind: 'rtrl' }, delay: 3 },
  { learner: { kind: 'tbptt', k2: 4 }, delay: 2 },
];

for (const { learner, delay } of CASES) {
  test(`the prequential runner equals a hand-written predict → score → learn loop bit for bit (${learner.kind}, delay ${delay})`, () => {
    const T = 40;
    const stream = randomStream(T, 2, 2, 3);
    const a = createModel(config, { seed: 2 });
    const b = createModel(config, { seed: 2 });
    let t = 0;
    const result = prequential({
      session: new StreamSession(createLearner(learner, a, { loss: mse, optimizer: adam, seed: 1 }), { delay }),
      next: () => ({ input: stream.inputs[t]!, target: stream.targets[t++]! }),
      steps: T,
      metrics: ['mae', 'rmse'],
      window: 10,
      alpha: 0.9,
    });
    // By hand: predict x_t, then score and learn the target of step t − d.
    const session = new StreamSession(createLearner(learner, b, { loss: mse, optimizer: adam, seed: 1 }), { delay });
    const mae = new PrequentialMetric('mae', { window: 10, alpha: 0.9 });
    const rmse = new PrequentialMetric('rmse', { window: 10, alpha: 0.9 });
    const predictions: Float64Array[] = [];
    for (let s = 0; s < T; s++) {
      predictions.push(session.predict(stream.inputs[s]!).prediction);
      if (s >= delay) {
        mae.add(predictions[s - delay]!, stream.targets[s - delay]!);
        rmse.add(predictions[s - delay]!, stream.targets[s - delay]!);
        session.learn(stream.targets[s - delay]!);
      }
    }
    assert.deepEqual(Float64Array.from(a.theta), Float64Array.from(b.theta));
    assert.deepEqual(result.metrics.mae, mae.values());
    assert.deepEqual(result.metrics.rmse, rmse.values());
  });
}

test('running mean, sliding window and fading factor agree with their definitions', () => {
  const averages = new StreamAverages(3, 0.5);
  const values = [1, 2, 3, 4, 10];
  values.forEach((v) => averages.add(v));
  const { running, window, fading } = averages.averages();
  assert.equal(running, 4);
  assert.equal(window, (3 + 4 + 10) / 3);
  const S = 10 + 0.5 * (4 + 0.5 * (3 + 0.5 * (2 + 0.5 * 1)));
  const N = 1 + 0.5 * (1 + 0.5 * (1 + 0.5 * (1 + 0.5)));
  assert.ok(Math.abs(fading - S / N) < 1e-15);
});

test('accuracy and bits score a class-index target: argmax hit, and −log₂ softmax', () => {
  const accuracy = new PrequentialMetric('accuracy');
  accuracy.add([0.1, 2, -1], [1]);
  accuracy.add([3, 2, -1], [1]);
  assert.equal(accuracy.values().running, 0.5);
  const bits = new PrequentialMetric('bits');
  bits.add([0, 0, 0, 0], [2]);
  assert.ok(Math.abs(bits.values().running - 2) < 1e-12);
});

/** N(0, 1) noise whose mean jumps from 0 to `jump` at `change`. */
function jumpStream(seed: number, length: number, change: number, jump: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length }, (_, t) => rng.normal() + (t >= change ? jump : 0));
}

test('adwin and page-hinkley detect a rise in the mean soon after it happens, with no alarm on the stationary part (fixed seeds)', () => {
  for (const seed of [1, 2, 3]) {
    for (const make of [() => adwin(), () => pageHinkley({ threshold: 50, delta: 0.1 })]) {
      const detector = make();
      const first = jumpStream(seed, 6000, 3000, 2).findIndex((v) => detector.update(v));
      assert.ok(first >= 3000 && first < 3400, `${detector.kind} seed ${seed}: first detection at ${first}`);
    }
  }
});

test('per-horizon errors: +1 is the MAE of the predictions, +2 scores the autoregressive forecast made one step earlier', () => {
  const config: ModelConfig = { inputSize: 1, layers: [{ cell: { kind: 'gru', hiddenSize: 3 } }], outputSize: 1 };
  const values = Array.from({ length: 41 }, (_, t) => Math.sin(t / 3));
  let t = 0;
  const session = new StreamSession(createLearner({ kind: 'uoro' }, createModel(config, { seed: 3 }), { loss: mse, optimizer: null, seed: 1 }));
  const predictions: number[] = [];
  const forecasts: number[] = [];
  const result = prequential({
    session,
    next: () => ({ input: [values[t]!], target: [values[++t]!] }),
    steps: 40,
    metrics: ['mae'],
    horizon: 2,
    onStep: (r) => {
      predictions.push(r.prediction[0]!);
      forecasts.push(session.forecast(1)[0]![0]!); // θ is fixed: the runner's forecast is this one
    },
  });
  assert.ok(Math.abs(result.horizons[0]! - result.metrics.mae!.running) < 1e-15);
  const plus2 = forecasts.slice(0, 39).reduce((s, f, k) => s + Math.abs(f - values[k + 2]!), 0) / 39;
  assert.ok(Math.abs(result.horizons[1]! - plus2) < 1e-12, `${result.horizons[1]} vs ${plus2}`);
});
