/**
 * A stack of cells is itself a Cell (combinators, not flags): layer l reads the output of
 * layer l−1's *new* state, so for L layers
 *
 *   s'_1 = F_1(x, s_1),  s'_l = F_l(y(s'_{l−1}), s_l),   s' = [s'_1; …; s'_L],  y = y(s'_L).
 *
 * Every online learner therefore trains stacks unchanged. The stack's immediate influence is
 * the union of its layers' terms, each carried through the layers above by their input jvp:
 * term k of layer l has v_k = (0, …, v_k^l, J_{l+1,x}·y(v_k^l), …), still rank one.
 * Note: the stack reports ‖v_k^l‖ (the layer-local part) as its term norm; computing the exact
 * norm would cost one jvp per term. NoBackTrack uses the norms only to choose variance-reducing
 * scalings, which leave its estimate unbiased whatever their value.
 */
import { zeros, type DType, type Vec } from '../tensor/dtype.js';
import { addColumns, copyColumns } from '../tensor/kernels.js';
import type { Rng } from '../tensor/rng.js';
import { SegmentViews, type Segment } from '../tensor/views.js';
import type { Cell, CellStep, DerivedStep, ImmediateInfluence, InventoryEntry, ParamBlock, StatePart } from '../cells/cell.js';
import { CellStepBase, withNamedDerivatives } from '../cells/derivatives.js';

export class StackCell implements Cell {
  readonly kind = 'stack';
  readonly dtype: DType;
  readonly inputSize: number;
  readonly stateSize: number;
  readonly outputSize: number;
  readonly outputOffset: number;
  readonly paramSize: number;
  readonly params: readonly ParamBlock[];
  readonly stateParts: readonly StatePart[];
  /** Where layer l's state starts within a row of the stack's state. */
  readonly stateOffsets: readonly number[];
  readonly thetaViews: SegmentViews;

  constructor(readonly layers: readonly Cell[]) {
    if (layers.length === 0) throw new RangeError('stack: needs at least one cell');
    const first = layers[0]!;
    this.dtype = first.dtype;
    this.inputSize = first.inputSize;
    const stateOffsets: number[] = [];
    const paramSegments: Segment[] = [];
    const params: ParamBlock[] = [];
    const parts: StatePart[] = [];
    let stateSize = 0;
    let paramSize = 0;
    layers.forEach((cell, l) => {
      if (cell.dtype !== this.dtype) throw new TypeError(`stack: layer ${l} is ${cell.dtype} but layer 0 is ${this.dtype}`);
      if (l > 0 && cell.inputSize !== layers[l - 1]!.outputSize) {
        throw new RangeError(`stack: layer ${l} expects input size ${cell.inputSize} but layer ${l - 1} outputs ${layers[l - 1]!.outputSize}`);
      }
      stateOffsets.push(stateSize);
      paramSegments.push({ offset: paramSize, size: cell.paramSize });
      for (const p of cell.params) params.push({ ...p, name: `layers[${l}].${p.name}`, offset: p.offset + paramSize });
      for (const part of cell.stateParts) parts.push({ ...part, offset: part.offset + stateSize });
      stateSize += cell.stateSize;
      paramSize += cell.paramSize;
    });
    const last = layers[layers.length - 1]!;
    this.stateOffsets = stateOffsets;
    this.stateSize = stateSize;
    this.paramSize = paramSize;
    this.params = params;
    this.stateParts = parts;
    this.outputSize = last.outputSize;
    this.outputOffset = stateOffsets[layers.length - 1]! + last.outputOffset;
    this.thetaViews = new SegmentViews(paramSegments);
  }

  inventory(): readonly InventoryEntry[] {
    return this.layers.flatMap((cell, l) => cell.inventory().map((e) => ({ ...e, name: `layers[${l}].${e.name}` })));
  }

  initParams(theta: Vec, rng: Rng): void {
    const views = this.thetaViews.of(theta);
    this.layers.forEach((cell, l) => cell.initParams(views[l]!, rng));
  }

