/** The contract every online learner keeps, checked for each one. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import { createLearner, LEARNERS, LEARNER_KINDS, parseLearnerConfig, type LearnerConfig } from '../../src/kinds/learners.js';
import { supports } from '../../src/kinds/support.js';
import { DivergenceError, type Learner } from '../../src/learners/learner.js';
import { tbptt } from '../../src/learners/tbptt.js';
import { rtrl } from '../../src/learners/rtrl.js';
import { uoro } from '../../src/learners/uoro.js';
import { nbt } from '../../src/learners/nbt.js';
import { mse } from '../../src/loss/loss.js';
import { Rng } from '../../src/tensor/rng.js';
import { repoRoot } from '../support/fixtures.js';
import { relativeError } from '../support/numeric.js';
import { VARIANTS, perturbedModel, randomStream } from './helpers.js';

const lstmWithHead: ModelConfig = { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3, peephole: true } }, { cell: { kind: 'gru', hiddenSize: 2 } }], outputSize: 2 };
/** KF-RTRL needs a Kronecker-factored core: a plain LSTM. */
const plainLstm: ModelConfig = { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3 } }], outputSize: 2 };

/** RFLO needs a fixed leak: a leaky RNN. */
const leakyRnn: ModelConfig = { inputSize: 2, layers: [{ cell: { kind: 'leaky-rnn', hiddenSize: 3, alpha: 0.5 } }], outputSize: 2 };

/** Every learner the table offers, on the first of these models it supports (KF-RTRL: a plain LSTM; RFLO: a leaky RNN). */
const CONFIGS: ReadonlyArray<{ name: string; config: LearnerConfig; model?: ModelConfig }> = LEARNER_KINDS.flatMap((kind) =>
  LEARNERS[kind].examples.map(({ name, config }) => ({ name, config: config as LearnerConfig, model: [lstmWithHead, plainLstm, leakyRnn].find((model) => supports(config as LearnerConfig, model.layers))! })),
);

