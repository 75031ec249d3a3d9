/**
 * A run's memory and the cost of one step, estimated from its configuration before anything is
 * allocated, so `--hidden 20000` or `--learner tbptt:k=1e9` is one line naming the sizes and
 * the flag that bounds them instead of gigabytes taken and a RangeError from a typed array.
 *
 * The terms, in elements of the dtype (p parameters, n = the state's size, I the input's):
 *   every learner      θ, the gradient, the pending update and the optimizer's buffers: ≤ 5p
 *   rtrl               the sensitivity ∂s/∂θ and its next value: 2·n·p, and J: n²; on a cell
 *                      whose influence pattern closed under J is smaller (eLSTM, LRU), that
 *                      pattern's Σ_k |S_k|·|Q_k| entries plus p, as the learner allocates
 *                      (learners/rtrl.ts rtrlLayout, probed here when that is cheap)
 *   tbptt:k2           the window of k2 steps: inputs, states, cotangents and each step's
 *                      cell cache (about 8n): k2·(I + 12n), plus ~512 bytes of objects a step
 *   snap1              M on ∂F/∂θ's pattern (each parameter reaches ≤ 2 state entries): 2p, J: n²
 *   kfrtrl             the Kronecker factors and J: n² + 3n
 *   uoro, nbt          s̃ and θ̃: n + p
 *   rflo, kernl        the trace on ∂F/∂θ's pattern: ≤ 2p; KeRNL's A: n²
 *   dni                the synthetic-gradient map and its frozen copy: 2·n·(n + |y*| + 1)
 *   eprop              the traces on ∂F/∂θ's pattern, as snap1 but no J: 2p + n
 *   snapn              at worst (a dense cell, n ≥ 2) RTRL's: n·p, J: n², and a block: n²
 *   rkfrtrl            B, J·B (n × m, m ≤ I + n + 1) and a: 2n·(I + n + 1) + p
 * One step's work, in multiply-adds: RTRL's J·(∂s/∂θ) is n·n·p (Σ_k |S_k|²·|Q_k| on the closed
 * pattern); the others are O(p + n²).
 * The estimate is meant to be within a factor of two of what the run takes.
 */
import { totalmem } from 'node:os';
import type { ModelConfig } from '../model/config.js';
import { sizesOf, type Sizes } from '../model/size.js';
import { createModel } from '../model/config.js';
import type { LearnerConfig } from '../kinds/learners.js';
import { rtrlLayout, type RtrlLayout } from '../learners/rtrl.js';
import { PROBES } from '../learners/pattern.js';
import { UsageError } from './errors.js';

/** The default --max-memory: half of the machine's memory, leaving room for everything else. */
export const DEFAULT_MEMORY_FRACTION = 0.5;

/** Multiply-adds a second, roughly, for the warning about slow steps (one core, float64). */
const MULTIPLY_ADDS_PER_SECOND = 1e9;

/** A step slower than this gets a warning before the run starts. */
const SLOW_STEP_SECONDS = 1;

/** The most multiply-adds the estimate spends probing a cell's pattern: ~2 s, at most one vjp's O(p) per state entry and probe. */
const PROBE_BUDGET = 2e9;

/**
 * What RTRL would allocate on the model — learners/rtrl.ts's rtrlLayout on the model built at its
 * size — or null when probing would cost more than PROBE_BUDGET (then the dense n·p stands, an
 * upper bound) or the model cannot be stepped online.
 */
export function rtrlLayoutOf(model: ModelConfig, sizes: Sizes = sizesOf(model)): RtrlLayout | null {
  const { stateSize: n, paramSize: p } = sizes;
  if (PROBES * n * (n + p) > PROBE_BUDGET) return null;
  try {
    const built = createModel(model, { initialize: false });
    return rtrlLayout(built.core, built.coreTheta);
  } catch {
    return null; // a bidirectional model: the learner refuses it with its reason
  }
}

export interface Estimate {
  readonly bytes: number;
  /** One step's multiply-adds. */
  readonly stepWork: number;
  /** What dominates, e.g. "RTRL's n·p = 512 × 270,336 sensitivity". */
  readonly dominant: string;
}

