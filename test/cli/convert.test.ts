import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createModel } from '../../src/model/config.js';
import { saveModel } from '../../src/io/model-files.js';
import { loadAnyModel, saveAnyModel } from '../../src/io/load.js';
import { runSequence } from '../../src/io/run.js';
import { fixtureDirectory, readFixtures } from '../support/fixtures.js';
import { cli$, pytorchFixtureFiles, writePyTorchFiles } from '../io/support.js';
import { tempDir } from '../support/cli.js';

/** The CLI chain for two fixtures; the library chain (the same code) for all of them. */
const THROUGH_CLI = ['lstm_2layer_bidir.json', 'gru_2layer_bidir.json'];

test('PyTorch → native → PyTorch → native keeps every fixture model bit for bit', async (t) => {
  const dir = tempDir(t, 'online-rnn-convert-');
  await Promise.all(
    readFixtures(fixtureDirectory()).map(async ({ file, fixture }) => {
      const sub = join(dir, file);
      mkdirSync(sub);
      const paths = writePyTorchFiles(fixture!, sub);
      const original = loadAnyModel(paths.model, { config: paths.args });
      const stages = [join(sub, 'native'), join(sub, 'torch'), join(sub, 'native2')];
      if (THROUGH_CLI.includes(file)) {
        const chain: string[][] = [
          ['convert', '--from', 'pytorch', paths.model, '--config', paths.args, '--out', stages[0]!],
          ['convert', stages[0]!, '--to', 'pytorch', '--out', stages[1]!],
          ['convert', join(stages[1]!, 'model.safetensors'), '--out', stages[2]!],
        ];
        for (const args of chain) {
          const result = await cli$(...args);
          assert.equal(result.status, 0, `${file}: ${args.join(' ')}: ${result.stderr}`);
        }
      } else {
        saveAnyModel(original, 'native', stages[0]!);
        saveAnyModel(loadAnyModel(stages[0]!), 'pytorch', stages[1]!);
        saveAnyModel(loadAnyModel(join(stages[1]!, 'model.safetensors')), 'native', stages[2]!);
      }
      assert.deepEqual(readdirSync(stages[1]!).sort(), ['args.json', 'model.safetensors']);
      const args = JSON.parse(readFileSync(join(stages[1]!, 'args.json'), 'utf8'));
      assert.equal(args.module, fixture!.module);
      assert.equal(args.hidden_size, fixture!.args.hidden_size);
      assert.deepEqual(readFileSync(join(stages[2]!, 'model.safetensors')), readFileSync(join(stages[0]!, 'model.safetensors')), `${file}: the native files are identical`);
      const x = Float64Array.from(fixture!.input.data);
      const expected = runSequence(original, x, fixture!.input.shape[0]!);
      for (const path of [stages[0]!, join(stages[1]!, 'model.safetensors'), stages[2]!]) {
        const back = loadAnyModel(path);
        assert.deepEqual(back.theta, original.theta, `${file}: θ after ${path}`);
        assert.deepEqual(runSequence(back, x, fixture!.input.shape[0]!).output, expected.output, `${file}: outputs after ${path}`);
      }
    }),
  );
});

test('a failed conversion exits with code 2, one line, and writes nothing under --out', async (t) => {
  const { dir, paths } = pytorchFixtureFiles(t, 'lstm_proj.json', 'online-rnn-convert-');
  const out = join(dir, 'out');
  const truncated = join(dir, 'truncated.safetensors');
  writeFileSync(truncated, readFileSync(paths.model).subarray(0, 200));
  const nan = join(dir, 'nan.safetensors');
  const bytes = readFileSync(paths.model);
  bytes.writeDoubleLE(NaN, bytes.length - 8);
  writeFileSync(nan, bytes);
  const gru = join(dir, 'gru-reset-before');
  saveModel(createModel({ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3, resetAfter: false } }] }), gru);
  const cases: Array<[string[], RegExp]> = [
    [['convert', truncated, '--config', paths.args, '--out', out], /truncated.safetensors: .*runs past the end/],
    [['convert', nan, '--config', paths.args, '--out', out], /holds NaN at index/],
    [['convert', paths.model, '--config', paths.args, '--out', out, '--to', 'keras'], /--to must be one of native, pytorch, tfjs, onnx, got 'keras' \(.keras files are read, not written/],
    [['convert', gru, '--to', 'pytorch', '--out', out], /torch.nn.GRU applies the reset gate after the recurrent matmul/],
  ];
  const results = await Promise.all(cases.map(([args]) => cli$(...args)));
  cases.forEach(([args, message], i) => {
    const result = results[i]!;
    assert.equal(result.status, 2, `${args.join(' ')}: exit ${result.status} ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });
  assert.ok(!existsSync(out), `a failed conversion left ${out} behind`);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.')), [], 'no temporary files');
});

test('convert refuses to replace an existing output unless --force', async (t) => {
  const { dir, paths } = pytorchFixtureFiles(t, 'gru_1layer.json', 'online-rnn-convert-');
  const out = join(dir, 'out');
  assert.equal((await cli$('convert', paths.model, '--config', paths.args, '--out', out)).status, 0);
  const again = await cli$('convert', paths.model, '--config', paths.args, '--out', out);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /already exists and is not empty/);
  assert.equal((await cli$('convert', paths.model, '--config', paths.args, '--out', out, '--force')).status, 0);
  assert.deepEqual(readdirSync(out).sort(), ['config.json', 'model.safetensors']);
});

test('TF.js → native → TF.js through the CLI: `forward` prints the same JSON for each', async (t) => {
  const dir = tempDir(t, 'online-rnn-convert-');
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3, gateActivation: 'hardSigmoid' }, bidirectional: true }], outputSize: 2, dtype: 'float32' }, { seed: 4 });
  saveAnyModel(model, 'tfjs', join(dir, 'web'));
  writeFileSync(join(dir, 'input.json'), JSON.stringify([[0.5, -1], [2, 0.25], [-0.75, 1.5]]));
  assert.equal((await cli$('convert', join(dir, 'web', 'model.json'), '--out', join(dir, 'native'))).status, 0);
  assert.equal((await cli$('convert', join(dir, 'native'), '--to', 'tfjs', '--out', join(dir, 'web2'))).status, 0);
  assert.deepEqual(readdirSync(join(dir, 'web2')).sort(), ['group1-shard1of1.bin', 'model.json']);
  const outputs = await Promise.all([join(dir, 'web', 'model.json'), join(dir, 'native'), join(dir, 'web2')].map((m) => cli$('forward', '--model', m, '--input', join(dir, 'input.json'), '--json')));
  for (const result of outputs) assert.equal(result.status, 0, result.stderr);
  const json = JSON.parse(outputs[0]!.stdout);
  assert.deepEqual(Object.keys(json), ['output', 'h_n', 'c_n']);
  assert.equal(json.h_n.length, 2, 'one row per direction');
  assert.equal(outputs[1]!.stdout, outputs[0]!.stdout);
  assert.equal(outputs[2]!.stdout, outputs[0]!.stdout);
});
