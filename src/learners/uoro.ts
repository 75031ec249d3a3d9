/**
 * Unbiased Online Recurrent Optimization (Tallec & Ollivier, ICLR 2018, Algorithm 1): a
 * rank-one, unbiased estimate s̃·θ̃ of RTRL's sensitivity M = ∂s/∂θ, kept with one jvp and one
 * vjp per step, using the cell only as a black box. With fresh random signs ν ∈ {±1}ⁿ:
 *
 *   s_{t+1} = F(x_t, s_t; θ)                                           (1)
 *   s̃' = J_t·s̃_t                  (jvp with sDot = s̃_t only)          (2)
 *   δθ = νᵀ·∂F/∂θ                  (vjp with dSNext = ν, dTheta only)  (3)
 *   ρ0 = √(‖θ̃_t‖ / (‖s̃'‖ + ε)) + ε,   ρ1 = √(‖δθ‖ / (‖ν‖ + ε)) + ε     (4)
 *   s̃_{t+1} = ρ0·s̃' + ρ1·ν,   θ̃_{t+1} = θ̃_t/ρ0 + δθ/ρ1               (5)
 *   ĝ_t = (∂ℓ_t/∂s_{t+1}·s̃_{t+1})·θ̃_{t+1} + ∂ℓ_t/∂θ_head               (6)
 *
 * E[s̃_{t+1}θ̃_{t+1}] = J_t·E[s̃_tθ̃_t] + ∂F/∂θ because E[ννᵀ] = I and ρ0, ρ1 are even in ν, so
 * ĝ_t is unbiased for RTRL's g_t. The scalings (4) balance the two factors' norms, which
 * minimises the variance of the rank-one sum (the paper's variance reduction).
 * ε is where Algorithm 1 puts it — inside the denominators and added to each ρ — so ρ ≥ ε > 0
 * and both divisions stay finite (s̃ = θ̃ = 0 after a reset gives ρ0 = ε, harmlessly). Value:
 * ε = 1e-7 by default (option `epsilon`). Algorithm 1 also uses ε as the finite-difference step
 * of its tangent propagation; we use the cell's exact jvp instead, so ε appears only in (4).
 * `rescale: false` gives ρ0 = ρ1 = 1 (for gradstats).
 * Cost per step: one forward, one jvp, one vjp (about 3–4 forward steps); memory O(n + p).
 * θ̃ is kept as σ·T (scaled-vector.ts), so dividing it by ρ0 costs O(1); with a cell that offers
 * projectState, δθ is never formed as a p-vector (option `deltaTheta`).
 * Note: our loss at step t reads s_{t+1} (learner.ts), so (6) uses s̃_{t+1}, θ̃_{t+1}; the paper's
 * output reads s_t and its Algorithm 1 uses s̃_t, θ̃_t — the same estimator, indexed differently.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { combine, norm, orderedSquares, scaleTerms } from '../tensor/kernels.js';
import { Rng } from '../tensor/rng.js';
import type { CellStep, DerivedStep, ImmediateInfluence } from '../cells/cell.js';
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import { ForwardModeLearner, type EstimatorSetup } from './forward-mode.js';
import { RankOneEstimator } from './rank-one.js';
import type { LearnerOptions } from './learner.js';

/** The small constant of Algorithm 1's scalings (4). */
export const UORO_EPSILON = 1e-7;

export interface UoroOptions extends LearnerOptions {
  /** ε in the scalings ρ0, ρ1, eq. (4). @default 1e-7 */
  epsilon?: number;
  /** Use the variance-reducing scalings ρ0, ρ1; false fixes both to 1. @default true */
  rescale?: boolean;
  /**
   * How δθ = νᵀ·∂F/∂θ is formed: 'vjp' (the black box: a vjp into a p-vector, then its norm and
   * an update pass), or 'terms' (the cell's projectState: ⟨v_k, ν⟩ per term, ‖δθ‖ termwise and
   * the terms added straight into θ̃ — same estimator, two passes fewer per step). 'auto' uses
   * 'terms' when the cell offers projectState. @default 'auto'
   */
  deltaTheta?: 'auto' | 'vjp' | 'terms';
}

/** The immediate influence when it can form δθ term by term (batch 1, projectState present). */
function termwiseInfluence(cellStep: CellStep): ImmediateInfluence | null {
  const influence = cellStep.influence;
  return cellStep.batch === 1 && influence?.projectState !== undefined ? influence : null;
}

/** UORO's estimate of M: the rank-one product s̃·θ̃ᵀ. */
export class UoroEstimator extends RankOneEstimator {
  readonly rng: Rng;
  private readonly cellStep: DerivedStep;
  private readonly nu: Vec;
  /** ‖ν‖ = √n for signs ±1. */
  private readonly nuNorm: number;
  private readonly sTildeNext: Vec;
  readonly stateTangent: { readonly input: Vec; readonly output: Vec };
  /** The termwise path: ⟨v_k, ν⟩ and ‖u_k‖ per term (‖v_k‖ only when the cell cannot give ‖u_k‖ alone). */
  private readonly influence: ImmediateInfluence | null;
  private readonly coefficient: Vec;
  private readonly vNorm: Vec;
  private readonly uNorm: Vec;
  /** The black-box path: δθ as a p-vector, left zeroed between steps. */
  private readonly deltaTheta: Vec;

