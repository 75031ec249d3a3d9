import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import { Model } from '../../src/model/model.js';
import { SequenceTape } from '../../src/model/sequence.js';
import type { Cell } from '../../src/cells/cell.js';
import { Rng, randomVector, relativeError } from '../support/numeric.js';

/** The same cell without its window: the sequence runner then goes step by step. */
function withoutWindow(cell: Cell): Cell {
  return Object.create(cell, { createWindow: { value: undefined } }) as Cell;
}

const configs: Array<{ name: string; config: ModelConfig }> = [
  { name: 'a bidirectional peephole LSTM under a projected LSTM', config: { inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 5, peephole: true }, bidirectional: true }, { cell: { kind: 'lstm', hiddenSize: 4, projSize: 3 } }], outputSize: 2 } },
  { name: 'a plain LSTM without bias', config: { inputSize: 4, layers: [{ cell: { kind: 'lstm', hiddenSize: 6, bias: false } }] } },
];

for (const { name, config } of configs) {
  test(`the LSTM window path gives the step-by-step outputs and gradients: ${name}`, () => {
    const windowed = createModel(config, { seed: 3 });
    const stepwise = new Model({ layers: windowed.layers.map((layer) => ({ cells: layer.cells.map(withoutWindow) })), head: windowed.head, theta: windowed.theta, config: windowed.config });
    const rng = new Rng(8);
    const T = 5;
    const B = 2;
    const inputs = randomVector(T * B * config.inputSize, rng);
    const width = windowed.layers[windowed.layers.length - 1]!.outputSize;
    const dOutputs = randomVector(T * B * width, rng);
    const results = [windowed, stepwise].map((model) => {
      const tape = new SequenceTape(model, T + 2, B);
      tape.forward(inputs, T);
      const dTheta = new Float64Array(model.paramSize);
      tape.backward(dTheta, dOutputs);
      return { outputs: Float64Array.from(tape.allOutputs()), dTheta, dInputs: Float64Array.from(tape.inputGradient()) };
    });
    const [w, s] = results as [(typeof results)[0], (typeof results)[0]];
    assert.deepEqual(w.outputs, s.outputs, 'the forward pass is the same arithmetic');
    assert.ok(relativeError(w.dTheta, s.dTheta) < 1e-13, `∂θ relative error ${relativeError(w.dTheta, s.dTheta)}`);
    assert.ok(relativeError(w.dInputs, s.dInputs) < 1e-13, `∂x relative error ${relativeError(w.dInputs, s.dInputs)}`);
  });
}