  createStep(batch = 1): CellStep {
    return new StackStep(this, batch);
  }
}

/** Per-layer contiguous (batch × size) buffers, gathered from and scattered to the stack's rows. */
class StackStep extends CellStepBase {
  declare readonly influence?: ImmediateInfluence;
  /** Offered when every layer offers it: the layers' diagonals side by side (layer l's s' reads s_l directly, the layers below only through its input). */
  readonly stateJacobianDiagonal?: (out: Vec, theta: Vec) => void;
  private readonly steps: DerivedStep[];
  private readonly s: Vec[]; // layer states s_l
  private readonly sNext: Vec[]; // new layer states s'_l (also tangents and cotangents in turn)
  private readonly input: Vec[]; // inputs of layers l ≥ 1 (and their tangents / cotangents)
  private readonly dS: Vec[];

  constructor(private readonly stack: StackCell, readonly batch: number) {
    super();
    const { layers, dtype } = stack;
    this.steps = layers.map((cell) => withNamedDerivatives(cell.createStep(batch)));
    this.s = layers.map((cell) => zeros(dtype, batch * cell.stateSize));
    this.sNext = layers.map((cell) => zeros(dtype, batch * cell.stateSize));
    this.dS = layers.map((cell) => zeros(dtype, batch * cell.stateSize));
    this.input = layers.map((cell) => zeros(dtype, batch * cell.inputSize));
    if (this.steps.every((step) => step.influence !== undefined)) {
      this.influence = new StackInfluence(stack, this.steps, this.input, batch);
    }
    if (this.steps.every((step) => step.stateJacobianDiagonal !== undefined)) this.stateJacobianDiagonal = this.diagonalOfLayers.bind(this);
  }

  private diagonalOfLayers(out: Vec, theta: Vec): void {
    const thetas = this.stack.thetaViews.of(theta);
    for (let l = 0; l < this.steps.length; l++) {
      this.steps[l]!.stateJacobianDiagonal!(this.dS[l]!, thetas[l]!);
      this.scatter(out, this.dS[l]!, l);
    }
  }

  private gather(out: Vec, src: Vec, l: number): void {
    const cell = this.stack.layers[l]!;
    copyColumns(out, cell.stateSize, 0, src, this.stack.stateSize, this.stack.stateOffsets[l]!, this.batch, cell.stateSize);
  }

  private scatter(out: Vec, src: Vec, l: number): void {
    const cell = this.stack.layers[l]!;
    copyColumns(out, this.stack.stateSize, this.stack.stateOffsets[l]!, src, cell.stateSize, 0, this.batch, cell.stateSize);
  }

  /** The input of layer l ≥ 1: the output columns of layer l−1's buffer `from`. */
  private outputOf(out: Vec, from: Vec, l: number): void {
    const below = this.stack.layers[l - 1]!;
    copyColumns(out, below.outputSize, 0, from, below.stateSize, below.outputOffset, this.batch, below.outputSize);
  }

  forward(sNext: Vec, x: Vec, s: Vec, theta: Vec): void {
    const thetas = this.stack.thetaViews.of(theta);
    for (let l = 0; l < this.steps.length; l++) {
      this.gather(this.s[l]!, s, l);
      let input = x;
      if (l > 0) {
        this.outputOf(this.input[l]!, this.sNext[l - 1]!, l);
        input = this.input[l]!;
      }
      this.steps[l]!.forward(this.sNext[l]!, input, this.s[l]!, thetas[l]!);
      this.scatter(sNext, this.sNext[l]!, l);
    }
  }

