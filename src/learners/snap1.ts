/**
 * SnAp-1 (Menick, Elsen, Evci, Osindero, Simonyan & Graves, ICLR 2021, "Practical real time
 * recurrent learning with a sparse approximation"): RTRL's sensitivity M = ∂s/∂θ kept only on
 * the sparsity pattern of the immediate influence ∂F/∂θ — parameter q of influence term k
 * (see cells/cell.ts) is tracked only on the state entries S_k that v_k can touch:
 *
 *   s_{t+1} = F(x_t, s_t; θ)                                                    (1)
 *   M_k ← J_t[S_k, S_k]·M_k + v_k[S_k] ⊗ u_k[Q_k]      M_k: |S_k| × |Q_k|         (2)
 *   g_t[q] = Σ_{s∈S_k} ∂ℓ_t/∂s_{t+1}[s]·M_k[s, q] + ∂ℓ_t/∂θ_head,  q ∈ Q_k        (3)
 *
 * (2) is RTRL's M ← J·M + I with every entry outside the pattern dropped after each step: exact
 * for one step and whenever J is block-diagonal on the supports (an RNN whose units feed only
 * themselves), biased otherwise — deterministic, lower-variance than UORO, cheaper than RTRL.
 * The pattern is found once from the contract (learners/pattern.ts): S_k and Q_k are the entries
 * that combineState(e_k) and addCombinedParams(e_k) make nonzero at random points. Memory Σ_k |S_k|·|Q_k| (p for an Elman RNN, under 2p for an
 * LSTM without projection; dense for terms whose v_k spreads, as through a stack's upper layers).
 * (2) reads J only on the blocks S_k × S_k. Where every S_k is one entry (an Elman RNN, a GRU
 * with reset-after) that is J's diagonal, which the cell's `stateJacobianDiagonal` gives at
 * about the cost of a forward step: the paper's O(p) step. Rows of J for entries in larger
 * supports (an LSTM's h_j and c_j share their terms) still come from one vjp each, O(p) per row;
 * a cell without the diagonal pays n vjps, O(n·p). Plus K combineState calls for v_k.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import type { DerivedStep, ImmediateInfluence } from '../cells/cell.js';
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import { ForwardModeLearner, type EstimatorSetup, type SensitivityEstimator } from './forward-mode.js';
import { flatten, influencePattern } from './pattern.js';
import type { LearnerOptions } from './learner.js';

export type Snap1Options = LearnerOptions;

/** SnAp-1's sensitivity: M kept only on the pattern of the immediate influence. */
export class Snap1Estimator implements SensitivityEstimator {
  readonly rng = null;
  private readonly n: number;
  private readonly cellStep: DerivedStep;
  private readonly influence: ImmediateInfluence;
  /** S_k and Q_k, flattened: term k's entries are [offset[k], offset[k+1]). */
  private readonly support: Int32Array;
  private readonly supportOffset: Int32Array;
  private readonly owned: Int32Array;
  private readonly ownedOffset: Int32Array;
  /** The M_k, flattened: term k's block starts at blockOffset[k], row-major |S_k| × |Q_k|. */
  private readonly blocks: Vec;
  private readonly blockOffset: Int32Array;
  private readonly scratch: Vec;
  /** J (n × n), filled only where (2) reads it. */
  private readonly jacobian: Vec;
  /** The state entries whose row of J comes from a vjp (all of them without the cell's diagonal). */
  private readonly rowsByVjp: Int32Array;
  /** The entries in one-entry supports only, whose J[s, s] comes from the diagonal (empty without it). */
  private readonly diagonalOnly: Int32Array;
  private readonly diagonal: Vec;
  private readonly jacobianRow: Vec;
  private readonly unit: Vec;
  private readonly coefficient: Vec;
  private readonly v: Vec;
  private readonly u: Vec;

