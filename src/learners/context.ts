/**
 * What every online learner shares, composed into each one (never inherited): the model as an
 * OnlineModel, the per-step readout, the recurrent state s_t and its initial value, an owned
 * input buffer, and the parameter update
 *
 *   g finite or DivergenceError,  g ← clip(g),  θ ← optimizer(θ, g).
 *
 * Also the generic half of snapshot/restore: copying named buffers out and back with their
 * lengths checked, so each learner only lists what it keeps.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { allFinite, dot, norm, scale } from '../tensor/kernels.js';
import type { Rng } from '../tensor/rng.js';
import type { OnlineModel } from '../model/online.js';
import { createOptimizer } from '../kinds/optimizers.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import type { StructuredGradient } from '../optim/structured-gradient.js';
import { Readout } from './readout.js';
import { feedbackMatrix } from './feedback.js';
import { DivergenceError, type LearnerOptions, type LearnerSnapshot, type StepResult } from './learner.js';

/** What `updateStructured` reads of the core segment's values: their norm, exact or bounded. */
export interface CoreNorms {
  valuesNormSquared(): number;
  valuesNormBound(): number;
}

/** What every online learner exposes, read from its one LearnerContext (so each learner class states only its own step). */
export abstract class LearnerViews {
  protected abstract readonly context: LearnerContext;

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
  get optimizer(): Optimizer | null {
    return this.context.optimizer;
  }
}

export class LearnerContext {
  readonly model: OnlineModel;
  readonly readout: Readout;
  /** s_t (stateSize), updated in place every step. */
  readonly state: Vec;
  readonly initialState: Vec;
  /** x_t copied into the model's dtype. */
  readonly x: Vec;
  /** The dense estimate (paramSize, θ's layout): written by learners, formed from a structured one on demand. */
  private readonly dense: Vec;
  /** The structured estimate last applied, while `dense` does not yet hold it (see `gradient`). */
  private pending: StructuredGradient | null = null;
  readonly optimizer: Optimizer | null;
  readonly clip: number | undefined;
  /** Timesteps consumed. */
  steps = 0;

  constructor(
    readonly kind: string,
    model: OnlineModel,
    options: LearnerOptions,
  ) {
    this.model = model.online(); // a bidirectional or backward-reading model is refused here, with the reason
    const { core, dtype, paramSize } = this.model;
    if (options.loss === undefined) throw new TypeError(`${kind}: options.loss is required`);
    if (options.clip !== undefined && !(options.clip > 0)) throw new RangeError(`${kind}: clip must be > 0, got ${options.clip}`);
    if (options.seed !== undefined && !Number.isFinite(options.seed)) throw new RangeError(`${kind}: seed must be a finite number, got ${options.seed}`);
    this.readout = new Readout(this.model, options.loss, feedbackMatrix(kind, this.model, options.feedback ?? 'head', options.seed ?? 0));
    this.state = zeros(dtype, core.stateSize);
    this.initialState = zeros(dtype, core.stateSize);
    if (options.initialState !== undefined) {
      const s0 = options.initialState;
      if (s0.length !== core.stateSize) throw new RangeError(`${kind}: initialState must have ${core.stateSize} numbers (the core's stateSize), got ${s0.length}`);
      if (!allFinite(s0)) throw new RangeError(`${kind}: initialState contains NaN or Inf`);
      this.initialState.set(s0);
      this.state.set(s0);
    }
    this.x = zeros(dtype, core.inputSize);
    this.dense = zeros(dtype, paramSize);
    const optimizer = options.optimizer;
    if (optimizer === undefined) throw new TypeError(`${kind}: options.optimizer is required (an optimizer, its config, or null to hold θ fixed)`);
    this.optimizer = optimizer === null ? null : 'step' in optimizer ? optimizer : createOptimizer(optimizer, paramSize, dtype);
    this.clip = options.clip;
  }

