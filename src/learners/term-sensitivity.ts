/**
 * RTRL's sensitivity kept on a pattern, term by term — what SnAp-n, e-prop, RFLO and KeRNL
 * share. The parameters Q_k of influence term k (cells/cell.ts: ∂F/∂θ = Σ_k v_k ⊗ u_k) are
 * tracked only on a set S_k of state entries, and carried forward with an approximation Ĵ of the
 * state Jacobian J = ∂F/∂s that is read only on S_k × S_k:
 *
 *   M_k ← Ĵ[S_k, S_k]·M_k + v_k[S_k] ⊗ u_k[Q_k]          M_k: |S_k| × |Q_k|       (1)
 *   g[Q_k] = ∂ℓ/∂s[S_k]ᵀ·M_k                                                       (2)
 *
 * (1) is RTRL's M ← Ĵ·M + ∂F/∂θ with every entry outside the pattern dropped after each step.
 * SnAp-n (snapn.ts) takes Ĵ = J on its pattern (pattern-jacobian.ts) and S_k the entries term k
 * reaches in n steps; e-prop (eprop.ts) takes Ĵ = diag J, RFLO (rflo.ts) Ĵ = diag(1 − α) and
 * KeRNL (kernl.ts) a learned diag(γ), each with S_k the entries v_k touches, and (1) becomes
 * elementwise. The owner hands Ĵ to each `propagate`: the values on J's entries, or n decays.
 * The v_k come from one combineState per colour of terms with disjoint S_k (colouring.ts): on
 * S_k only v_k is nonzero, so Σ_{k∈c} v_k read on S_k is v_k. A unit's terms share its entries,
 * so a diagonal recurrence needs at most as many calls as a unit has terms (LRU 5, eLSTM 2), not K.
 * Cost per step: those calls, one addCombinedParams and Σ_k |S_k|²·|Q_k| (Σ_k |S_k|·|Q_k|
 * elementwise); memory Σ_k |S_k|·|Q_k|.
 */
import { zeros, type DType, type Vec } from '../tensor/dtype.js';
import { matmulAB, matmulABAdd } from '../tensor/kernels.js';
import type { Cell, DerivedStep, ImmediateInfluence } from '../cells/cell.js';
import type { SensitivityEstimator } from './forward-mode.js';
import { colourRows } from './colouring.js';
import type { JacobianEntries } from './pattern-jacobian.js';
import { influencePattern } from './pattern.js';

/** Supports up to this many entries are updated and read without a GEMM call. */
const SMALL_SUPPORT = 4;

export interface TermPattern {
  /** S_k: the state entries term k's sensitivity is kept on. */
  readonly supports: readonly (readonly number[])[];
  /** Q_k: the parameters term k owns. */
  readonly owned: readonly (readonly number[])[];
}

/** Ĵ[S_k, S_k] gathered from J's entries: `local` gets values[entry[e]] at position[e], for the terms of one support. */
interface SupportBlock {
  readonly local: Vec;
  readonly position: Int32Array;
  readonly entry: Int32Array;
}

export class TermSensitivity {
  /** The M_k one after another, each row-major |S_k| × |Q_k|: what a snapshot keeps. */
  readonly blocks: Vec;
  private readonly blockViews: Vec[];
  private readonly supports: Int32Array[];
  private readonly owned: Int32Array[];
  /** Terms whose S_k are disjoint: one combineState each. */
  private readonly termColours: Int32Array[];
  /** Ĵ's blocks, one per distinct support, and each term's (null: Ĵ is diagonal). */
  private readonly supportBlocks: { readonly distinct: SupportBlock[]; readonly ofTerm: SupportBlock[] } | null;
  /**
   * Scratch, sized for the largest term: the next M_k, ∂ℓ/∂s[S_k] (`signal`) and g[Q_k]
   * (`partial`); the coefficients of the influence and its v (Σ_{k∈c} v_k) and u (Σ_k u_k).
   */
  private readonly work: { next: Vec; column: Vec; signal: Vec; partial: Vec; coefficient: Vec; v: Vec; u: Vec };

