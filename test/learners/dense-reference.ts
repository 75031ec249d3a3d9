/**
 * Learners' definitions written from the exact dense Jacobians, as references: at every step
 * J = ∂F/∂s (n × n) and I = ∂F/∂θ (n × p) are read row by row from the cell (one vjp per row),
 * and a rule the test writes carries its own M forward from them. Wrapped in the shared
 * forward-mode loop, so it sees the same ∂ℓ/∂s and head gradient as the learner under test.
 */
import type { Vec } from '../../src/tensor/dtype.js';
import type { Model } from '../../src/model/model.js';
import type { OnlineModel } from '../../src/model/online.js';
import { ForwardModeLearner } from '../../src/learners/forward-mode.js';
import type { Learner } from '../../src/learners/learner.js';
import { mse } from '../../src/loss/loss.js';

export interface DenseRule {
  /** Advance M given the step's exact J (n × n) and I (n × p), row-major. */
  propagate(J: Float64Array, I: Float64Array): void;
  /** The core gradient from ∂ℓ/∂s. */
  gradient(out: Vec, dState: Vec): void;
}

export function referenceLearner(model: Model | OnlineModel, makeRule: (n: number, p: number) => DenseRule, initialState?: ArrayLike<number>): Learner {
  return new ForwardModeLearner('reference', model, { loss: mse, optimizer: null, ...(initialState === undefined ? {} : { initialState }) }, ({ core, cellStep }) => {
    const n = core.stateSize;
    const p = core.paramSize;
    const rule = makeRule(n, p);
    const J = new Float64Array(n * n);
    const I = new Float64Array(n * p);
    return {
      rng: null,
      propagate(theta) {
        const unit = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          unit.fill(0);
          unit[i] = 1;
          const row = new Float64Array(n);
          const influence = new Float64Array(p);
          cellStep.stateParamVjp(row, influence, unit, theta);
          J.set(row, i * n);
          I.set(influence, i * p);
        }
        rule.propagate(J, I);
      },
      readGradient(out, dState) {
        rule.gradient(out, dState);
        return NaN;
      },
      reset() {},
      tensors: () => ({}),
    };
  });
}

/** M ← Ĵ·M + mask ⊙ … : RTRL with J transformed and the result masked, the family SnAp and e-prop belong to. */
export function maskedRtrl(options: { jacobian?: (J: Float64Array, n: number) => void; mask?: (i: number, q: number) => boolean }): (n: number, p: number) => DenseRule {
  return (n, p) => {
    let M = new Float64Array(n * p);
    return {
      propagate(J, I) {
        options.jacobian?.(J, n);
        const next = Float64Array.from(I);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let q = 0; q < p; q++) next[i * p + q] += J[i * n + j]! * M[j * p + q]!;
        if (options.mask !== undefined) for (let i = 0; i < n; i++) for (let q = 0; q < p; q++) if (!options.mask(i, q)) next[i * p + q] = 0;
        M = next;
      },
      gradient(out, dState) {
        for (let q = 0; q < p; q++) {
          let sum = 0;
          for (let i = 0; i < n; i++) sum += dState[i]! * M[i * p + q]!;
          out[q] = sum;
        }
      },
    };
  };
}