for (const { name, config, model: modelConfig = lstmWithHead } of CONFIGS) {
  test(`${name}: a snapshot restored into a fresh learner on a copy of θ continues bit for bit (state, estimator, rng, adam, step count)`, () => {
    const N = 24;
    const stream = randomStream(N, 2, 2, 21);
    const model = perturbedModel(modelConfig, 2, 0.1);
    const options = { loss: mse, optimizer: { kind: 'adam' as const, lr: 0.01 }, seed: 5 };
    const original = createLearner(config, model, options);
    const losses = stream.inputs.slice(0, N / 2).map((x, t) => original.step(x, stream.targets[t]).loss);
    const snapshot = original.snapshot();
    const copy = createModel(modelConfig, { initialize: false });
    copy.theta.set(model.theta);
    const restored = createLearner(config, copy, options);
    restored.restore(snapshot);
    assert.equal(restored.steps, N / 2);
    for (let t = N / 2; t < N; t++) {
      const a = original.step(stream.inputs[t]!, stream.targets[t]).loss;
      const b = restored.step(stream.inputs[t]!, stream.targets[t]).loss;
      assert.ok(Object.is(a, b), `step ${t}: ${a} vs ${b}`);
      losses.push(a);
    }
    assert.deepEqual(Array.from(copy.theta), Array.from(model.theta));
    assert.ok(losses.every(Number.isFinite));
  });

  test(`${name}: reset() returns the state to s_0 and zeroes every estimator buffer`, () => {
    const model = perturbedModel(modelConfig, 3, 0.1);
    const s0 = Float64Array.from({ length: model.online().core.stateSize }, (_, i) => 0.1 * i);
    const learner = createLearner(config, model, { loss: mse, optimizer: null, initialState: s0 });
    assert.deepEqual(Array.from(learner.state), Array.from(s0));
    const stream = randomStream(7, 2, 2, 4);
    stream.inputs.forEach((x, t) => learner.step(x, stream.targets[t]));
    learner.reset();
    const { tensors, values } = learner.snapshot();
    assert.deepEqual(Array.from(tensors.state!), Array.from(s0));
    for (const [tensor, buffer] of Object.entries(tensors)) {
      if (tensor === 'state' || tensor.startsWith('learned')) continue; // an estimator's own learned parameters stay, like θ
      assert.ok(buffer.every((v) => v === 0), `${tensor} is not zero after reset`);
    }
    if (config.kind === 'tbptt') assert.equal(values.filled, 0);
  });

  test(`${name}: after reset() the learner repeats its first episode's losses (θ fixed)`, () => {
    const model = perturbedModel(modelConfig, 3, 0.1);
    const learner = createLearner(config, model, { loss: mse, optimizer: null });
    const stream = randomStream(6, 2, 2, 4);
    const first = stream.inputs.map((x, t) => learner.step(x, stream.targets[t]).loss);
    learner.reset();
    const second = stream.inputs.map((x, t) => learner.step(x, stream.targets[t]).loss);
    assert.deepEqual(second, first);
  });

  test(`${name}: given a bidirectional model, the factory says online learning needs a unidirectional one`, () => {
    const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 2 }, bidirectional: true }], outputSize: 1 });
    assert.throws(() => createLearner(config, model, { loss: mse, optimizer: null }), /unidirectional model, but layer 0 is bidirectional/);
  });

  test(`${name}: a wrong-width or non-finite input or target is rejected by name`, () => {
    const learner = createLearner(config, perturbedModel(modelConfig, 1), { loss: mse, optimizer: null });
    assert.throws(() => learner.step([1, 2, 3], [0, 0]), /step 0: input must have 2 numbers, got 3/);
    assert.throws(() => learner.step([1, NaN], [0, 0]), /input contains NaN or Inf/);
    assert.throws(() => learner.step([1, 2], [0]), /target must have 2 numbers for mse, got 1/);
    assert.throws(() => learner.step([1, 2], [Infinity, 0]), /target contains NaN or Inf/);
    assert.equal(learner.steps, 0);
    const { loss, updated, prediction } = learner.step([1, 2]);
    assert.ok(Number.isNaN(loss) && !updated && prediction.length === 2);
  });

  test(`${name}: a loss or estimate that stops being finite raises DivergenceError`, () => {
    const model = perturbedModel(modelConfig, 1);
    const learner = createLearner(config, model, { loss: mse, optimizer: { kind: 'sgd', lr: 1 } });
    model.theta[model.theta.length - 1] = 1e308; // the head's last bias: ŷ² overflows
    assert.throws(() => {
      for (let t = 0; t < 10; t++) learner.step([1, 1], [0, 0]);
    }, (error: unknown) => error instanceof DivergenceError && /diverged at step 0/.test(error.message));
  });

  test(`${name}: works in float32, matching float64 to single precision`, () => {
    const config32: ModelConfig = { ...modelConfig, dtype: 'float32' };
    const m64 = createModel(modelConfig, { seed: 4 });
    const m32 = createModel(config32, { initialize: false });
    m32.theta.set(m64.theta);
    const l64 = createLearner(config, m64, { loss: mse, optimizer: null, seed: 1 });
    const l32 = createLearner(config, m32, { loss: mse, optimizer: null, seed: 1 });
    assert.ok(l32.gradient instanceof Float32Array);
    const stream = randomStream(8, 2, 2, 6);
    stream.inputs.forEach((x, t) => {
      const a = l64.step(x, stream.targets[t]).loss;
      const b = l32.step(x, stream.targets[t]).loss;
      assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, a), `step ${t}: ${a} vs ${b}`);
    });
    if (config.kind !== 'uoro' && config.kind !== 'nbt') assert.ok(relativeError(l32.gradient, l64.gradient) < 1e-3);
  });

  test(`${name}: trained online, it predicts the input from 3 steps back far better than any memoryless predictor`, () => {
    // x_t = ±1 at random, target x_{t−3}: the best memoryless prediction is 0, with mse 1.
    // RFLO needs a known leak: the leaky RNN with α = 1 is the same RNN.
    const layers: ModelConfig['layers'] = [{ cell: supports(config, [{ cell: { kind: 'rnn', hiddenSize: 16 } }]) ? { kind: 'rnn', hiddenSize: 16 } : { kind: 'leaky-rnn', hiddenSize: 16, alpha: 1 } }];
    const model = createModel({ inputSize: 1, layers, outputSize: 1 }, { seed: 1 });
    const trainConfig: LearnerConfig = config.kind === 'tbptt' ? { kind: 'tbptt', k1: config.k1 ?? 8, k2: 8 } : config;
    const learner = createLearner(trainConfig, model, { loss: mse, optimizer: { kind: 'adam', lr: 1e-3 }, clip: 1, seed: 2 });
    const rng = new Rng(3);
    const history = [0, 0, 0];
    const steps = config.kind === 'rtrl' ? 6000 : 12_000; // rtrl costs O(n²·p) a step, and needs fewer
    let recent = 0;
    for (let t = 0; t < steps; t++) {
      const x = rng.sign();
      const { loss } = learner.step([x], [history[t % 3]!]);
      history[t % 3] = x;
      if (t >= steps - 4000) recent += loss / 4000;
    }
    assert.ok(recent < 0.1, `mean loss over the last 4000 steps ${recent.toFixed(4)} (memoryless: 1)`);
  });
}

