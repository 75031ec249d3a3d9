/**
 * Truncated backpropagation through time, Williams & Peng's (1990) BPTT(k2; k1): every k1
 * steps, backpropagate the losses of those k1 steps through the last k2 ≥ k1 steps only.
 * At an update after step t, with W = {t−k2+1 … t} the window and δ_τ = ∂ℓ_τ/∂s_{τ+1}:
 *
 *   s_{τ+1} = F(x_τ, s_τ; θ)                                             (1)
 *   d_{t+1} = 0,   d_τ = (∂F/∂s at τ)ᵀ·(d_{τ+1} + [τ > t−k1]·δ_τ)   τ ∈ W   (2)
 *   g = Σ_{τ∈W} (∂F/∂θ at τ)ᵀ·(d_{τ+1} + [τ > t−k1]·δ_τ) + Σ_{τ>t−k1} ∂ℓ_τ/∂θ_head   (3)
 *
 * so the newest loss sees k2 steps of history and the oldest of the k1 sees k2 − k1 + 1: the
 * gradient ignores every dependency longer than k2, which biases learning towards short ones
 * (the UORO paper's influence-balancing task shows it diverging). k1 = k2 (the default) is the
 * usual "split the stream into chunks"; k1 = 1 updates every step.
 * The window is a ring of k2 CellSteps with their inputs x_τ and states s_τ, made once.
 * Note: a step recorded before the last update is linearised again at the current θ from its
 * stored (x_τ, s_τ) before (2) — only when k2 > k1 — so a restored learner, which has only the
 * stored (x_τ, s_τ), continues bit for bit. Cost per step: one forward, plus k2 vjps (and
 * k2 − k1 forwards) every k1 steps; memory O(k2·(n + inputSize + the cell's step workspace)).
 * With a cell that has a window (the LSTM), ∂θ is summed by GEMMs over the window, one pass.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import type { CellStep, CellWindow, DerivedStep } from '../cells/cell.js';
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import { LearnerContext, LearnerViews, rowViews } from './context.js';
import type { Learner, LearnerOptions, LearnerSnapshot, StepResult } from './learner.js';

export interface TbpttOptions extends LearnerOptions {
  /** Backpropagate this many steps (the window length). */
  k2: number;
  /** Update every k1 ≤ k2 steps. @default k2 */
  k1?: number;
}

export class Tbptt extends LearnerViews implements Learner {
  readonly kind = 'tbptt';
  readonly k1: number;
  readonly k2: number;
  protected readonly context: LearnerContext;
  /** The window: slot j holds the step that read x_τ, s_τ and received δ_τ. */
  private readonly cellSteps: readonly CellStep[];
  /**
   * The core's CellWindow when it has one (the LSTM): slot j is its row j, and the sweep's
   * ∂θ = Σ_τ (∂F/∂θ at τ)ᵀ·(…) is accumulated once, as GEMMs over the rows (∂W += ∂Aᵀ·[X, H]),
   * not as k2 rank-one updates that each read and write ∂θ — at H = 512 each such pass costs
   * about a forward step (issue #17). The sum then runs over slots, not over ages: the same
   * gradient up to the order of the k2 terms, i.e. rounding.
   */
  private readonly window: CellWindow | null;
  private readonly inputs: Vec; // k2 × inputSize
  private readonly states: Vec; // k2 × n, s_τ before the step
  private readonly deltas: Vec; // k2 × n, δ_τ (zero without a target)
  private readonly inputRows: Vec[];
  private readonly stateRows: Vec[];
  private readonly deltaRows: Vec[];
  /** How many updates had happened when slot j was linearised (−1: must be redone). */
  private readonly linearisedAt: Int32Array;
  /** ∂ℓ/∂θ_head accumulated since the last update (θ-shaped, for the snapshot's layout; only its head slice is ever nonzero). */
  private readonly pending: Vec;
  private readonly dS: Vec;
  private readonly dSNext: Vec;
  private readonly scratch: Vec;
  private newest = -1;
  private filled = 0;
  private sinceUpdate = 0;
  private updates = 0;

  constructor(model: OnlineModel | Model, options: TbpttOptions) {
    super();
    this.context = new LearnerContext('tbptt', model, options);
    const k2 = options.k2;
    const k1 = options.k1 ?? k2;
    if (!Number.isInteger(k2) || k2 < 1) throw new RangeError(`tbptt: k2 must be a positive integer, got ${k2}`);
    if (!Number.isInteger(k1) || k1 < 1 || k1 > k2) throw new RangeError(`tbptt: k1 must be an integer with 1 ≤ k1 ≤ k2 = ${k2}, got ${k1}`);
    this.k1 = k1;
    this.k2 = k2;
    const { core, dtype, paramSize } = this.context.model;
    const n = core.stateSize;
    this.window = core.createWindow?.(k2, 1) ?? null;
    this.cellSteps = this.window?.steps ?? Array.from({ length: k2 }, () => this.context.model.createCoreStep(1));
    this.inputs = zeros(dtype, k2 * core.inputSize);
    this.states = zeros(dtype, k2 * n);
    this.deltas = zeros(dtype, k2 * n);
    this.inputRows = rowViews(this.inputs, k2, core.inputSize);
    this.stateRows = rowViews(this.states, k2, n);
    this.deltaRows = rowViews(this.deltas, k2, n);
    this.linearisedAt = new Int32Array(k2).fill(-1);
    this.pending = zeros(dtype, paramSize);
    this.dS = zeros(dtype, n);
    this.dSNext = zeros(dtype, n);
    this.scratch = zeros(dtype, n);
  }

