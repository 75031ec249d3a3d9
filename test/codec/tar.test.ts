import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packFiles, unpackFiles } from '../../src/codec/tar.js';
import { FormatError } from '../../src/io/safetensors.js';
import { Rng } from '../../src/tensor/rng.js';

const FILES = { 'config.json': '{"a": "é"}\n', 'empty.bin': new Uint8Array(0), 'block.bin': new Uint8Array(512).fill(7), 'odd.bin': Uint8Array.from({ length: 1000 }, (_, i) => i % 251) };

function hasTar(): boolean {
  try {
    execFileSync('tar', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('files packed and unpacked come back byte for byte, and the same files give the same bytes', () => {
  const bytes = packFiles(FILES);
  assert.equal(bytes.length % 512, 0);
  assert.deepEqual(packFiles(FILES), bytes);
  const files = unpackFiles(bytes);
  assert.deepEqual([...files.keys()], Object.keys(FILES));
  assert.equal(new TextDecoder().decode(files.get('config.json')), FILES['config.json']);
  for (const name of ['empty.bin', 'block.bin', 'odd.bin'] as const) assert.deepEqual(files.get(name), FILES[name]);
});

test('the archive is one that tar reads, and an archive tar writes unpacks here', { skip: hasTar() ? false : 'no tar on this machine' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-tar-'));
  try {
    writeFileSync(join(dir, 'ours.tar'), packFiles(FILES));
    execFileSync('mkdir', [join(dir, 'out')]);
    execFileSync('tar', ['-xf', join(dir, 'ours.tar'), '-C', join(dir, 'out')]);
    assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'out', 'odd.bin'))), FILES['odd.bin']);
    assert.equal(readFileSync(join(dir, 'out', 'config.json'), 'utf8'), FILES['config.json']);
    execFileSync('tar', ['--format=ustar', '-cf', join(dir, 'theirs.tar'), '-C', join(dir, 'out'), 'config.json', 'odd.bin', 'block.bin']);
    const files = unpackFiles(new Uint8Array(readFileSync(join(dir, 'theirs.tar'))));
    assert.deepEqual(files.get('odd.bin'), FILES['odd.bin']);
    assert.deepEqual(files.get('block.bin'), FILES['block.bin']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged, truncated or unsafe archive is a FormatError naming the problem', () => {
  const bytes = packFiles(FILES);
  assert.throws(() => unpackFiles(bytes.subarray(0, 1024), 'x.tar'), /x\.tar: .*(truncated|claims)/);
  const flipped = bytes.slice();
  flipped[3] ^= 1;
  assert.throws(() => unpackFiles(flipped, 'x.tar'), /x\.tar: tar header 1 has a wrong checksum/);
  assert.throws(() => unpackFiles(new Uint8Array(100), 'x.tar'), /truncated tar archive/);
  assert.throws(() => packFiles({ '../escape': 'x' }), /not a flat file name/);
  const twice = new Uint8Array(2 * 1024 + 1024);
  const one = packFiles({ a: 'x' });
  twice.set(one.subarray(0, 1024), 0);
  twice.set(one.subarray(0, 1024), 1024);
  assert.throws(() => unpackFiles(twice, 'x.tar'), /a appears twice/);
});

test('1,000 randomly mutated archives never fail with anything but a FormatError', () => {
  const rng = new Rng(18);
  const original = packFiles(FILES);
  for (let trial = 0; trial < 1000; trial++) {
    const bytes = original.slice(0, Math.max(0, original.length - Math.floor(rng.uniform() * 64) * (trial % 3 === 0 ? 32 : 0)));
    const flips = 1 + Math.floor(rng.uniform() * 8);
    for (let k = 0; k < flips && bytes.length > 0; k++) bytes[Math.floor(rng.uniform() * Math.min(bytes.length, 1600))] = Math.floor(rng.uniform() * 256);
    try {
      unpackFiles(bytes);
    } catch (error) {
      assert.ok(error instanceof FormatError, `trial ${trial}: ${String(error)}`);
    }
  }
});
