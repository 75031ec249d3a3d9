import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kfrtrl } from '../../src/learners/kfrtrl.js';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import { mse } from '../../src/loss/loss.js';
import { Rng, randomVector } from '../support/numeric.js';
import { perturbedModel, statsOnRnn } from './helpers.js';
import { checkUnbiased } from './unbiased.js';

const kroneckerCells: ReadonlyArray<{ name: string; config: ModelConfig }> = [
  { name: 'tanh rnn', config: { inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 3 } }], outputSize: 2 } },
  { name: 'relu rnn without bias', config: { inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 3, nonlinearity: 'relu', bias: false } }], outputSize: 2 } },
  { name: 'lstm', config: { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3 } }], outputSize: 2 } },
  { name: 'lstm without bias', config: { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3, bias: false } }], outputSize: 2 } },
];

for (const { name, config } of kroneckerCells) {
  test(`the Kronecker-factored influence is the structured one: u_k = z on row k (${name})`, () => {
    const core = createModel(config, { seed: 1 }).online().core;
    const rng = new Rng(2);
    const theta = randomVector(core.paramSize, rng);
    const step = core.createStep(1);
    step.forward(new Float64Array(core.stateSize), randomVector(core.inputSize, rng), randomVector(core.stateSize, rng), theta);
    const influence = step.influence!;
    const kronecker = influence.kronecker!;
    const z = new Float64Array(kronecker.width);
    kronecker.input(z);
    const coefficient = randomVector(influence.termCount, rng);
    const structured = new Float64Array(core.paramSize);
    influence.addCombinedParams(structured, coefficient);
    const factored = new Float64Array(core.paramSize);
    kronecker.addOuter(factored, coefficient, z);
    assert.deepEqual(Array.from(factored), Array.from(structured));
  });
}

for (const family of [kroneckerCells[0]!, kroneckerCells[2]!]) {
  test(`kfrtrl is unbiased: the mean of N estimates approaches rtrl's gradient like 1/√N (${family.name})`, (t) => {
    t.diagnostic(checkUnbiased({ kind: 'kfrtrl' }, family));
  });
}

test("kfrtrl's relative variance is several times lower than uoro's on a 16-unit tanh rnn", (t) => {
  const [ofKf, ofUoro] = statsOnRnn(16, [[{ kind: 'kfrtrl' }, 1000], [{ kind: 'uoro' }, 1000]]);
  t.diagnostic(`relative variance: kfrtrl ${ofKf.relativeVariance.toFixed(2)}, uoro ${ofUoro.relativeVariance.toFixed(2)}`);
  assert.ok(5 * ofKf.relativeVariance < ofUoro.relativeVariance, `kfrtrl ${ofKf.relativeVariance.toFixed(2)} vs uoro ${ofUoro.relativeVariance.toFixed(2)}`);
});

test('kfrtrl refuses a core whose influence is not Kronecker-factored and says why', () => {
  for (const config of [
    { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 2 } }] },
    { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3, peephole: true } }] },
    { inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 2 } }, { cell: { kind: 'rnn', hiddenSize: 2 } }] },
  ] as ModelConfig[]) {
    assert.throws(() => kfrtrl(perturbedModel(config, 1), { loss: mse, optimizer: null }), /not Kronecker-factored.*shared input z.*uoro or nbt/s);
  }
});
