/**
 * Influence balancing (Tallec & Ollivier 2018, its synthetic experiments): the task on which
 * truncation fails.
 * A linear recurrent "cell" with one scalar parameter θ whose short-term influence on the
 * output is positive and whose long-term influence is negative:
 *
 *   s(t+1) = A·s(t) + θ·c,   A = ½·I + ½·(ones on the superdiagonal),   s ∈ R^23   (1)
 *   c = (+1 ×10, −1 ×13),   s(0) = 1 (all ones),   θ0 = 0.5                        (2)
 *   y = s₁,   ℓ = ½(s₁ − 1)² at every step                                          (3)
 *
 * Unit i reads unit i+1, so θ's effect reaches s₁ through the +1 units first and the −1 units
 * only later. At the fixed point s = (I − A)⁻¹·θc = 2·Σ_j N^j·θc, so ∂s₁/∂θ = 2·Σc = −6 and the
 * optimum is θ* = −1/6. The influence truncated to k steps, Σ_{j<k} (A^j c)₁, is positive for
 * k ≤ 40 and first negative at k = 41 (`truncatedInfluence`): truncated BPTT with k ≤ 40 climbs
 * the wrong way and diverges, while RTRL, UORO and NoBackTrack, unbiased, converge to θ*.
 * The input is ignored (any inputSize; the task feeds x = 0). The cell implements the whole
 * Cell contract — forward, vjp, jvp and the structured influence (one term: v = c, u = e_θ) —
 * and is an ordinary cell kind (`{ kind: 'influence' }`, the table line `influenceSpec` below),
 * so models built on it are described, saved and checkpointed like any other.
 */
import { zeros, type DType, type Vec } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import type { Cell, CellStep, ImmediateInfluence, InventoryEntry, ParamBlock, StatePart } from './cell.js';
import type { CellSpec } from '../kinds/spec.js';
import { allowOnly } from '../kinds/options.js';

export const INFLUENCE_STATE_SIZE = 23;
/** How many leading entries of c are +1; the remaining 13 are −1. */
export const INFLUENCE_POSITIVE_UNITS = 10;
export const INFLUENCE_THETA0 = 0.5;
/** s(0): every entry is 1. */
export const INFLUENCE_INITIAL_STATE = 1;
/** The target of s₁ at every step. */
export const INFLUENCE_TARGET = 1;
/** ∂s₁/∂θ at the fixed point, 2·Σ_i c_i. */
export const INFLUENCE_LONG_TERM = -6;
/** θ* = −1/6 makes the fixed point's s₁ equal the target. */
export const INFLUENCE_OPTIMUM = -1 / 6;
/** The smallest truncation k whose truncated influence has the long-term sign. */
export const INFLUENCE_MIN_TRUNCATION = 41;

/** c of eq. (2). */
export function influenceVector(dtype: DType = 'float64'): Vec {
  const c = zeros(dtype, INFLUENCE_STATE_SIZE);
  for (let i = 0; i < INFLUENCE_STATE_SIZE; i++) c[i] = i < INFLUENCE_POSITIVE_UNITS ? 1 : -1;
  return c;
}

/** s(0) of eq. (2), for a learner's `initialState`. */
export function influenceInitialState(dtype: DType = 'float64'): Vec {
  return zeros(dtype, INFLUENCE_STATE_SIZE).fill(INFLUENCE_INITIAL_STATE);
}

/** Σ_{j<k} (A^j c)₁: how θ moves s₁ within k steps. */
export function truncatedInfluence(k: number): number {
  let v = Array.from(influenceVector());
  let total = 0;
  for (let j = 0; j < k; j++) {
    total += v[0]!;
    v = v.map((vi, i) => 0.5 * vi + 0.5 * (v[i + 1] ?? 0));
  }
  return total;
}

class InfluenceBalancingCell implements Cell {
  readonly kind = 'influence';
  readonly stateSize = INFLUENCE_STATE_SIZE;
  readonly outputSize = 1;
  readonly outputOffset = 0;
  readonly paramSize = 1;
  readonly params: readonly ParamBlock[] = [{ name: 'theta', shape: [1], offset: 0, size: 1 }];
  readonly stateParts: readonly StatePart[] = [{ name: 'h', offset: 0, size: INFLUENCE_STATE_SIZE }];
  readonly c: Vec;

  constructor(
    readonly dtype: DType,
    readonly inputSize: number,
  ) {
    this.c = influenceVector(dtype);
  }

  inventory(): readonly InventoryEntry[] {
    return [{ name: 'theta', shape: [1] }];
  }

  initParams(theta: Vec, _rng: Rng): void {
    theta[0] = INFLUENCE_THETA0;
  }

  createStep(batch = 1): CellStep {
    return new InfluenceStep(this.c, batch);
  }
}

/** The transition is linear, so its derivatives do not depend on the point: nothing is recorded. */
class InfluenceStep implements CellStep, ImmediateInfluence {
  readonly influence: ImmediateInfluence = this;
  readonly termCount = 1;
  private readonly n = INFLUENCE_STATE_SIZE;

