/**
 * Kronecker-factored RTRL (Mujika, Meier & Steger, NeurIPS 2018, "Approximating real-time
 * recurrent learning with random Kronecker factors"). For cells whose pre-activations are
 * a = W·z with one input z shared by every row of W (an Elman RNN, an LSTM without peepholes or
 * projection), the immediate influence is ∂F/∂θ = V ⊗ z with V = [v_1 … v_R] (n × R). KF-RTRL
 * keeps M = ∂s/∂θ ≈ A ⊗ u (A: n × R, u ∈ Rᵐ) and applies the rank-one trick to the two
 * Kronecker terms of J·M + ∂F/∂θ = (J·A) ⊗ u + V ⊗ z, with signs c_1, c_2 ∈ {±1}:
 *
 *   s_{t+1} = F(x_t, s_t; θ)                                                    (1)
 *   ρ_1 = √(‖J·A‖ / (‖u‖ + ε)) + ε,   ρ_2 = √(‖V‖ / (‖z‖ + ε)) + ε   (Frobenius)    (2)
 *   A ← c_1·(J·A)/ρ_1 + c_2·V/ρ_2,    u ← c_1ρ_1·u + c_2ρ_2·z                      (3)
 *   g_t[row k, column j] = (Aᵀ·∂ℓ_t/∂s_{t+1})_k·u_j + ∂ℓ_t/∂θ_head                  (4)
 *
 * Unbiased for the same reason as UORO (E[c_1c_2] = 0), but the noise enters through two
 * terms instead of n, so its variance is far lower (the paper shows it asymptotically smaller
 * than UORO's by a factor of order n). J·A is R jvps (one per column of A) — or, when the state
 * has fewer entries than A has columns (n < R: an LSTM, n = 2H and R = 4H), n vjps for the rows
 * of J and one GEMM (J·A)ᵀ = Aᵀ·Jᵀ, fewer calls into the cell and the product at the kernels'
 * rate; V is R combineState calls, so a step costs O(R·p) ≈ O(n³) for an RNN; memory O(n·R + m).
 * ε as in UORO (default 1e-7).
 * Needs the cell's `influence.kronecker` (cells/cell.ts); other cores are refused.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { dotAt, matmulABt, norm } from '../tensor/kernels.js';
import { Rng } from '../tensor/rng.js';
import type { DerivedStep, ImmediateInfluence, KroneckerInfluence } from '../cells/cell.js';
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import { rowViews } from './context.js';
import { ForwardModeLearner, type EstimatorSetup, type SensitivityEstimator } from './forward-mode.js';
import { checkEpsilon, UORO_EPSILON } from './uoro.js';
import type { LearnerOptions } from './learner.js';

export interface KfRtrlOptions extends LearnerOptions {
  /** ε in the scalings ρ_1, ρ_2, eq. (2). @default 1e-7 */
  epsilon?: number;
}

/** KF-RTRL's estimate of M: the Kronecker product A ⊗ u. */
export class KfRtrlEstimator implements SensitivityEstimator {
  readonly rng: Rng;
  private readonly cellStep: DerivedStep;
  private readonly influence: ImmediateInfluence;
  private readonly kronecker: KroneckerInfluence;
  /** Aᵀ (R × n): row k is column k of A. */
  private readonly a: Vec;
  private readonly aRows: Vec[];
  /** (J·A)ᵀ and Vᵀ (R × n), rows as views. */
  private readonly ja: Vec;
  private readonly jaRows: Vec[];
  private readonly v: Vec;
  private readonly vRows: Vec[];
  private readonly u: Vec;
  private readonly z: Vec;
  private readonly signs: Vec;
  private readonly coefficient: Vec;
  private readonly rowSignal: Vec;
  /** J (n × n) row by row, when n < R makes J·A one GEMM cheaper than R jvps; else null. */
  private readonly jacobian: Vec | null;
  private readonly jacobianRow: Vec;
  private readonly unit: Vec;

