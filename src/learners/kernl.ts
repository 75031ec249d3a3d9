/**
 * KeRNL, kernel RNN learning (Roth, Kanitscheider & Fiete, ICLR 2019), as in Marschall et al.
 * 2020's KeRNL.py: the sensitivity M_{k,q} = ∂s_k/∂θ_q is approximated by a product
 * A_{k,s}·E_{s,q} of a learned sensitivity matrix A (n × n) and an eligibility trace E that
 * forgets at learned rates γ_s = 1 − α_s. A and α are fitted online by perturbation: a
 * shadow copy of the network s̃ receives Gaussian noise ζ_t, and A·Ω predicts s̃ − s from the
 * filtered noise Ω.
 *
 *   s_{t+1} = F(x_t, s_t; θ),   s̃_{t+1} = F(x_t, s̃_t; θ) + ζ_t,   ζ_t ~ N(0, σ²I)   (1)
 *   γ = 1 − α,   Γ ← γ⊙Γ − Ω,   Ω ← γ⊙Ω + ζ_t      (Γ = ∂Ω/∂α)                 (2)
 *   e = A·Ω − (s̃_{t+1} − s_{t+1})                                                 (3)
 *   A ← A − η·e ⊗ Ω / σ²,   α ← α − η·(Aᵀe)⊙Γ / σ²                               (4)
 *   E ← γ⊙E + ∂F/∂θ|immediate             (term-sensitivity.ts, Ĵ = diag γ)       (5)
 *   ĝ_t = (Aᵀq_t)·E + ∂ℓ_t/∂θ_head,   q_t = ∂ℓ_t/∂s_{t+1}                           (6)
 *
 * (4) is SGD on ½‖e‖² (eq. 3's regression); A starts at I and α at 0.8, as in KeRNL.py, and α
 * stays in [0, 1] (KeRNL.py clips γ at 0; a rate below 0 would make the trace grow, γ > 1).
 * ĝ is biased (A·diag(γ^Δ) cannot express J's products in general) and random (ζ).
 * Note: the division by σ² in (4) makes the rate η independent of the noise scale (the
 * regression's error and Ω are both O(σ)). KeRNL.py adds ζ to the shadow state one step after
 * entering it in Ω; here ζ_t enters both on the same step, so (3) compares like with like.
 * Works on any cell with the structured influence (E lives on its pattern). Cost per step: a
 * second forward step, O(n²) for A, O(Σ_k |S_k||Q_k|) for E; memory n² + that (p for an RNN).
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { Rng } from '../tensor/rng.js';
import type { CellStep } from '../cells/cell.js';
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import { ForwardModeLearner, type EstimatorSetup, type SensitivityEstimator } from './forward-mode.js';
import { traceOnInfluence, type TermSensitivity } from './term-sensitivity.js';
import type { LearnerOptions } from './learner.js';

export interface KernlOptions extends LearnerOptions {
  /** σ, the perturbation's standard deviation. @default 1e-5 (KeRNL.py) */
  sigma?: number;
  /** η, the learning rate of A and α in (4). @default 1e-3 */
  kernelLr?: number;
}

export class KernlEstimator implements SensitivityEstimator {
  readonly rng: Rng;
  private readonly n: number;
  private readonly trace: TermSensitivity;
  private readonly shadowStep: CellStep;
  private readonly input: Vec;
  private readonly state: Vec;
  /** s_t, kept for the shadow network's input (s̃_t = s_t + deviation). */
  private readonly previous: Vec;
  /** s̃ − s (n): zero after a reset, when the shadow copy restarts from s. */
  private readonly deviation: Vec;
  private readonly shadow: Vec;
  private readonly omega: Vec;
  private readonly gammaOfOmega: Vec;
  /** A (n × n) and α (n): the estimator's own learned parameters, kept across resets. */
  private readonly sensitivity: Vec;
  private readonly rates: Vec;
  private readonly decay: Vec;
  private readonly error: Vec;
  private readonly signal: Vec;

