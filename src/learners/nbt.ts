/**
 * NoBackTrack (Ollivier, Tallec & Charpiat 2015, arXiv:1507.07680): a rank-one, unbiased
 * estimate s̃·θ̃ of RTRL's sensitivity M = ∂s/∂θ, like UORO, but drawing one random sign per
 * rank-one term of the immediate influence instead of one per state coordinate. It reads the
 * cell's structure — ∂F/∂θ = Σ_k v_k ⊗ u_k, one term per pre-activation (see cells/cell.ts) —
 * which is why it is not black-box. With independent signs ε_0, ε_1 … ε_K ∈ {±1}:
 *
 *   s_{t+1} = F(x_t, s_t; θ)                                            (1)
 *   J_t·s̃_t  (jvp with sDot = s̃_t only),  v_k, u_k  at (x_t, s_t; θ)    (2)
 *   ρ_0 = √(‖θ̃_t‖ / (‖J_t s̃_t‖ + ε)) + ε,  ρ_k = √(‖u_k‖ / (‖v_k‖ + ε)) + ε   (3)
 *   s̃_{t+1} = ε_0ρ_0·J_t s̃_t + Σ_k ε_kρ_k·v_k        (combineState)       (4)
 *   θ̃_{t+1} = ε_0·θ̃_t/ρ_0 + Σ_k (ε_k/ρ_k)·u_k        (addCombinedParams)  (5)
 *   ĝ_t = (∂ℓ_t/∂s_{t+1}·s̃_{t+1})·θ̃_{t+1} + ∂ℓ_t/∂θ_head                 (6)
 *
 * (4)–(5) are the paper's rank-one trick (its eq. 7) applied to
 * J·s̃θ̃ᵀ + Σ_k v_k u_kᵀ: cross terms have mean zero, so E[s̃_{t+1}θ̃_{t+1}ᵀ] = J·E[s̃_tθ̃_tᵀ] + ∂F/∂θ
 * and ĝ_t is unbiased; ρ_k² = ‖u_k‖/‖v_k‖ balances each term's two factors, which minimises
 * the variance of the sum. ε (default 1e-7, as UORO's) keeps each ρ finite and nonzero when a
 * factor vanishes (a saturated gate, s̃ = 0 after a reset). Stacks report layer-local ‖v_k‖
 * (model/stack.ts): only the scalings change, never the unbiasedness.
 * Cost per step: one forward, one jvp, norms, one combineState (≈ one jvp) and one
 * addCombinedParams (≈ the parameter half of a vjp); memory O(n + p + K).
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { combine, norm, reciprocalTerms, termScalings } from '../tensor/kernels.js';
import { Rng } from '../tensor/rng.js';
import type { DerivedStep, ImmediateInfluence } from '../cells/cell.js';
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import { ForwardModeLearner, type EstimatorSetup } from './forward-mode.js';
import { checkEpsilon, UORO_EPSILON } from './uoro.js';
import { RankOneEstimator } from './rank-one.js';
import type { LearnerOptions } from './learner.js';

export interface NbtOptions extends LearnerOptions {
  /** ε in the scalings ρ_0, ρ_k, eq. (3). @default 1e-7 */
  epsilon?: number;
}

/** NoBackTrack's estimate of M: the rank-one product s̃·θ̃ᵀ, reduced term by term. */
export class NbtEstimator extends RankOneEstimator {
  readonly rng: Rng;
  private readonly cellStep: DerivedStep;
  private readonly influence: ImmediateInfluence;
  private readonly jsTilde: Vec;
  readonly stateTangent: { readonly input: Vec; readonly output: Vec };
  /** ε_1 … ε_K then ε_0 (K + 1 signs). */
  private readonly signs: Vec;
  private readonly vNorm: Vec;
  private readonly uNorm: Vec;
  private readonly coefficient: Vec;

  constructor(
    { core, cellStep }: EstimatorSetup,
    readonly epsilon: number,
    seed: number,
  ) {
    super(core.dtype, core.stateSize, core.paramSize);
    if (cellStep.influence === undefined) {
      throw new TypeError(
        `nbt: the ${core.kind} cell does not expose its immediate influence (CellStep.influence): NoBackTrack draws one random sign per rank-one term of ∂F/∂θ, so it needs the cell's structure. Implement ImmediateInfluence for this cell, or use uoro, which needs only vjp and jvp.`,
      );
    }
    this.cellStep = cellStep;
    this.influence = cellStep.influence;
    const K = this.influence.termCount;
    const { dtype } = core;
    this.rng = new Rng(seed);
    this.jsTilde = zeros(dtype, core.stateSize);
    this.stateTangent = { input: this.sTilde, output: this.jsTilde };
    this.signs = zeros(dtype, K + 1);
    this.vNorm = zeros(dtype, K);
    this.uNorm = zeros(dtype, K);
    this.coefficient = zeros(dtype, K);
    this.deferTerms(core, this.influence, cellStep.batch, this.coefficient);
  }

  /** (s̃, θ̃) at t → t+1, eqs. (2)–(5). */
  propagate(theta: Vec): void {
    const { influence, sTilde, thetaTilde, jsTilde, signs, vNorm, uNorm, coefficient, epsilon } = this;
    const K = influence.termCount;
    this.settle(); // the last step's terms, if the optimizer did not add them
    this.propagateTangent(this.cellStep, theta); // eq. (2): J_t·s̃_t
    influence.norms(vNorm, uNorm, theta);
    this.rng.fillSigns(signs);
    const sign0 = signs[K]!;
    const rho0 = Math.sqrt(thetaTilde.norm() / (norm(jsTilde) + epsilon)) + epsilon; // eq. (3)
    // c_k = ε_kρ_k, and ‖Σ_k (ε_k/ρ_k)·u_k‖² = Σ_k (‖u_k‖/c_k)², the u_k being disjoint
    const added = termScalings(coefficient, signs, uNorm, vNorm, epsilon);
    influence.combineState(sTilde, coefficient, theta); // eq. (4)
    combine(sTilde, 1, sTilde, sign0 * rho0, jsTilde);
    thetaTilde.multiply(sign0 / rho0); // eq. (5)
    const factor = thetaTilde.termFactor(Math.sqrt(added));
    reciprocalTerms(coefficient, factor); // ε_k/ρ_k = 1/(ε_kρ_k) as ε_k² = 1
    this.addTerms(influence, coefficient);
  }
}

/** A NoBackTrack learner: the shared forward-mode loop around NbtEstimator. */
export type Nbt = ForwardModeLearner<NbtEstimator>;

/** NoBackTrack: needs a core whose steps expose their immediate influence. */
export function nbt(model: OnlineModel | Model, options: NbtOptions): Nbt {
  const epsilon = checkEpsilon('nbt', options.epsilon ?? UORO_EPSILON);
  return new ForwardModeLearner('nbt', model, options, (setup) => new NbtEstimator(setup, epsilon, options.seed ?? 0));
}