  constructor(
    { core, cellStep }: EstimatorSetup,
    readonly epsilon: number,
    seed: number,
  ) {
    const { dtype } = core;
    this.cellStep = cellStep;
    const kronecker = this.cellStep.influence?.kronecker;
    if (kronecker === undefined) {
      throw new TypeError(
        `kfrtrl: the ${core.kind} cell's influence is not Kronecker-factored (influence.kronecker): KF-RTRL needs every parameter row to read one shared input z, as in an Elman RNN or an LSTM without peepholes or projection (a stack's layers read different inputs). Use uoro or nbt instead.`,
      );
    }
    this.influence = this.cellStep.influence!;
    this.kronecker = kronecker;
    const n = core.stateSize;
    const R = this.influence.termCount;
    this.rng = new Rng(seed);
    this.a = zeros(dtype, R * n);
    this.aRows = rowViews(this.a, R, n);
    this.ja = zeros(dtype, R * n);
    this.jaRows = rowViews(this.ja, R, n);
    this.v = zeros(dtype, R * n);
    this.vRows = rowViews(this.v, R, n);
    this.u = zeros(dtype, kronecker.width);
    this.z = zeros(dtype, kronecker.width);
    this.signs = zeros(dtype, 2);
    this.coefficient = zeros(dtype, R);
    this.rowSignal = zeros(dtype, R);
    this.jacobian = n < R ? zeros(dtype, n * n) : null;
    this.jacobianRow = zeros(dtype, n);
    this.unit = zeros(dtype, n);
  }

  /** Eq. (4): row k of the gradient is (Aᵀ·∂ℓ/∂s)_k·u. */
  readGradient(out: Vec, dState: Vec): number {
    const n = dState.length;
    for (let k = 0; k < this.rowSignal.length; k++) this.rowSignal[k] = dotAt(this.a, k * n, dState, 0, n);
    out.fill(0);
    this.kronecker.addOuter(out, this.rowSignal, this.u);
    return NaN; // the update measures ‖ĝ‖
  }

  /** (A, u) at t → t+1, eqs. (2)–(3). */
  propagate(theta: Vec): void {
    const { a, aRows, ja, jaRows, v, vRows, u, z, signs, coefficient, epsilon, jacobian } = this;
    if (jacobian !== null) this.productWithJacobian(jacobian, theta);
    for (let k = 0; k < aRows.length; k++) {
      if (jacobian === null) this.cellStep.stateJvp(jaRows[k]!, aRows[k]!, theta); // column k of J·A
      coefficient[k] = 1;
      this.influence.combineState(vRows[k]!, coefficient, theta); // v_k, column k of V
      coefficient[k] = 0;
    }
    this.kronecker.input(z);
    const rho1 = Math.sqrt(norm(ja) / (norm(u) + epsilon)) + epsilon; // eq. (2)
    const rho2 = Math.sqrt(norm(v) / (norm(z) + epsilon)) + epsilon;
    this.rng.fillSigns(signs);
    const c1 = signs[0]!;
    const c2 = signs[1]!;
    for (let i = 0; i < a.length; i++) a[i] = (c1 / rho1) * ja[i]! + (c2 / rho2) * v[i]!; // eq. (3)
    for (let j = 0; j < u.length; j++) u[j] = c1 * rho1 * u[j]! + c2 * rho2 * z[j]!;
  }

  /** (J·A)ᵀ = Aᵀ·Jᵀ (R × n) from the n rows of J, one vjp each. */
  private productWithJacobian(jacobian: Vec, theta: Vec): void {
    const { unit, jacobianRow } = this;
    const n = unit.length;
    for (let i = 0; i < n; i++) {
      unit[i] = 1;
      this.cellStep.stateVjp(jacobianRow, unit, theta); // row i of J
      unit[i] = 0;
      jacobian.set(jacobianRow, i * n);
    }
    matmulABt(this.ja, this.a, jacobian, this.aRows.length, n, n);
  }

  reset(): void {
    this.a.fill(0);
    this.u.fill(0);
  }

  tensors(): Record<string, Vec> {
    return { a: this.a, u: this.u };
  }
}

/** A KF-RTRL learner: the shared forward-mode loop around KfRtrlEstimator. */
export type KfRtrl = ForwardModeLearner<KfRtrlEstimator>;

/** Kronecker-factored RTRL: needs a core whose influence is Kronecker-factored. */
export function kfrtrl(model: OnlineModel | Model, options: KfRtrlOptions): KfRtrl {
  const epsilon = checkEpsilon('kfrtrl', options.epsilon ?? UORO_EPSILON);
  return new ForwardModeLearner('kfrtrl', model, options, (setup) => new KfRtrlEstimator(setup, epsilon, options.seed ?? 0));
}
