import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureDirectory, readFixtures } from '../support/fixtures.js';
import { maxAbsDiff } from '../support/numeric.js';
import { cli$, pytorchFixtureFiles, rowsOf, writePyTorchFiles } from '../io/support.js';
import { createModel } from '../../src/model/config.js';
import { loadAnyModel, saveAnyModel } from '../../src/io/load.js';
import { runSequence } from '../../src/io/run.js';
import { parseInput, parseInputs } from '../../src/cli/forward.js';
import { tempDir } from '../support/cli.js';

test('`online-rnn forward` on each PyTorch fixture, as safetensors + args.json, prints the fixture outputs and final states to 1e-12', async (t) => {
  const dir = tempDir(t, 'online-rnn-forward-');
  const fixtures = readFixtures(fixtureDirectory());
  assert.ok(fixtures.length >= 6, `only ${fixtures.length} fixtures`);
  await Promise.all(
    fixtures.map(async ({ file, fixture }) => {
      const sub = join(dir, file);
      mkdirSync(sub);
      const paths = writePyTorchFiles(fixture!, sub);
      const result = await cli$('forward', '--model', paths.model, '--config', paths.args, '--input', paths.input, '--json');
      assert.equal(result.status, 0, `${file}: ${result.stderr}`);
      const json = JSON.parse(result.stdout) as { output: number[][]; h_n: number[][]; c_n?: number[][] };
      assert.deepEqual(Object.keys(json), fixture!.c_n === undefined ? ['output', 'h_n'] : ['output', 'h_n', 'c_n'], file);
      assert.deepEqual([json.output.length, json.output[0]!.length], fixture!.output.shape, `${file}: output is time-major`);
      assert.deepEqual([json.h_n.length, json.h_n[0]!.length], fixture!.h_n.shape, `${file}: one h_n row per layer and direction`);
      const errors = [maxAbsDiff(json.output.flat(), fixture!.output.data), maxAbsDiff(json.h_n.flat(), fixture!.h_n.data)];
      if (fixture!.c_n !== undefined) errors.push(maxAbsDiff(json.c_n!.flat(), fixture!.c_n.data));
      t.diagnostic(`${file}: max |Δ| ${Math.max(...errors).toExponential(2)}`);
      for (const e of errors) assert.ok(e <= 1e-12, `${file}: differs by ${e}`);
    }),
  );
});

test('`online-rnn forward` without --json prints the outputs and states as text', async (t) => {
  const { fixture, paths } = pytorchFixtureFiles(t, 'lstm_1layer.json', 'online-rnn-forward-');
  writeFileSync(paths.input, JSON.stringify(rowsOf(fixture.input)));
  const result = await cli$('forward', '--model', paths.model, '--config', paths.args, '--input', paths.input);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^output \(6 × 4\):\n {2}t=0: /);
  assert.match(result.stdout, /\nh_n \(1 × 4\):\n/);
  assert.match(result.stdout, /\nc_n \(1 × 4\):\n/);
});

