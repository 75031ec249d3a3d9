/**
 * RTRL's sensitivity kept on a pattern, term by term — what SnAp-n and e-prop share. The
 * parameters Q_k of influence term k (cells/cell.ts: ∂F/∂θ = Σ_k v_k ⊗ u_k) are tracked only on
 * a set S_k of state entries, and carried forward with an approximation Ĵ of the state
 * Jacobian J = ∂F/∂s that is read only on S_k × S_k:
 *
 *   M_k ← Ĵ[S_k, S_k]·M_k + v_k[S_k] ⊗ u_k[Q_k]          M_k: |S_k| × |Q_k|       (1)
 *   g[Q_k] = ∂ℓ/∂s[S_k]ᵀ·M_k                                                       (2)
 *
 * (1) is RTRL's M ← Ĵ·M + ∂F/∂θ with every entry outside the pattern dropped after each step.
 * SnAp-n (snapn.ts) takes Ĵ = J and S_k the entries term k reaches in n steps; e-prop
 * (eprop.ts) takes Ĵ = diag J and S_k the entries v_k touches, and (1) becomes elementwise.
 * The owner writes Ĵ into `jacobian` (n × n, or its diagonal, n) before each `propagate`.
 */
import { zeros, type DType, type Vec } from '../tensor/dtype.js';
import { matmulAB, matmulABAdd } from '../tensor/kernels.js';
import type { ImmediateInfluence } from '../cells/cell.js';

export interface TermPattern {
  /** S_k: the state entries term k's sensitivity is kept on. */
  readonly supports: readonly (readonly number[])[];
  /** Q_k: the parameters term k owns. */
  readonly owned: readonly (readonly number[])[];
}

export class TermSensitivity {
  /** Ĵ: n × n row-major, or only its diagonal (n) when built with `diagonal`. */
  readonly jacobian: Vec;
  /** The M_k one after another, each row-major |S_k| × |Q_k|: what a snapshot keeps. */
  readonly blocks: Vec;
  private readonly blockViews: Vec[];
  private readonly supports: Int32Array[];
  private readonly owned: Int32Array[];
  /** Ĵ[S_k, S_k], the next M_k, and ∂ℓ/∂s[S_k] / g[Q_k], sized for the largest term. */
  private readonly local: Vec;
  private readonly next: Vec;
  private readonly signal: Vec;
  private readonly partial: Vec;
  private readonly coefficient: Vec;
  private readonly v: Vec;
  private readonly u: Vec;

  constructor(
    dtype: DType,
    pattern: TermPattern,
    sizes: { readonly stateSize: number; readonly paramSize: number },
    readonly diagonal: boolean,
  ) {
    const n = sizes.stateSize;
    this.supports = pattern.supports.map((s) => Int32Array.from(s));
    this.owned = pattern.owned.map((q) => Int32Array.from(q));
    const sizesOf = this.supports.map((s, k) => s.length * this.owned[k]!.length);
    this.blocks = zeros(dtype, sizesOf.reduce((a, b) => a + b, 0));
    let offset = 0;
    this.blockViews = sizesOf.map((size) => this.blocks.subarray(offset, (offset += size)));
    const tallest = Math.max(0, ...this.supports.map((s) => s.length));
    const widest = Math.max(0, ...this.owned.map((q) => q.length));
    this.local = zeros(dtype, diagonal ? 0 : tallest * tallest);
    this.next = zeros(dtype, diagonal ? 0 : Math.max(0, ...sizesOf));
    this.signal = zeros(dtype, tallest);
    this.partial = zeros(dtype, widest);
    this.jacobian = zeros(dtype, diagonal ? n : n * n);
    this.coefficient = zeros(dtype, this.supports.length);
    this.v = zeros(dtype, n);
    this.u = zeros(dtype, sizes.paramSize);
  }

  /** Eq. (1) for every term, reading Ĵ from `jacobian`. */
  propagate(influence: ImmediateInfluence, theta: Vec): void {
    const { coefficient, v, u } = this;
    u.fill(0);
    coefficient.fill(1);
    influence.addCombinedParams(u, coefficient); // every u_k at once: the Q_k are disjoint
    coefficient.fill(0);
    for (let k = 0; k < coefficient.length; k++) {
      coefficient[k] = 1;
      influence.combineState(v, coefficient, theta); // v_k
      coefficient[k] = 0;
      if (this.diagonal) this.propagateDiagonal(k);
      else this.propagateBlock(k);
    }
  }

  /** M_k[a, :] ← Ĵ[s_a, s_a]·M_k[a, :] + v_k[s_a]·u_k[Q_k], in place. */
  private propagateDiagonal(k: number): void {
    const { v, u, jacobian } = this;
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

  /** M_k ← Ĵ[S_k, S_k]·M_k + v_k[S_k] ⊗ u_k[Q_k]: the product by GEMM on the gathered block. */
  private propagateBlock(k: number): void {
    const { v, u, jacobian, local, next } = this;
    const S = this.supports[k]!;
    const Q = this.owned[k]!;
    const M = this.blockViews[k]!;
    const n = v.length;
    const height = S.length;
    const width = Q.length;
    for (let a = 0; a < height; a++) {
      for (let b = 0; b < height; b++) local[a * height + b] = jacobian[S[a]! * n + S[b]!]!;
      const vs = v[S[a]!]!;
      for (let j = 0; j < width; j++) next[a * width + j] = vs * u[Q[j]!]!;
    }
    matmulABAdd(next, local, M, height, width, height);
    for (let i = 0; i < M.length; i++) M[i] = next[i]!;
  }

  /** Eq. (2): writes every owned parameter's gradient (the core slice, p entries). */
  readGradient(out: Vec, dState: Vec): void {
    const { signal, partial } = this;
    for (let k = 0; k < this.supports.length; k++) {
      const S = this.supports[k]!;
      const Q = this.owned[k]!;
      for (let a = 0; a < S.length; a++) signal[a] = dState[S[a]!]!;
      matmulAB(partial, signal, this.blockViews[k]!, 1, Q.length, S.length);
      for (let j = 0; j < Q.length; j++) out[Q[j]!] = partial[j]!;
    }
  }

  reset(): void {
    this.blocks.fill(0);
  }
}
