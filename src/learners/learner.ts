/**
 * The Learner contract: consume an endless stream one timestep at a time.
 *
 * Convention (documented in docs/learners.md and tested): at step t the learner runs
 *   s_{t+1} = F(x_t, s_t; θ),   ŷ_t = head(y(s_{t+1})),   ℓ_t = loss(ŷ_t, target_t),
 * so the loss of step t reads the state *after* the update, and an online estimator's
 * gradient of ℓ_t uses its sensitivity estimate at time t+1 (s̃_{t+1}, θ̃_{t+1}).
 *
 * Learners speak only to the OnlineModel (its core Cell contract and head), never to a
 * particular cell, so they work with every unidirectional model and any user Cell.
 */
import type { Vec } from '../tensor/dtype.js';
import type { RngState } from '../tensor/rng.js';
import type { Loss } from '../loss/loss.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import type { OptimizerConfig } from '../kinds/optimizers.js';
import type { OnlineModel } from '../model/online.js';

/** What a step returns. The object is reused by the next step (nothing is allocated per step): read it first. */
export interface StepResult {
  /** ℓ_t, or NaN when the step had no target. */
  readonly loss: number;
  /** ŷ_t (outputSize), a view valid until the next step. */
  readonly prediction: Vec;
  /** Whether θ was updated at the end of this step. */
  readonly updated: boolean;
}

/** Everything a learner needs to continue bit for bit: saved in checkpoints. */
export interface LearnerSnapshot {
  readonly kind: string;
  /** Timesteps consumed since creation. */
  readonly step: number;
  /** The recurrent state and every estimator buffer (s̃, θ̃, sensitivities, the TBPTT window…), copied. */
  readonly tensors: Readonly<Record<string, Vec>>;
  /** Scalar estimator state (window fill, counters…). */
  readonly values: Readonly<Record<string, number>>;
  readonly rng: RngState | null;
  readonly optimizer: OptimizerState | null;
}

export interface Learner {
  readonly kind: string;
  /** The model being trained (its θ is updated in place). */
  readonly model: OnlineModel;
  /** Timesteps consumed since creation. */
  readonly steps: number;
  /** The current recurrent state s_t (stateSize), a live view: do not write. */
  readonly state: Vec;
  /**
   * The gradient estimate last handed to the optimizer (or, with `optimizer: null`, last
   * computed): paramSize entries in θ's layout, a live view.
   */
  readonly gradient: Vec;
  /**
   * The optimizer that receives the estimate (null when θ is held fixed), so a caller can reach
   * its rate (a drift policy raising it for a while). Optional for a user's learner.
   */
  readonly optimizer?: Optimizer | null;
  /** Consumes x_t (inputSize numbers) and, when given, target_t; updates θ on the learner's schedule. */
  step(x: ArrayLike<number>, target?: ArrayLike<number> | null): StepResult;
  /**
   * An episode boundary: the recurrent state returns to its initial value (zeros unless
   * `initialState` was given) and every estimator state is zeroed; θ, the optimizer and the
   * learner's Rng stream are kept.
   */
  reset(): void;
  /**
   * Bytes of the recurrent state and every estimator buffer (what `snapshot().tensors` holds),
   * counted without copying them. Optional for a user's learner: see learnerStateBytes.
   */
  stateBytes?(): number;
  snapshot(): LearnerSnapshot;
  restore(snapshot: LearnerSnapshot): void;
}

/** Options every learner takes. */
export interface LearnerOptions {
  loss: Loss;
  /**
   * The optimizer (or its config) that receives the gradient estimate; `null` holds θ fixed,
   * for measuring estimators (gradstats, unbiasedness tests).
   */
  optimizer: Optimizer | OptimizerConfig | null;
  /** Clip each estimate to this global norm before the update. @default no clipping */
  clip?: number;
  /** Seed of the learner's own Rng (random signs of UORO and NoBackTrack). @default 0 */
  seed?: number;
  /** The recurrent state s_0 at creation and after every `reset()` (stateSize numbers). @default zeros */
  initialState?: ArrayLike<number>;
}

/** Raised when the loss or the gradient estimate stops being finite. */
export class DivergenceError extends RangeError {
  override readonly name = 'DivergenceError';
  constructor(
    readonly step: number,
    what: string,
  ) {
    super(`the ${what} diverged at step ${step} (not finite); lower the learning rate or clip the gradient`);
  }
}

/** A learner's state bytes: its own count when it has one, else the sizes of a snapshot's tensors. */
export function learnerStateBytes(learner: Learner): number {
  if (learner.stateBytes !== undefined) return learner.stateBytes();
  return Object.values(learner.snapshot().tensors).reduce((sum, t) => sum + t.byteLength, 0);
}
