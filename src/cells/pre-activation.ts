/**
 * The shared adapter for cells built as "gates as a function of pre-activations" (Elman RNN,
 * LSTM, GRU): s' = G(a, s) with pre-activations a = A(x, s; θ) that are linear in θ, one
 * parameter row per pre-activation a_k. Then every derivative the Cell contract asks for is
 * the chain rule through a, with ∂L/∂a (reverse) or ȧ (forward) as the one quantity in between:
 *
 *   vjp:  ∂L/∂a = (∂G/∂a)ᵀ·∂L/∂s'       cotangent
 *         ∂L/∂θ += Σ_k ∂L/∂a_k·u_k      accumulate       (u_k = ∂a_k/∂θ, row k of the parameters)
 *         ∂L/∂x = (∂A/∂x)ᵀ·∂L/∂a        inputCotangent
 *         ∂L/∂s = (∂A/∂s)ᵀ·∂L/∂a + (∂G/∂s)ᵀ·∂L/∂s'   stateCotangent (the second part in cotangent)
 *   jvp:  ȧ = ∂A/∂x·ẋ + ∂A/∂s·ṡ + ∂A/∂θ·θ̇    tangent
 *         s'̇ = ∂G/∂a·ȧ + ∂G/∂s·ṡ             propagate
 *
 * and the immediate influence ∂F/∂θ = Σ_k v_k ⊗ u_k has v_k = ∂G/∂a_k: combineState is
 * `propagate` of a given ȧ, addCombinedParams is `accumulate` of a given ∂L/∂a, projectState is
 * `cotangent` read out. A cell built this way writes those hooks (and its forward and the term
 * norms) once; this class derives the rest, so the wiring is the same for every such cell.
 * The step's "coefficients" are its own buffers for ∂L/∂a or ȧ (batch × termCount in the
 * influence's order, possibly kept as several buffers: `load` and `store` convert).
 */
import type { Vec } from '../tensor/dtype.js';
import { CellStepBase } from './derivatives.js';
import type { ImmediateInfluence } from './cell.js';

export abstract class PreActivationStep extends CellStepBase implements ImmediateInfluence {
  override readonly influence: ImmediateInfluence = this;
  abstract readonly termCount: number;

  /** The step's coefficients ← ∂L/∂a given ∂L/∂s'; when dS is given, also writes the part of ∂L/∂s that bypasses a. */
  protected abstract cotangent(dSNext: Vec, dS: Vec | null, theta: Vec): void;
  /** ∂θ += Σ_k coefficient_k·u_k from the step's coefficients. */
  protected abstract accumulate(dTheta: Vec): void;
  /** dX ← (∂A/∂x)ᵀ·coefficients. */
  protected abstract inputCotangent(dX: Vec, theta: Vec): void;
  /** Completes ∂L/∂s in dS from the coefficients (after `cotangent` wrote its bypass part, if any). */
  protected abstract stateCotangent(dS: Vec, dSNext: Vec, theta: Vec): void;
  /** The step's coefficients ← ȧ from the tangents (null counts as zero). */
  protected abstract tangent(xDot: Vec | null, sDot: Vec | null, thetaDot: Vec | null, theta: Vec): void;
  /** sOut ← ∂G/∂a·coefficients, plus ∂G/∂s·sDot when sDot is given. */
  protected abstract propagate(sOut: Vec, sDot: Vec | null, theta: Vec): void;
  /** The step's coefficients ← coefficient (batch × termCount). */
  protected abstract load(coefficient: Vec): void;
  /** coefficient (batch × termCount) ← the step's coefficients. */
  protected abstract store(coefficient: Vec): void;
  /** vNorm (batch × termCount) ← ‖v_k‖. */
  protected abstract stateNorms(vNorm: Vec, theta: Vec): void;
  /** uNorm (batch × termCount) ← ‖u_k‖ (UORO needs only these). */
  abstract paramNorms(uNorm: Vec): void;

  vjp(dX: Vec | null, dS: Vec | null, dTheta: Vec | null, dSNext: Vec, theta: Vec): void {
    this.cotangent(dSNext, dS, theta);
    if (dTheta !== null) this.accumulate(dTheta);
    if (dX !== null) this.inputCotangent(dX, theta);
    if (dS !== null) this.stateCotangent(dS, dSNext, theta);
  }

  jvp(sNextDot: Vec, xDot: Vec | null, sDot: Vec | null, thetaDot: Vec | null, theta: Vec): void {
    this.tangent(xDot, sDot, thetaDot, theta);
    this.propagate(sNextDot, sDot, theta);
  }

  combineState(sOut: Vec, coefficient: Vec, theta: Vec): void {
    this.load(coefficient);
    this.propagate(sOut, null, theta);
  }

  addCombinedParams(dTheta: Vec, coefficient: Vec): void {
    this.load(coefficient);
    this.accumulate(dTheta);
  }

  norms(vNorm: Vec, uNorm: Vec, theta: Vec): void {
    this.stateNorms(vNorm, theta);
    this.paramNorms(uNorm);
  }

  projectState(coefficient: Vec, s: Vec, theta: Vec): void {
    this.cotangent(s, null, theta);
    this.store(coefficient);
  }
}
