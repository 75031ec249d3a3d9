/**
 * Real-time recurrent learning (Williams & Zipser 1989): the exact gradient, carried forward.
 * The sensitivity M_t = ∂s_t/∂θ_core (n × p) follows the chain rule one step at a time:
 *
 *   s_{t+1} = F(x_t, s_t; θ)                                         (1)
 *   J_t = ∂F/∂s (n × n),   I_t = ∂F/∂θ (n × p)  at (x_t, s_t; θ)     (2)
 *   M_{t+1} = J_t·M_t + I_t,   M_0 = 0                               (3)
 *   g_t = (∂ℓ_t/∂s_{t+1})·M_{t+1} + ∂ℓ_t/∂θ_head                     (4)
 *
 * Row i of J_t is one vjp with cotangent e_i (reverse mode gives rows), so the cell is used only
 * through its contract — any Cell, stacks and user cells alike. J_t·M_t, O(n²·p), is one
 * blocked GEMM (tensor/kernels.ts matmulAB) and the whole cost of a step at any useful size;
 * everything else is O(n·p) or less. Memory O(n·p). The reference every online estimator is
 * measured against; practical only for small models.
 * I_t is sparse: where the cell gives its immediate influence as rank-one terms v_k ⊗ u_k with
 * disjoint u_k (cells/cell.ts), I_t[s, q] = v_k[s]·u_k[q] for the one term k owning q, so it is
 * added after the product on its pattern only — Σ_k |supp v_k|·|Q_k|, about 2p for an LSTM,
 * instead of n dense p-sized vjp rows written and read back. A cell without the structure
 * pays those rows (n vjps with ∂θ, then J·M added onto them).
 * On a cell whose influence pattern, closed under J's sparsity, is smaller than n × p, no entry
 * of M outside that pattern ever becomes nonzero, and (3) kept on the pattern (SnAp-n with n
 * large enough to close it, snapn.ts) is RTRL exactly. A diagonal recurrence (eLSTM, LRU:
 * unit i reads only itself) closes at each unit's own parameters: O(n·d) memory instead of
 * O(n·p), found from the contract (pattern.ts) when the learner is built. Its step is O(n·d)
 * work too, as Zucchet et al. (NeurIPS 2023) and Irie et al. (2023) have it: J is read with one
 * vjp per colour of rows sharing no column (pattern-jacobian.ts) — the LRU's 2, none for the
 * eLSTM, whose J is its diagonal — and the v_k with one combineState per colour of terms on
 * disjoint entries (LRU 5, eLSTM 2), whatever n; then Σ_k |S_k|²·|Q_k| = 4·(2d + 3)·N (LRU) or
 * (d + 2)·2n (eLSTM) multiply-adds.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { matmulAB, matmulABAdd } from '../tensor/kernels.js';
import type { Cell, DerivedStep, ImmediateInfluence } from '../cells/cell.js';
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import { ForwardModeLearner, type EstimatorSetup, type SensitivityEstimator } from './forward-mode.js';
import { flatten, influencePattern } from './pattern.js';
import type { LearnerOptions } from './learner.js';
import { SnapnEstimator, snapnPattern, type SnapnPattern } from './snapn.js';

export type RtrlOptions = LearnerOptions;

/** I_t on its pattern: the terms, the parameters each owns (Q_k, flattened) and scratch for v_k and Σ_k u_k. */
interface SparseInfluence {
  readonly influence: ImmediateInfluence;
  readonly owned: Int32Array;
  readonly ownedOffset: Int32Array;
  readonly coefficient: Vec;
  readonly v: Vec;
  readonly u: Vec;
}

/** RTRL's sensitivity M = ∂s/∂θ_core, exact. */
export class RtrlEstimator implements SensitivityEstimator {
  readonly rng = null;
  private readonly cellStep: DerivedStep;
  private readonly n: number;
  private readonly p: number;
  /** M_t (n × p), row-major; swapped with `next` every step. */
  private sensitivity: Vec;
  private next: Vec;
  /** J_t (n × n). */
  private readonly jacobian: Vec;
  /** One row of J_t (and of I_t without the structure): the cell always sees the same few buffers, so its views stay memoized. */
  private readonly jacobianRow: Vec;
  private readonly influenceRow: Vec | null;
  private readonly unit: Vec;
  private readonly sparse: SparseInfluence | null;

  constructor({ core, cellStep, coreTheta }: EstimatorSetup) {
    const { dtype } = core;
    const n = (this.n = core.stateSize);
    const p = (this.p = core.paramSize);
    this.cellStep = cellStep;
    this.sensitivity = zeros(dtype, n * p);
    this.next = zeros(dtype, n * p);
    this.jacobian = zeros(dtype, n * n);
    this.jacobianRow = zeros(dtype, n);
    this.unit = zeros(dtype, n);
    const influence = cellStep.influence;
    if (influence === undefined) {
      this.sparse = null;
      this.influenceRow = zeros(dtype, p);
    } else {
      const [owned, ownedOffset] = flatten(influencePattern('rtrl', core, coreTheta).owned);
      this.sparse = { influence, owned, ownedOffset, coefficient: zeros(dtype, influence.termCount), v: zeros(dtype, n), u: zeros(dtype, p) };
      this.influenceRow = null;
    }
  }