test('bad forward arguments exit with code 2 and one line naming the problem', async (t) => {
  const { dir, paths } = pytorchFixtureFiles(t, 'gru_1layer.json', 'online-rnn-forward-');
  const write = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
  const cases: Array<[string[], RegExp]> = [
    [['--model', join(dir, 'none.safetensors'), '--config', paths.args, '--input', paths.input], /none.safetensors: no such file/],
    [['--model', paths.model, '--input', paths.input], /does not say which module it belongs to; pass its constructor arguments with --config/],
    [['--model', paths.model, '--config', write('bad.json', '{"module": "lstm", "input_size": 3, "hidden_size": 4}'), '--input', paths.input], /'weight_ih_l0' must have shape \[16, 3\], got \[12, 3\]/],
    [['--model', paths.model, '--config', paths.args, '--input', write('in.json', '[[1, 2]')], /in.json: not valid JSON/],
    [['--model', paths.model, '--config', paths.args, '--input', paths.input, '--from', 'caffe'], /--from must be one of native, pytorch, tfjs/],
  ];
  const results = await Promise.all(cases.map(([args]) => cli$('forward', ...args)));
  cases.forEach(([args, message], i) => {
    const result = results[i]!;
    assert.equal(result.status, 2, `${args.join(' ')}: exit ${result.status} ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split('\n').length, 1, `more than one line: ${result.stderr}`);
    assert.equal(result.stdout, '');
  });
});

test('forward input is checked against the model: shape, finiteness, h0 and c0, and the model file against its format', () => {
  const gru = createModel({ inputSize: 3, layers: [{ cell: { kind: 'gru', hiddenSize: 4 } }] });
  const lstm = createModel({ inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3, projSize: 2 } }, { cell: { kind: 'lstm', hiddenSize: 4 } }] });
  const cases: Array<[string, RegExp]> = [
    ['[[1, 2]]', /in.json: input: row 0 must have 3 numbers, got 2/],
    ['[[1, 2, "NaN"]]', /row 0 entry 2 must be a finite number/],
    ['[[1, 2, 1e999]]', /row 0 entry 2 must be a finite number, got Infinity/],
    ['[]', /non-empty array of timesteps/],
    ['{"input": [[1,2,3]], "c0": [[1,2,3,4]]}', /c0 is only for LSTM models/],
    ['{"input": [[1,2,3]], "h0": [[1,2,3]]}', /h0: row 0 must have 4 numbers, got 3/],
    ['{"inputs": [[1,2,3]]}', /unknown key 'inputs' \(allowed: input, h0, c0\)/],
  ];
  for (const [text, message] of cases) assert.throws(() => parseInput(text, gru, 'in.json'), message);
  assert.throws(() => parseInput('{"input": [[1,2]], "h0": [[1,2], [1,2,3,4]]}', lstm, 'in.json'), /give both h0 and c0, or neither/);
  const parsed = parseInput('{"input": [[1,2], [3,4]], "h0": [[1,2], [1,2,3,4]], "c0": [[5,6,7], [8,9,10,11]]}', lstm, 'in.json');
  assert.equal(parsed.steps, 2);
  assert.deepEqual(Array.from(parsed.states![0]!), [1, 2, 5, 6, 7], 'layer 0 state is [h (P); c (H)]');
  assert.deepEqual(Array.from(parsed.states![1]!), [1, 2, 3, 4, 8, 9, 10, 11]);
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-forward-'));
  try {
    assert.throws(() => loadAnyModel(join(dir, 'weights.bin')), /no such file/);
    writeFileSync(join(dir, 'weights.bin'), 'xx');
    assert.throws(() => loadAnyModel(join(dir, 'weights.bin')), /cannot tell the format from the name; say which with --from/);
    assert.throws(() => loadAnyModel(dir), /a directory without config.json \(native\), latest \(checkpoints\), model.json \(TF.js\) or model.onnx \(ONNX\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('`online-rnn forward` runs a batch of sequences of different lengths, each as if run alone', async (t) => {
  const dir = tempDir(t, 'online-rnn-forward-');
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3 }, bidirectional: true }], outputSize: 2 }, { seed: 5 });
  saveAnyModel(model, 'native', join(dir, 'model'));
  const sequences = [[[0.1, 0.2], [0.3, -0.4], [1, 0]], [[-1, 0.5]], [[0.2, 0.2], [0.4, 0.1]]];
  const batch = { batch: [sequences[0], { input: sequences[1], h0: [[1, 0, 0], [0, 1, 0]], c0: [[0, 0, 1], [1, 1, 1]] }, sequences[2]] };
  writeFileSync(join(dir, 'batch.json'), JSON.stringify(batch));
  writeFileSync(join(dir, 'array.json'), JSON.stringify(sequences));
  const [fromObject, fromArray, text] = await Promise.all([
    cli$('forward', '--model', join(dir, 'model'), '--input', join(dir, 'batch.json'), '--json'),
    cli$('forward', '--model', join(dir, 'model'), '--input', join(dir, 'array.json'), '--json'),
    cli$('forward', '--model', join(dir, 'model'), '--input', join(dir, 'array.json')),
  ]);
  for (const result of [fromObject, fromArray, text]) assert.equal(result.status, 0, result.stderr);
  const parsed = parseInputs(JSON.stringify(batch), model, 'batch.json');
  assert.equal(parsed.batch, true);
  const json = JSON.parse(fromObject.stdout) as { batch: Array<{ output: number[][]; h_n: number[][]; c_n: number[][] }> };
  assert.equal(json.batch.length, 3);
  parsed.sequences.forEach((sequence, s) => {
    const alone = runSequence(model, sequence.inputs, sequence.steps, sequence.states);
    assert.deepEqual(json.batch[s]!.output.flat(), Array.from(alone.output), `sequence ${s}`);
    assert.deepEqual(json.batch[s]!.h_n, alone.h);
  });
  assert.deepEqual((JSON.parse(fromArray.stdout) as typeof json).batch[0], json.batch[0]);
  assert.match(text.stdout, /^sequence 0:\noutput \(3 × 2\):\n/);
  assert.match(text.stdout, /\nsequence 2:\noutput \(2 × 2\):\n/);
  assert.throws(() => parseInputs('{"batch": []}', model, 'b.json'), /"batch" must be a non-empty array of sequences/);
  assert.throws(() => parseInputs('{"batch": [[[1, 2]], [[1]]]}', model, 'b.json'), /b.json: batch\[1\]: input: row 0 must have 2 numbers, got 1/);
  assert.throws(() => parseInputs('{"batch": [[[1, 2]]], "h0": 1}', model, 'b.json'), /unknown key 'h0' beside "batch"/);
});

test('a non-finite output is an error naming where it is, or the strings "Infinity"/"NaN" with --non-finite-as-strings, never null', async (t) => {
  const dir = tempDir(t, 'online-rnn-forward-');
  // A linear Elman cell with huge (finite) weights overflows on the second step.
  const model = createModel({ inputSize: 1, layers: [{ cell: { kind: 'rnn', hiddenSize: 1, nonlinearity: 'linear' } }] });
  model.theta.set([1e300, 1e300, 0]);
  saveAnyModel(model, 'native', join(dir, 'model'));
  writeFileSync(join(dir, 'in.json'), JSON.stringify([[1], [1]]));
  writeFileSync(join(dir, 'batch.json'), JSON.stringify([[[0]], [[1], [1]]]));
  const [refused, refusedBatch, refusedText, strings] = await Promise.all([
    cli$('forward', '--model', join(dir, 'model'), '--input', join(dir, 'in.json'), '--json'),
    cli$('forward', '--model', join(dir, 'model'), '--input', join(dir, 'batch.json'), '--json'),
    cli$('forward', '--model', join(dir, 'model'), '--input', join(dir, 'in.json')),
    cli$('forward', '--model', join(dir, 'model'), '--input', join(dir, 'in.json'), '--json', '--non-finite-as-strings'),
  ]);
  for (const result of [refused, refusedBatch, refusedText]) {
    assert.equal(result.status, 2, result.stderr);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr.trim().split('\n').length, 1);
  }
  assert.match(refused.stderr, /output row 1 entry 0 is Infinity .*--non-finite-as-strings/);
  assert.match(refusedBatch.stderr, /sequence 1: output row 1 entry 0 is Infinity/);
  assert.equal(strings.status, 0, strings.stderr);
  assert.ok(!strings.stdout.includes('null'));
  assert.deepEqual(JSON.parse(strings.stdout), { output: [[1e300], ['Infinity']], h_n: [['Infinity']] });
});
