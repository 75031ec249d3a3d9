/**
 * Linear Recurrent Unit, LRU (Orvieto, Smith, Gu, Fernando, Gulcehre, Pascanu & De 2023,
 * "Resurrecting recurrent neural networks for long sequences"), the recurrence that Zucchet,
 * Meier, Schug, Mujika & Sacramento (NeurIPS 2023, "Online learning of long-range
 * dependencies") train by exact RTRL. A complex diagonal linear recurrence, in real arithmetic:
 *
 *   λ = exp(−exp(ν) + i·exp(θ)),   γ = exp(γ_log)                                      (1)
 *   h' = λ ⊙ h + γ ⊙ (B·x),        B = B_re + i·B_im  (N × d)                          (2)
 *
 * with Orvieto's parametrisation: ν, θ and γ_log are the trained numbers (the paper's ν_log,
 * θ_log, γ_log); γ_log starts at log √(1 − |λ|²), the normalisation that keeps ‖h‖ of the order
 * of ‖x‖, and is then trained on its own (as in Orvieto's and Zucchet's code).
 * State s = (Re h, Im h) (n = 2N), emitted whole as the output. Each unit's (Re h_i, Im h_i)
 * reads only itself, so ∂s'/∂s is block-diagonal with the 2 × 2 rotation-scaling of λ_i, and
 * RTRL's sensitivity of unit i involves only unit i's 2d + 3 parameters: O(N·d) memory.
 * Immediate influence: five terms per unit, each one pre-activation linear in θ —
 *   a_ν = ν_i, a_θ = θ_i, a_γ = γ_log,i (u = the unit vector of that parameter),
 *   a_re = B_re[i]·x, a_im = B_im[i]·x (u = x on that row of B) —
 * with v = ∂h'_i/∂a: −e^ν·λh, i·e^θ·λh, γ·Bx, γ, i·γ (as (Re, Im) pairs).
 * Note: the paper's layer output y = Re(C·h) + D ⊙ x reads h and x through the feedforward
 * C and D; the Cell contract emits a slice of the state, so the LRU emits (Re h, Im h) and the
 * model's dense head (or the next layer's input weights) plays C: Re(C·h) = C_re·Re h − C_im·Im h
 * is a real linear map of the output. The skip D ⊙ x is not offered.
 */
import type { DType, Vec } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import { SegmentViews } from '../tensor/views.js';
import type { CellStep, InventoryEntry } from './cell.js';
import { WholeStateCell } from './whole-state-cell.js';
import { LruStep } from './lru-step.js';
import { checkSize, rejectUnknownOptions } from './options.js';
import type { CellSpec, FlagSpec } from '../kinds/spec.js';
import { allowOnly, defined, optionalNumber, positiveInteger } from '../kinds/options.js';

/** The JSON config of the table line (the CLI's flags and config files), validated by the spec below. */
export interface LruCellConfig {
  readonly kind: 'lru';
  readonly hiddenSize: number;
  readonly rMin?: number;
  readonly rMax?: number;
  readonly maxPhase?: number;
}

export interface LruOptions {
  inputSize: number;
  /** N, the number of complex units (the state has 2N numbers). */
  hiddenSize: number;
  /** |λ| is initialised uniformly on the ring rMin ≤ |λ| ≤ rMax (Orvieto et al., §3.3). @default 0.5 */
  rMin?: number;
  /** @default 0.99 */
  rMax?: number;
  /** arg λ is initialised uniformly in [0, maxPhase). @default 2π */
  maxPhase?: number;
  /** @default 'float64' */
  dtype?: DType;
}

const OPTION_NAMES = ['inputSize', 'hiddenSize', 'rMin', 'rMax', 'maxPhase', 'dtype'] as const;
export const LRU_DEFAULTS = { rMin: 0.5, rMax: 0.99, maxPhase: 2 * Math.PI } as const;

/** The initialisation ring 0 ≤ rMin < rMax ≤ 1, or a RangeError naming `where`. */
export function checkRing(rMin: unknown, rMax: unknown, where: string): void {
  if (typeof rMin !== 'number' || typeof rMax !== 'number' || !(rMin >= 0 && rMin < rMax && rMax <= 1)) {
    throw new RangeError(`${where}: rMin and rMax must satisfy 0 ≤ rMin < rMax ≤ 1, got ${JSON.stringify(rMin)} and ${JSON.stringify(rMax)}`);
  }
}

export class LruCell extends WholeStateCell {
  declare readonly kind: 'lru';
  readonly hiddenSize: number;
  readonly rMin: number;
  readonly rMax: number;
  readonly maxPhase: number;
  /** Views [(ν, θ, γ_log) (3N), (B_re; B_im) (2N × d)]: the coefficients' order, and one matrix for B·x. */
  readonly groups: SegmentViews;