  constructor(
    private readonly c: Vec,
    readonly batch: number,
  ) {}

  /** Eq. (1), row by row; in increasing i, so sNext may alias s. */
  forward(sNext: Vec, _x: Vec, s: Vec, theta: Vec): void {
    this.applyA(sNext, s, theta[0]!);
  }

  vjp(dX: Vec | null, dS: Vec | null, dTheta: Vec | null, dSNext: Vec): void {
    const { n, c } = this;
    dX?.fill(0);
    for (let b = 0; b < this.batch; b++) {
      const row = b * n;
      if (dS !== null) for (let i = 0; i < n; i++) dS[row + i] = 0.5 * dSNext[row + i]! + (i > 0 ? 0.5 * dSNext[row + i - 1]! : 0);
      if (dTheta !== null) for (let i = 0; i < n; i++) dTheta[0] += c[i]! * dSNext[row + i]!;
    }
  }

  jvp(sNextDot: Vec, _xDot: Vec | null, sDot: Vec | null, thetaDot: Vec | null): void {
    const thetaDotValue = thetaDot === null ? 0 : thetaDot[0]!;
    if (sDot === null) this.scaledC(sNextDot, null, thetaDotValue);
    else this.applyA(sNextDot, sDot, thetaDotValue);
  }

  norms(vNorm: Vec, uNorm: Vec): void {
    const cNorm = Math.sqrt(INFLUENCE_STATE_SIZE);
    for (let b = 0; b < this.batch; b++) {
      vNorm[b] = cNorm;
      uNorm[b] = 1;
    }
  }

  /** ‖u‖ = ‖e_θ‖ = 1. */
  paramNorms(uNorm: Vec): void {
    uNorm.fill(1, 0, this.batch);
  }

  /** A's diagonal: ∂s'_i/∂s_i = ½. */
  stateJacobianDiagonal(out: Vec): void {
    out.fill(0.5, 0, this.batch * this.n);
  }

  combineState(sOut: Vec, coefficient: Vec): void {
    this.scaledC(sOut, coefficient, 0);
  }

  addCombinedParams(dTheta: Vec, coefficient: Vec): void {
    for (let b = 0; b < this.batch; b++) dTheta[0] += coefficient[b]!;
  }

  /** out = coefficient_b·c per row (or constant·c when no coefficients are given). */
  private scaledC(sOut: Vec, coefficient: Vec | null, constant: number): void {
    const { n, c } = this;
    for (let b = 0; b < this.batch; b++) {
      const a = coefficient === null ? constant : coefficient[b]!;
      if (a === 0) sOut.fill(0, b * n, (b + 1) * n); // +0, not 0·(−1) = −0
      else for (let i = 0; i < n; i++) sOut[b * n + i] = a * c[i]!;
    }
  }

  /** out = A·s + a·c per row. */
  private applyA(out: Vec, s: Vec, a: number): void {
    const { n, c } = this;
    for (let b = 0; b < this.batch; b++) {
      const row = b * n;
      for (let i = 0; i < n; i++) out[row + i] = 0.5 * s[row + i]! + (i + 1 < n ? 0.5 * s[row + i + 1]! : 0) + a * c[i]!;
    }
  }
}

/** The influence-balancing Cell of eqs. (1)–(3). */
export function influenceBalancingCell(options: { dtype?: DType; inputSize?: number } = {}): Cell {
  const inputSize = options.inputSize ?? 1;
  if (!Number.isInteger(inputSize) || inputSize < 1) throw new RangeError(`influence: inputSize must be a positive integer, got ${inputSize}`);
  return new InfluenceBalancingCell(options.dtype ?? 'float64', inputSize);
}

export interface InfluenceCellConfig {
  readonly kind: 'influence';
}

/** The cell's line in the cell table (kinds/cells.ts): no options, no interop counterpart. */
export const influenceSpec = {
  summary: 'influence balancing (Tallec & Ollivier 2018): 23 linear units, one parameter θ, s(0) = 1',
  parse(raw, where) {
    allowOnly(raw, ['kind'], `${where} (influence)`);
    return { kind: 'influence' };
  },
  build: (_config, { inputSize, dtype }) => influenceBalancingCell({ inputSize, dtype }),
  outputSize: () => 1,
  describe: () => `influence-balancing cell (n = ${INFLUENCE_STATE_SIZE}, one parameter θ, θ0 = ${INFLUENCE_THETA0}, s(0) = ${INFLUENCE_INITIAL_STATE})`,
  flags: [],
  interop: { pytorch: null, tfjs: null },
  provides: () => ['structuredInfluence'],
  initialState: (_config, dtype) => influenceInitialState(dtype),
  examples: [{ name: 'influence', config: { kind: 'influence' } }],
} satisfies CellSpec<InfluenceCellConfig>;