  /** jacobian: where Ĵ's values will be — on these entries of J, or 'diagonal' (n decays). */
  constructor(
    dtype: DType,
    pattern: TermPattern,
    sizes: { readonly stateSize: number; readonly paramSize: number },
    private readonly influence: ImmediateInfluence,
    jacobian: JacobianEntries | 'diagonal',
  ) {
    const n = sizes.stateSize;
    this.supports = pattern.supports.map((s) => Int32Array.from(s));
    this.owned = pattern.owned.map((q) => Int32Array.from(q));
    const sizesOf = this.supports.map((s, k) => s.length * this.owned[k]!.length);
    this.blocks = zeros(dtype, sizesOf.reduce((a, b) => a + b, 0));
    let offset = 0;
    this.blockViews = sizesOf.map((size) => this.blocks.subarray(offset, (offset += size)));
    this.termColours = colourRows(pattern.supports, pattern.supports, n).map((c) => Int32Array.from(c));
    this.supportBlocks = jacobian === 'diagonal' ? null : supportBlocks(dtype, pattern.supports, jacobian);
    const tallest = Math.max(0, ...this.supports.map((s) => s.length));
    const widest = Math.max(0, ...this.owned.map((q) => q.length));
    this.work = {
      next: zeros(dtype, jacobian === 'diagonal' ? 0 : Math.max(0, ...sizesOf)),
      column: zeros(dtype, SMALL_SUPPORT),
      signal: zeros(dtype, tallest),
      partial: zeros(dtype, widest),
      coefficient: zeros(dtype, this.supports.length),
      v: zeros(dtype, n),
      u: zeros(dtype, sizes.paramSize),
    };
  }

  /** Eq. (1) for every term, with Ĵ's values in `jacobian` (on the entries given at construction, or n decays). */
  propagate(jacobian: Vec, theta: Vec): void {
    const { coefficient, v, u } = this.work;
    const blocks = this.supportBlocks;
    u.fill(0);
    coefficient.fill(1);
    this.influence.addCombinedParams(u, coefficient); // every u_k at once: the Q_k are disjoint
    coefficient.fill(0);
    if (blocks !== null) {
      for (let b = 0; b < blocks.distinct.length; b++) {
        const { local, position, entry } = blocks.distinct[b]!;
        for (let e = 0; e < entry.length; e++) local[position[e]!] = jacobian[entry[e]!]!;
      }
    }
    for (let c = 0; c < this.termColours.length; c++) {
      const colour = this.termColours[c]!;
      for (let a = 0; a < colour.length; a++) coefficient[colour[a]!] = 1;
      this.influence.combineState(v, coefficient, theta); // v_k on S_k, for every k of the colour
      for (let a = 0; a < colour.length; a++) {
        const k = colour[a]!;
        coefficient[k] = 0;
        if (blocks === null) this.propagateDiagonal(k, jacobian);
        else this.propagateBlock(k, blocks.ofTerm[k]!.local);
      }
    }
  }

  /** M_k[a, :] ← Ĵ[s_a, s_a]·M_k[a, :] + v_k[s_a]·u_k[Q_k], in place. */
  private propagateDiagonal(k: number, jacobian: Vec): void {
    const { v, u } = this.work;
    const S = this.supports[k]!;
    const Q = this.owned[k]!;
    const M = this.blockViews[k]!;
    const width = Q.length;
    for (let a = 0, row = 0; a < S.length; a++, row += width) {
      const d = jacobian[S[a]!]!;
      const vs = v[S[a]!]!;
      for (let j = 0; j < width; j++) M[row + j] = d * M[row + j]! + vs * u[Q[j]!]!;
    }
  }

  /**
   * M_k ← Ĵ[S_k, S_k]·M_k + v_k[S_k] ⊗ u_k[Q_k]: the product by GEMM on the gathered block, or
   * column by column in place for a support of a few entries (a unit's), where a GEMM call per
   * term would cost more than its arithmetic. Both add in the same order (the GEMM's: each
   * product onto v⊗u, skipping zero entries of Ĵ), so they round alike.
   */
  private propagateBlock(k: number, local: Vec): void {
    const { v, u, next, column } = this.work;
    const S = this.supports[k]!;
    const Q = this.owned[k]!;
    const M = this.blockViews[k]!;
    const height = S.length;
    const width = Q.length;
    if (height === 1) {
      // A unit of one entry (the eLSTM's c_i): M ← J[s, s]·M + v_s·u, as the diagonal update.
      const jss = local[0]!;
      const vs = v[S[0]!]!;
      if (jss === 0) for (let j = 0; j < width; j++) M[j] = vs * u[Q[j]!]!;
      else for (let j = 0; j < width; j++) M[j] = vs * u[Q[j]!]! + jss * M[j]!;
      return;
    }
    if (height === 2) {
      // A unit of two entries (the LRU's Re h_i, Im h_i): the same sums, unrolled.
      const j00 = local[0]!;
      const j01 = local[1]!;
      const j10 = local[2]!;
      const j11 = local[3]!;
      const v0 = v[S[0]!]!;
      const v1 = v[S[1]!]!;
      for (let j = 0; j < width; j++) {
        const uj = u[Q[j]!]!;
        const m0 = M[j]!;
        const m1 = M[width + j]!;
        let s0 = v0 * uj;
        if (j00 !== 0) s0 += j00 * m0;
        if (j01 !== 0) s0 += j01 * m1;
        let s1 = v1 * uj;
        if (j10 !== 0) s1 += j10 * m0;
        if (j11 !== 0) s1 += j11 * m1;
        M[j] = s0;
        M[width + j] = s1;
      }
      return;
    }
    if (height <= SMALL_SUPPORT) {
      for (let j = 0; j < width; j++) {
        const uj = u[Q[j]!]!;
        for (let a = 0; a < height; a++) column[a] = M[a * width + j]!;
        for (let a = 0; a < height; a++) {
          let sum = v[S[a]!]! * uj;
          for (let l = 0; l < height; l++) {
            const jacobian = local[a * height + l]!;
            if (jacobian !== 0) sum += jacobian * column[l]!;
          }
          M[a * width + j] = sum;
        }
      }
      return;
    }
    for (let a = 0; a < height; a++) {
      const vs = v[S[a]!]!;
      for (let j = 0; j < width; j++) next[a * width + j] = vs * u[Q[j]!]!;
    }
    matmulABAdd(next, local, M, height, width, height);
    for (let i = 0; i < M.length; i++) M[i] = next[i]!;
  }

