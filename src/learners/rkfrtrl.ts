/**
 * Reverse Kronecker-factored RTRL (Marschall, Cho & Savin, JMLR 2020, "A unified framework of
 * online learning algorithms for training recurrent neural networks", R-KF-RTRL). For cells
 * whose immediate influence is ∂F/∂θ = V ⊗ z (every parameter row k reads one shared input z:
 * `influence.kronecker`), KF-RTRL (kfrtrl.ts) keeps M ≈ A ⊗ u with a state-by-row factor; the
 * reverse form keeps M ≈ a ⊗ B, one number per parameter row (a ∈ R^R) times a state-by-input
 * factor (B: n × m), M[s, (k, j)] ≈ a_k·B[s, j]. With fresh signs ν ∈ {±1}^R the immediate term
 * is folded in through its projection Σ_k ν_k·v_k ⊗ z = (V·ν) ⊗ z:
 *
 *   s_{t+1} = F(x_t, s_t; θ)                                                        (1)
 *   ρ_0 = √(‖J·B‖ / (‖a‖ + ε)) + ε,   ρ_1 = √(‖V·ν‖·‖z‖ / (‖ν‖ + ε)) + ε            (2)
 *   a ← ρ_0·a + ρ_1·ν,    B ← J·B/ρ_0 + (V·ν) ⊗ z/ρ_1                                (3)
 *   g_t[row k, column j] = a_k·(Bᵀ·∂ℓ_t/∂s_{t+1})_j + ∂ℓ_t/∂θ_head                    (4)
 *
 * Unbiased: the new a ⊗ B is a ⊗ J·B + ν ⊗ (V·ν) ⊗ z plus two cross terms linear in ν, and
 * E[ν_k ν_k'] = δ_kk' makes E[ν ⊗ V·ν] = V, while the cross terms vanish because ρ_1 is even in
 * ν (ρ_0 does not depend on it). J·B is m jvps (one per column of B) and V·ν one combineState,
 * so a step costs O(m·p) ≈ O(n³) for an Elman RNN — fewer jvps than KF-RTRL's R on an LSTM
 * (m = I + P + 1 against R = 4H); memory O(R + n·m). ε as in UORO (default 1e-7); Marschall's
 * code starts A and B at random normal values to avoid 0/0 in (2), the ε here lets them start
 * at 0 (M_0 = 0). Needs the cell's `influence.kronecker`; other cores are refused.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { dotAt, norm } from '../tensor/kernels.js';
import { Rng } from '../tensor/rng.js';
import type { DerivedStep, ImmediateInfluence, KroneckerInfluence } from '../cells/cell.js';
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import { rowViews } from './context.js';
import { ForwardModeLearner, type EstimatorSetup, type SensitivityEstimator } from './forward-mode.js';
import { checkEpsilon, UORO_EPSILON } from './uoro.js';
import type { LearnerOptions } from './learner.js';

export interface RkfRtrlOptions extends LearnerOptions {
  /** ε in the scalings ρ_0, ρ_1, eq. (2). @default 1e-7 */
  epsilon?: number;
}

/** Reverse KF-RTRL's estimate of M: the Kronecker product a ⊗ B. */
export class RkfRtrlEstimator implements SensitivityEstimator {
  readonly rng: Rng;
  private readonly cellStep: DerivedStep;
  private readonly influence: ImmediateInfluence;
  private readonly kronecker: KroneckerInfluence;
  /** a (R): one factor per parameter row. */
  private readonly a: Vec;
  /** Bᵀ and (J·B)ᵀ (m × n): row j is column j of B. */
  private readonly b: Vec;
  private readonly bRows: Vec[];
  private readonly jb: Vec;
  private readonly jbRows: Vec[];
  private readonly nu: Vec;
  /** V·ν (n). */
  private readonly vNu: Vec;
  private readonly z: Vec;
  private readonly columnSignal: Vec;

  constructor(
    { core, cellStep }: EstimatorSetup,
    readonly epsilon: number,
    seed: number,
  ) {
    const { dtype } = core;
    this.cellStep = cellStep;
    const kronecker = cellStep.influence?.kronecker;
    if (kronecker === undefined) {
      throw new TypeError(
        `rkfrtrl: the ${core.kind} cell's influence is not Kronecker-factored (influence.kronecker): reverse KF-RTRL needs every parameter row to read one shared input z, as in an Elman RNN or an LSTM without peepholes or projection (a stack's layers read different inputs). Use uoro or nbt instead.`,
      );
    }
    this.influence = cellStep.influence!;
    this.kronecker = kronecker;
    const n = core.stateSize;
    const m = kronecker.width;
    this.rng = new Rng(seed);
    this.a = zeros(dtype, this.influence.termCount);
    this.b = zeros(dtype, m * n);
    this.bRows = rowViews(this.b, m, n);
    this.jb = zeros(dtype, m * n);
    this.jbRows = rowViews(this.jb, m, n);
    this.nu = zeros(dtype, this.influence.termCount);
    this.vNu = zeros(dtype, n);
    this.z = zeros(dtype, m);
    this.columnSignal = zeros(dtype, m);
  }

  /** Eq. (4): row k of the gradient is a_k·(Bᵀ·∂ℓ/∂s). */
  readGradient(out: Vec, dState: Vec): number {
    const n = dState.length;
    for (let j = 0; j < this.columnSignal.length; j++) this.columnSignal[j] = dotAt(this.b, j * n, dState, 0, n);
    out.fill(0);
    this.kronecker.addOuter(out, this.a, this.columnSignal);
    return NaN; // the update measures ‖ĝ‖
  }

  /** (a, B) at t → t+1, eqs. (2)–(3). */
  propagate(theta: Vec): void {
    const { a, b, bRows, jb, jbRows, nu, vNu, z, epsilon } = this;
    for (let j = 0; j < bRows.length; j++) this.cellStep.stateJvp(jbRows[j]!, bRows[j]!, theta); // column j of J·B
    this.rng.fillSigns(nu);
    this.influence.combineState(vNu, nu, theta); // V·ν
    this.kronecker.input(z);
    const rho0 = Math.sqrt(norm(jb) / (norm(a) + epsilon)) + epsilon; // eq. (2)
    const rho1 = Math.sqrt((norm(vNu) * norm(z)) / (norm(nu) + epsilon)) + epsilon;
    for (let k = 0; k < a.length; k++) a[k] = rho0 * a[k]! + rho1 * nu[k]!; // eq. (3)
    const n = vNu.length;
    for (let j = 0; j < bRows.length; j++) {
      const zj = z[j]! / rho1;
      for (let s = 0, at = j * n; s < n; s++, at++) b[at] = jb[at]! / rho0 + zj * vNu[s]!;
    }
  }

  reset(): void {
    this.a.fill(0);
    this.b.fill(0);
  }

  tensors(): Record<string, Vec> {
    return { a: this.a, b: this.b };
  }
}

/** A reverse KF-RTRL learner: the shared forward-mode loop around RkfRtrlEstimator. */
export type RkfRtrl = ForwardModeLearner<RkfRtrlEstimator>;

/** Reverse Kronecker-factored RTRL: needs a core whose influence is Kronecker-factored. */
export function rkfrtrl(model: OnlineModel | Model, options: RkfRtrlOptions): RkfRtrl {
  const epsilon = checkEpsilon('rkfrtrl', options.epsilon ?? UORO_EPSILON);
  return new ForwardModeLearner('rkfrtrl', model, options, (setup) => new RkfRtrlEstimator(setup, epsilon, options.seed ?? 0));
}
