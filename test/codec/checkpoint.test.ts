import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import { createLearner, type LearnerConfig } from '../../src/kinds/learners.js';
import { mse } from '../../src/loss/loss.js';
import { Rng } from '../../src/tensor/rng.js';
import { decodeModel, encodeModel } from '../../src/io/model-format.js';
import { decodeModelArchive, encodeModelArchive } from '../../src/codec/model.js';
import { decodeCheckpointArchive, encodeCheckpointArchive } from '../../src/codec/checkpoint.js';
import { packFiles } from '../../src/codec/tar.js';
import { FormatError } from '../../src/io/safetensors.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/io/checkpoint.js';
import { loadModel } from '../../src/io/model-files.js';
import type { Model } from '../../src/model/model.js';

const CONFIG: ModelConfig = { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 5, peephole: true } }, { cell: { kind: 'gru', hiddenSize: 3 } }], outputSize: 1 };
const LEARNERS: LearnerConfig[] = [{ kind: 'uoro' }, { kind: 'tbptt', k2: 4 }, { kind: 'nbt' }, { kind: 'rtrl' }];

function input(t: number): number[] {
  return [Math.sin(0.3 * t), Math.cos(0.7 * t)];
}

function learnerFor(config: LearnerConfig, model: Model) {
  return createLearner(config, model, { loss: mse, optimizer: { kind: 'adam', lr: 1e-2 }, seed: 4 });
}

function bits(values: ArrayLike<number>): string {
  return Buffer.from(Float64Array.from(values).buffer).toString('hex');
}

test('decodeModel accepts the config text encodeModel gives, and a model archive round-trips bit for bit', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    const model = createModel({ ...CONFIG, dtype }, { seed: 2 });
    const { config, tensors } = encodeModel(model);
    assert.deepEqual(decodeModel(config, tensors).theta, model.theta);
    const archive = encodeModelArchive(model);
    const back = decodeModelArchive(archive);
    assert.deepEqual(back.config, model.config);
    assert.equal(bits(back.theta), bits(model.theta));
    assert.deepEqual(encodeModelArchive(back), archive, 'the same model gives the same bytes');
  }
});

test('every online learner restored from a checkpoint archive makes the next predictions bit for bit', () => {
  for (const config of LEARNERS) {
    const model = createModel(CONFIG, { seed: 1 });
    const learner = learnerFor(config, model);
    for (let t = 0; t < 30; t++) learner.step(input(t), [Math.sin(0.3 * (t + 1))]);
    const archive = encodeCheckpointArchive({ model, learner, extra: { stream: 'sine', t: 30 } });
    const saved = decodeCheckpointArchive(archive);
    assert.deepEqual(saved.extra, { stream: 'sine', t: 30 });
    assert.equal(saved.step, 30);
    const resumed = learnerFor(config, saved.model);
    resumed.restore(saved.snapshot);
    for (let t = 30; t < 60; t++) {
      const expected = bits(learner.step(input(t), [Math.sin(0.3 * (t + 1))]).prediction);
      assert.equal(bits(resumed.step(input(t), [Math.sin(0.3 * (t + 1))]).prediction), expected, `${config.kind}: prediction at step ${t}`);
    }
    assert.equal(bits(saved.model.theta), bits(model.theta), `${config.kind}: θ after 30 more steps`);
  }
});

test('a checkpoint archive unpacked by tar is the directory the Node loader reads, and back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-codec-'));
  try {
    const model = createModel(CONFIG, { seed: 5 });
    const learner = learnerFor({ kind: 'uoro' }, model);
    for (let t = 0; t < 10; t++) learner.step(input(t), [0.5]);
    writeFileSync(join(dir, 'c.tar'), encodeCheckpointArchive({ model, learner }));
    mkdirSync(join(dir, 'c'));
    execFileSync('tar', ['-xf', join(dir, 'c.tar'), '-C', join(dir, 'c')]);
    const loaded = loadCheckpoint(join(dir, 'c'));
    assert.equal(bits(loaded.model.theta), bits(model.theta));
    assert.equal(bits(loadModel(join(dir, 'c')).theta), bits(model.theta));
    const path = saveCheckpoint(join(dir, 'runs'), { model, learner });
    execFileSync('tar', ['--format=ustar', '-cf', join(dir, 'd.tar'), '-C', path, 'config.json', 'model.safetensors', 'learner.json', 'learner.safetensors']);
    const fromTar = decodeCheckpointArchive(new Uint8Array(readFileSync(join(dir, 'd.tar'))), 'd.tar');
    assert.deepEqual(fromTar.snapshot, loaded.snapshot);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an archive missing a file, or holding a model where a checkpoint is expected, names what is wrong', () => {
  const model = createModel(CONFIG, { seed: 1 });
  assert.throws(() => decodeCheckpointArchive(encodeModelArchive(model), 'm.tar'), (e: unknown) => e instanceof FormatError && /m\.tar:learner\.json: the learner state is missing from the archive/.test(e.message));
  assert.throws(() => decodeModelArchive(packFiles({ 'config.json': '{"format": "x"}' }), { source: 'bad.tar' }), /bad\.tar:config\.json: "format" must be "online-rnn\/model"/);
  assert.throws(() => decodeModelArchive(new TextEncoder().encode('not a tar'), { source: 'n.tar' }), /n\.tar: truncated tar archive/);
});

test('1,000 mutated checkpoint archives never fail with anything but a FormatError', () => {
  const model = createModel({ inputSize: 1, layers: [{ cell: { kind: 'rnn', hiddenSize: 2 } }], outputSize: 1 }, { seed: 1 });
  const learner = learnerFor({ kind: 'uoro' }, model);
  learner.step([1], [0]);
  const original = encodeCheckpointArchive({ model, learner });
  const rng = new Rng(15);
  for (let trial = 0; trial < 1000; trial++) {
    const bytes = original.slice();
    for (let k = 0; k < 4; k++) bytes[rng.int(bytes.length)] = rng.int(256);
    try {
      decodeCheckpointArchive(bytes);
    } catch (error) {
      assert.ok(error instanceof FormatError, `trial ${trial}: ${String(error)}`);
    }
  }
});