  constructor(options: LruOptions) {
    rejectUnknownOptions('lru', options, OPTION_NAMES);
    const d = checkSize('lru', 'inputSize', options.inputSize);
    const N = checkSize('lru', 'hiddenSize', options.hiddenSize);
    const { rMin = LRU_DEFAULTS.rMin, rMax = LRU_DEFAULTS.rMax, maxPhase = LRU_DEFAULTS.maxPhase } = options;
    checkRing(rMin, rMax, 'lru');
    if (!(maxPhase > 0 && Number.isFinite(maxPhase))) throw new RangeError(`lru: maxPhase must be a positive number, got ${String(maxPhase)}`);
    // [ν, θ, γ_log, B_re, B_im]: the five term groups, in order.
    const blocks = [...['nuLog', 'thetaLog', 'gammaLog'].map((name) => ({ name, shape: [N] })), ...['bRe', 'bIm'].map((name) => ({ name, shape: [N, d] }))];
    const stateParts = [
      { name: 'hRe', offset: 0, size: N },
      { name: 'hIm', offset: N, size: N },
    ];
    super('lru', { dtype: options.dtype, inputSize: d, blocks, stateParts });
    this.hiddenSize = N;
    this.rMin = rMin;
    this.rMax = rMax;
    this.maxPhase = maxPhase;
    this.groups = new SegmentViews([
      { offset: 0, size: 3 * N },
      { offset: 3 * N, size: 2 * N * d },
    ]);
  }

  inventory(): readonly InventoryEntry[] {
    const { inputSize: d, hiddenSize: N } = this;
    return [
      { name: 'nuLog', shape: [N] },
      { name: 'thetaLog', shape: [N] },
      { name: 'gammaLog', shape: [N] },
      { name: 'kernels[re]', shape: [d, N] },
      { name: 'kernels[im]', shape: [d, N] },
    ];
  }

  /** Orvieto et al.'s: |λ| uniform on the ring's area, arg λ uniform, γ = √(1 − |λ|²), B ~ N(0, 1/(2d)). */
  initParams(theta: Vec, rng: Rng): void {
    const [nu, phase, gamma, bRe, bIm] = this.blocks.of(theta);
    const { rMin, rMax, maxPhase, inputSize: d } = this;
    for (let i = 0; i < this.hiddenSize; i++) {
      let u = 0;
      while (u === 0) u = rng.uniform();
      nu![i] = Math.log(-0.5 * Math.log(u * (rMax * rMax - rMin * rMin) + rMin * rMin));
      let v = 0;
      while (v === 0) v = rng.uniform();
      phase![i] = Math.log(maxPhase * v);
      const modulus = Math.exp(-Math.exp(nu![i]!));
      gamma![i] = 0.5 * Math.log(1 - modulus * modulus);
    }
    for (const b of [bRe!, bIm!]) for (let k = 0; k < b.length; k++) b[k] = rng.normal() / Math.sqrt(2 * d);
  }

  protected step(batch: number): CellStep {
    return new LruStep(this, batch);
  }
}

/** A Linear Recurrent Unit. */
export function lru(options: LruOptions): LruCell {
  return new LruCell(options);
}

const LRU_FLAGS: readonly FlagSpec[] = [
  { flag: '--hidden <n>', option: 'hiddenSize', value: 'integer', help: 'hidden size H' },
  { flag: '--r-min <r>', option: 'rMin', value: 'number', help: `LRU: smallest initial |λ| (default: ${LRU_DEFAULTS.rMin})` },
  { flag: '--r-max <r>', option: 'rMax', value: 'number', help: `LRU: largest initial |λ| (default: ${LRU_DEFAULTS.rMax})` },
  { flag: '--max-phase <φ>', option: 'maxPhase', value: 'number', help: 'LRU: largest initial arg λ (default: 2π)' },
];

/** The table line of `lru`. */
export const lruSpec = {
  summary: 'Linear Recurrent Unit (Orvieto et al. 2023): complex diagonal λ, exact RTRL at O(N·d)',
  parse(raw, where) {
    allowOnly(raw, ['kind', 'hiddenSize', 'rMin', 'rMax', 'maxPhase'], `${where} (lru)`);
    const [rMin, rMax, maxPhase] = (['rMin', 'rMax', 'maxPhase'] as const).map((key) => optionalNumber(raw[key], `${where}.${key}`));
    checkRing(rMin ?? LRU_DEFAULTS.rMin, rMax ?? LRU_DEFAULTS.rMax, where);
    if (maxPhase !== undefined && !(maxPhase > 0)) throw new RangeError(`${where}.maxPhase must be positive, got ${maxPhase}`);
    return { kind: 'lru', hiddenSize: positiveInteger(raw.hiddenSize, `${where}.hiddenSize`), ...defined({ rMin, rMax, maxPhase }) };
  },
  build: (config, { inputSize, dtype }) => lru({ inputSize, dtype, hiddenSize: config.hiddenSize, ...defined({ rMin: config.rMin, rMax: config.rMax, maxPhase: config.maxPhase }) }),
  outputSize: (config) => 2 * config.hiddenSize,
  describe: (config) => `LRU, ${config.hiddenSize} complex units`,
  flags: LRU_FLAGS,
  interop: { pytorch: null, tfjs: null },
  // ν, θ and γ_log read no input: no Kronecker factors.
  provides: () => ['structuredInfluence'],
  examples: [
    { name: 'lru', config: { kind: 'lru', hiddenSize: 2 } },
    { name: 'lru narrow ring', config: { kind: 'lru', hiddenSize: 3, rMin: 0.9, rMax: 0.999, maxPhase: 0.3 } },
  ],
} satisfies CellSpec<LruCellConfig>;