  /** Checks x_t and target_t at the boundary and copies x_t into `this.x`. Counts the step. */
  input(x: ArrayLike<number>, target: ArrayLike<number> | null | undefined): Vec {
    this.readout.checkInput(x, target, this.steps);
    this.x.set(x);
    this.steps++;
    return this.x;
  }

  /** ℓ_t from s_{t+1}: writes readout.dState = ∂ℓ_t/∂s_{t+1} and adds the head gradient into dTheta. */
  evaluate(target: ArrayLike<number>, dTheta: Vec | null): number {
    const loss = this.readout.evaluate(this.state, target, dTheta);
    if (!Number.isFinite(loss)) throw new DivergenceError(this.steps - 1, 'loss');
    return loss;
  }

  /**
   * The estimate handed to the optimizer (paramSize, θ's layout), a live view. After a structured
   * update it is formed here, on first read, from the structure (one pass), so a learner that
   * nobody asks for its gradient never writes p numbers for it.
   */
  get gradient(): Vec {
    if (this.pending !== null) {
      this.pending.denseInto(this.dense);
      this.pending = null;
    }
    return this.dense;
  }

  /**
   * Before the structure a pending estimate refers to changes (the next step's propagate): keep
   * it readable by forming it now (`keep`), or drop it (a step with a target replaces it anyway).
   */
  settleGradient(keep: boolean): void {
    if (keep) void this.gradient;
    else this.pending = null;
  }

  /** `gradient` with its head slice zeroed, for estimators that then write the whole core slice. */
  zeroHeadGradient(): Vec {
    this.pending = null;
    this.model.headSlice(this.dense)?.fill(0);
    return this.dense;
  }

  /**
   * Clips, checks and applies `gradient` (θ fixed when the optimizer is null). `coreNormSquared`
   * is ‖core slice‖² when the caller knows it (then only the head is measured), else NaN.
   */
  update(coreNormSquared = NaN): void {
    // One pass for both: the norm is not finite exactly when an entry is not (or it overflows).
    const size = Number.isNaN(coreNormSquared) ? norm(this.gradient) : Math.sqrt(coreNormSquared + this.headNormSquared());
    if (!Number.isFinite(size)) throw new DivergenceError(this.steps - 1, 'gradient estimate');
    if (this.clip !== undefined && size > this.clip) scale(this.gradient, this.clip / size);
    if (this.optimizer !== null) this.optimizer.step(this.model.theta, this.gradient);
  }

  /**
   * `update` for a structured estimate (optim/structured-gradient.ts): segment 0 is the core,
   * scale·values, and the head part, if any, lives in `gradient`'s head slice. The check and the
   * clipping read the norm from the structure — `core.valuesNormSquared()` is exact (it may cost
   * a pass), `core.valuesNormBound()` an upper bound known for free — and the optimizer forms
   * each element as it updates θ (one pass) when it can.
   * Without clipping a finite bound settles the check: then ‖g‖ is finite too.
   */
  updateStructured(g: StructuredGradient, core: CoreNorms): void {
    const head = this.headNormSquared();
    const scale = g.segments[0]!.scale;
    g.clipFactor = 1;
    if (this.clip !== undefined || !Number.isFinite(Math.sqrt((scale * core.valuesNormBound()) ** 2 + head))) {
      const size = Math.sqrt(scale * scale * core.valuesNormSquared() + head);
      if (!Number.isFinite(size)) throw new DivergenceError(this.steps - 1, 'gradient estimate');
      if (this.clip !== undefined && size > this.clip) g.clipFactor = this.clip / size;
    }
    g.forgetNorms();
    this.pending = g;
    if (this.optimizer === null) return;
    if (this.optimizer.stepStructured !== undefined) this.optimizer.stepStructured(this.model.theta, g);
    else this.optimizer.step(this.model.theta, this.gradient);
  }

  private headNormSquared(): number {
    const head = this.model.headSlice(this.dense);
    return head === null ? 0 : dot(head, head);
  }

