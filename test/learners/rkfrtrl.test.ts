import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rkfrtrl } from '../../src/learners/rkfrtrl.js';
import { mse } from '../../src/loss/loss.js';
import { Rng } from '../../src/tensor/rng.js';
import type { ModelConfig } from '../../src/model/config.js';
import { relativeError } from '../support/numeric.js';
import { TINY_FAMILIES, perturbedModel, randomStream, sumOfEstimates } from './helpers.js';
import { referenceLearner, type DenseRule } from './dense-reference.js';
import { checkUnbiased } from './unbiased.js';

const EPSILON = 1e-7;

/**
 * Reverse KF-RTRL from its definition (Marschall et al. 2020) on the exact dense I: M ≈ a ⊗ B
 * with a over the R parameter rows of [W_ih | W_hh | b] and B over (state, column of z = [x; h; 1]);
 * the immediate term enters as Σ_k ν_k·I[:, row k] with the learner's own signs.
 */
function reverseKf(rows: number, inputSize: number, hiddenSize: number, seed: number): (n: number, p: number) => DenseRule {
  const m = inputSize + hiddenSize + 1;
  const index = (k: number, j: number) => (j < inputSize ? k * inputSize + j : j < inputSize + hiddenSize ? rows * inputSize + k * hiddenSize + (j - inputSize) : rows * (inputSize + hiddenSize) + k);
  const frobenius = (x: Float64Array) => Math.hypot(...x);
  return (n) => {
    const rng = new Rng(seed);
    const a = new Float64Array(rows);
    let B = new Float64Array(n * m);
    return {
      propagate(J, I) {
        const p = I.length / n;
        const nu = new Float64Array(rows);
        rng.fillSigns(nu);
        const JB = new Float64Array(n * m);
        for (let s = 0; s < n; s++) for (let r = 0; r < n; r++) for (let j = 0; j < m; j++) JB[s * m + j] += J[s * n + r]! * B[r * m + j]!;
        const projected = new Float64Array(n * m);
        for (let s = 0; s < n; s++) for (let k = 0; k < rows; k++) for (let j = 0; j < m; j++) projected[s * m + j] += nu[k]! * I[s * p + index(k, j)]!;
        const rho0 = Math.sqrt(frobenius(JB) / (frobenius(a) + EPSILON)) + EPSILON;
        const rho1 = Math.sqrt(frobenius(projected) / (frobenius(nu) + EPSILON)) + EPSILON;
        for (let k = 0; k < rows; k++) a[k] = rho0 * a[k]! + rho1 * nu[k]!;
        B = JB.map((value, at) => value / rho0 + projected[at]! / rho1);
      },
      gradient(out, dState) {
        out.fill(0);
        for (let k = 0; k < rows; k++) {
          for (let j = 0; j < m; j++) {
            let signal = 0;
            for (let s = 0; s < n; s++) signal += dState[s]! * B[s * m + j]!;
            out[index(k, j)] = a[k]! * signal;
          }
        }
      },
    };
  };
}

const CASES: ReadonlyArray<{ name: string; config: ModelConfig; rows: number; hidden: number }> = [
  { name: 'tanh rnn', config: { inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 3 } }], outputSize: 2 }, rows: 3, hidden: 3 },
  { name: 'lstm', config: { inputSize: 2, layers: [{ cell: { kind: 'lstm', hiddenSize: 3 } }], outputSize: 2 }, rows: 12, hidden: 3 },
];

for (const { name, config, rows, hidden } of CASES) {
  test(`rkfrtrl equals its definition built from the exact Jacobians, with the same signs: ${name}`, () => {
    const stream = randomStream(9, 2, 2, 13);
    const seed = 17;
    const learner = sumOfEstimates(rkfrtrl(perturbedModel(config, 3), { loss: mse, optimizer: null, seed }), stream).sum;
    const reference = sumOfEstimates(referenceLearner(perturbedModel(config, 3), reverseKf(rows, 2, hidden, seed)), stream).sum;
    assert.ok(relativeError(learner, reference) <= 1e-9, `relative error ${relativeError(learner, reference)}`);
  });
}

for (const family of TINY_FAMILIES.filter((f) => f.name !== 'gru')) {
  test(`rkfrtrl is unbiased: the mean of N estimates approaches RTRL's gradient like 1/√N (${family.name})`, (t) => {
    t.diagnostic(checkUnbiased({ kind: 'rkfrtrl' }, family));
  });
}

test('rkfrtrl refuses a core whose influence is not Kronecker-factored, naming the reason', () => {
  const gru = perturbedModel({ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3 } }], outputSize: 2 }, 1);
  assert.throws(() => rkfrtrl(gru, { loss: mse, optimizer: null }), /not Kronecker-factored/);
});