  constructor(
    { core, cellStep }: EstimatorSetup,
    readonly epsilon: number,
    readonly rescale: boolean,
    seed: number,
    deltaTheta: 'auto' | 'vjp' | 'terms' = 'auto',
  ) {
    super(core.dtype, core.stateSize, core.paramSize);
    this.cellStep = cellStep;
    this.rng = new Rng(seed);
    const { dtype } = core;
    this.nu = zeros(dtype, core.stateSize);
    this.nuNorm = Math.sqrt(core.stateSize);
    this.sTildeNext = zeros(dtype, core.stateSize);
    this.stateTangent = { input: this.sTilde, output: this.sTildeNext };
    this.influence = deltaTheta === 'vjp' ? null : termwiseInfluence(cellStep);
    if (deltaTheta === 'terms' && this.influence === null) {
      throw new TypeError(`uoro: deltaTheta 'terms' needs a cell whose steps offer influence.projectState (the ${core.kind} cell does not); use 'vjp' or 'auto'`);
    }
    const K = this.influence?.termCount ?? 0;
    this.coefficient = zeros(dtype, K);
    this.vNorm = zeros(dtype, this.influence?.paramNorms === undefined ? K : 0); // only for a cell without paramNorms
    this.uNorm = zeros(dtype, K);
    this.deltaTheta = zeros(dtype, this.influence === null ? core.paramSize : 0);
    if (this.influence !== null) this.deferTerms(core, this.influence, cellStep.batch, this.coefficient);
  }

  /** Whether δθ is formed term by term (no p-sized scratch vector). */
  get termwise(): boolean {
    return this.influence !== null;
  }

  /** (s̃, θ̃) at t → t+1, eqs. (2)–(5). */
  propagate(theta: Vec): void {
    const { cellStep, sTilde, thetaTilde, nu, sTildeNext, epsilon } = this;
    this.settle(); // the last step's terms, if the optimizer did not add them
    this.propagateTangent(cellStep, theta); // eq. (2): s̃' = J_t·s̃_t
    this.rng.fillSigns(nu);
    const deltaNorm = this.formDeltaTheta(theta); // eq. (3)
    let rho0 = 1;
    let rho1 = 1;
    if (this.rescale) {
      rho0 = Math.sqrt(thetaTilde.norm() / (norm(sTildeNext) + epsilon)) + epsilon; // eq. (4)
      rho1 = Math.sqrt(deltaNorm / (this.nuNorm + epsilon)) + epsilon;
    }
    combine(sTilde, rho0, sTildeNext, rho1, nu); // eq. (5)
    thetaTilde.multiply(1 / rho0);
    this.addDeltaTheta(1 / rho1, deltaNorm);
  }

  /** δθ = νᵀ·∂F/∂θ, eq. (3): the coefficients ⟨v_k, ν⟩, or δθ itself. Returns ‖δθ‖. */
  private formDeltaTheta(theta: Vec): number {
    const { influence, coefficient, uNorm } = this;
    if (influence === null) {
      this.cellStep.paramVjp(this.deltaTheta, this.nu, theta); // deltaTheta was left zeroed
      return norm(this.deltaTheta);
    }
    influence.projectState!(coefficient, this.nu, theta);
    if (influence.paramNorms !== undefined) influence.paramNorms(uNorm); // ‖v_k‖ is never read here
    else influence.norms(this.vNorm, uNorm, theta);
    return Math.sqrt(orderedSquares(coefficient, uNorm)); // the u_k are disjoint
  }

  /** θ̃ ← θ̃ + weight·δθ (‖δθ‖ = deltaNorm). */
  private addDeltaTheta(weight: number, deltaNorm: number): void {
    const { influence, coefficient, thetaTilde } = this;
    if (influence === null) {
      thetaTilde.addScaled(weight, this.deltaTheta, deltaNorm);
      this.deltaTheta.fill(0);
      return;
    }
    const factor = weight * thetaTilde.termFactor(weight * deltaNorm);
    scaleTerms(coefficient, factor);
    this.addTerms(influence, coefficient);
  }
}

/** A UORO learner: the shared forward-mode loop around UoroEstimator. */
export type Uoro = ForwardModeLearner<UoroEstimator>;

export function checkEpsilon(kind: string, epsilon: number): number {
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new RangeError(`${kind}: epsilon must be a small positive number, got ${epsilon}`);
  return epsilon;
}

/** Unbiased online recurrent optimization. */
export function uoro(model: OnlineModel | Model, options: UoroOptions): Uoro {
  const epsilon = checkEpsilon('uoro', options.epsilon ?? UORO_EPSILON);
  const rescale = options.rescale ?? true;
  const deltaTheta = options.deltaTheta ?? 'auto';
  if (!['auto', 'vjp', 'terms'].includes(deltaTheta)) throw new RangeError(`uoro: deltaTheta must be 'auto', 'vjp' or 'terms', got ${String(deltaTheta)}`);
  return new ForwardModeLearner('uoro', model, options, (setup) => new UoroEstimator(setup, epsilon, rescale, options.seed ?? 0, deltaTheta));
}