  /** M ← J·M + I, eqs. (2)–(3). */
  propagate(theta: Vec): void {
    const { n, p, next, jacobian, jacobianRow, unit, influenceRow } = this;
    for (let i = 0; i < n; i++) {
      unit[i] = 1;
      if (influenceRow === null) this.cellStep.stateVjp(jacobianRow, unit, theta); // row i of J, eq. (2)
      else {
        influenceRow.fill(0);
        this.cellStep.stateParamVjp(jacobianRow, influenceRow, unit, theta); // rows i of J and of I
        next.set(influenceRow, i * p);
      }
      unit[i] = 0;
      jacobian.set(jacobianRow, i * n);
    }
    if (this.sparse === null) matmulABAdd(next, jacobian, this.sensitivity, n, p, n); // eq. (3)
    else {
      matmulAB(next, jacobian, this.sensitivity, n, p, n); // eq. (3): J·M …
      this.addInfluence(next, theta, this.sparse); // … + I
    }
    this.next = this.sensitivity;
    this.sensitivity = next;
  }

  /** out (n × p) += I_t on its pattern: out[s, q] += v_k[s]·u_k[q] for q ∈ Q_k, v_k[s] ≠ 0. */
  private addInfluence(out: Vec, theta: Vec, { influence, owned, ownedOffset, coefficient, v, u }: SparseInfluence): void {
    const { n, p } = this;
    u.fill(0);
    coefficient.fill(1);
    influence.addCombinedParams(u, coefficient); // Σ_k u_k, each q from its own term (the Q_k are disjoint)
    coefficient.fill(0);
    for (let k = 0; k < coefficient.length; k++) {
      coefficient[k] = 1;
      influence.combineState(v, coefficient, theta); // v_k
      coefficient[k] = 0;
      const q1 = ownedOffset[k + 1]!;
      for (let s = 0; s < n; s++) {
        const vs = v[s]!;
        if (vs === 0) continue;
        const row = s * p;
        for (let a = ownedOffset[k]!; a < q1; a++) {
          const q = owned[a]!;
          out[row + q] += vs * u[q]!;
        }
      }
    }
  }

  /** Eq. (4). */
  readGradient(out: Vec, dState: Vec): number {
    matmulAB(out, dState, this.sensitivity, 1, this.p, this.n);
    return NaN; // the update measures ‖ĝ‖
  }

  reset(): void {
    this.sensitivity.fill(0);
  }

  tensors(): Record<string, Vec> {
    return { sensitivity: this.sensitivity };
  }
}

/** An RTRL learner: the shared forward-mode loop around RtrlEstimator, or around the closed-pattern one. */
export type Rtrl = ForwardModeLearner<RtrlEstimator | SnapnEstimator>;

/** Exact online gradients by real-time recurrent learning (on the closed pattern when it is smaller, see the note above). */
export function rtrl(model: OnlineModel | Model, options: RtrlOptions): Rtrl {
  return new ForwardModeLearner('rtrl', model, options, (setup) => closedPatternEstimator(setup) ?? new RtrlEstimator(setup));
}

/** What RTRL keeps on a core: M's entries, a step's multiply-adds for (3), and the closed pattern when it is the smaller. */
export interface RtrlLayout {
  readonly pattern: SnapnPattern | null;
  readonly entries: number;
  readonly work: number;
}

/**
 * The one definition of what RTRL allocates (the learner and the CLI's memory estimate read it):
 * SnAp-n at the n that closes the influence pattern under J (n = stateSize always suffices) when
 * that pattern holds fewer entries than the dense n × p — Σ_k |S_k|·|Q_k| entries and
 * Σ_k |S_k|²·|Q_k| work — else the dense n·p and n²·p (also for a cell without the structured
 * influence). Probes the cell (pattern.ts): O(PROBES·(n vjps + K combineState calls)).
 */
export function rtrlLayout(core: Cell, theta: Vec): RtrlLayout {
  const n = core.stateSize;
  const p = core.paramSize;
  const dense = { pattern: null, entries: n * p, work: n * n * p };
  if (core.createStep(1).influence === undefined) return dense;
  const pattern = snapnPattern('rtrl', core, theta, n);
  let entries = 0;
  let work = 0;
  pattern.supports.forEach((support, k) => {
    entries += support.length * pattern.owned[k]!.length;
    work += support.length * support.length * pattern.owned[k]!.length;
  });
  return entries < n * p ? { pattern, entries, work } : dense;
}

/** The closed-pattern estimator when rtrlLayout chooses it, else null. */
export function closedPatternEstimator(setup: EstimatorSetup): SnapnEstimator | null {
  const { pattern } = rtrlLayout(setup.core, setup.coreTheta);
  return pattern === null ? null : new SnapnEstimator(setup, pattern);
}
