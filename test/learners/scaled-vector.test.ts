import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScaledVector } from '../../src/learners/scaled-vector.js';
import { dot } from '../../src/tensor/kernels.js';
import { zeros } from '../../src/tensor/dtype.js';
import { Rng } from '../../src/tensor/rng.js';

/** θ̃ as the plain vector σ·T. */
function materialize(v: ScaledVector): Float64Array {
  return Float64Array.from(v.body, (x) => x * v.scale);
}

test('a scaled vector multiplied, added to and read equals the same operations on a plain vector, and its norm is ‖σ·T‖', () => {
  const rng = new Rng(4);
  const n = 131;
  const v = new ScaledVector('float64', n);
  const plain = new Float64Array(n);
  const term = zeros('float64', n);
  for (let step = 0; step < 50; step++) {
    const alpha = (rng.uniform() + 0.1) * (rng.uniform() < 0.5 ? -3 : 0.3);
    v.multiply(alpha);
    for (let i = 0; i < n; i++) plain[i]! *= alpha;
    for (let i = 0; i < n; i++) term[i] = rng.normal();
    v.addScaled(0.7, term);
    for (let i = 0; i < n; i++) plain[i]! += 0.7 * term[i]!;
    const out = zeros('float64', n);
    const normSquared = v.writeScaled(out, 2);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(out[i]! - 2 * plain[i]!) <= 1e-12 * Math.max(1, Math.abs(plain[i]!)));
    const expected = dot(plain, plain);
    assert.ok(Math.abs(normSquared - 4 * expected) <= 1e-12 * 4 * expected);
    assert.ok(Math.abs(v.norm() - Math.sqrt(expected)) <= 1e-12 * Math.sqrt(expected));
  }
});

test('a float32 scaled vector folds σ within float32 range: σ stays in [2⁻²⁰, 2²⁰], so T = θ̃/σ cannot overflow', () => {
  const v = new ScaledVector('float32', 2);
  for (let step = 0; step < 400; step++) {
    v.multiply(0.5); // θ̃ halves every step while a unit term is added: θ̃ stays near 2, T would grow like 2^step
    v.addScaled(1, Float32Array.of(1, 1));
    assert.ok(Math.abs(v.scale) >= 2 ** -20 && Math.abs(v.scale) <= 2 ** 20, `σ = ${v.scale}`);
    assert.ok(Number.isFinite(v.body[0]!) && Math.abs(v.body[0]! * v.scale - (2 - 2 ** -step)) < 1e-5, `θ̃ = ${v.body[0]! * v.scale} at step ${step}`);
  }
});

test('a scaled vector folds σ back into T when σ would overflow or underflow, without changing θ̃', () => {
  const v = new ScaledVector('float64', 4);
  v.addScaled(1, Float64Array.of(1, -2, 3, 0.5));
  const before = materialize(v);
  v.multiply(2 ** 200);
  v.multiply(2 ** 200); // σ = 2^400 > 2^256: folded
  assert.equal(v.scale, 1);
  assert.deepEqual(Array.from(v.body), Array.from(before, (x) => x * 2 ** 400));
  v.multiply(2 ** -300);
  v.multiply(2 ** -300); // σ = 2^-600 < 2^-256: folded
  assert.equal(v.scale, 1);
  assert.deepEqual(Array.from(materialize(v)), Array.from(before, (x) => x * 2 ** -200));
});

test("a scaled vector's snapshot values restore σ and the cached norm; a snapshot without them means σ = 1", () => {
  const v = new ScaledVector('float64', 3);
  v.addScaled(1, Float64Array.of(3, 4, 0));
  v.multiply(0.5);
  v.writeScaled(zeros('float64', 3), 1);
  const values = v.values();
  assert.deepEqual(values, { thetaTildeScale: 0.5, thetaTildeBodyNormSquared: 25 });
  const copy = new ScaledVector('float64', 3);
  copy.body.set(v.body);
  copy.restore(values);
  assert.equal(copy.norm(), 2.5);
  const old = new ScaledVector('float64', 3);
  old.body.set(Float64Array.of(3, 4, 0));
  old.restore({});
  assert.equal(old.scale, 1);
  assert.equal(old.norm(), 5);
  assert.throws(() => old.restore({ thetaTildeScale: 0 }), /thetaTildeScale must be a finite nonzero number/);
});
