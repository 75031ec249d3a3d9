/**
 * Issue #13 items 4, 5 and 9 at the file-reading layer: reads bounded by the files' own sizes,
 * links that leave a model's directory refused, no content of an unexpected file quoted, error
 * lines cut, stricter names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createModel } from '../../src/model/config.js';
import { saveModel, loadModel } from '../../src/io/model-files.js';
import { loadTfjs, saveAnyModel } from '../../src/io/load.js';
import { importTfjs } from '../../src/io/tfjs.js';
import { exportTfjs } from '../../src/io/tfjs-export.js';
import { exportPyTorch, importPyTorch } from '../../src/io/pytorch-safetensors.js';
import { decodeModel, decodeModelConfig, encodeModel } from '../../src/io/model-format.js';
import { FormatError } from '../../src/io/safetensors.js';
import { textCorpus } from '../../src/tasks/corpus.js';
import { appendWhole } from '../../src/io/files.js';
import { oneErrorLine, runCli, tempDir } from '../support/cli.js';

const PASSWORDS = 'root:x:0:0:root:/root:/bin/bash\n';

const tfjsModel = () => createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 3 } }], outputSize: 1, dtype: 'float32' }, { seed: 1 });

test('a TF.js manifest that lists one shard twice is refused before any shard is read', () => {
  const { modelJson, weights } = exportTfjs(tfjsModel());
  const forged = structuredClone(modelJson) as unknown as { weightsManifest: Array<{ paths: string[] }> };
  const path = forged.weightsManifest[0]!.paths[0]!;
  forged.weightsManifest[0]!.paths = Array.from({ length: 200 }, () => path);
  let reads = 0;
  assert.throws(
    () =>
      importTfjs(forged, () => {
        reads++;
        return weights;
      }),
    (e: Error) => e instanceof FormatError && /lists the shard .* a second time/.test(e.message),
  );
  assert.equal(reads, 0);
});

test('a TF.js weight group stops reading its shards once they hold more than it declares', (t) => {
  const dir = tempDir(t);
  saveAnyModel(tfjsModel(), 'tfjs', join(dir, 'm'));
  const json = JSON.parse(readFileSync(join(dir, 'm', 'model.json'), 'utf8'));
  const shard = json.weightsManifest[0].paths[0];
  for (let k = 0; k < 5; k++) writeFileSync(join(dir, 'm', `copy${k}.bin`), readFileSync(join(dir, 'm', shard)));
  json.weightsManifest[0].paths = [shard, 'copy0.bin', 'copy1.bin', 'copy2.bin', 'copy3.bin', 'copy4.bin'];
  writeFileSync(join(dir, 'm', 'model.json'), JSON.stringify(json));
  assert.throws(() => loadTfjs(join(dir, 'm')), /copy0\.bin: the shard is \d+ bytes, more than the 0 its weight group has left/);
});

test('a TF.js shard that is a link to a file outside the model directory, or lies behind a linked folder, is refused', (t) => {
  const dir = tempDir(t);
  saveAnyModel(tfjsModel(), 'tfjs', join(dir, 'm'));
  const json = JSON.parse(readFileSync(join(dir, 'm', 'model.json'), 'utf8'));
  const shard: string = json.weightsManifest[0].paths[0];
  // The same bytes outside, reached through a link: loading them would "work" and read a foreign file.
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'outside', 'w.bin'), readFileSync(join(dir, 'm', shard)));
  symlinkSync(join(dir, 'outside', 'w.bin'), join(dir, 'm', 'linked.bin'));
  json.weightsManifest[0].paths = ['linked.bin'];
  writeFileSync(join(dir, 'm', 'model.json'), JSON.stringify(json));
  assert.throws(() => loadTfjs(join(dir, 'm')), /linked\.bin: the weight shard is a link to a file outside/);
  symlinkSync(join(dir, 'outside'), join(dir, 'm', 'folder'));
  json.weightsManifest[0].paths = ['folder/w.bin'];
  writeFileSync(join(dir, 'm', 'model.json'), JSON.stringify(json));
  assert.throws(() => loadTfjs(join(dir, 'm')), /folder\/w\.bin: the weight shard is a link to a file outside/);
  // A link that stays inside the directory is fine.
  symlinkSync(shard, join(dir, 'm', 'inside.bin'));
  json.weightsManifest[0].paths = ['inside.bin'];
  writeFileSync(join(dir, 'm', 'model.json'), JSON.stringify(json));
  assert.equal(loadTfjs(join(dir, 'm')).paramSize, tfjsModel().paramSize);
});

test("a model file linked to another file of the machine is refused, and parse errors never quote a file's content", (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'passwd'), PASSWORDS);
  saveModel(createModel({ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 2 } }] }), join(dir, 'native'));
  const config = join(dir, 'native', 'config.json');
  rmSync(config);
  symlinkSync(join(dir, 'passwd'), config);
  assert.throws(() => loadModel(join(dir, 'native')), (e: Error) => e instanceof FormatError && /outside/.test(e.message) && !e.message.includes('root:x'));
  // The same text as the model's own file: refused as JSON, without quoting it.
  rmSync(config);
  writeFileSync(config, PASSWORDS);
  assert.throws(() => loadModel(join(dir, 'native')), (e: Error) => e instanceof FormatError && /not valid JSON/.test(e.message) && !e.message.includes('root:x'));
  mkdirSync(join(dir, 'tfjs'));
  writeFileSync(join(dir, 'tfjs', 'model.json'), PASSWORDS);
  assert.throws(() => loadTfjs(join(dir, 'tfjs')), (e: Error) => e instanceof FormatError && /not valid JSON/.test(e.message) && !e.message.includes('root:x'));
});

test('a native config of 200,000 layers is refused by counting, before a layout is built', () => {
  const { config, tensors } = encodeModel(createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 2 } }] }));
  const forged = JSON.parse(config);
  forged.model.layers = Array.from({ length: 200_000 }, () => ({ cell: { kind: 'rnn', hiddenSize: 2 } }));
  const before = process.memoryUsage().arrayBuffers;
  assert.throws(() => decodeModel(decodeModelConfig(JSON.stringify(forged)), tensors), /200000 layers; a model file may have at most 10000/);
  // Within the bound, the tensors are counted before any layout is built.
  forged.model.layers = forged.model.layers.slice(0, 10_000);
  assert.throws(() => decodeModel(decodeModelConfig(JSON.stringify(forged)), tensors), /10000 layers \(10000 cells\), which need at least 10000 tensors; the file holds 3/);
  assert.ok(process.memoryUsage().arrayBuffers - before < 16e6, 'no parameters were allocated');
});

/** A safetensors file with one more F64 tensor, written by hand (writeSafetensors refuses such names). */
function withExtraTensor(bytes: Uint8Array, name: string): Uint8Array {
  const buffer = Buffer.from(bytes);
  const length = Number(buffer.readBigUInt64LE(0));
  const dataLength = buffer.length - 8 - length;
  // Spliced into the header's text: an assignment would set the prototype for `__proto__`.
  const entry = `${JSON.stringify(name)}:${JSON.stringify({ dtype: 'F64', shape: [1], data_offsets: [dataLength, dataLength + 8] })}`;
  const text = Buffer.from(buffer.subarray(8, 8 + length).toString('utf8').trimEnd().replace(/}$/, `,${entry}}`));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([prefix, text, buffer.subarray(8 + length), Buffer.alloc(8)]);
}