/** `rtrl`: what RTRL allocates on this model (rtrlLayoutOf), when known; else the dense n·p is counted. */
export function estimateRun(sizes: Sizes, learner: LearnerConfig, rtrl: RtrlLayout | null = null): Estimate {
  const { paramSize: p, stateSize: n, inputSize: I, bytesPerElement: b } = sizes;
  const base = 5 * p;
  const count = (x: number) => Math.round(x).toLocaleString('en-US');
  switch (learner.kind) {
    case 'rtrl':
      if (rtrl !== null && rtrl.pattern !== null) {
        return { bytes: b * (base + rtrl.entries + p + 2 * n), stepWork: rtrl.work + 3 * p, dominant: `RTRL's sensitivity on the closed influence pattern, ${count(rtrl.entries)} entries` };
      }
      return { bytes: b * (base + 2 * n * p + n * n), stepWork: n * n * p, dominant: `RTRL's sensitivity n·p = ${count(n)} × ${count(p)}, kept twice` };
    case 'tbptt':
      return { bytes: b * (base + learner.k2 * (I + 12 * n)) + 512 * learner.k2, stepWork: 3 * p, dominant: `the TBPTT window of k2 = ${count(learner.k2)} steps of a ${count(n)}-entry state` };
    case 'snap1':
      return { bytes: b * (base + 2 * p + n * n), stepWork: 2 * p + n * n, dominant: `SnAp-1's influence on θ's pattern, 2p = 2 × ${count(p)}` };
    case 'kfrtrl':
      return { bytes: b * (base + n * n + 3 * n), stepWork: 3 * p + n * n, dominant: `the model's ${count(p)} parameters` };
    case 'eprop':
      return { bytes: b * (base + 2 * p + n), stepWork: 2 * p + n, dominant: `e-prop's traces on θ's pattern, 2p = 2 × ${count(p)}` };
    case 'snapn':
      return { bytes: b * (base + n * p + 2 * n * n), stepWork: n * n * p, dominant: `SnAp-n's sensitivity, up to n·p = ${count(n)} × ${count(p)} on a dense cell` };
    case 'rkfrtrl':
      return { bytes: b * (base + 2 * n * (I + n + 1) + p), stepWork: 2 * p * (I + n + 1), dominant: `reverse KF-RTRL's J·B, one jvp per column of B` };
    case 'uoro':
    case 'nbt':
      return { bytes: b * (base + p + n), stepWork: 3 * p, dominant: `the model's ${count(p)} parameters` };
    case 'rflo':
    case 'kernl':
      return { bytes: b * (base + 2 * p + 8 * n + n * n), stepWork: 3 * p + 3 * n * n, dominant: `the eligibility trace on θ's pattern, ≤ 2p = 2 × ${count(p)}` };
    case 'dni':
      return { bytes: b * (base + 2 * n * (n + I + 1) + 4 * n), stepWork: 3 * p + 3 * n * n, dominant: `the model's ${count(p)} parameters` };
    case 'output-only':
      return { bytes: b * (base + n), stepWork: p, dominant: `the model's ${count(p)} parameters` };
  }
}

/** Bytes in binary units, up to TiB (a refused estimate may be astronomical). */
export function memoryText(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'more than can be counted';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let u = 0;
  while (value >= 1024 && u < units.length - 1) {
    value /= 1024;
    u++;
  }
  return `${u === 0 ? value : value.toFixed(1)} ${units[u]}${u === units.length - 1 && value >= 1024 ? ` (${bytes.toExponential(1)} B)` : ''}`;
}

/** The limit: --max-memory (bytes, or with a unit: 512M, 4G), else a fraction of this machine's memory. */
export function memoryLimit(flag: string | undefined): number {
  if (flag === undefined) return Math.floor(totalmem() * DEFAULT_MEMORY_FRACTION);
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$/i.exec(flag);
  if (match === null) throw new UsageError(`--max-memory must be a size such as 512M or 4G, got '${flag}'`);
  const unit = (match[2] ?? 'b')[0]!.toLowerCase();
  const scale = { b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[unit]!;
  const bytes = Number(match[1]) * scale;
  if (!(bytes > 0)) throw new UsageError(`--max-memory must be positive, got '${flag}'`);
  return bytes;
}

/**
 * Refuses a run (or `runs` at once, one per worker) that would need more than `limit` bytes;
 * returns a warning when one step will be slow, else null. `what` describes the model's flags.
 */
export function checkMemory(model: ModelConfig, learner: { label: string; config: LearnerConfig }, options: { limit: number; limitGiven: boolean; runs?: number; what: string }): string | null {
  const sizes = sizesOf(model);
  const affordable = sizes.bytesPerElement * 5 * sizes.paramSize <= options.limit; // θ must fit before it is built to probe
  const estimate = estimateRun(sizes, learner.config, learner.config.kind === 'rtrl' && affordable ? rtrlLayoutOf(model, sizes) : null);
  const runs = options.runs ?? 1;
  const bytes = estimate.bytes * runs;
  if (!Number.isFinite(bytes) || bytes > options.limit) {
    const limit = `${options.limitGiven ? '--max-memory' : 'the default --max-memory (half of this machine’s memory)'} ${memoryText(options.limit)}`;
    throw new UsageError(
      `learner '${learner.label}' on ${options.what} needs about ${memoryText(bytes)}${runs > 1 ? ` (${runs} runs at once)` : ''}, more than ${limit}: ${estimate.dominant} dominates; choose a smaller --hidden, --layers or TBPTT window (or another --learner), or raise --max-memory`,
    );
  }
  const seconds = estimate.stepWork / MULTIPLY_ADDS_PER_SECOND;
  if (seconds < SLOW_STEP_SECONDS) return null;
  return `warning: learner '${learner.label}' does about ${estimate.stepWork.toExponential(1)} multiply-adds a step (${estimate.dominant}): each step may take ${seconds.toFixed(0)} s or more`;
}
