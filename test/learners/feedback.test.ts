/** Feedback alignment (learners/feedback.ts), for every learner of the table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import { createLearner, LEARNERS, LEARNER_KINDS, parseLearnerConfig, type LearnerConfig } from '../../src/kinds/learners.js';
import { supports } from '../../src/kinds/support.js';
import { squaredError } from '../../src/loss/loss.js';
import { perturbedModel, randomStream } from './helpers.js';

const MODELS: readonly ModelConfig[] = [
  { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3 } }], outputSize: 2 },
  { inputSize: 2, layers: [{ cell: { kind: 'leaky-rnn', hiddenSize: 3, alpha: 0.5 } }], outputSize: 2 },
];

for (const kind of LEARNER_KINDS) {
  const config = LEARNERS[kind].examples[0]!.config as LearnerConfig;
  const modelConfig = MODELS.find((model) => supports(config, model.layers))!;

  test(`${kind}: feedback alignment with the head’s own weights in place of the random matrix is the unmodified learner, bit for bit`, () => {
    const model = perturbedModel(modelConfig, 3, 0.2);
    const online = model.online();
    const weights = online.headSlice(model.theta)!.subarray(0, 2 * online.core.outputSize);
    const stream = randomStream(8, 2, 2, 4);
    const plain = createLearner(config, model, { loss: squaredError, optimizer: null, seed: 7 });
    const aligned = createLearner(config, model, { loss: squaredError, optimizer: null, seed: 7, feedback: weights.slice() });
    stream.inputs.forEach((x, t) => {
      plain.step(x, stream.targets[t]!);
      aligned.step(x, stream.targets[t]!);
      assert.deepEqual(Array.from(aligned.gradient), Array.from(plain.gradient), `step ${t}`);
    });
  });

  test(`${kind}: with a random feedback matrix, the head’s gradient is unchanged and the core’s signal differs`, () => {
    const model = perturbedModel(modelConfig, 5, 0.2);
    const online = model.online();
    const stream = randomStream(8, 2, 2, 6);
    const plain = createLearner(config, model, { loss: squaredError, optimizer: null, seed: 7 });
    const aligned = createLearner({ ...config, feedbackAlignment: true }, model, { loss: squaredError, optimizer: null, seed: 7 });
    stream.inputs.forEach((x, t) => {
      plain.step(x, stream.targets[t]!);
      aligned.step(x, stream.targets[t]!);
    });
    assert.deepEqual(Array.from(online.headSlice(aligned.gradient)!), Array.from(online.headSlice(plain.gradient)!));
    if (kind !== 'output-only') assert.notDeepEqual(Array.from(online.coreSlice(aligned.gradient)), Array.from(online.coreSlice(plain.gradient)));
  });
}

test('feedbackAlignment is an option of every learner config, a boolean, kept by the parser', () => {
  assert.deepEqual(parseLearnerConfig({ kind: 'rflo', feedbackAlignment: true }), { kind: 'rflo', feedbackAlignment: true });
  assert.deepEqual(parseLearnerConfig({ kind: 'tbptt', k2: 4, feedbackAlignment: false }), { kind: 'tbptt', k2: 4, feedbackAlignment: false });
  assert.throws(() => parseLearnerConfig({ kind: 'uoro', feedbackAlignment: 'yes' }), /uoro: feedbackAlignment must be true or false, got "yes"/);
});

test('feedback alignment refuses a model without a head, and a matrix of the wrong size, by name', () => {
  const headless = createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 2 } }] });
  assert.throws(() => createLearner({ kind: 'rtrl', feedbackAlignment: true }, headless, { loss: squaredError, optimizer: null }), /rtrl: feedback alignment replaces the head's transpose, but this model has no dense head/);
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 2 } }], outputSize: 3 });
  assert.throws(() => createLearner({ kind: 'uoro' }, model, { loss: squaredError, optimizer: null, feedback: [1, 2] }), /uoro: a feedback matrix must have 6 numbers \(the head's 3 × 2\), got 2/);
});
