/**
 * An eligibility trace kept on the pattern of the immediate influence ∂F/∂θ = Σ_k v_k ⊗ u_k
 * (cells/cell.ts), decaying by one factor γ_s per state entry s instead of through the state
 * Jacobian:
 *
 *   E_k ← diag(γ[S_k])·E_k + v_k[S_k] ⊗ u_k[Q_k]      E_k: |S_k| × |Q_k|            (1)
 *   g[q] = Σ_{s∈S_k} q_s·E_k[s, q],   q ∈ Q_k                                      (2)
 *
 * This is RTRL's M ← J·M + I with J replaced by diag(γ) and M kept where the influence reaches
 * (S_k, Q_k from learners/pattern.ts): RFLO's trace with γ = 1 − α (Murray 2019), KeRNL's with
 * learned γ (Roth et al. 2019). Memory Σ_k |S_k|·|Q_k| (p for an Elman RNN); a step costs one
 * pass over E and one combineState call where no two terms reach the same state entry (an RNN,
 * a GRU with reset-after), K calls otherwise (an LSTM's gates share h_j and c_j).
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import type { Cell, DerivedStep, ImmediateInfluence } from '../cells/cell.js';
import { flatten, influencePattern } from './pattern.js';

export class DecayingTrace {
  /** The E_k, flattened: term k's block starts at blockOffset[k], row-major |S_k| × |Q_k|. */
  readonly trace: Vec;
  private readonly influence: ImmediateInfluence;
  private readonly support: Int32Array;
  private readonly supportOffset: Int32Array;
  private readonly owned: Int32Array;
  private readonly ownedOffset: Int32Array;
  private readonly blockOffset: Int32Array;
  private readonly coefficient: Vec;
  private readonly v: Vec;
  private readonly u: Vec;
  /** No state entry is reached by two terms (an RNN, a GRU with reset-after): one combineState gives every v_k on its S_k. */
  private readonly disjoint: boolean;

  constructor(kind: string, core: Cell, cellStep: DerivedStep, coreTheta: Vec) {
    if (cellStep.influence === undefined) throw new TypeError(`${kind}: the ${core.kind} cell does not expose its immediate influence (CellStep.influence), which its eligibility trace is built from`);
    this.influence = cellStep.influence;
    const pattern = influencePattern(kind, core, coreTheta);
    [this.support, this.supportOffset] = flatten(pattern.supports);
    [this.owned, this.ownedOffset] = flatten(pattern.owned);
    const K = pattern.supports.length;
    this.blockOffset = new Int32Array(K + 1);
    for (let k = 0; k < K; k++) this.blockOffset[k + 1] = this.blockOffset[k]! + pattern.supports[k]!.length * pattern.owned[k]!.length;
    this.trace = zeros(core.dtype, this.blockOffset[K]!);
    this.coefficient = zeros(core.dtype, K);
    const reached = pattern.supports.flat();
    this.disjoint = new Set(reached).size === reached.length;
    this.v = zeros(core.dtype, core.stateSize);
    this.u = zeros(core.dtype, core.paramSize);
  }

  /** Eq. (1) over the step the cell just recorded; decay (n) holds γ. */
  accumulate(decay: Vec, theta: Vec): void {
    const { v, u, support, supportOffset, owned, ownedOffset, blockOffset, trace } = this;
    this.everyParamRow();
    if (this.disjoint) {
      this.influence.combineState(v, this.coefficient.fill(1), theta); // v = Σ_k v_k, and on S_k only v_k reaches
      this.coefficient.fill(0);
    }
    for (let k = 0; k < this.coefficient.length; k++) {
      if (!this.disjoint) this.stateColumn(k, theta);
      const q0 = ownedOffset[k]!;
      const width = ownedOffset[k + 1]! - q0;
      for (let a = supportOffset[k]!, row = blockOffset[k]!; a < supportOffset[k + 1]!; a++, row += width) {
        const s = support[a]!;
        const gamma = decay[s]!;
        const vk = v[s]!;
        for (let j = 0; j < width; j++) trace[row + j] = gamma * trace[row + j]! + vk * u[owned[q0 + j]!]!;
      }
    }
  }

  /** u ← Σ_k u_k, which holds every u_k on its own Q_k (they are disjoint). */
  private everyParamRow(): void {
    this.u.fill(0);
    this.influence.addCombinedParams(this.u, this.coefficient.fill(1));
    this.coefficient.fill(0);
  }

  /** v ← v_k (coefficient is zero between calls). */
  private stateColumn(k: number, theta: Vec): void {
    this.coefficient[k] = 1;
    this.influence.combineState(this.v, this.coefficient, theta);
    this.coefficient[k] = 0;
  }

  /** Eq. (2): out (p) gets the trace read with the signal q (n), one row of a term's block at a time. */
  read(out: Vec, signal: Vec): void {
    const { support, supportOffset, owned, ownedOffset, blockOffset, trace } = this;
    for (let k = 0; k < this.coefficient.length; k++) {
      const q0 = ownedOffset[k]!;
      const width = ownedOffset[k + 1]! - q0;
      if (supportOffset[k] === supportOffset[k + 1]) for (let j = 0; j < width; j++) out[owned[q0 + j]!] = 0; // a term that reaches no state
      for (let a = supportOffset[k]!, row = blockOffset[k]!; a < supportOffset[k + 1]!; a++, row += width) {
        const q = signal[support[a]!]!;
        if (a === supportOffset[k]) for (let j = 0; j < width; j++) out[owned[q0 + j]!] = q * trace[row + j]!;
        else for (let j = 0; j < width; j++) out[owned[q0 + j]!] += q * trace[row + j]!;
      }
    }
  }

  reset(): void {
    this.trace.fill(0);
  }
}