  /** The result of a step with no target: ŷ_t only. */
  predictOnly(): StepResult {
    this.readout.predict(this.state);
    return this.result(NaN, false);
  }

  /** One result object per learner, refilled every step, so a step allocates nothing. */
  private readonly reused: { loss: number; prediction: Vec; updated: boolean } = { loss: NaN, prediction: zeros('float64', 0), updated: false };

  /** The step's result: ℓ_t, ŷ_t (the readout's buffer) and whether θ moved. */
  result(loss: number, updated: boolean): StepResult {
    const r = this.reused;
    r.loss = loss;
    r.prediction = this.readout.prediction;
    r.updated = updated;
    return r;
  }

  resetState(): void {
    this.state.set(this.initialState);
  }

  /** Bytes of the state and of `tensors`: what a snapshot of them holds, counted without copying. */
  stateBytes(tensors: Record<string, Vec>): number {
    let bytes = this.state.byteLength;
    for (const tensor of Object.values(tensors)) bytes += tensor.byteLength;
    return bytes;
  }

  /** A snapshot holding copies of `tensors` (the state is always included). */
  snapshot(tensors: Record<string, Vec>, values: Record<string, number>, rng: Rng | null): LearnerSnapshot {
    const copies: Record<string, Vec> = { state: this.state.slice() };
    for (const [name, tensor] of Object.entries(tensors)) copies[name] = tensor.slice();
    return {
      kind: this.kind,
      step: this.steps,
      tensors: copies,
      values: { ...values },
      rng: rng === null ? null : rng.getState(),
      optimizer: this.optimizer === null ? null : copyOptimizerState(this.optimizer.getState()),
    };
  }

  /** Copies a snapshot's tensors back into `tensors` (and the state), checking kind and lengths. Returns its values. */
  restore(snapshot: LearnerSnapshot, tensors: Record<string, Vec>, rng: Rng | null): Readonly<Record<string, number>> {
    if (snapshot.kind !== this.kind) throw new TypeError(`cannot restore a ${snapshot.kind} snapshot into a ${this.kind} learner`);
    const targets: Record<string, Vec> = { state: this.state, ...tensors };
    for (const [name, target] of Object.entries(targets)) {
      const saved = snapshot.tensors[name];
      if (saved === undefined) throw new RangeError(`${this.kind} snapshot: missing tensor '${name}'`);
      if (saved.length !== target.length) throw new RangeError(`${this.kind} snapshot: tensor '${name}' has ${saved.length} entries, this learner needs ${target.length} (a different model?)`);
    }
    if ((snapshot.optimizer === null) !== (this.optimizer === null)) throw new TypeError(`${this.kind} snapshot: optimizer state ${snapshot.optimizer === null ? 'absent' : 'present'}, but this learner ${this.optimizer === null ? 'holds θ fixed' : 'has an optimizer'}`);
    if (rng !== null) {
      if (snapshot.rng === null) throw new TypeError(`${this.kind} snapshot: missing the rng state`);
      rng.setState(snapshot.rng);
    }
    for (const [name, target] of Object.entries(targets)) target.set(snapshot.tensors[name]!);
    this.pending = null; // it referred to the estimator's buffers just overwritten
    if (this.optimizer !== null) this.optimizer.setState(snapshot.optimizer!);
    this.steps = snapshot.step;
    return snapshot.values;
  }
}

/** Optimizers hand out live buffers; a snapshot must own copies. */
function copyOptimizerState(state: OptimizerState): OptimizerState {
  const buffers: Record<string, Vec> = {};
  for (const [name, buffer] of Object.entries(state.buffers)) buffers[name] = buffer.slice();
  return { kind: state.kind, t: state.t, buffers };
}

/** Views of the rows of a (count × width) row-major buffer, made once. */
export function rowViews(buffer: Vec, count: number, width: number): Vec[] {
  return Array.from({ length: count }, (_, i) => buffer.subarray(i * width, (i + 1) * width));
}
