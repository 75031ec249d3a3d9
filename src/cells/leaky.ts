/**
 * Leaky integration of a cell (a combinator, like the stack): the state moves a fraction α of
 * the way towards what the inner cell F̂ would set it to,
 *
 *   s' = (1 − α)·s + α·F̂(x, s; θ),   α ∈ (0, 1]                                        (1)
 *
 * With F̂ the Elman RNN this is the leaky RNN of Murray 2019 (RFLO) and of Marschall, Cho &
 * Savin 2020 (JMLR, "A unified framework of online learning algorithms for training recurrent
 * neural networks"; their tasks use α = 0.5):
 *
 *   a' = (1 − α)·a + α·φ(W_rec·a + W_in·x + b)                                         (2)
 *
 * α = 1 is the inner cell itself. Every derivative is the inner one scaled by α, plus the leak:
 *   ∂s'/∂s = (1 − α)·I + α·∂F̂/∂s,   ∂s'/∂x = α·∂F̂/∂x,   ∂s'/∂θ = α·∂F̂/∂θ,
 * so the immediate influence keeps the inner terms with v_k scaled by α (u_k, and so the
 * Kronecker factors, unchanged), and the state-Jacobian diagonal is (1 − α) + α·diag(∂F̂/∂s).
 * The cell exposes α through the contract's `leakRate`: RFLO keeps only the (1 − α)·I part of
 * ∂s'/∂s, and reads α there rather than from the cell's kind.
 * θ, the inventory and the initialisation are the inner cell's; α is a fixed hyperparameter.
 */
import { zeros, type DType, type Vec } from '../tensor/dtype.js';
import { scale } from '../tensor/kernels.js';
import type { Rng } from '../tensor/rng.js';
import type { Cell, CellStep, ImmediateInfluence, KroneckerInfluence } from './cell.js';
import { CellStepBase } from './derivatives.js';
import type { CellSpec } from '../kinds/spec.js';

/** α of eq. (1): a number in (0, 1], or a RangeError naming `where`. */
export function checkLeak(value: unknown, where: string): number {
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) throw new RangeError(`${where} must be a number in (0, 1], got ${JSON.stringify(value)}`);
  return value;
}

/** A leaky integrator: the inner cell's sizes and θ, its own kind, α and steps. */
export interface LeakyCell extends Cell {
  readonly inner: Cell;
  /** α of eq. (1). */
  readonly alpha: number;
  leakRate(out: Vec): void;
}

/** A leaky integrator of `inner` (eq. 1). */
export function leaky(inner: Cell, alpha: number): LeakyCell {
  const rate = checkLeak(alpha, `leaky ${inner.kind}: alpha`);
  const { dtype, inputSize, stateSize, outputSize, outputOffset, paramSize, params, stateParts } = inner;
  return {
    kind: `leaky-${inner.kind}`,
    inner,
    alpha: rate,
    ...{ dtype, inputSize, stateSize, outputSize, outputOffset, paramSize, params, stateParts },
    inventory: () => inner.inventory(),
    initParams: (theta: Vec, rng: Rng) => inner.initParams(theta, rng),
    /** α, times the inner cell's own rate r if it leaks: (1 − α)·s + α·((1 − r)·s + r·G) leaks at α·r. */
    leakRate(out: Vec): void {
      if (inner.leakRate === undefined) out.fill(1);
      else inner.leakRate(out);
      scale(out, rate);
    },
    createStep: (batch = 1) => new LeakyStep(inner.createStep(batch), rate, zeros(dtype, batch * stateSize)),
  };
}

/** One step of eq. (1) around one step of the inner cell. */
class LeakyStep extends CellStepBase {
  readonly batch: number;
  declare readonly influence?: ImmediateInfluence;
  readonly stateJacobianDiagonal?: (out: Vec, theta: Vec) => void;

  /** scaled (batch × n): F̂ in forward, α·∂L/∂s' for the inner vjp, the inner tangent in jvp. */
  constructor(private readonly inner: CellStep, private readonly alpha: number, private readonly scaled: Vec) {
    super();
    this.batch = inner.batch;
    if (inner.influence !== undefined) this.influence = new LeakyInfluence(inner.influence, alpha);
    if (inner.stateJacobianDiagonal !== undefined) this.stateJacobianDiagonal = this.diagonal.bind(this);
  }

  forward(sNext: Vec, x: Vec, s: Vec, theta: Vec): void {
    const { scaled, alpha } = this;
    this.inner.forward(scaled, x, s, theta);
    for (let k = 0; k < scaled.length; k++) sNext[k] = (1 - alpha) * s[k]! + alpha * scaled[k]!;
  }

  vjp(dX: Vec | null, dS: Vec | null, dTheta: Vec | null, dSNext: Vec, theta: Vec): void {
    const { scaled, alpha } = this;
    for (let k = 0; k < scaled.length; k++) scaled[k] = alpha * dSNext[k]!;
    this.inner.vjp(dX, dS, dTheta, scaled, theta);
    if (dS !== null) for (let k = 0; k < scaled.length; k++) dS[k] += (1 - alpha) * dSNext[k]!;
  }