  constructor({ core, cellStep, coreTheta }: EstimatorSetup) {
    const { dtype } = core;
    this.cellStep = cellStep;
    if (this.cellStep.influence === undefined) {
      throw new TypeError(`snap1: the ${core.kind} cell does not expose its immediate influence (CellStep.influence): SnAp-1 keeps M on the pattern of ∂F/∂θ's rank-one terms, so it needs the cell's structure. Use uoro or rtrl instead.`);
    }
    this.influence = this.cellStep.influence;
    const pattern = influencePattern('snap1', core, coreTheta);
    [this.support, this.supportOffset] = flatten(pattern.supports);
    [this.owned, this.ownedOffset] = flatten(pattern.owned);
    const K = pattern.supports.length;
    this.blockOffset = new Int32Array(K + 1);
    let largest = 0;
    for (let k = 0; k < K; k++) {
      const size = pattern.supports[k]!.length * pattern.owned[k]!.length;
      this.blockOffset[k + 1] = this.blockOffset[k]! + size;
      largest = Math.max(largest, size);
    }
    this.blocks = zeros(dtype, this.blockOffset[K]!);
    this.scratch = zeros(dtype, largest);
    const n = (this.n = core.stateSize);
    this.jacobian = zeros(dtype, n * n);
    const needsRow = new Uint8Array(n).fill(cellStep.stateJacobianDiagonal === undefined ? 1 : 0);
    const inSupport = new Uint8Array(n);
    for (const entries of pattern.supports) {
      for (const s of entries) {
        inSupport[s] = 1;
        if (entries.length > 1) needsRow[s] = 1;
      }
    }
    const entries = Array.from({ length: n }, (_, s) => s);
    this.rowsByVjp = Int32Array.from(entries.filter((s) => needsRow[s] === 1));
    this.diagonalOnly = Int32Array.from(entries.filter((s) => needsRow[s] === 0 && inSupport[s] === 1));
    this.diagonal = zeros(dtype, this.diagonalOnly.length > 0 ? n : 0);
    this.jacobianRow = zeros(dtype, n);
    this.unit = zeros(dtype, n);
    this.coefficient = zeros(dtype, K);
    this.v = zeros(dtype, n);
    this.u = zeros(dtype, core.paramSize);
  }

  /** Eq. (3): the gradient of each term's parameters from its block. */
  readGradient(out: Vec, dState: Vec): number {
    const { support, supportOffset, owned, ownedOffset, blocks, blockOffset } = this;
    for (let k = 0; k < this.coefficient.length; k++) {
      const q0 = ownedOffset[k]!;
      const width = ownedOffset[k + 1]! - q0;
      for (let j = 0; j < width; j++) out[owned[q0 + j]!] = 0;
      for (let a = supportOffset[k]!, row = blockOffset[k]!; a < supportOffset[k + 1]!; a++, row += width) {
        const signal = dState[support[a]!]!;
        if (signal !== 0) for (let j = 0; j < width; j++) out[owned[q0 + j]!] += signal * blocks[row + j]!;
      }
    }
    return NaN; // the update measures ‖ĝ‖
  }

  /** Eq. (2) for every term. */
  propagate(theta: Vec): void {
    const n = this.n;
    const { jacobian, jacobianRow, unit, coefficient, v, u, influence, support, supportOffset, owned, ownedOffset, blocks, blockOffset, scratch } = this;
    if (this.diagonalOnly.length > 0) {
      this.cellStep.stateJacobianDiagonal!(this.diagonal, theta);
      for (let a = 0; a < this.diagonalOnly.length; a++) {
        const s = this.diagonalOnly[a]!;
        jacobian[s * n + s] = this.diagonal[s]!;
      }
    }
    for (let r = 0; r < this.rowsByVjp.length; r++) {
      const i = this.rowsByVjp[r]!;
      unit[i] = 1;
      this.cellStep.stateVjp(jacobianRow, unit, theta); // row i of J
      unit[i] = 0;
      jacobian.set(jacobianRow, i * n);
    }
    u.fill(0);
    coefficient.fill(1);
    influence.addCombinedParams(u, coefficient); // u_k on Q_k for every k at once: the Q_k are disjoint
    coefficient.fill(0);
    for (let k = 0; k < coefficient.length; k++) {
      coefficient[k] = 1;
      influence.combineState(v, coefficient, theta); // v_k
      coefficient[k] = 0;
      const s0 = supportOffset[k]!;
      const height = supportOffset[k + 1]! - s0;
      const q0 = ownedOffset[k]!;
      const width = ownedOffset[k + 1]! - q0;
      const block = blockOffset[k]!;
      for (let a = 0; a < height; a++) {
        const row = support[s0 + a]! * n;
        const out = a * width;
        const vk = v[support[s0 + a]!]!;
        for (let j = 0; j < width; j++) scratch[out + j] = vk * u[owned[q0 + j]!]!;
        for (let b = 0; b < height; b++) {
          const J = jacobian[row + support[s0 + b]!]!;
          if (J !== 0) for (let j = 0, from = block + b * width; j < width; j++) scratch[out + j] += J * blocks[from + j]!;
        }
      }
      for (let i = 0; i < height * width; i++) blocks[block + i] = scratch[i]!;
    }
  }

  reset(): void {
    this.blocks.fill(0);
  }

  tensors(): Record<string, Vec> {
    return { blocks: this.blocks };
  }
}

/** A SnAp-1 learner: the shared forward-mode loop around Snap1Estimator. */
export type Snap1 = ForwardModeLearner<Snap1Estimator>;

/** SnAp-1: RTRL restricted to the immediate influence's sparsity pattern. */
export function snap1(model: OnlineModel | Model, options: Snap1Options): Snap1 {
  return new ForwardModeLearner('snap1', model, options, (setup) => new Snap1Estimator(setup));
}
