import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/rng.js';

test('the same seed gives the same stream and different seeds different streams', () => {
  const draw = (seed: number) => Array.from({ length: 8 }, (() => { const r = new Rng(seed); return () => r.nextUint32(); })());
  assert.deepEqual(draw(3), draw(3));
  assert.notDeepEqual(draw(3), draw(4));
});

test('a state taken at any point restores into a fresh generator and continues bit for bit (regression: negative int32 words)', () => {
  for (let seed = 0; seed < 50; seed++) {
    const a = new Rng(seed);
    for (let i = 0; i < seed; i++) a.nextUint32();
    const state = a.getState();
    assert.ok(state.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff), `seed ${seed}: ${state}`);
    const b = new Rng(12345);
    b.setState(state);
    for (let i = 0; i < 20; i++) assert.equal(b.nextUint32(), a.nextUint32());
  }
});

test('uniform draws lie in [0, 1) and int(n) covers 0..n−1 evenly', () => {
  const rng = new Rng(1);
  const counts = new Array(5).fill(0);
  for (let i = 0; i < 50000; i++) {
    const u = rng.uniform();
    assert.ok(u >= 0 && u < 1);
    counts[rng.int(5)]++;
  }
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 500, `counts ${counts}`);
});

test('fillSigns draws ±1 with equal frequency', () => {
  const rng = new Rng(2);
  const signs = new Float64Array(100000);
  rng.fillSigns(signs);
  let sum = 0;
  for (const s of signs) {
    assert.ok(s === 1 || s === -1);
    sum += s;
  }
  assert.ok(Math.abs(sum) < 1500, `sum ${sum}`);
});

test('an invalid state or seed is rejected by name', () => {
  assert.throws(() => new Rng(Number.NaN), /seed must be a finite number/);
  assert.throws(() => new Rng(1).setState([0, 0, 0, 0]), /must not be all zeros/);
  assert.throws(() => new Rng(1).setState([-1, 0, 0, 1]), /four unsigned 32-bit integers/);
});

test('split gives a valid independent generator for every seed (regression: a negative state word)', () => {
  for (let seed = 0; seed < 100; seed++) {
    const parent = new Rng(seed);
    const child = parent.split();
    assert.ok(child.getState().every((w) => w >= 0 && w <= 0xffffffff));
    assert.notEqual(child.nextUint32(), parent.nextUint32());
  }
});
