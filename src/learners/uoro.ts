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
 * Note: our loss at step t reads s_{t+1} (learner.ts), so (6) uses s̃_{t+1}, θ̃_{t+1}; the paper's
 * output reads s_t and its Algorithm 1 uses s̃_t, θ̃_t — the same estimator, indexed differently.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { dot, norm } from '../tensor/kernels.js';
import { Rng } from '../tensor/rng.js';
import type { CellStep } from '../cells/cell.js';
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import { LearnerContext } from './context.js';
import type { Learner, LearnerOptions, LearnerSnapshot, StepResult } from './learner.js';

/** The small constant of Algorithm 1's scalings (4). */
export const UORO_EPSILON = 1e-7;

export interface UoroOptions extends LearnerOptions {
  /** ε in the scalings ρ0, ρ1, eq. (4). @default 1e-7 */
  epsilon?: number;
  /** Use the variance-reducing scalings ρ0, ρ1; false fixes both to 1. @default true */
  rescale?: boolean;
}

export class Uoro implements Learner {
  readonly kind = 'uoro';
  readonly epsilon: number;
  readonly rescale: boolean;
  private readonly context: LearnerContext;
  private readonly cellStep: CellStep;
  private readonly rng: Rng;
  /** s̃ (n) and θ̃ (p_core). */
  private readonly sTilde: Vec;
  private readonly thetaTilde: Vec;
  private readonly nu: Vec;
  private readonly sTildeNext: Vec;
  private readonly deltaTheta: Vec;
  /** ‖θ̃‖, kept by the update of θ̃ (one pass fewer a step); deltaTheta is left zeroed there too. */
  private thetaTildeNorm = 0;

  constructor(model: OnlineModel | Model, options: UoroOptions) {
    this.context = new LearnerContext('uoro', model, options);
    this.epsilon = checkEpsilon('uoro', options.epsilon ?? UORO_EPSILON);
    this.rescale = options.rescale ?? true;
    const { core, dtype } = this.context.model;
    this.cellStep = core.createStep(1);
    this.rng = new Rng(options.seed ?? 0);
    this.sTilde = zeros(dtype, core.stateSize);
    this.thetaTilde = zeros(dtype, core.paramSize);
    this.nu = zeros(dtype, core.stateSize);
    this.sTildeNext = zeros(dtype, core.stateSize);
    this.deltaTheta = zeros(dtype, core.paramSize);
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
    const signal = dot(context.readout.dState, this.sTilde);
    for (let i = 0; i < core.length; i++) core[i] = signal * this.thetaTilde[i]!; // eq. (6)
    context.update();
    return { loss, prediction: context.readout.prediction, updated: context.optimizer !== null };
  }

  /** (s̃, θ̃) at t → t+1, eqs. (2)–(5). */
  private propagate(theta: Vec): void {
    const { cellStep, sTilde, thetaTilde, nu, sTildeNext, deltaTheta, epsilon } = this;
    cellStep.jvp(sTildeNext, null, sTilde, null, theta); // eq. (2)
    this.rng.fillSigns(nu);
    cellStep.vjp(null, null, deltaTheta, nu, theta); // eq. (3), deltaTheta was left zeroed
    let rho0 = 1;
    let rho1 = 1;
    if (this.rescale) {
      rho0 = Math.sqrt(this.thetaTildeNorm / (norm(sTildeNext) + epsilon)) + epsilon; // eq. (4)
      rho1 = Math.sqrt(norm(deltaTheta) / (norm(nu) + epsilon)) + epsilon;
    }
    for (let i = 0; i < sTilde.length; i++) sTilde[i] = rho0 * sTildeNext[i]! + rho1 * nu[i]!; // eq. (5)
    const a = 1 / rho0;
    const b = 1 / rho1;
    let sum = 0;
    for (let i = 0; i < thetaTilde.length; i++) {
      const value = a * thetaTilde[i]! + b * deltaTheta[i]!;
      thetaTilde[i] = value;
      sum += value * value;
      deltaTheta[i] = 0;
    }
    this.thetaTildeNorm = Math.sqrt(sum);
  }

  reset(): void {
    this.context.resetState();
    this.sTilde.fill(0);
    this.thetaTilde.fill(0);
    this.thetaTildeNorm = 0;
  }

  snapshot(): LearnerSnapshot {
    return this.context.snapshot({ sTilde: this.sTilde, thetaTilde: this.thetaTilde }, {}, this.rng);
  }

  restore(snapshot: LearnerSnapshot): void {
    this.context.restore(snapshot, { sTilde: this.sTilde, thetaTilde: this.thetaTilde }, this.rng);
    let sum = 0;
    for (let i = 0; i < this.thetaTilde.length; i++) sum += this.thetaTilde[i]! * this.thetaTilde[i]!; // the order the update sums in
    this.thetaTildeNorm = Math.sqrt(sum);
  }
}

export function checkEpsilon(kind: string, epsilon: number): number {
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new RangeError(`${kind}: epsilon must be a small positive number, got ${epsilon}`);
  return epsilon;
}

/** Unbiased online recurrent optimization. */
export function uoro(model: OnlineModel | Model, options: UoroOptions): Uoro {
  return new Uoro(model, options);
}