test('every factory accepts a Model or an OnlineModel and reports its kind', () => {
  const model = perturbedModel(VARIANTS[0]!.config, 1);
  const options = { loss: mse, optimizer: null };
  const learners: Learner[] = [tbptt(model, { ...options, k2: 3 }), rtrl(model, options), uoro(model.online(), options), nbt(model.online(), options)];
  assert.deepEqual(learners.map((l) => l.kind), ['tbptt', 'rtrl', 'uoro', 'nbt']);
  for (const learner of learners) assert.equal(learner.model.theta.buffer, model.theta.buffer);
});

test('learner configs are validated at the boundary with errors naming the field', () => {
  assert.deepEqual(parseLearnerConfig({ kind: 'tbptt', k2: 16 }), { kind: 'tbptt', k2: 16 });
  assert.deepEqual(parseLearnerConfig({ kind: 'uoro', epsilon: 1e-6, rescale: false }), { kind: 'uoro', epsilon: 1e-6, rescale: false });
  assert.throws(() => parseLearnerConfig({ kind: 'bptt' }), (error: Error) => error.message === `unknown learner 'bptt' (allowed: ${LEARNER_KINDS.join(', ')})`);
  assert.throws(() => parseLearnerConfig({ kind: 'tbptt' }), /tbptt: k2 must be a positive integer/);
  assert.throws(() => parseLearnerConfig({ kind: 'tbptt', k2: 4, k1: 5 }), /k1 \(5\) must not exceed k2 \(4\)/);
  assert.throws(() => parseLearnerConfig({ kind: 'rtrl', k2: 3 }), /rtrl: unknown option 'k2'/);
  assert.throws(() => parseLearnerConfig({ kind: 'nbt', epsilon: -1 }), /nbt: epsilon must be a small positive number/);
  assert.throws(() => uoro(perturbedModel(VARIANTS[0]!.config, 1), { loss: mse, optimizer: null, epsilon: 0 }), /epsilon must be a small positive number/);
});

test('restoring a snapshot of another kind or another model is refused by name', () => {
  const a = rtrl(perturbedModel(VARIANTS[0]!.config, 1), { loss: mse, optimizer: null });
  const b = uoro(perturbedModel(VARIANTS[0]!.config, 1), { loss: mse, optimizer: null });
  const c = rtrl(perturbedModel(VARIANTS[2]!.config, 1), { loss: mse, optimizer: null });
  assert.throws(() => b.restore(a.snapshot()), /cannot restore a rtrl snapshot into a uoro learner/);
  assert.throws(() => c.restore(a.snapshot()), /tensor 'state' has 4 entries, this learner needs 6/);
});

test('nothing under src/learners imports a cell implementation: learners see only the Cell contract', () => {
  const directory = join(repoRoot, 'src/learners');
  for (const file of readdirSync(directory).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(join(directory, file), 'utf8');
    for (const match of source.matchAll(/from\s+'(\.\.\/cells\/[^']+)'/g)) {
      assert.equal(match[1], '../cells/cell.js', `${file} imports ${match[1]}`);
    }
    for (const match of source.matchAll(/import\s+(?!type\b)[^;]*from\s+'\.\.\/cells\/cell\.js'/g)) assert.fail(`${file} imports the contract at run time: ${match[0]}`);
  }
});

test('with clip, the estimate handed to the optimizer has norm at most the bound, and clip ≤ 0 is refused', () => {
  const model = perturbedModel(lstmWithHead, 1);
  const learner = rtrl(model, { loss: mse, optimizer: { kind: 'sgd', lr: 0.1 }, clip: 1e-3 });
  const stream = randomStream(5, 2, 2, 8);
  stream.inputs.forEach((x, t) => {
    learner.step(x, stream.targets[t]);
    const size = Math.hypot(...learner.gradient);
    assert.ok(size <= 1e-3 * (1 + 1e-12), `‖g‖ = ${size}`);
  });
  assert.throws(() => rtrl(model, { loss: mse, optimizer: null, clip: 0 }), /rtrl: clip must be > 0, got 0/);
});
