/** Memory with a lifetime: scopes hand their arena blocks back, and fallbacks to TS are reported. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arena, bufferBackend, kernelBackend, reportFallback, setFallbackPolicy } from '../../src/tensor/backend.js';
import { sizeClass } from '../../src/tensor/arena.js';
import { zeros } from '../../src/tensor/dtype.js';
import { MemoryScope, currentScope } from '../../src/tensor/scope.js';
import { createModel } from '../../src/model/config.js';
import { rtrl } from '../../src/learners/rtrl.js';
import { uoro } from '../../src/learners/uoro.js';
import { mse } from '../../src/loss/loss.js';

const withArena = { skip: arena === null ? 'no WebAssembly arena (ONLINE_RNN_KERNELS=ts)' : false };

test('building and releasing a model and its learners over and over keeps the arena the same size', withArena, () => {
  const config = { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 16 } }], outputSize: 1 } as const;
  const sizes: number[] = [];
  for (let round = 0; round < 6; round++) {
    const scope = new MemoryScope(`round ${round}`);
    scope.run(() => {
      const model = createModel(config, { seed: round });
      for (const learner of [rtrl(model, { loss: mse, optimizer: { kind: 'sgd', lr: 0.1 } }), uoro(model, { loss: mse, optimizer: { kind: 'sgd', lr: 0.1 } })]) {
        learner.step([0.5, -0.5], [0.25]);
      }
    });
    assert.ok(scope.bytes > 0, 'the scope owns what was built in it');
    scope.release();
    sizes.push(arena!.used);
  }
  assert.deepEqual(sizes, sizes.map(() => sizes[0]), `bump pointer after each round: ${sizes.join(', ')}`);
});

test('a released block is reused for the next request of its size class, zero-filled', withArena, () => {
  const first = new MemoryScope('first');
  const a = first.run(() => zeros('float64', 100));
  a.fill(7);
  const address = a.byteOffset;
  first.release();
  const second = new MemoryScope('second');
  const b = second.run(() => zeros('float64', 99)); // 792 bytes: the same class as 800
  assert.equal(sizeClass(792), sizeClass(800));
  assert.equal(b.byteOffset, address);
  assert.ok(b.every((v) => v === 0));
  second.release();
});

test('buffers belong to the innermost running scope, and none outside every scope', withArena, () => {
  const outer = new MemoryScope('outer');
  const inner = new MemoryScope('inner');
  assert.equal(currentScope(), null);
  outer.run(() => {
    zeros('float32', 16);
    inner.run(() => zeros('float32', 1000));
    assert.equal(currentScope(), outer);
  });
  assert.equal(outer.bytes, sizeClass(64));
  assert.equal(inner.bytes, sizeClass(4000));
  outer.release();
  inner.release();
  assert.throws(() => inner.run(() => 0), /was released/);
});

test('size classes are 64-byte aligned and waste at most a quarter', () => {
  for (const bytes of [1, 64, 65, 200, 257, 1000, 4096, 4097, 123456, 10_000_000]) {
    const reserved = sizeClass(bytes);
    assert.ok(reserved >= bytes && reserved % 64 === 0 && (bytes <= 256 || reserved <= 1.25 * bytes), `${bytes} → ${reserved}`);
  }
  assert.equal(sizeClass(0), 0);
});

test('kernels report where a buffer runs: the arena with the SIMD kernels, else TypeScript', () => {
  assert.equal(bufferBackend(new Float64Array(8)), 'ts');
  assert.equal(bufferBackend(zeros('float64', 8)), kernelBackend() === 'wasm' ? 'wasm' : 'ts');
});

test('a fallback to the TypeScript kernels warns once, or throws when the policy is error', () => {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (message: string) => void warnings.push(message);
  try {
    reportFallback(null); // nothing to report: the TS kernels were asked for, or nothing fell back
    assert.equal(warnings.length, 0);
    reportFallback('the arena is full (test)');
    reportFallback('the arena is full (test)');
    assert.equal(warnings.length, 1, 'once');
    assert.match(warnings[0]!, /TypeScript kernels.*arena is full/);
    setFallbackPolicy('error');
    assert.throws(() => reportFallback('the arena is full (test)'), /falls back to the TypeScript kernels/);
  } finally {
    setFallbackPolicy('warn');
    console.warn = warn;
  }
});
