import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FormatError, parseSafetensors, readTensor, writeSafetensors } from '../../src/io/safetensors.js';

/** A file from a header object and a data buffer, bypassing the writer's checks. */
function handMade(header: unknown, data: Uint8Array = new Uint8Array(0), headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, headerLength ?? json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test('writing then parsing returns every tensor bit for bit, in F64 and F32, with metadata', () => {
  const a = Float64Array.from([1.5, -0, Number.MIN_VALUE, 1e308, Math.PI, -2]);
  const b = Float32Array.from([0.1, -3.25, 7]);
  const bytes = writeSafetensors([{ name: 'a', shape: [2, 3], data: a }, { name: 'b', shape: [3], data: b }], { format: 'pt' });
  assert.equal((8 + new DataView(bytes.buffer).getUint32(0, true)) % 8, 0, 'data starts 8-byte aligned');
  const file = parseSafetensors(bytes);
  assert.deepEqual(file.metadata, { format: 'pt' });
  assert.deepEqual([...file.tensors.keys()], ['a', 'b']);
  assert.deepEqual(file.tensors.get('a')!.shape, [2, 3]);
  assert.equal(file.tensors.get('b')!.dtype, 'F32');
  assert.deepEqual(readTensor(file, 'a'), a);
  assert.deepEqual(readTensor(file, 'b'), b);
  assert.ok(Object.is(readTensor(file, 'a')[1], -0), 'negative zero survives');
});

test('F16 and BF16 tensors are read into float32, and integer tensors are refused as parameters', () => {
  const data = new Uint8Array([0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0x80, 0x3f, 0x40, 0xc0, 7, 0, 0, 0]);
  const file = parseSafetensors(handMade({
    h: { dtype: 'F16', shape: [3], data_offsets: [0, 6] },
    b: { dtype: 'BF16', shape: [2], data_offsets: [6, 10] },
    i: { dtype: 'I32', shape: [1], data_offsets: [10, 14] },
  }, data));
  assert.deepEqual(Array.from(readTensor(file, 'h')), [1, -2, 2 ** -24]);
  assert.deepEqual(Array.from(readTensor(file, 'b')), [1, -3]);
  assert.throws(() => readTensor(file, 'i'), /tensor 'i' has dtype I32; parameters must be floating point/);
});

test('NaN and Inf in a tensor are rejected by name and index unless allowed', () => {
  const file = parseSafetensors(writeSafetensors([{ name: 'w', shape: [3], data: Float64Array.from([0, NaN, Infinity]) }]));
  assert.throws(() => readTensor(file, 'w'), /tensor 'w' holds NaN at index 1/);
  assert.equal(readTensor(file, 'w', { allowNonFinite: true })[2], Infinity);
});

test('hostile headers are rejected with a message naming the problem', () => {
  const ok = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const eight = new Uint8Array(8);
  const cases: Array<[Uint8Array, RegExp]> = [
    [new Uint8Array(5), /5 bytes is too short/],
    [handMade(ok, eight, 1e6), /header length 1000000 runs past the end/],
    [(() => { const f = handMade(ok, eight); new DataView(f.buffer).setUint32(4, 1, true); return f; })(), /runs past the end/],
    [handMade([1, 2], new Uint8Array(0)), /does not start with "\{"/],
    [handMade({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(4)), /run past the end of the data buffer/],
    [handMade({ w: { dtype: 'Q4', shape: [2], data_offsets: [0, 8] } }, eight), /unknown dtype "Q4"/],
    [handMade({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, eight), /needs 12 bytes but data_offsets span 8/],
    [handMade({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 8] } }, eight), /must hold non-negative integers/],
    [handMade({ w: { dtype: 'F32', shape: [1e9, 1e9], data_offsets: [0, 8] } }, eight), /needs more bytes than the file/],
    [handMade({ w: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, eight), /0 ≤ begin ≤ end/],
    [handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, eight), /overlaps/],
    [handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, eight), /4 unindexed bytes before tensor 'a'/],
    [handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, eight), /4 bytes no tensor indexes/],
    [handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8], extra: 1 } }, eight), /unknown field 'extra'/],
    [handMade({ __metadata__: { n: 1 } }), /__metadata__.n must be a string/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => parseSafetensors(bytes, 'x.safetensors'), (e: Error) => e instanceof FormatError && message.test(e.message) && e.message.startsWith('x.safetensors: '), `expected ${message}`);
  }
  const badUtf8 = handMade(ok, eight);
  badUtf8[9] = 0xff;
  assert.throws(() => parseSafetensors(badUtf8), /not valid UTF-8/);
});
