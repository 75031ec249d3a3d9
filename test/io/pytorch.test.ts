import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromPyTorch, statesFromPyTorch, statesToPyTorch, toPyTorchNames, type PyTorchArgs, type StateDict } from '../../src/io/pytorch.js';
import { SequenceTape } from '../../src/model/sequence.js';
import { createModel } from '../../src/model/config.js';
import { fixtureDirectory, readFixtures, type Tensor, type TorchFixture } from '../support/fixtures.js';
import { maxAbsDiff } from '../support/numeric.js';

const TOLERANCE = 1e-9;

function args(fixture: TorchFixture): PyTorchArgs {
  return fixture.args as unknown as PyTorchArgs;
}

/** Runs one fixture and returns the worst absolute error of every compared quantity. */
function reproduce(fixture: TorchFixture): Record<string, number> {
  const model = fromPyTorch(fixture.module, args(fixture), fixture.state_dict as StateDict);
  const steps = fixture.input.shape[0]!;
  const tape = new SequenceTape(model, steps, 1);
  tape.forward(Float64Array.from(fixture.input.data), steps, statesFromPyTorch(model, fixture.h0.data, fixture.c0?.data ?? null));
  const finals = model.layers.flatMap((layer, l) => layer.cells.map((_, d) => tape.finalState(l, d)));
  const final = statesToPyTorch(model, finals);
  const errors: Record<string, number> = {
    output: maxAbsDiff(tape.allOutputs(), fixture.output.data),
    h_n: maxAbsDiff(final.h, fixture.h_n.data),
  };
  if (fixture.c_n !== undefined) errors.c_n = maxAbsDiff(final.c!, fixture.c_n.data);

  const { R, RH, RC } = fixture.loss;
  const dot = (a: ArrayLike<number>, b: Tensor) => Array.from(a).reduce((s, v, i) => s + v * b.data[i]!, 0);
  const value = dot(tape.allOutputs(), R) + dot(final.h, RH) + (RC === undefined ? 0 : dot(final.c!, RC));
  errors.loss = Math.abs(value - fixture.loss.value);

  const gradient = new Float64Array(model.paramSize);
  tape.backward(gradient, Float64Array.from(R.data), statesFromPyTorch(model, RH.data, RC?.data ?? null));
  const grads = toPyTorchNames(model, gradient, { gradient: true });
  assert.deepEqual(Object.keys(grads).sort(), Object.keys(fixture.grads).sort(), 'gradient names');
  for (const [name, expected] of Object.entries(fixture.grads)) errors[`grads.${name}`] = maxAbsDiff(grads[name]!.data, expected.data);
  errors.grad_input = maxAbsDiff(tape.inputGradient(), fixture.grad_input.data);
  const initial = statesToPyTorch(model, model.layers.flatMap((layer, l) => layer.cells.map((_, d) => tape.initialStateGradient(l, d))));
  errors.grad_h0 = maxAbsDiff(initial.h, fixture.grad_h0.data);
  if (fixture.grad_c0 !== undefined) errors.grad_c0 = maxAbsDiff(initial.c!, fixture.grad_c0.data);
  return errors;
}

test('every PyTorch fixture is reproduced: outputs, final states, loss and every gradient to 1e-9', (t) => {
  const directory = fixtureDirectory();
  const fixtures = readFixtures(directory);
  assert.ok(fixtures.length > 0, `no *.json fixtures in ${directory}`);
  let checked = 0;
  for (const { file, fixture, error } of fixtures) {
    assert.equal(error, undefined, `fixture ${file} could not be read: ${error}`);
    let errors: Record<string, number>;
    try {
      errors = reproduce(fixture!);
    } catch (e) {
      assert.fail(`fixture ${file} could not be loaded: ${(e as Error).message}`);
    }
    const worst = Object.entries(errors).sort((a, b) => b[1] - a[1])[0]!;
    t.diagnostic(`${file}: ${Object.keys(errors).length} quantities, worst ${worst[0]} ${worst[1].toExponential(2)}`);
    for (const [what, err] of Object.entries(errors)) assert.ok(err <= TOLERANCE, `${file}: ${what} differs by ${err.toExponential(3)}`);
    checked++;
  }
  t.diagnostic(`checked ${checked} PyTorch fixtures from ${directory}`);
  console.log(`PyTorch parity: checked ${checked} fixtures from ${directory}`);
});

test('a PyTorch import round-trips: export then import gives the same parameters', () => {
  const model = createModel({ inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 4, projSize: 2 }, bidirectional: true }, { cell: { kind: 'lstm', hiddenSize: 4, projSize: 2 }, bidirectional: true }] }, { seed: 3 });
  const exported = toPyTorchNames(model, model.theta);
  const back = fromPyTorch('lstm', { input_size: 3, hidden_size: 4, proj_size: 2, num_layers: 2, bidirectional: true }, exported);
  assert.deepEqual(back.theta, model.theta);
});

test('a PyTorch state_dict with a missing, misshapen or extra tensor is rejected by name', () => {
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3 } }] }, { seed: 1 });
  const good = toPyTorchNames(model, model.theta);
  const gruArgs = { input_size: 2, hidden_size: 3 };
  const { weight_hh_l0: _drop, ...missing } = good;
  assert.throws(() => fromPyTorch('gru', gruArgs, missing), /state_dict has no 'weight_hh_l0'/);
  assert.throws(() => fromPyTorch('gru', gruArgs, { ...good, weight_ih_l0: { shape: [3, 9], data: new Array(27).fill(0) } }), /'weight_ih_l0' must have shape \[9, 2\]/);
  assert.throws(() => fromPyTorch('gru', gruArgs, { ...good, weight_ih_l1: good.weight_ih_l0! }), /does not have: weight_ih_l1/);
  assert.throws(() => fromPyTorch('gru', { ...gruArgs, dropout: 0.5 }, good), /dropout/);
  assert.throws(() => fromPyTorch('gru', { ...gruArgs, frobnicate: 1 } as never, good), /unknown gru argument 'frobnicate'/);
});
