/**
 * Drift: a detector watches the prequential loss and a policy reacts when it fires. Policies
 * act through the Learner contract only (snapshot/restore), so they work with every learner:
 *
 *   reset-estimator   zero the learner's estimator (RTRL's M, UORO's s̃ θ̃, the TBPTT window)
 *                     but keep the recurrent state s_t: the old sensitivities describe the
 *                     old regime
 *   reset-optimizer   zero the optimizer's moments and its update count (Adam's m, v and t;
 *                     with a decaying schedule this also raises the learning rate back to η)
 *   boost              multiply the optimizer's rate by `factor` for the next `steps` steps, then
 *                     set it back (the optimizer's learningRateScale): move fast while the old
 *                     fit is wrong, then settle again. A detection during a boost restarts it.
 */
import type { Learner, LearnerSnapshot } from '../learners/learner.js';
import type { Optimizer } from '../optim/optimizer.js';
import { dtypeOf, zeros } from '../tensor/dtype.js';

export interface DriftDetector {
  readonly kind: string;
  /** Adds one value (e.g. ℓ_t); true when a rise of the mean is detected. */
  update(value: number): boolean;
  reset(): void;
}

export type ResetPolicy = 'none' | 'reset-estimator' | 'reset-optimizer' | 'reset-both';
export const DRIFT_POLICIES: readonly ResetPolicy[] = ['none', 'reset-estimator', 'reset-optimizer', 'reset-both'];
/** Raise the learning rate by `factor` for `steps` steps. */
export interface BoostPolicy {
  readonly kind: 'boost';
  readonly factor: number;
  readonly steps: number;
}
export type DriftPolicy = ResetPolicy | BoostPolicy;

/** `boost:factor=F:steps=N` (either part may come first), or one of DRIFT_POLICIES. */
export function parseDriftPolicy(text: string): DriftPolicy {
  if ((DRIFT_POLICIES as readonly string[]).includes(text)) return text as ResetPolicy;
  const [kind, ...parts] = text.split(':');
  if (kind !== 'boost') throw new RangeError(`unknown drift policy '${text}' (allowed: ${DRIFT_POLICIES.join(', ')}, boost:factor=F:steps=N)`);
  const fields = new Map(parts.map((part) => part.split('=') as [string, string | undefined]));
  for (const [name] of fields) if (name !== 'factor' && name !== 'steps') throw new RangeError(`drift policy ${text}: unknown part '${name}' (boost takes factor=F and steps=N)`);
  return checkBoost({ kind: 'boost', factor: Number(fields.get('factor') ?? NaN), steps: Number(fields.get('steps') ?? NaN) }, text);
}

function checkBoost(policy: BoostPolicy, text = 'boost'): BoostPolicy {
  if (!(Number.isFinite(policy.factor) && policy.factor > 0)) throw new RangeError(`drift policy ${text}: factor must be a number > 0`);
  if (!(Number.isSafeInteger(policy.steps) && policy.steps >= 1)) throw new RangeError(`drift policy ${text}: steps must be a positive integer`);
  return policy;
}

/** The policy as `parseDriftPolicy` reads it. */
export function driftPolicyText(policy: DriftPolicy): string {
  return typeof policy === 'string' ? policy : `boost:factor=${policy.factor}:steps=${policy.steps}`;
}

/**
 * A policy bound to a learner, for a loop that calls `detected()` when the detector fires and
 * `stepped()` after every step. A boost counts those steps: detected at t, the steps t+1 … t+N
 * run at factor × the optimizer's rate, and step t+N+1 at its rate again.
 */
export class DriftResponse {
  /** Boosted steps still to run. */
  private boostLeft = 0;
  private readonly optimizer: Optimizer | null;

  constructor(
    readonly learner: Learner,
    readonly policy: DriftPolicy,
  ) {
    if (typeof policy !== 'string') {
      checkBoost(policy);
      const optimizer = learner.optimizer;
      if (optimizer === undefined || optimizer === null) throw new TypeError(`drift policy boost: the ${learner.kind} learner ${optimizer === null ? 'holds θ fixed' : 'does not expose its optimizer'}`);
      this.optimizer = optimizer;
    } else this.optimizer = null;
  }

  /** Whether the rate is raised now. */
  get boosting(): boolean {
    return this.boostLeft > 0;
  }

  detected(): void {
    if (typeof this.policy === 'string') return reactToDrift(this.learner, this.policy);
    this.optimizer!.setLearningRateScale(this.policy.factor);
    this.boostLeft = this.policy.steps;
  }

  stepped(): void {
    if (this.boostLeft > 0 && --this.boostLeft === 0) this.optimizer!.setLearningRateScale(1);
  }
}

/** Applies a reset `policy` to `learner` (θ is kept). */
export function reactToDrift(learner: Learner, policy: ResetPolicy): void {
  if (policy === 'none') return;
  const before = learner.snapshot();
  let after: LearnerSnapshot = before;
  if (policy === 'reset-estimator' || policy === 'reset-both') {
    learner.reset();
    const cleared = learner.snapshot();
    after = { ...cleared, tensors: { ...cleared.tensors, state: before.tensors.state! } };
  }
  if ((policy === 'reset-optimizer' || policy === 'reset-both') && after.optimizer !== null) {
    const { kind, buffers } = after.optimizer;
    const zeroed = Object.fromEntries(Object.entries(buffers).map(([name, buffer]) => [name, zeros(dtypeOf(buffer), buffer.length)]));
    after = { ...after, optimizer: { kind, t: 0, buffers: zeroed } };
  }
  learner.restore(after);
}