test('a PyTorch tensor named __proto__ is refused as unknown, not dropped', () => {
  const { tensors } = exportPyTorch(createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 2 } }] }));
  assert.ok(importPyTorch(tensors, null).paramSize > 0);
  assert.throws(() => importPyTorch(withExtraTensor(tensors, '__proto__'), null), /state_dict entries this rnn does not have: __proto__/);
});

test('error lines are cut however long the names a file controls (a 1 MiB tensor name)', () => {
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 2 } }] });
  const long = withExtraTensor(exportPyTorch(model).tensors, 'x'.repeat(2 ** 20));
  assert.throws(() => importPyTorch(long, null), (e: Error) => e.message.length <= 600 && e.message.includes('…'));
  const native = withExtraTensor(encodeModel(model).tensors, 'y'.repeat(2 ** 20));
  assert.throws(() => decodeModel(decodeModelConfig(encodeModel(model).config), native), (e: Error) => e instanceof FormatError && e.message.length <= 600);
});

test('a text corpus is one typed array of indices into its sorted alphabet, the same as reading it character by character (astral and lone surrogates too)', () => {
  const text = 'abc\u{1F600}b\uD800a\u{1F600}zé\uDC00c';
  const corpus = textCorpus(text);
  const characters = Array.from(text);
  assert.deepEqual(corpus.alphabet, [...new Set(characters)].sort());
  const reader = corpus.reader({ int: () => 0 } as never);
  assert.deepEqual(
    Array.from({ length: characters.length }, () => corpus.alphabet[reader.read()]),
    characters,
  );
  const big = 'ab'.repeat(4_000_000); // 8 MB on one line
  const before = process.memoryUsage().arrayBuffers;
  const large = textCorpus(big);
  assert.equal(large.alphabet.length, 2);
  assert.ok(process.memoryUsage().arrayBuffers - before <= 5 * big.length, 'at most 4 bytes a character, beside the text');
});

test('an append that fails part-way leaves the file as it was, never a torn line', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'log');
  writeFileSync(path, 'one\n');
  appendWhole(path, 'two\n');
  assert.equal(readFileSync(path, 'utf8'), 'one\ntwo\n');
  assert.throws(() => appendWhole(join(dir, 'missing', 'log'), 'x\n'), { code: 'ENOENT' });
});

test('deeply nested --input JSON is one line naming the file, exit 2', async (t) => {
  const dir = tempDir(t);
  saveModel(createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 2 } }] }), join(dir, 'model'));
  writeFileSync(join(dir, 'deep.json'), '['.repeat(1_000_000) + ']'.repeat(1_000_000));
  writeFileSync(join(dir, 'deep2.json'), '{"input":' + '['.repeat(100_000) + '1' + ']'.repeat(100_000) + '}');
  for (const input of ['deep.json', 'deep2.json']) {
    const r = await runCli(['forward', '--model', join(dir, 'model'), '--input', join(dir, input)]);
    assert.equal(r.status, 2, r.stderr);
    assert.ok(oneErrorLine(r.stderr).includes(join(dir, input)));
  }
});
