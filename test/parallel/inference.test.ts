import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../../src/model/config.js';
import { SequenceTape } from '../../src/model/sequence.js';
import { parallelInference } from '../../src/parallel/inference.js';
import { kernelBackend } from '../../src/tensor/backend.js';
import { zeros } from '../../src/tensor/dtype.js';
import { Rng, randomVector } from '../support/numeric.js';

const skip = kernelBackend() === 'wasm' ? false : 'needs the WebAssembly arena (ONLINE_RNN_KERNELS=ts is set)';

test('inference with the directions on two threads equals the sequence runner bit for bit', { skip }, async () => {
  const model = createModel(
    {
      inputSize: 3,
      layers: [
        { cell: { kind: 'lstm', hiddenSize: 5 }, bidirectional: true },
        { cell: { kind: 'gru', hiddenSize: 4 } },
        { cell: { kind: 'lstm', hiddenSize: 3, peephole: true }, bidirectional: true },
      ],
      outputSize: 2,
    },
    { seed: 5 },
  );
  const rng = new Rng(9);
  const [T, B] = [6, 2];
  const parallel = await parallelInference(model);
  try {
    for (let call = 0; call < 2; call++) {
      const inputs = randomVector(T * B * 3, rng);
      const tape = new SequenceTape(model, T, B);
      tape.forward(inputs, T);
      const expected = zeros('float64', T * B * 2); // in the arena, so the head takes the same kernel
      model.head!.forward(expected, tape.allOutputs(), model.headTheta!, T * B);
      assert.deepEqual(Float64Array.from(parallel.infer(inputs, T, B)), Float64Array.from(expected), `call ${call}`);
    }
  } finally {
    await parallel.close();
  }
});
