/**
 * The Cell contract: one recurrent transition s' = F(x, s; θ) with analytic derivatives.
 *
 * A Cell is an immutable description (sizes, parameter layout, initialisation); the work of
 * one timestep happens in a CellStep, a caller-owned workspace that `forward` fills with what
 * the derivatives need. BPTT keeps one CellStep per timestep of its window; an online learner
 * keeps one. Every buffer is a row-major batch: x is (batch × inputSize), s and s' are
 * (batch × stateSize), θ is the cell's flat parameter vector (paramSize).
 *
 * Learners speak only to this contract — never to a particular cell — so every learner works
 * with every cell, with stacks of cells, and with a user's own Cell.
 */
import type { DType, Vec } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';

/** One named block of a cell's parameter vector θ, stored row-major at `offset`. */
export interface ParamBlock {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}

/** One line of the parameter inventory, in the notes' names and Keras shapes (see model/summary). */
export interface InventoryEntry {
  readonly name: string;
  readonly shape: readonly number[];
}

/**
 * A named segment of the state vector, e.g. LSTM's h and c. Any name: a cell may carry other
 * parts (a trace, a second timescale); 'h' and 'c' are the ones the interop formats map to
 * PyTorch's h0/c0.
 */
export interface StatePart {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

export interface Cell {
  /** What the cell is, for messages and the inventory (`lstm`, `gru`, `rnn`, `stack`, …). */
  readonly kind: string;
  readonly dtype: DType;
  readonly inputSize: number;
  /** n: the length of s. LSTM's s is [h; c], so n = P + H. */
  readonly stateSize: number;
  /** The emitted output y is the slice s[outputOffset, outputOffset + outputSize) of the new state. */
  readonly outputSize: number;
  readonly outputOffset: number;
  /** p: the length of θ. */
  readonly paramSize: number;
  readonly params: readonly ParamBlock[];
  readonly stateParts: readonly StatePart[];
  /** The parameter inventory in the notes' names (`kernels[i]`, …) and Keras shapes. */
  inventory(): readonly InventoryEntry[];
  /** Writes a fresh initialisation into θ (length paramSize) drawing from rng. */
  initParams(theta: Vec, rng: Rng): void;
  /** A workspace for one timestep of `batch` rows (default 1). */
  createStep(batch?: number): CellStep;
  /**
   * Optional fast path for sequence runners (BPTT): workspaces for up to `maxSteps` consecutive
   * timesteps that keep their recordings in contiguous buffers, so the work that does not
   * depend on the recurrence runs once per window as matrix-matrix products. Cells without it
   * are run step by step; the results agree within rounding.
   */
  createWindow?(maxSteps: number, batch: number): CellWindow;
  /**
   * Optional: the cell leaks at a fixed rate, s' = (1 − α)⊙s + α⊙G(x, s; θ) with α ∈ (0, 1]
   * constant (Murray 2019's τ-discretised RNN, α = Δt/τ); writes α per state entry into out
   * (stateSize). An Elman RNN is the case α = 1. RFLO decays its eligibility trace by 1 − α.
   */
  leakRate?(out: Vec): void;
}

/** Which way a window's steps walk the time-major inputs: step k reads time k, or count−1−k. */
export interface WindowOrder {
  readonly reversed: boolean;
}

/**
 * A window of `steps`, used as ordinary CellSteps with two extra calls around them:
 *   project(inputs)       before steps[0…count−1].forward: the input side of every step at once
 *                         (each forward must then get the same x the projection saw);
 *   accumulate(dTheta)    after steps[count−1…0].stateVjp(dS, dSNext, θ): the window's ∂L/∂θ,
 *                         which those vjp calls skipped, as matrix products;
 *   addInputGradient      the same for ∂L/∂inputs, when (and only if) the caller needs them.
 */
export interface CellWindow {
  readonly steps: readonly CellStep[];
  /** inputs: time-major (count × batch × inputSize). */
  project(inputs: Vec, count: number, theta: Vec, order: WindowOrder): void;
  /** Adds the window's ∂L/∂θ into dTheta. */
  accumulate(dTheta: Vec, count: number): void;
  /** Adds ∂L/∂inputs into dInputs (time-major, count × batch × inputSize); valid until the next project. */
  addInputGradient(dInputs: Vec, count: number, theta: Vec, order: WindowOrder): void;
}

export interface CellStep {
  readonly batch: number;
  /**
   * s' = F(x, s; θ). Records x, s and the intermediates the derivatives need, so `sNext`
   * may be the same buffer as `s` (an online learner updates its state in place).
   */
  forward(sNext: Vec, x: Vec, s: Vec, theta: Vec): void;
  /**
   * Reverse mode at the recorded point: given ∂L/∂s', writes ∂L/∂x into dX and ∂L/∂s into dS
   * (each skipped when null) and *adds* ∂L/∂θ into dTheta. Outputs must not alias dSNext.
   */
  vjp(dX: Vec | null, dS: Vec | null, dTheta: Vec | null, dSNext: Vec, theta: Vec): void;
  /**
   * Forward mode at the recorded point: s'̇ = ∂F/∂x·ẋ + ∂F/∂s·ṡ + ∂F/∂θ·θ̇, where a null
   * tangent counts as zero. sNextDot must not alias the tangents.
   */
  jvp(sNextDot: Vec, xDot: Vec | null, sDot: Vec | null, thetaDot: Vec | null, theta: Vec): void;
  /** The immediate influence in structured form, when the cell offers it (NoBackTrack needs it). */
  readonly influence?: ImmediateInfluence;
  /**
   * The diagonal of the state Jacobian ∂s'/∂s at the recorded point: out (batch × n) gets
   * ∂s'_i/∂s_i per row. Optional, and offered only when it costs about a forward step (not n
   * vjps): SnAp-1, e-prop-style and diagonal-recurrent learners read it.
   */
  stateJacobianDiagonal?(out: Vec, theta: Vec): void;
}

/**
 * Named entry points for the derivatives callers use most, so no call passes positional nulls
 * (`paramVjp(δθ, ν, θ)` rather than `vjp(null, null, δθ, ν, θ)`). Each writes only what its name
 * says and allocates nothing. The built-in steps have them (CellStepBase, derivatives.ts); any
 * other CellStep gets them from `withNamedDerivatives`, once, when a learner takes the step.
 */
export interface NamedDerivatives {
  /** dS ← ∂L/∂s given ∂L/∂s' (= vjp with only dS). */
  stateVjp(dS: Vec, dSNext: Vec, theta: Vec): void;
  /** dTheta += ∂L/∂θ given ∂L/∂s' (= vjp with only dTheta): UORO's νᵀ·∂F/∂θ. */
  paramVjp(dTheta: Vec, dSNext: Vec, theta: Vec): void;
  /** Both of the above in one pass: RTRL's rows of J and of ∂F/∂θ. */
  stateParamVjp(dS: Vec, dTheta: Vec, dSNext: Vec, theta: Vec): void;
  /** dX ← ∂L/∂x given ∂L/∂s' (= vjp with only dX). */
  inputVjp(dX: Vec, dSNext: Vec, theta: Vec): void;
  /** sNextDot ← ∂F/∂s·sDot (= jvp with only sDot): J·s̃. */
  stateJvp(sNextDot: Vec, sDot: Vec, theta: Vec): void;
  /** sNextDot ← ∂F/∂x·xDot (= jvp with only xDot). */
  inputJvp(sNextDot: Vec, xDot: Vec, theta: Vec): void;
}

/** A CellStep with the named entry points. */
export type DerivedStep = CellStep & NamedDerivatives;

/**
 * The immediate influence ∂F/∂θ as a sum of rank-one terms, ∂F/∂θ = Σ_k v_k ⊗ u_k, where each
 * parameter belongs to exactly one term: term k is one pre-activation a_k = ⟨θ_k, z_k⟩ of the
 * cell (one gate row of one unit), v_k = ∂s'/∂a_k ∈ Rⁿ and u_k = ∂a_k/∂θ ∈ Rᵖ (zero outside
 * θ_k). Per batch row b the terms are indexed b·termCount + k.
 * Valid after `forward` on the owning step.
 */
export interface ImmediateInfluence {
  /** K, the number of rank-one terms per batch row. */
  readonly termCount: number;
  /** vNorm[k] = ‖v_k‖ and uNorm[k] = ‖u_k‖, each (batch × K). */
  norms(vNorm: Vec, uNorm: Vec, theta: Vec): void;
  /** uNorm alone (optional): for callers that never read ‖v_k‖ (UORO's ‖δθ‖ termwise). */
  paramNorms?(uNorm: Vec): void;
  /** sOut (batch × n) = Σ_k coefficient[k]·v_k, coefficient (batch × K). */
  combineState(sOut: Vec, coefficient: Vec, theta: Vec): void;
  /** dTheta (p) += Σ_b Σ_k coefficient[b·K + k]·u_k(b). */
  addCombinedParams(dTheta: Vec, coefficient: Vec): void;
  /**
   * The adjoint of combineState: coefficient[b·K + k] = ⟨v_k(b), s_b⟩, s (batch × n). Then
   * addCombinedParams(dTheta, coefficient) adds sᵀ·∂F/∂θ, what vjp's dTheta gets from dSNext = s,
   * with its norm known term by term (‖Σ_k c_k u_k‖² = Σ_k c_k²‖u_k‖², the u_k being disjoint).
   * Optional: UORO uses it to update θ̃ without a p-sized scratch vector and the passes over it.
   */
  projectState?(coefficient: Vec, s: Vec, theta: Vec): void;
  /** Present when every u_k is one shared input z on parameter row k (Kronecker-factored RTRL needs it). */
  readonly kronecker?: KroneckerInfluence;
}

/**
 * The influence of a cell whose pre-activations are a = W·z with one input z shared by every
 * row (an Elman RNN, an LSTM without peepholes or projection): u_k = e_k ⊗ z, so
 * ∂F/∂θ = Σ_k v_k ⊗ (e_k ⊗ z) = V ⊗ z. Row k of W is term k of the ImmediateInfluence.
 */
export interface KroneckerInfluence {
  /** m, the length of z. */
  readonly width: number;
  /** z (batch × m) at the recorded point. */
  input(z: Vec): void;
  /** dTheta (p) += Σ_b row(b) ⊗ column(b): the parameter of row k reading z_j gets row[b·K + k]·column[b·m + j]. */
  addOuter(dTheta: Vec, row: Vec, column: Vec): void;
}

/** Lays out named blocks one after another and returns them with the total size. */
export function layoutParams(blocks: ReadonlyArray<{ name: string; shape: readonly number[] }>): {
  params: ParamBlock[];
  paramSize: number;
} {
  const params: ParamBlock[] = [];
  let offset = 0;
  for (const { name, shape } of blocks) {
    const size = shape.reduce((a, b) => a * b, 1);
    params.push({ name, shape, offset, size });
    offset += size;
  }
  return { params, paramSize: offset };
}

/** The block of θ called `name` as a view (made once, at step creation or init). */
export function paramView(cell: Pick<Cell, 'params' | 'kind'>, theta: Vec, name: string): Vec {
  const block = cell.params.find((p) => p.name === name);
  if (block === undefined) throw new Error(`${cell.kind} has no parameter block '${name}'`);
  return theta.subarray(block.offset, block.offset + block.size);
}