  step(x: ArrayLike<number>, target?: ArrayLike<number> | null): StepResult {
    const { context } = this;
    const input = context.input(x, target);
    const j = (this.newest = (this.newest + 1) % this.k2);
    this.filled = Math.min(this.filled + 1, this.k2);
    this.inputRows[j]!.set(input);
    this.stateRows[j]!.set(context.state);
    this.cellSteps[j]!.forward(context.state, input, context.state, context.model.coreTheta); // eq. (1)
    this.linearisedAt[j] = this.updates;
    let loss = NaN;
    if (target === null || target === undefined) {
      context.readout.predict(context.state);
      this.deltaRows[j]!.fill(0);
    } else {
      loss = context.evaluate(target, this.pending);
      this.deltaRows[j]!.set(context.readout.dState);
    }
    const updated = ++this.sinceUpdate === this.k1;
    if (updated) this.update();
    return context.result(loss, updated && context.optimizer !== null);
  }

  /** The backward sweep over the window, eqs. (2)–(3), then the optimizer. */
  private update(): void {
    const { context, k2 } = this;
    const fresh = this.sinceUpdate;
    const theta = context.model.coreTheta;
    const { model } = context;
    const gradient = context.gradient;
    // The pending head gradients are the only nonzero part of `pending`: copy that, zero the core
    // (no pass over p beyond the one the sweep accumulates into).
    const dTheta = model.coreSlice(gradient);
    dTheta.fill(0);
    const pendingHead = model.headSlice(this.pending);
    if (pendingHead !== null) model.headSlice(gradient)!.set(pendingHead);
    let dS = this.dS;
    let dSNext = this.dSNext;
    dS.fill(0);
    for (let age = 0; age < this.filled; age++) {
      const j = (this.newest - age + k2) % k2;
      const swap = dSNext;
      dSNext = dS;
      dS = swap;
      // The losses of the steps since the last update (k1 of them, fewer when reset() flushes).
      if (age < fresh) for (let i = 0; i < dSNext.length; i++) dSNext[i] += this.deltaRows[j]![i]!;
      const cellStep = this.cellSteps[j]!;
      if (this.linearisedAt[j] !== this.updates) {
        cellStep.forward(this.scratch, this.inputRows[j]!, this.stateRows[j]!, theta);
        this.linearisedAt[j] = this.updates;
      }
      // eqs. (2)–(3); the window's start needs no ∂/∂s
      const start = age === this.filled - 1;
      if (this.window !== null) cellStep.vjp(null, start ? null : dS, null, dSNext, theta); // ∂L/∂a stays in the step's row
      else if (start) (cellStep as DerivedStep).paramVjp(dTheta, dSNext, theta); // the steps createCoreStep made
      else (cellStep as DerivedStep).stateParamVjp(dS, dTheta, dSNext, theta);
    }
    this.window?.accumulate(dTheta, this.filled); // eq. (3) for every slot at once
    model.headSlice(this.pending)?.fill(0);
    this.sinceUpdate = 0;
    this.updates++;
    context.update();
  }

  /**
   * An episode boundary. The losses of an unfinished chunk are applied first, as an update over
   * the steps since the last one — so with k1 = k2 ≥ the episode length, TBPTT is BPTT per episode.
   */
  reset(): void {
    if (this.sinceUpdate > 0) this.update();
    this.context.resetState();
    this.newest = -1;
    this.filled = 0;
    this.sinceUpdate = 0;
    this.pending.fill(0);
    this.deltas.fill(0);
    this.inputs.fill(0);
    this.states.fill(0);
  }

  stateBytes(): number {
    return this.context.stateBytes(this.tensors());
  }

  snapshot(): LearnerSnapshot {
    const { newest, filled, sinceUpdate, updates } = this;
    return this.context.snapshot(this.tensors(), { newest, filled, sinceUpdate, updates }, null);
  }

  restore(snapshot: LearnerSnapshot): void {
    const values = this.context.restore(snapshot, this.tensors(), null);
    for (const name of ['newest', 'filled', 'sinceUpdate', 'updates'] as const) {
      const value = values[name];
      if (value === undefined || !Number.isInteger(value)) throw new RangeError(`tbptt snapshot: missing or invalid value '${name}'`);
      this[name] = value;
    }
    // The CellSteps are workspaces, not state: every slot is linearised again before use.
    this.linearisedAt.fill(-1);
  }

  private tensors(): Record<string, Vec> {
    return { inputs: this.inputs, states: this.states, deltas: this.deltas, pending: this.pending };
  }
}


/** Truncated BPTT with Williams & Peng's (k1, k2) schedule. */
export function tbptt(model: OnlineModel | Model, options: TbpttOptions): Tbptt {
  return new Tbptt(model, options);
}