  /** Eq. (2): writes every owned parameter's gradient (the core slice, p entries); a small support's directly, in the GEMM's order. */
  readGradient(out: Vec, dState: Vec): void {
    const { signal, partial } = this.work;
    for (let k = 0; k < this.supports.length; k++) {
      const S = this.supports[k]!;
      const Q = this.owned[k]!;
      const M = this.blockViews[k]!;
      for (let a = 0; a < S.length; a++) signal[a] = dState[S[a]!]!;
      if (S.length <= SMALL_SUPPORT) {
        for (let j = 0; j < Q.length; j++) out[Q[j]!] = 0;
        for (let a = 0, row = 0; a < S.length; a++, row += Q.length) {
          const q = signal[a]!;
          if (q !== 0) for (let j = 0; j < Q.length; j++) out[Q[j]!] += q * M[row + j]!;
        }
        continue;
      }
      matmulAB(partial, signal, M, 1, Q.length, S.length);
      for (let j = 0; j < Q.length; j++) out[Q[j]!] = partial[j]!;
    }
  }

  reset(): void {
    this.blocks.fill(0);
  }
}

/**
 * An estimator whose sensitivity is a TermSensitivity: it reads the gradient, resets and
 * snapshots the same way, and differs only in how it fills Ĵ before eq. (1) (`propagate`).
 */
export abstract class TermSensitivityEstimator implements SensitivityEstimator {
  readonly rng = null;
  constructor(
    protected readonly sensitivity: TermSensitivity,
    /** The name the blocks have in a snapshot. */
    private readonly tensorName: string,
  ) {}

  abstract propagate(theta: Vec): void;

  /** Eq. (2). */
  readGradient(out: Vec, dState: Vec): number {
    this.sensitivity.readGradient(out, dState);
    return NaN; // the update measures ‖ĝ‖
  }

  reset(): void {
    this.sensitivity.reset();
  }

  tensors(): Record<string, Vec> {
    return { [this.tensorName]: this.sensitivity.blocks };
  }
}

/** An eligibility trace with a diagonal Ĵ (RFLO's leak, KeRNL's learned rates) on the entries each v_k touches. */
export function traceOnInfluence(kind: string, core: Cell, cellStep: DerivedStep, coreTheta: Vec): TermSensitivity {
  if (cellStep.influence === undefined) throw new TypeError(`${kind}: the ${core.kind} cell does not expose its immediate influence (CellStep.influence), which its eligibility trace is built from`);
  return new TermSensitivity(core.dtype, influencePattern(kind, core, coreTheta), core, cellStep.influence, 'diagonal');
}

/** One Ĵ[S, S] per distinct support (a unit's terms share one), with where each of J's entries goes in it. */
function supportBlocks(dtype: DType, supports: readonly (readonly number[])[], { rowStart, columns }: JacobianEntries): { distinct: SupportBlock[]; ofTerm: SupportBlock[] } {
  const byKey = new Map<string, SupportBlock>();
  const ofTerm = supports.map((S) => {
    const key = S.join(',');
    const known = byKey.get(key);
    if (known !== undefined) return known;
    const index = new Map(S.map((s, b) => [s, b]));
    const position: number[] = [];
    const entry: number[] = [];
    S.forEach((i, a) => {
      for (let e = rowStart[i]!; e < rowStart[i + 1]!; e++) {
        const b = index.get(columns[e]!);
        if (b === undefined) continue; // J[i, j] with j outside S: dropped by eq. (1)
        position.push(a * S.length + b);
        entry.push(e);
      }
    });
    const block = { local: zeros(dtype, S.length * S.length), position: Int32Array.from(position), entry: Int32Array.from(entry) };
    byKey.set(key, block);
    return block;
  });
  return { distinct: [...byKey.values()], ofTerm };
}
