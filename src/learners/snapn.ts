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
 * term k can reach, S_k stops growing and (3) is RTRL exactly. Cost per step: one vjp per state
 * entry in a support of more than one entry (the rest read J's diagonal), K combineState calls,
 * and Σ_k |S_k|²·|Q_k|; memory Σ_k |S_k|·|Q_k|. The pattern is the cell's structure (probed at
 * θ + noise), so on a dense recurrent cell — an Elman RNN, LSTM or GRU with full W_hh, where
 * every unit reaches every other in one step — SnAp-2 already keeps M dense and costs RTRL's
 * O(n²·p): it pays off on cells whose J is sparse (Menick et al. use sparse weight matrices),
 * such as element-wise recurrent cells and chains of units.
 */
import type { DerivedStep, ImmediateInfluence } from '../cells/cell.js';
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import { zeros, type Vec } from '../tensor/dtype.js';
import { ForwardModeLearner, type EstimatorSetup, type SensitivityEstimator } from './forward-mode.js';
import { influencePattern, jacobianSuccessors } from './pattern.js';
import { TermSensitivity } from './term-sensitivity.js';
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

/** SnAp-n's sensitivity: M kept on the pattern of the influence after n steps. */
export class SnapnEstimator implements SensitivityEstimator {
  readonly rng = null;
  private readonly cellStep: DerivedStep;
  private readonly influence: ImmediateInfluence;
  private readonly sensitivity: TermSensitivity;
  private readonly n: number;
  /** Entries whose row of J comes from a vjp; the others need only J's diagonal. */
  private readonly fullRows: Int32Array;
  private readonly diagonalRows: Int32Array;
  private readonly diagonal: Vec;
  private readonly unit: Vec;
  private readonly row: Vec;

  constructor({ core, cellStep, coreTheta }: EstimatorSetup, steps: number) {
    if (cellStep.influence === undefined) {
      throw new TypeError(`snapn: the ${core.kind} cell does not expose its immediate influence (CellStep.influence): SnAp-n keeps M on the pattern of ∂F/∂θ's rank-one terms after n steps, so it needs the cell's structure. Use uoro or rtrl instead.`);
    }
    this.cellStep = cellStep;
    this.influence = cellStep.influence;
    const n = (this.n = core.stateSize);
    const first = influencePattern('snapn', core, coreTheta);
    const supports = steps === 1 ? first.supports : reachedIn(steps, first.supports, jacobianSuccessors(core, coreTheta));
    this.sensitivity = new TermSensitivity(core.dtype, { supports, owned: first.owned }, core, false);
    // A support of one entry s reads J[s, s] only: the cell's diagonal serves it when it has one.
    const needsRow = new Uint8Array(n).fill(cellStep.stateJacobianDiagonal === undefined ? 1 : 0);
    const inSupport = new Uint8Array(n);
    for (const entries of supports) {
      for (const s of entries) {
        inSupport[s] = 1;
        if (entries.length > 1) needsRow[s] = 1;
      }
    }
    const entries = [...Array(n).keys()].filter((s) => inSupport[s] === 1);
    this.fullRows = Int32Array.from(entries.filter((s) => needsRow[s] === 1));
    this.diagonalRows = Int32Array.from(entries.filter((s) => needsRow[s] === 0));
    this.diagonal = zeros(core.dtype, this.diagonalRows.length > 0 ? n : 0);
    this.unit = zeros(core.dtype, n);
    this.row = zeros(core.dtype, n);
  }

  /** Eq. (3), with J read where it is needed. */
  propagate(theta: Vec): void {
    const { n, unit, row } = this;
    const jacobian = this.sensitivity.jacobian;
    if (this.diagonalRows.length > 0) {
      this.cellStep.stateJacobianDiagonal!(this.diagonal, theta);
      for (const s of this.diagonalRows) jacobian[s * n + s] = this.diagonal[s]!;
    }
    for (const i of this.fullRows) {
      unit[i] = 1;
      this.cellStep.stateVjp(row, unit, theta); // row i of J
      unit[i] = 0;
      jacobian.set(row, i * n);
    }
    this.sensitivity.propagate(this.influence, theta);
  }

  /** Eq. (4). */
  readGradient(out: Vec, dState: Vec): number {
    this.sensitivity.readGradient(out, dState);
    return NaN; // the update measures ‖ĝ‖
  }

  reset(): void {
    this.sensitivity.reset();
  }

  tensors(): Record<string, Vec> {
    return { blocks: this.sensitivity.blocks };
  }
}

/** A SnAp-n learner: the shared forward-mode loop around SnapnEstimator. */
export type Snapn = ForwardModeLearner<SnapnEstimator>;

/** SnAp-n: RTRL restricted to the pattern the influence reaches in n steps. */
export function snapn(model: OnlineModel | Model, options: SnapnOptions): Snapn {
  const steps = options.n ?? 2;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`snapn: n must be a positive integer, got ${steps}`);
  return new ForwardModeLearner('snapn', model, options, (setup) => new SnapnEstimator(setup, steps));
}
