import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import { bptt } from '../../src/learners/bptt.js';
import { parallelBptt } from '../../src/parallel/bptt.js';
import { kernelBackend } from '../../src/tensor/backend.js';
import { mse, crossEntropy } from '../../src/loss/loss.js';
import { sgd } from '../../src/optim/sgd.js';
import { Rng, randomVector, relativeError } from '../support/numeric.js';

const skip = kernelBackend() === 'wasm' ? false : 'needs the WebAssembly arena (ONLINE_RNN_KERNELS=ts is set)';

const config: ModelConfig = { inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 6 } }, { cell: { kind: 'gru', hiddenSize: 4 } }], outputSize: 3 };

test('the batch split over worker threads gives the single-thread loss and gradient (uneven split, loss at every step)', { skip }, async () => {
  const rng = new Rng(6);
  const [T, B] = [4, 5];
  const batch = { inputs: randomVector(T * B * 3, rng), targets: randomVector(T * B * 3, rng), steps: T, batch: B };
  const model = createModel(config, { seed: 2 });
  const single = bptt(model, { loss: mse, optimizer: sgd({ lr: 0 }) });
  const expected = single.computeGradient(batch);
  const parallel = await parallelBptt(model, { loss: mse, optimizer: sgd({ lr: 0 }), workers: 2 });
  try {
    const loss = parallel.computeGradient(batch);
    assert.ok(Math.abs(loss - expected) < 1e-13 * Math.abs(expected), `loss ${loss} vs ${expected}`);
    assert.ok(relativeError(parallel.gradient, single.gradient) < 1e-13, `gradient relative error ${relativeError(parallel.gradient, single.gradient)}`);
  } finally {
    await parallel.close();
  }
});

test('the batch split trains like the single thread with cross-entropy at the last step', { skip }, async () => {
  const rng = new Rng(7);
  const [T, B] = [3, 4];
  const targets = Array.from({ length: B }, () => rng.int(3));
  const batch = { inputs: randomVector(T * B * 3, rng), targets, steps: T, batch: B };
  const a = createModel(config, { seed: 4 });
  const b = createModel(config, { seed: 4 });
  const single = bptt(a, { loss: crossEntropy, optimizer: sgd({ lr: 0.1 }), lossAt: 'last' });
  const parallel = await parallelBptt(b, { loss: crossEntropy, optimizer: sgd({ lr: 0.1 }), lossAt: 'last' });
  try {
    for (let k = 0; k < 3; k++) {
      const expected = single.trainBatch(batch);
      const loss = parallel.trainBatch(batch);
      assert.ok(Math.abs(loss - expected) < 1e-12, `step ${k}: loss ${loss} vs ${expected}`);
    }
    assert.ok(relativeError(b.theta, a.theta) < 1e-13);
  } finally {
    await parallel.close();
  }
});