  vjp(dX: Vec | null, dS: Vec | null, dTheta: Vec | null, dSNext: Vec, theta: Vec): void {
    const thetas = this.stack.thetaViews.of(theta);
    const dThetas = dTheta === null ? null : this.stack.thetaViews.of(dTheta);
    const dSNextLayer = this.sNext; // reused as the cotangent of each layer's new state
    for (let l = 0; l < this.steps.length; l++) this.gather(dSNextLayer[l]!, dSNext, l);
    for (let l = this.steps.length - 1; l >= 0; l--) {
      const dInput = l === 0 ? dX : this.input[l]!;
      this.steps[l]!.vjp(dInput, dS === null ? null : this.dS[l]!, dThetas === null ? null : dThetas[l]!, dSNextLayer[l]!, thetas[l]!);
      if (l > 0) {
        const below = this.stack.layers[l - 1]!;
        addColumns(dSNextLayer[l - 1]!, below.stateSize, below.outputOffset, this.input[l]!, below.outputSize, 0, this.batch, below.outputSize);
      }
      if (dS !== null) this.scatter(dS, this.dS[l]!, l);
    }
  }

  jvp(sNextDot: Vec, xDot: Vec | null, sDot: Vec | null, thetaDot: Vec | null, theta: Vec): void {
    const thetas = this.stack.thetaViews.of(theta);
    const thetaDots = thetaDot === null ? null : this.stack.thetaViews.of(thetaDot);
    const sNextDotLayer = this.dS; // reused as each layer's state tangent
    for (let l = 0; l < this.steps.length; l++) {
      let sDotLayer: Vec | null = null;
      if (sDot !== null) {
        this.gather(this.s[l]!, sDot, l);
        sDotLayer = this.s[l]!;
      }
      let inputDot = xDot;
      if (l > 0) {
        this.outputOf(this.input[l]!, sNextDotLayer[l - 1]!, l);
        inputDot = this.input[l]!;
      }
      this.steps[l]!.jvp(sNextDotLayer[l]!, inputDot, sDotLayer, thetaDots === null ? null : thetaDots[l]!, thetas[l]!);
      this.scatter(sNextDot, sNextDotLayer[l]!, l);
    }
  }
}

class StackInfluence implements ImmediateInfluence {
  readonly termCount: number;
  /** Offered when every layer offers it. */
  readonly projectState?: (coefficient: Vec, s: Vec, theta: Vec) => void;
  /** Offered when every layer offers it. */
  readonly paramNorms?: (uNorm: Vec) => void;
  private readonly termOffsets: number[];
  private readonly coefficients: Vec[];
  private readonly norms1: Vec[];
  private readonly norms2: Vec[];
  private readonly tangent: Vec[];
  private readonly local: Vec[];

  constructor(
    private readonly stack: StackCell,
    private readonly steps: readonly DerivedStep[],
    private readonly input: readonly Vec[],
    private readonly batch: number,
  ) {
    const counts = steps.map((step) => step.influence!.termCount);
    this.termOffsets = [];
    let total = 0;
    for (const c of counts) {
      this.termOffsets.push(total);
      total += c;
    }
    this.termCount = total;
    if (steps.every((step) => step.influence!.projectState !== undefined)) this.projectState = this.projectStateOfLayers.bind(this);
    if (steps.every((step) => step.influence!.paramNorms !== undefined)) this.paramNorms = this.paramNormsOfLayers.bind(this);
    const { dtype, layers } = stack;
    this.coefficients = counts.map((c) => zeros(dtype, batch * c));
    this.norms1 = counts.map((c) => zeros(dtype, batch * c));
    this.norms2 = counts.map((c) => zeros(dtype, batch * c));
    this.tangent = layers.map((cell) => zeros(dtype, batch * cell.stateSize));
    this.local = layers.map((cell) => zeros(dtype, batch * cell.stateSize));
  }

  private layerColumns(out: Vec, src: Vec, l: number): void {
    const K = this.steps[l]!.influence!.termCount;
    copyColumns(out, K, 0, src, this.termCount, this.termOffsets[l]!, this.batch, K);
  }

