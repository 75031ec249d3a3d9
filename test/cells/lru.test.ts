import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lru } from '../../src/cells/lru.js';
import { stack } from '../../src/model/stack.js';
import { parseCell } from '../../src/kinds/cells.js';
import { checkCell, evaluate, randomPoint } from '../support/cell-harness.js';
import { Rng } from '../support/numeric.js';

checkCell('lru', () => lru({ inputSize: 3, hiddenSize: 3 }), { float32: () => lru({ inputSize: 3, hiddenSize: 3, dtype: 'float32' }) });
checkCell('lru, narrow ring', () => lru({ inputSize: 2, hiddenSize: 2, rMin: 0.9, rMax: 0.999, maxPhase: 0.3 }), { seed: 3 });
checkCell('stack of two lrus', () => stack([lru({ inputSize: 2, hiddenSize: 2 }), lru({ inputSize: 4, hiddenSize: 1 })]), { exactInfluenceNorms: false });

test('lru computes h′ = λ ⊙ h + γ ⊙ (B·x) in complex arithmetic, λ = exp(−exp(ν) + i·exp(θ)), γ = exp(γ_log)', () => {
  const [d, N] = [2, 3];
  const cell = lru({ inputSize: d, hiddenSize: N });
  const p = randomPoint(cell, 1, new Rng(8));
  const out = evaluate(cell, p.theta, p.x, p.s, 1);
  const t = p.theta;
  for (let i = 0; i < N; i++) {
    const modulus = Math.exp(-Math.exp(t[i]!));
    const angle = Math.exp(t[N + i]!);
    const gamma = Math.exp(t[2 * N + i]!);
    let [bxRe, bxIm] = [0, 0];
    for (let j = 0; j < d; j++) {
      bxRe += t[3 * N + i * d + j]! * p.x[j]!;
      bxIm += t[3 * N + N * d + i * d + j]! * p.x[j]!;
    }
    const [hRe, hIm] = [p.s[i]!, p.s[N + i]!];
    const re = modulus * (Math.cos(angle) * hRe - Math.sin(angle) * hIm) + gamma * bxRe;
    const im = modulus * (Math.sin(angle) * hRe + Math.cos(angle) * hIm) + gamma * bxIm;
    assert.ok(Math.abs(out[i]! - re) < 1e-14 && Math.abs(out[N + i]! - im) < 1e-14);
  }
});

test('lru initialises |λ| on its ring and γ = √(1 − |λ|²), so a unit’s input gain keeps ‖h‖ of the order of ‖x‖', () => {
  const cell = lru({ inputSize: 4, hiddenSize: 50, rMin: 0.8, rMax: 0.95, maxPhase: 1 });
  const theta = new Float64Array(cell.paramSize);
  cell.initParams(theta, new Rng(2));
  for (let i = 0; i < 50; i++) {
    const modulus = Math.exp(-Math.exp(theta[i]!));
    assert.ok(modulus >= 0.8 && modulus <= 0.95, `|λ| = ${modulus}`);
    assert.ok(Math.exp(theta[50 + i]!) < 1);
    assert.ok(Math.abs(Math.exp(theta[100 + i]!) - Math.sqrt(1 - modulus ** 2)) < 1e-14);
  }
});

test('lru rejects a ring outside 0 ≤ rMin < rMax ≤ 1 where the config is read and where the cell is built, and an unknown option', () => {
  assert.throws(() => parseCell({ kind: 'lru', hiddenSize: 2, rMin: 0.9, rMax: 0.5 }, 'cell'), /rMin and rMax must satisfy/);
  assert.throws(() => parseCell({ kind: 'lru', hiddenSize: 2, rMax: 1.5 }, 'cell'), /rMin and rMax must satisfy/);
  assert.throws(() => lru({ inputSize: 1, hiddenSize: 1, rMin: -0.1 }), /rMin and rMax must satisfy/);
  assert.throws(() => parseCell({ kind: 'lru', hiddenSize: 2, bias: false }, 'cell'), /unknown option 'bias'/);
});

test('the lru inventory lists ν, θ, γ_log per unit and the real and imaginary input kernels', () => {
  assert.deepEqual(lru({ inputSize: 2, hiddenSize: 3 }).inventory().map((e) => `${e.name} ${e.shape.join('×')}`), ['nuLog 3', 'thetaLog 3', 'gammaLog 3', 'kernels[re] 2×3', 'kernels[im] 2×3']);
});
