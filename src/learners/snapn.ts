/**
 * SnAp-n (Menick, Elsen, Evci, Osindero, Simonyan & Graves, ICLR 2021, "Practical real time
 * recurrent learning with a sparse approximation"): RTRL's sensitivity M = ∂s/∂θ kept on the
 * entries that are nonzero after n steps of RTRL from M = 0, i.e. on the pattern of
 * Σ_{j<n} J^j·I (I = ∂F/∂θ). Per influence term k (cells/cell.ts), with S_k^1 the entries v_k
 * touches (learners/pattern.ts) and J's structure probed once:
 *
 *   S_k^{m+1} = S_k^m ∪ { i : J[i, j] ≠ 0 for some j ∈ S_k^m }                       (1)
 *   s_{t+1} = F(x_t, s_t; θ)                                                        (2)
 *   M_k ← J_t[S_k, S_k]·M_k + v_k[S_k] ⊗ u_k[Q_k],   S_k = S_k^n                     (3)
 *   g_t[Q_k] = ∂ℓ_t/∂s_{t+1}[S_k]ᵀ·M_k + ∂ℓ_t/∂θ_head                                (4)
 *
 * n = 1 is SnAp-1 (snap1.ts); once n reaches the number of steps J needs to connect every entry
 * term k can reach, S_k stops growing and (3) is RTRL exactly. Cost per step: J read on the
 * blocks S_k × S_k by one vjp per colour of rows that share no column (pattern-jacobian.ts; rows
 * needed only on the diagonal read the cell's diagonal instead), one combineState per colour of
 * terms with disjoint S_k (term-sensitivity.ts), and Σ_k |S_k|²·|Q_k|; memory Σ_k |S_k|·|Q_k|.
 * For n = 1 J's pattern is not probed, and each row in a support of two or more entries is one
 * vjp. The pattern is the cell's structure (probed at
 * θ + noise), so on a dense recurrent cell — an Elman RNN, LSTM or GRU with full W_hh, where
 * every unit reaches every other in one step — SnAp-2 already keeps M dense and costs RTRL's
 * O(n²·p): it pays off on cells whose J is sparse (Menick et al. use sparse weight matrices),
 * such as element-wise recurrent cells and chains of units.
 */
import type { Cell } from '../cells/cell.js';
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import type { Vec } from '../tensor/dtype.js';
import { ForwardModeLearner, type EstimatorSetup } from './forward-mode.js';
import { influencePattern, jacobianSuccessors } from './pattern.js';
import { blockEntries, PatternJacobian } from './pattern-jacobian.js';
import { TermSensitivity, TermSensitivityEstimator, type TermPattern } from './term-sensitivity.js';
import type { LearnerOptions } from './learner.js';

export interface SnapnOptions extends LearnerOptions {
  /** n: how many steps of the influence the pattern keeps (1 = SnAp-1). @default 2 */
  n?: number;
}

/** S_k^n from S_k^1 by eq. (1). */
export function reachedIn(steps: number, supports: readonly (readonly number[])[], successors: readonly (readonly number[])[]): number[][] {
  return supports.map((first) => {
    const reached = new Set(first);
    let frontier = [...first];
    for (let m = 1; m < steps && frontier.length > 0; m++) {
      const added: number[] = [];
      for (const j of frontier) {
        for (const i of successors[j]!) {
          if (reached.has(i)) continue;
          reached.add(i);
          added.push(i);
        }
      }
      frontier = added;
    }
    return [...reached].sort((a, b) => a - b);
  });
}

/** S_k, Q_k and, when probed, J's pattern (successors[j]: the rows i with J[i, j] ≠ 0). */
export interface SnapnPattern extends TermPattern {
  readonly successors: readonly (readonly number[])[] | null;
}

/** SnAp-n's pattern: S_k^n by eq. (1); J's pattern is probed for n ≥ 2, where eq. (1) needs it anyway. */
export function snapnPattern(kind: string, core: Cell, theta: Vec, steps: number): SnapnPattern {
  const first = influencePattern(kind, core, theta);
  if (steps === 1) return { ...first, successors: null };
  const successors = jacobianSuccessors(core, theta);
  return { supports: reachedIn(steps, first.supports, successors), owned: first.owned, successors };
}

/** SnAp-n's sensitivity: M kept on the pattern of the influence after n steps. */
export class SnapnEstimator extends TermSensitivityEstimator {
  /** J on the entries eq. (3) reads, by coloured vjps. */
  readonly jacobian: PatternJacobian;

  /** n: the steps of eq. (1), or the pattern already found (rtrl.ts's closed one). */
  constructor({ kind, core, cellStep, coreTheta }: EstimatorSetup, n: number | SnapnPattern) {
    const influence = cellStep.influence;
    if (influence === undefined) {
      throw new TypeError(`${kind}: the ${core.kind} cell does not expose its immediate influence (CellStep.influence): SnAp-n keeps M on the pattern of ∂F/∂θ's rank-one terms after n steps, so it needs the cell's structure. Use uoro or rtrl instead.`);
    }
    const pattern = typeof n === 'number' ? snapnPattern(kind, core, coreTheta, n) : n;
    const jacobian = new PatternJacobian(cellStep, core.dtype, blockEntries(pattern.supports, pattern.successors, core.stateSize), pattern.successors);
    super(new TermSensitivity(core.dtype, pattern, core, influence, jacobian), 'blocks');
    this.jacobian = jacobian;
  }

  /** Eq. (3), with J read where it is needed. */
  propagate(theta: Vec): void {
    this.jacobian.read(theta);
    this.sensitivity.propagate(this.jacobian.values, theta);
  }
}

/** A SnAp-n learner: the shared forward-mode loop around SnapnEstimator (eq. (4) is its readGradient). */
export type Snapn = ForwardModeLearner<SnapnEstimator>;

/** SnAp-n: RTRL restricted to the pattern the influence reaches in n steps. */
export function snapn(model: OnlineModel | Model, options: SnapnOptions): Snapn {
  const steps = options.n ?? 2;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`snapn: n must be a positive integer, got ${steps}`);
  return new ForwardModeLearner('snapn', model, options, (setup) => new SnapnEstimator(setup, steps));
}