  constructor(
    { core, cellStep, coreTheta, input, state }: EstimatorSetup,
    readonly sigma: number,
    readonly kernelLr: number,
    seed: number,
  ) {
    const { dtype } = core;
    const n = (this.n = core.stateSize);
    this.trace = traceOnInfluence('kernl', core, cellStep, coreTheta);
    this.rng = new Rng(seed);
    this.shadowStep = core.createStep(1);
    this.input = input;
    this.state = state;
    this.previous = state.slice();
    [this.deviation, this.shadow, this.omega, this.gammaOfOmega, this.decay, this.error, this.signal] = Array.from({ length: 7 }, () => zeros(dtype, n));
    this.sensitivity = zeros(dtype, n * n);
    for (let i = 0; i < n; i++) this.sensitivity[i * n + i] = 1;
    this.rates = zeros(dtype, n).fill(0.8);
  }

  /** Eqs. (1)–(5) over the step just taken. */
  propagate(theta: Vec): void {
    const { n, previous, deviation, shadow, omega, gammaOfOmega, decay, error, sensitivity: A, rates, state, sigma } = this;
    for (let i = 0; i < n; i++) shadow[i] = previous[i]! + deviation[i]!;
    this.shadowStep.forward(shadow, this.input, shadow, theta); // eq. (1)
    for (let i = 0; i < n; i++) {
      const zeta = sigma * this.rng.normal();
      deviation[i] = shadow[i]! + zeta - state[i]!;
      decay[i] = 1 - rates[i]!;
      gammaOfOmega[i] = decay[i]! * gammaOfOmega[i]! - omega[i]!; // eq. (2)
      omega[i] = decay[i]! * omega[i]! + zeta;
    }
    for (let k = 0; k < n; k++) {
      let prediction = 0;
      for (let i = 0; i < n; i++) prediction += A[k * n + i]! * omega[i]!;
      error[k] = prediction - deviation[k]!; // eq. (3)
    }
    const step = this.kernelLr / (sigma * sigma);
    for (let i = 0; i < n; i++) {
      let back = 0;
      for (let k = 0; k < n; k++) back += error[k]! * A[k * n + i]!;
      rates[i] = Math.min(1, Math.max(0, rates[i]! - step * back * gammaOfOmega[i]!)); // eq. (4), with A before its own update
    }
    for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) A[k * n + i] -= step * error[k]! * omega[i]!;
    this.trace.propagate(decay, theta); // eq. (5)
    previous.set(state);
  }

  /** Eq. (6). */
  readGradient(out: Vec, dState: Vec): number {
    const { n, signal, sensitivity: A } = this;
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += dState[k]! * A[k * n + i]!;
      signal[i] = sum;
    }
    this.trace.readGradient(out, signal);
    return NaN; // the update measures ‖ĝ‖
  }

  reset(): void {
    this.trace.reset();
    this.deviation.fill(0);
    this.omega.fill(0);
    this.gammaOfOmega.fill(0);
    this.previous.set(this.state);
  }

  tensors(): Record<string, Vec> {
    return { trace: this.trace.blocks, deviation: this.deviation, omega: this.omega, gammaOfOmega: this.gammaOfOmega, learnedSensitivity: this.sensitivity, learnedRates: this.rates };
  }

  restored(): void {
    this.previous.set(this.state);
  }
}

/** A KeRNL learner: the shared forward-mode loop around KernlEstimator. */
export type Kernl = ForwardModeLearner<KernlEstimator>;

/** KeRNL: a learned sensitivity times an eligibility trace with learned timescales. */
export function kernl(model: OnlineModel | Model, options: KernlOptions): Kernl {
  const sigma = options.sigma ?? 1e-5;
  const kernelLr = options.kernelLr ?? 1e-3;
  if (!(sigma > 0 && Number.isFinite(sigma))) throw new RangeError(`kernl: sigma must be a positive number, got ${sigma}`);
  if (!(kernelLr >= 0 && Number.isFinite(kernelLr))) throw new RangeError(`kernl: kernelLr must be a number ≥ 0, got ${kernelLr}`);
  return new ForwardModeLearner('kernl', model, options, (setup) => new KernlEstimator(setup, sigma, kernelLr, options.seed ?? 0));
}