  norms(vNorm: Vec, uNorm: Vec, theta: Vec): void {
    const thetas = this.stack.thetaViews.of(theta);
    for (let l = 0; l < this.steps.length; l++) {
      this.steps[l]!.influence!.norms(this.norms1[l]!, this.norms2[l]!, thetas[l]!);
      this.toStackColumns(vNorm, this.norms1[l]!, l);
      this.toStackColumns(uNorm, this.norms2[l]!, l);
    }
  }

  private paramNormsOfLayers(uNorm: Vec): void {
    for (let l = 0; l < this.steps.length; l++) {
      this.steps[l]!.influence!.paramNorms!(this.norms2[l]!);
      this.toStackColumns(uNorm, this.norms2[l]!, l);
    }
  }

  /** Layer l's term columns (batch × K_l) into the stack's (batch × K). */
  private toStackColumns(out: Vec, src: Vec, l: number): void {
    const K = this.steps[l]!.influence!.termCount;
    copyColumns(out, this.termCount, this.termOffsets[l]!, src, K, 0, this.batch, K);
  }

  combineState(sOut: Vec, coefficient: Vec, theta: Vec): void {
    const thetas = this.stack.thetaViews.of(theta);
    const { layers } = this.stack;
    for (let l = 0; l < this.steps.length; l++) {
      const cell = layers[l]!;
      this.layerColumns(this.coefficients[l]!, coefficient, l);
      const tangent = this.tangent[l]!;
      this.steps[l]!.influence!.combineState(tangent, this.coefficients[l]!, thetas[l]!);
      if (l > 0) {
        // Carry the terms of the layers below through this layer's input.
        const below = layers[l - 1]!;
        copyColumns(this.input[l]!, below.outputSize, 0, this.tangent[l - 1]!, below.stateSize, below.outputOffset, this.batch, below.outputSize);
        this.steps[l]!.inputJvp(this.local[l]!, this.input[l]!, thetas[l]!);
        for (let i = 0; i < tangent.length; i++) tangent[i] += this.local[l]![i];
      }
      copyColumns(sOut, this.stack.stateSize, this.stack.stateOffsets[l]!, tangent, cell.stateSize, 0, this.batch, cell.stateSize);
    }
  }

  /**
   * The adjoint of combineState, top layer first: layer l's cotangent is its part of s plus what
   * layer l+1 sends back through its input; each layer projects its own cotangent.
   */
  private projectStateOfLayers(coefficient: Vec, s: Vec, theta: Vec): void {
    const thetas = this.stack.thetaViews.of(theta);
    const { layers } = this.stack;
    const cotangent = this.tangent;
    for (let l = 0; l < layers.length; l++) {
      const cell = layers[l]!;
      copyColumns(cotangent[l]!, cell.stateSize, 0, s, this.stack.stateSize, this.stack.stateOffsets[l]!, this.batch, cell.stateSize);
    }
    for (let l = layers.length - 1; l >= 0; l--) {
      this.steps[l]!.influence!.projectState!(this.coefficients[l]!, cotangent[l]!, thetas[l]!);
      this.toStackColumns(coefficient, this.coefficients[l]!, l);
      if (l > 0) {
        const below = layers[l - 1]!;
        this.steps[l]!.inputVjp(this.input[l]!, cotangent[l]!, thetas[l]!);
        addColumns(cotangent[l - 1]!, below.stateSize, below.outputOffset, this.input[l]!, below.outputSize, 0, this.batch, below.outputSize);
      }
    }
  }

  addCombinedParams(dTheta: Vec, coefficient: Vec): void {
    const dThetas = this.stack.thetaViews.of(dTheta);
    for (let l = 0; l < this.steps.length; l++) {
      this.layerColumns(this.coefficients[l]!, coefficient, l);
      this.steps[l]!.influence!.addCombinedParams(dThetas[l]!, this.coefficients[l]!);
    }
  }
}

/** A stack of cells, itself a Cell. */
export function stack(layers: readonly Cell[]): StackCell {
  return new StackCell(layers);
}
