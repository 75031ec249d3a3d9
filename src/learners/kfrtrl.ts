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
 * than UORO's by a factor of order n). J·A is R jvps (one per column of A), V is R combineState calls, so a step costs
 * O(R·p) ≈ O(n³) for an RNN; memory O(n·R + m). ε as in UORO (default 1e-7).
 * Needs the cell's `influence.kronecker` (cells/cell.ts); other cores are refused.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { dotAt, norm } from '../tensor/kernels.js';
import { Rng } from '../tensor/rng.js';
import type { CellStep, ImmediateInfluence, KroneckerInfluence } from '../cells/cell.js';
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import { LearnerContext, rowViews } from './context.js';
import { checkEpsilon, UORO_EPSILON } from './uoro.js';
import type { Learner, LearnerOptions, LearnerSnapshot, StepResult } from './learner.js';

export interface KfRtrlOptions extends LearnerOptions {
  /** ε in the scalings ρ_1, ρ_2, eq. (2). @default 1e-7 */
  epsilon?: number;
}

export class KfRtrl implements Learner {
  readonly kind = 'kfrtrl';
  readonly epsilon: number;
  private readonly context: LearnerContext;
  private readonly cellStep: CellStep;
  private readonly influence: ImmediateInfluence;
  private readonly kronecker: KroneckerInfluence;
  private readonly rng: Rng;
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

  constructor(model: OnlineModel | Model, options: KfRtrlOptions) {
    this.context = new LearnerContext('kfrtrl', model, options);
    this.epsilon = checkEpsilon('kfrtrl', options.epsilon ?? UORO_EPSILON);
    const { core, dtype } = this.context.model;
    this.cellStep = core.createStep(1);
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
    this.rng = new Rng(options.seed ?? 0);
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
  }

  get model(): OnlineModel {
    return this.context.model;
  }
  get steps(): number {
    return this.context.steps;
  }
  get state(): Vec {
    return this.context.state;
  }
  get gradient(): Vec {
    return this.context.gradient;
  }

  step(x: ArrayLike<number>, target?: ArrayLike<number> | null): StepResult {
    const { context } = this;
    const input = context.input(x, target);
    const theta = context.model.coreTheta;
    this.cellStep.forward(context.state, input, context.state, theta); // eq. (1)
    this.propagate(theta);
    if (target === null || target === undefined) return context.predictOnly();
    const loss = context.evaluate(target, context.zeroHeadGradient());
    const core = context.model.coreSlice(context.gradient);
    const dState = context.readout.dState;
    const n = dState.length;
    for (let k = 0; k < this.rowSignal.length; k++) this.rowSignal[k] = dotAt(this.a, k * n, dState, 0, n);
    core.fill(0);
    this.kronecker.addOuter(core, this.rowSignal, this.u); // eq. (4)
    context.update();
    return { loss, prediction: context.readout.prediction, updated: context.optimizer !== null };
  }

  /** (A, u) at t → t+1, eqs. (2)–(3). */
  private propagate(theta: Vec): void {
    const { a, aRows, ja, jaRows, v, vRows, u, z, signs, coefficient, epsilon } = this;
    for (let k = 0; k < aRows.length; k++) {
      this.cellStep.jvp(jaRows[k]!, null, aRows[k]!, null, theta); // column k of J·A
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

  reset(): void {
    this.context.resetState();
    this.a.fill(0);
    this.u.fill(0);
  }

  snapshot(): LearnerSnapshot {
    return this.context.snapshot({ a: this.a, u: this.u }, {}, this.rng);
  }

  restore(snapshot: LearnerSnapshot): void {
    this.context.restore(snapshot, { a: this.a, u: this.u }, this.rng);
  }
}

/** Kronecker-factored RTRL: needs a core whose influence is Kronecker-factored. */
export function kfrtrl(model: OnlineModel | Model, options: KfRtrlOptions): KfRtrl {
  return new KfRtrl(model, options);
}
