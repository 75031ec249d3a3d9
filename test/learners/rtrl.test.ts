import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rtrl } from '../../src/learners/rtrl.js';
import { mse } from '../../src/loss/loss.js';
import { relativeError } from '../support/numeric.js';
import { VARIANTS, bpttSumGradient, perturbedModel, randomStream, sumOfEstimates } from './helpers.js';

for (const { name, config } of VARIANTS) {
  test(`rtrl's gradient summed over a sequence equals bptt's with θ fixed: ${name}`, (t) => {
    const model = perturbedModel(config, 3);
    const stream = randomStream(7, config.inputSize, config.outputSize!, 11);
    const exact = bpttSumGradient(model, stream);
    const thetaBefore = Float64Array.from(model.theta);
    const { sum } = sumOfEstimates(rtrl(model, { loss: mse, optimizer: null }), stream);
    assert.deepEqual(Float64Array.from(model.theta), thetaBefore, 'θ moved with optimizer: null');
    const error = relativeError(sum, exact);
    t.diagnostic(`relative error ${error.toExponential(2)}`);
    assert.ok(error <= 1e-9, `relative error ${error.toExponential(2)}`);
  });
}