  jvp(sNextDot: Vec, xDot: Vec | null, sDot: Vec | null, thetaDot: Vec | null, theta: Vec): void {
    const { scaled, alpha } = this;
    this.inner.jvp(scaled, xDot, sDot, thetaDot, theta);
    for (let k = 0; k < scaled.length; k++) sNextDot[k] = alpha * scaled[k]! + (sDot === null ? 0 : (1 - alpha) * sDot[k]!);
  }

  private diagonal(out: Vec, theta: Vec): void {
    this.inner.stateJacobianDiagonal!(out, theta);
    for (let k = 0; k < this.scaled.length; k++) out[k] = (1 - this.alpha) + this.alpha * out[k]!;
  }
}

/** The inner terms with v_k scaled by α. */
class LeakyInfluence implements ImmediateInfluence {
  readonly termCount: number;
  readonly kronecker?: KroneckerInfluence;
  readonly paramNorms?: (uNorm: Vec) => void;
  readonly projectState?: (coefficient: Vec, s: Vec, theta: Vec) => void;

  constructor(private readonly inner: ImmediateInfluence, private readonly alpha: number) {
    this.termCount = inner.termCount;
    if (inner.kronecker !== undefined) this.kronecker = inner.kronecker;
    if (inner.paramNorms !== undefined) this.paramNorms = inner.paramNorms.bind(inner);
    if (inner.projectState !== undefined) this.projectState = this.project.bind(this);
  }

  norms(vNorm: Vec, uNorm: Vec, theta: Vec): void {
    this.inner.norms(vNorm, uNorm, theta);
    scale(vNorm, this.alpha);
  }

  combineState(sOut: Vec, coefficient: Vec, theta: Vec): void {
    this.inner.combineState(sOut, coefficient, theta);
    scale(sOut, this.alpha);
  }

  addCombinedParams(dTheta: Vec, coefficient: Vec): void {
    this.inner.addCombinedParams(dTheta, coefficient);
  }

  /** ⟨α·v_k, s⟩ = α·⟨v_k, s⟩. */
  private project(coefficient: Vec, s: Vec, theta: Vec): void {
    this.inner.projectState!(coefficient, s, theta);
    scale(coefficient, this.alpha);
  }
}


/** α when a config leaves it out: Marschall et al.'s. */
export const DEFAULT_LEAK = 0.5;

/** A `leaky-<inner>` config: the inner kind's options plus α. */
export type LeakyConfig<C extends { readonly kind: string }, K extends string> = Omit<C, 'kind'> & { readonly kind: K; readonly alpha?: number };

/**
 * The table line of a leaky kind: the inner spec's options, flags and capabilities, plus
 * `alpha` (validated here, once) and the 'leak' capability.
 */
export function leakySpec<K extends string, C extends { readonly kind: string }>(kind: K, inner: CellSpec<C>, innerKind: C['kind']): CellSpec<LeakyConfig<C, K>> {
  const innerOf = ({ alpha: _alpha, kind: _kind, ...rest }: LeakyConfig<C, K>) => ({ ...rest, kind: innerKind }) as unknown as C;
  const alphaOf = (config: LeakyConfig<C, K>) => config.alpha ?? DEFAULT_LEAK;
  return {
    summary: `leaky ${innerKind}: s′ = (1 − α)·s + α·F(x, s), α ∈ (0, 1] (Murray 2019; Marschall et al. 2020)`,
    parse(raw, where) {
      const { alpha, kind: _kind, ...rest } = raw;
      const config = inner.parse({ ...rest, kind: innerKind }, where);
      return { ...config, kind, ...(alpha === undefined ? {} : { alpha: checkLeak(alpha, `${where}.alpha`) }) } as LeakyConfig<C, K>;
    },
    build: (config, options) => leaky(inner.build(innerOf(config), options), alphaOf(config)),
    outputSize: (config) => inner.outputSize(innerOf(config)),
    describe: (config) => `leaky ${inner.describe(innerOf(config))}, α = ${alphaOf(config)}`,
    flags: [...inner.flags, { flag: '--alpha <a>', option: 'alpha', value: 'number', help: `leak α ∈ (0, 1] (default: ${DEFAULT_LEAK})`, cliDefault: DEFAULT_LEAK }],
    interop: { pytorch: null, tfjs: null },
    provides: (config) => [...new Set([...inner.provides(innerOf(config)), 'leak' as const])],
    ...(inner.initialState === undefined ? {} : { initialState: (config: LeakyConfig<C, K>, dtype: DType) => inner.initialState!(innerOf(config), dtype) }),
    examples: inner.examples.map(({ name, config }, e) => {
      const { kind: _kind, ...rest } = config;
      return { name: `leaky ${name}`, config: { ...rest, kind, alpha: e === 0 ? DEFAULT_LEAK : 0.3 } as unknown as LeakyConfig<C, K> };
    }),
  };
}
