/**
 * θ̃'s per-step update θ̃ ← θ̃ + Σ_k c_k·u_k (UORO's δθ/ρ1, NoBackTrack's Σ_k (ε_k/ρ_k)·u_k),
 * deferred so that the optimizer's pass applies it (optim/structured-gradient.ts, PendingRankOne).
 * Why: the update reads and writes θ̃ (p numbers) and the SGD step then reads θ̃ again; at
 * H = 512 each pass over θ̃ costs about a forward step (issue #17). Fused, θ̃ and θ are each read
 * and written once per step.
 * It applies where the cell's influence is Kronecker-factored (cells/cell.ts KroneckerInfluence:
 * u_k = e_k ⊗ z with z = [x; h; 1] on parameter row k, the core's θ = [W_ih, W_hh, b]): then
 *   Σ_k c_k·u_k = [c ⊗ x, c ⊗ h, c]  — three rank-one blocks (the bias as 1 ⊗ c),
 * held as c and a copy of z, so the update can wait past the next forward step. Elsewhere (or
 * batch > 1) the estimator adds the terms at once, as before.
 */
import { fromValues, zeros, type Vec } from '../tensor/dtype.js';
import { matmulAtBAdd, type RankOneBlock } from '../tensor/kernels.js';
import type { Cell, ImmediateInfluence, KroneckerInfluence } from '../cells/cell.js';
import type { PendingRankOne } from '../optim/structured-gradient.js';

export class DeferredTerms implements PendingRankOne {
  active = false;
  readonly blocks: readonly RankOneBlock[];
  /** z = [x; h; 1] at the step whose terms are pending. */
  private readonly z: Vec;
  /** Each block's part of θ̃'s body (views made once). */
  private readonly targets: Vec[];

  /** The deferred update for this core, or null where the terms cannot be held as rank-one blocks. */
  static create(core: Cell, influence: ImmediateInfluence, batch: number, body: Vec, coefficient: Vec): DeferredTerms | null {
    const kronecker = influence.kronecker;
    if (kronecker === undefined || batch !== 1) return null;
    const [weightIh, weightHh, bias] = core.params;
    if (weightIh === undefined || weightHh === undefined || weightIh.shape.length !== 2 || weightHh.shape.length !== 2) return null;
    const [R, I] = weightIh.shape as [number, number];
    const [rows, S] = weightHh.shape as [number, number];
    const hasBias = kronecker.width === I + S + 1;
    const covered = R * (I + S) + (hasBias ? R : 0);
    if (rows !== R || R !== influence.termCount || (!hasBias && kronecker.width !== I + S) || covered !== core.paramSize || (hasBias && bias?.size !== R)) return null;
    return new DeferredTerms(kronecker, { R, I, S, hasBias }, body, coefficient);
  }

  private constructor(
    private readonly kronecker: KroneckerInfluence,
    shape: { R: number; I: number; S: number; hasBias: boolean },
    body: Vec,
    coefficient: Vec,
  ) {
    const { R, I, S, hasBias } = shape;
    const dtype = body instanceof Float32Array ? 'float32' : 'float64';
    this.z = zeros(dtype, kronecker.width);
    const blocks: RankOneBlock[] = [
      { offset: 0, rows: coefficient, cols: this.z.subarray(0, I) }, // W_ih += c ⊗ x
      { offset: R * I, rows: coefficient, cols: this.z.subarray(I, I + S) }, // W_hh += c ⊗ h
    ];
    if (hasBias) blocks.push({ offset: R * (I + S), rows: fromValues(dtype, [1]), cols: coefficient }); // b += 1 ⊗ c
    this.blocks = blocks;
    this.targets = blocks.map(({ offset, rows, cols }) => body.subarray(offset, offset + rows.length * cols.length));
  }

  /** The terms with coefficients `coefficient` (held, not copied: unchanged until applied) are pending. */
  defer(): void {
    this.kronecker.input(this.z);
    this.active = true;
  }

  /** Adds the pending terms into θ̃'s body now, each block as a rank-one matmulAtBAdd (the cells' own accumulate). */
  settle(): void {
    if (!this.active) return;
    this.active = false;
    for (let b = 0; b < this.blocks.length; b++) {
      const { rows, cols } = this.blocks[b]!;
      matmulAtBAdd(this.targets[b]!, rows, cols, rows.length, cols.length, 1);
    }
  }

  applied(): void {
    this.active = false;
  }

  /** Drops the pending terms (θ̃ is being cleared). */
  discard(): void {
    this.active = false;
  }
}
