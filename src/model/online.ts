/**
 * What an online learner trains: a recurrent core — any Cell, including a stack or a user's
 * own — and an optional dense head, sharing one flat θ = [θ_core; θ_head].
 */
import { zeros, type DType, type Vec } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import type { Cell, DerivedStep } from '../cells/cell.js';
import { withNamedDerivatives } from '../cells/derivatives.js';
import type { Dense } from './dense.js';
import { SegmentViews } from '../tensor/views.js';

export class OnlineModel {
  readonly core: Cell;
  readonly head: Dense | null;
  readonly dtype: DType;
  readonly paramSize: number;
  readonly theta: Vec;
  readonly coreTheta: Vec;
  readonly headTheta: Vec | null;
  /** The width of the prediction: the head's outputSize, or the core's outputSize. */
  readonly outputSize: number;
  /** [core, head] views of any θ-shaped buffer, made once per buffer. */
  private readonly parts: SegmentViews;

  constructor(options: { core: Cell; head?: Dense | null; theta?: Vec }) {
    const { core } = options;
    const head = options.head ?? null;
    if (head !== null && head.inputSize !== core.outputSize) {
      throw new RangeError(`online model: the head expects input size ${head.inputSize}, but the core outputs ${core.outputSize}`);
    }
    if (head !== null && head.dtype !== core.dtype) throw new TypeError(`online model: head is ${head.dtype}, core is ${core.dtype}`);
    this.core = core;
    this.head = head;
    this.dtype = core.dtype;
    this.paramSize = core.paramSize + (head?.paramSize ?? 0);
    if (options.theta !== undefined && options.theta.length !== this.paramSize) {
      throw new RangeError(`online model: θ must have ${this.paramSize} entries, got ${options.theta.length}`);
    }
    this.theta = options.theta ?? zeros(this.dtype, this.paramSize);
    this.coreTheta = this.theta.subarray(0, core.paramSize);
    this.headTheta = head === null ? null : this.theta.subarray(core.paramSize);
    this.outputSize = head?.outputSize ?? core.outputSize;
    this.parts = new SegmentViews([
      { offset: 0, size: core.paramSize },
      { offset: core.paramSize, size: head?.paramSize ?? 0 },
    ]);
  }

  initParams(rng: Rng): void {
    this.core.initParams(this.coreTheta, rng);
    if (this.head !== null) this.head.initParams(this.headTheta!, rng);
  }

  /**
   * A workspace for one timestep of the core, with the contract's named entry points (a user's
   * cell gets them here, once): what learners step and differentiate.
   */
  createCoreStep(batch = 1): DerivedStep {
    return withNamedDerivatives(this.core.createStep(batch));
  }

  /** The core's part of a θ-shaped buffer. */
  coreSlice(buffer: Vec): Vec {
    return this.parts.of(buffer)[0]!;
  }

  headSlice(buffer: Vec): Vec | null {
    return this.head === null ? null : this.parts.of(buffer)[1]!;
  }
}

/** An online model around any Cell, e.g. a user-defined one. */
export function onlineModel(options: { core: Cell; head?: Dense | null; theta?: Vec }): OnlineModel {
  return new OnlineModel(options);
}
