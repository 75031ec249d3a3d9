/**
 * PyTorch export of a model with a dense head: the recurrent layers under "rnn.", the head as
 * torch.nn.Linear under "head.", loaded by the RecurrentWithHead module printed in
 * docs/pytorch.md. With PyTorch installed (python3 -c "import torch"), the documented module
 * itself loads the export with strict=True and must reproduce our outputs to 1e-12.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel } from '../../src/model/config.js';
import { loadAnyModel } from '../../src/io/load.js';
import { runSequence } from '../../src/io/run.js';
import { exportPyTorch, importPyTorch } from '../../src/io/pytorch-safetensors.js';
import { parseSafetensors } from '../../src/io/safetensors.js';
import { Rng, randomVector, maxAbsDiff } from '../support/numeric.js';
import { repoRoot } from '../support/fixtures.js';
import { cli$ } from './support.js';

/** A python3 that imports torch, or null. */
function torchPython(): string | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
    if (probe.status === 0) return python;
  }
  return null;
}

/** The ```python block of docs/pytorch.md that defines RecurrentWithHead. */
function documentedModule(): string {
  const docs = readFileSync(join(repoRoot, 'docs/pytorch.md'), 'utf8');
  const block = [...docs.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]!).find((code) => code.includes('class RecurrentWithHead'));
  assert.ok(block !== undefined, 'docs/pytorch.md shows class RecurrentWithHead');
  return block;
}

/** Runs the documented module on the export (read without the safetensors package) and prints its outputs as JSON. */
function runInTorch(python: string, dir: string, input: number[][]): number[][] {
  const script = `
import json, struct, sys, torch
${documentedModule()}
def read_safetensors(path):
    data = open(path, 'rb').read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    types = {'F64': torch.float64, 'F32': torch.float32}
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        start, end = info['data_offsets']
        raw = bytearray(data[8 + n + start:8 + n + end])
        out[name] = torch.frombuffer(raw, dtype=types[info['dtype']]).reshape(info['shape']).clone()
    return out
spec = json.load(open(sys.argv[1] + '/args.json'))
state = read_safetensors(sys.argv[1] + '/model.safetensors')
model = RecurrentWithHead(**spec).to(next(iter(state.values())).dtype)
model.load_state_dict(state, strict=True)
x = torch.tensor(json.load(open(sys.argv[2])), dtype=next(iter(state.values())).dtype).unsqueeze(1)
with torch.no_grad():
    y, _ = model(x)
print(json.dumps(y.squeeze(1).tolist()))
`;
  const inputPath = join(dir, 'input.json');
  writeFileSync(inputPath, JSON.stringify(input));
  const result = spawnSync(python, ['-c', script, dir, inputPath], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as number[][];
}

test('a model with a dense head exports to PyTorch as rnn.* plus head.weight/head.bias and imports back bit for bit, with and without a head bias', () => {
  const rng = new Rng(3);
  for (const headBias of [true, false]) {
    const model = createModel({ inputSize: 3, layers: [{ cell: { kind: 'gru', hiddenSize: 4 }, bidirectional: true }, { cell: { kind: 'gru', hiddenSize: 4 }, bidirectional: true }], outputSize: 2, ...(headBias ? {} : { headBias: false }) }, { seed: 4 });
    const { tensors, args, spec } = exportPyTorch(model);
    const names = [...parseSafetensors(tensors).tensors.keys()];
    assert.ok(names.every((name) => name.startsWith('rnn.') || name.startsWith('head.')));
    assert.deepEqual(names.filter((name) => name.startsWith('head.')).sort(), headBias ? ['head.bias', 'head.weight'] : ['head.weight']);
    assert.deepEqual(JSON.parse(args).head, { in_features: 8, out_features: 2, bias: headBias });
    const x = randomVector(5 * 3, rng);
    for (const back of [importPyTorch(tensors, null), importPyTorch(tensors, spec)]) {
      assert.deepEqual(back.theta, model.theta);
      assert.deepEqual(runSequence(back, x, 5).output, runSequence(model, x, 5).output);
    }
  }
});

test('what torch.nn cannot express is refused by name: goBackwards, merge modes, returnSequences false', () => {
  const refused: Array<[Parameters<typeof createModel>[0], RegExp]> = [
    [{ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 2 }, goBackwards: true }] }, /pytorch export: layer 0 has goBackwards/],
    [{ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 2 }, bidirectional: true, merge: 'ave' }] }, /pytorch export: layer 0 merges its directions by ave/],
    [{ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 2 } }], outputSize: 1, returnSequences: false }, /pytorch export: returnSequences false/],
  ];
  for (const [config, message] of refused) assert.throws(() => exportPyTorch(createModel(config)), message);
});

test('a CLI-trained copy-task model exports to PyTorch, and the documented RecurrentWithHead module loads it strictly and gives our outputs to 1e-12', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-torch-head-'));
  try {
    const run = join(dir, 'run');
    const trained = await cli$('train', '--task', 'copy', '--cell', 'lstm', '--hidden', '6', '--learner', 'tbptt:k=4', '--steps', '300', '--checkpoint-every', '300', '--out', run);
    assert.equal(trained.status, 0, trained.stderr);
    const torchDir = join(dir, 'torch');
    const converted = await cli$('convert', join(run, 'checkpoints'), '--to', 'pytorch', '--out', torchDir);
    assert.equal(converted.status, 0, converted.stderr);
    const ours = loadAnyModel(join(run, 'checkpoints'));
    assert.ok(ours.head !== null, 'the copy task model has a dense head');
    const exported = loadAnyModel(join(torchDir, 'model.safetensors'));
    assert.deepEqual(exported.theta, ours.theta);
    const rng = new Rng(11);
    const steps = 7;
    const input = Array.from({ length: steps }, () => Array.from(randomVector(ours.inputSize, rng)));
    const expected = runSequence(ours, Float64Array.from(input.flat()), steps).output;
    const python = torchPython();
    if (python === null) {
      t.skip('PyTorch is not installed (python3 -c "import torch" fails); the export was checked by re-import only');
      return;
    }
    const error = maxAbsDiff(runInTorch(python, torchDir, input).flat(), expected);
    t.diagnostic(`RecurrentWithHead (PyTorch) vs ours: max |Δ| = ${error.toExponential(2)}`);
    assert.ok(error <= 1e-12, `differs from PyTorch by ${error}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
