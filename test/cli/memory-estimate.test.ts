/**
 * Issue #13 item 3: a run's memory is estimated from its configuration before anything is
 * allocated, and a run beyond --max-memory is one line naming the sizes and the flag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import { sizesOf } from '../../src/model/size.js';
import { checkMemory, estimateRun, memoryLimit, rtrlLayoutOf } from '../../src/cli/memory-estimate.js';
import { rtrl } from '../../src/learners/rtrl.js';
import { mse } from '../../src/loss/loss.js';
import { oneErrorLine, runCli, startCli, until } from '../support/cli.js';

const CONFIGS: ModelConfig[] = [
  { inputSize: 3, layers: [{ cell: { kind: 'rnn', hiddenSize: 5 } }], outputSize: 2 },
  { inputSize: 3, layers: [{ cell: { kind: 'rnn', hiddenSize: 5, bias: false } }] },
  { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 4, projSize: 3, peephole: true } }, { cell: { kind: 'gru', hiddenSize: 3 } }], outputSize: 2 },
  { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3, resetAfter: false } }, { cell: { kind: 'gru', hiddenSize: 2, bias: false } }], dtype: 'float32' },
  { inputSize: 4, layers: [{ cell: { kind: 'lstm', hiddenSize: 3 }, bidirectional: true }, { cell: { kind: 'lstm', hiddenSize: 2, bias: false } }], outputSize: 1 },
];

test('the sizes counted from a config equal those of the model built from it (θ, state, dtype), for every cell option', () => {
  for (const config of CONFIGS) {
    const model = createModel(config, { initialize: false });
    const sizes = sizesOf(config);
    assert.equal(sizes.paramSize, model.paramSize, JSON.stringify(config));
    assert.equal(sizes.stateSize, model.layers.flatMap((l) => l.cells).reduce((n, c) => n + c.stateSize, 0), JSON.stringify(config));
    assert.equal(sizes.bytesPerElement, config.dtype === 'float32' ? 4 : 8);
  }
});

test("RTRL's estimate grows with n·p, TBPTT's with its window, and a slow step gets a warning", () => {
  const small = sizesOf({ inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 16 } }], outputSize: 2 });
  const large = sizesOf({ inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 256 } }], outputSize: 2 });
  assert.ok(estimateRun(large, { kind: 'rtrl' }).bytes > 2 * large.stateSize * large.paramSize * 8);
  assert.ok(estimateRun(small, { kind: 'tbptt', k2: 1e6 }).bytes > 1e6 * small.stateSize * 8);
  const config: ModelConfig = { inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 256 } }], outputSize: 2 };
  const warning = checkMemory(config, { label: 'rtrl', config: { kind: 'rtrl' } }, { limit: 2 ** 40, limitGiven: true, what: 'LSTM 256' });
  assert.match(warning ?? '', /each step may take \d+ s or more/);
  assert.equal(checkMemory(config, { label: 'uoro', config: { kind: 'uoro' } }, { limit: 2 ** 40, limitGiven: true, what: 'LSTM 256' }), null);
  assert.throws(() => checkMemory(config, { label: 'rtrl', config: { kind: 'rtrl' } }, { limit: 2 ** 30, limitGiven: true, what: 'LSTM 256' }), /needs about 2\.\d GiB, more than --max-memory 1\.0 GiB: RTRL's sensitivity/);
});

test('--max-memory reads sizes with units and refuses anything else', () => {
  assert.equal(memoryLimit('512M'), 512 * 2 ** 20);
  assert.equal(memoryLimit('4G'), 4 * 2 ** 30);
  assert.equal(memoryLimit('1.5GiB'), 1.5 * 2 ** 30);
  assert.equal(memoryLimit('1000'), 1000);
  assert.ok(memoryLimit(undefined) > 0);
  assert.throws(() => memoryLimit('lots'), /--max-memory must be a size/);
});

test('--layers 100000, tbptt:k=1e9, --hidden 20000 and --hidden 100000000 are refused with the estimate and the flags, before any allocation', async () => {
  const cases = [
    ['--layers', '100000'],
    ['--learner', 'tbptt:k=1e9'],
    ['--hidden', '20000'],
    ['--hidden', '100000000'],
  ];
  const runs = await Promise.all(cases.map((flags) => runCli(['train', '--task', 'copy', '--cell', 'lstm', '--steps', '10', '--max-memory', '8G', ...flags])));
  runs.forEach((r, i) => {
    assert.equal(r.status, 2, `${cases[i]!.join(' ')}: ${r.stderr}`);
    const line = oneErrorLine(r.stderr);
    assert.match(line, /needs about [\d.]+ [KMGT]i?B.*more than --max-memory 8\.0 GiB/, line);
    assert.match(line, /--hidden, --layers or TBPTT window/);
  });
  const compare = await runCli(['compare', '--task', 'copy', '--learners', 'rtrl,uoro', '--hidden', '512', '--steps', '10', '--max-memory', '1G']);
  assert.equal(compare.status, 2);
  assert.match(oneErrorLine(compare.stderr), /learner 'rtrl'.*more than --max-memory 1\.0 GiB/);
});

test('the first Ctrl-C during slow RTRL steps is answered at once and the run stops cleanly with its summary', async () => {
  const run = startCli(['train', '--task', 'copy', '--cell', 'lstm', '--hidden', '48', '--learner', 'rtrl', '--steps', '100000000', '--progress-every', '0.05']);
  await until(() => run.output().stderr.includes('progress:'), 'the first steps', { child: run.child });
  run.child.kill('SIGINT');
  await until(() => run.output().stderr.includes('Ctrl-C: stopping after the current step'), 'the answer to Ctrl-C', { child: run.child });
  const r = await run.done;
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /— stopped by Ctrl-C/);
});

test("rtrl on the LRU and eLSTM is estimated on the closed pattern the learner allocates, not the dense n·p; an LSTM's stays dense", () => {
  for (const cell of [{ kind: 'lru', hiddenSize: 24 }, { kind: 'elstm', hiddenSize: 24 }] as const) {
    const config: ModelConfig = { inputSize: 8, layers: [{ cell }], outputSize: 2 };
    const layout = rtrlLayoutOf(config);
    const learner = rtrl(createModel(config), { loss: mse, optimizer: null });
    assert.equal(layout?.entries, learner.estimator.tensors().blocks?.length, cell.kind);
    const sizes = sizesOf(config);
    assert.ok(estimateRun(sizes, { kind: 'rtrl' }, layout).bytes * 5 < estimateRun(sizes, { kind: 'rtrl' }).bytes, cell.kind);
  }
  // LRU 256 on 32 inputs: the dense n·p would be 2 × 512 × 17,152 × 8 B = 140 MB; the pattern is 2p.
  const lru: ModelConfig = { inputSize: 32, layers: [{ cell: { kind: 'lru', hiddenSize: 256 } }], outputSize: 2 };
  assert.equal(checkMemory(lru, { label: 'rtrl', config: { kind: 'rtrl' } }, { limit: 8 * 2 ** 20, limitGiven: true, what: 'LRU 256' }), null);
  assert.equal(rtrlLayoutOf({ inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 4 } }] })?.pattern, null);
});
