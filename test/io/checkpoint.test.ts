import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import { loadCheckpoint, resumeRun, saveCheckpoint } from '../../src/io/checkpoint.js';
import { loadModel } from '../../src/io/model-files.js';
import { loadAnyModel } from '../../src/io/load.js';
import { Rng } from '../../src/tensor/rng.js';
import { repoRoot } from '../support/fixtures.js';
import { until } from '../support/cli.js';
import { FakeLearner } from './fake-learner.js';

const CONFIG: ModelConfig = { inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 4 } }, { cell: { kind: 'gru', hiddenSize: 3 } }], outputSize: 2 };

/** A deterministic stream of (x, target) pairs, resumable from its step. */
function sample(t: number): { x: number[]; target: number[] } {
  const rng = new Rng(1000 + t);
  return { x: [rng.normal(), rng.normal(), rng.normal()], target: [rng.normal(), rng.normal()] };
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'online-rnn-checkpoint-'));
}

test('a run stopped at a checkpoint and resumed in fresh objects gives bit-identical losses and θ', () => {
  const dir = scratch();
  try {
    const steps = 40;
    const model = createModel(CONFIG, { seed: 3 });
    const learner = new FakeLearner(model, 9);
    const straight = Array.from({ length: steps }, (_, t) => learner.step(sample(t).x, sample(t).target).loss);

    const first = createModel(CONFIG, { seed: 3 });
    const firstLearner = new FakeLearner(first, 9);
    const resumed: number[] = [];
    for (let t = 0; t < steps / 2; t++) resumed.push(firstLearner.step(sample(t).x, sample(t).target).loss);
    saveCheckpoint(dir, { model: first, learner: firstLearner, extra: { task: 'sample', seed: 9, next: steps / 2 } });

    // "Kill": nothing survives but the files. The new run starts from a different seed on purpose.
    const run = resumeRun(dir, (model, extra) => new FakeLearner(model, (extra as { seed: number }).seed + 1));
    assert.equal(run.step, steps / 2);
    assert.deepEqual(run.extra, { task: 'sample', seed: 9, next: steps / 2 });
    for (let t = (run.extra as { next: number }).next; t < steps; t++) resumed.push(run.learner.step(sample(t).x, sample(t).target).loss);
    assert.deepEqual(resumed, straight);
    assert.deepEqual(run.model.theta, model.theta);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkpoints keep the newest two, `latest` names the newest, and each is also a native model directory', () => {
  const dir = scratch();
  try {
    const model = createModel(CONFIG, { seed: 1 });
    const learner = new FakeLearner(model);
    const paths: string[] = [];
    for (let k = 0; k < 4; k++) {
      learner.step([1, 2, 3], [0, 0]);
      paths.push(saveCheckpoint(dir, { model, learner, extraTensors: { buffer: Float32Array.of(k, -0, NaN) } }));
    }
    assert.deepEqual(readdirSync(dir).sort(), ['checkpoint-000000003', 'checkpoint-000000004', 'latest']);
    assert.equal(readFileSync(join(dir, 'latest'), 'utf8'), 'checkpoint-000000004\n');
    const latest = loadCheckpoint(dir);
    assert.equal(latest.path, paths[3]);
    assert.ok(Object.is(latest.extraTensors.buffer![1], -0) && Number.isNaN(latest.extraTensors.buffer![2]));
    assert.ok(latest.extraTensors.buffer instanceof Float32Array);
    assert.equal(loadCheckpoint(paths[2]!).step, 3, 'a checkpoint directory loads directly');
    assert.deepEqual(loadModel(paths[3]!).theta, model.theta, 'a checkpoint is a model directory (forward --model works on it)');
    assert.deepEqual(loadAnyModel(dir).theta, model.theta, 'a run directory stands for its latest checkpoint');
    assert.ok(Number.isNaN(new FakeLearner(model).snapshot().values.lastLoss!));
    // The same step saved again never rewrites the checkpoint `latest` names.
    const again = saveCheckpoint(dir, { model, learner });
    assert.equal(again, join(dir, 'checkpoint-000000004-1'));
    assert.deepEqual(readdirSync(dir).sort(), ['checkpoint-000000004', 'checkpoint-000000004-1', 'latest']);
    assert.equal(loadCheckpoint(dir).path, again);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a checkpoint writer killed at random moments always leaves `latest` naming a complete checkpoint', async (t) => {
  const dir = scratch();
  try {
    const writer = join(repoRoot, 'dist/test/io/checkpoint-writer.js');
    const rng = new Rng(12);
    const steps: number[] = [];
    for (let round = 0; round < 5; round++) {
      const runDir = join(dir, `run${round}`);
      const child = spawn(process.execPath, [writer, runDir], { stdio: 'ignore' });
      await until(() => existsSync(join(runDir, 'latest')), `round ${round}: the first checkpoint`, { child, everyMs: 2 });
      await new Promise((r) => setTimeout(r, rng.int(150)));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const checkpoint = loadCheckpoint(runDir);
      const step = checkpoint.step;
      assert.ok(step >= 1);
      assert.ok(checkpoint.model.theta.every((v) => v === step), `round ${round}: θ of checkpoint ${step} is torn`);
      assert.deepEqual(checkpoint.extra, { step });
      assert.equal(checkpoint.snapshot.optimizer!.t, step);
      steps.push(step);
      // The next save clears what the killed writer left half-done.
      saveCheckpoint(runDir, { model: checkpoint.model, learner: new FakeLearner(checkpoint.model) });
      assert.deepEqual(readdirSync(runDir).filter((entry) => entry.startsWith('.')), [], `round ${round}: temporaries left behind`);
    }
    t.diagnostic(`5 kills mid-run; the checkpoints read back were at steps ${steps.join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('damaged or inconsistent checkpoints are rejected with a message naming the file', () => {
  const dir = scratch();
  try {
    const model = createModel(CONFIG, { seed: 1 });
    const learner = new FakeLearner(model);
    learner.step([1, 2, 3], [0, 0]);
    const path = saveCheckpoint(dir, { model, learner });
    const statePath = join(path, 'learner.json');
    const original = JSON.parse(readFileSync(statePath, 'utf8'));
    const cases: Array<[unknown, RegExp]> = [
      [{ ...original, version: 9 }, /checkpoint version 9 is not supported/],
      [{ ...original, learner: { ...original.learner, rng: [1, 2, 3] } }, /learner.rng must be null or four unsigned 32-bit integers/],
      [{ ...original, learner: { ...original.learner, tensors: ['state'] } }, /tensors learner.json does not list: learner.trace/],
      [{ ...original, learner: { ...original.learner, tensors: ['state', 'trace', 'velocity'] } }, /has no tensor 'learner.velocity'/],
      [{ ...original, learner: { ...original.learner, step: -1 } }, /learner.step must be a non-negative integer/],
    ];
    for (const [json, message] of cases) {
      writeFileSync(statePath, JSON.stringify(json));
      assert.throws(() => loadCheckpoint(dir), message);
    }
    writeFileSync(statePath, JSON.stringify(original));
    const restored = resumeRun(dir, (m) => new FakeLearner(m));
    assert.equal(restored.step, 1);
    assert.throws(() => resumeRun(dir, (m) => Object.assign(new FakeLearner(m), { kind: 'uoro' })), /holds a fake learner, not uoro/);
    writeFileSync(join(dir, 'latest'), '../../etc\n');
    assert.throws(() => loadCheckpoint(dir), /not a checkpoint directory/);
    assert.throws(() => loadCheckpoint(join(dir, 'nothing')), /no checkpoint here/);
    assert.throws(() => saveCheckpoint(dir, { model, learner, extra: { loss: NaN } }), /extra.loss holds NaN, which JSON cannot keep; store it in extraTensors/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
