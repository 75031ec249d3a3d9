/**
 * The learner table: one spec per online learner — how its config (what the CLI parses
 * `tbptt:k=16` into and checkpoints save) is validated, how it is built, its help, the cell
 * capability it needs, the names gradstats measures it under, and the variants the contract
 * suites run. Like the learners, it knows no cell: support.ts is where a learner kind meets
 * the cell kinds.
 */
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import type { Learner, LearnerOptions } from '../learners/learner.js';
import { tbptt } from '../learners/tbptt.js';
import { rtrl } from '../learners/rtrl.js';
import { uoro } from '../learners/uoro.js';
import { nbt } from '../learners/nbt.js';
import { snap1 } from '../learners/snap1.js';
import { kfrtrl } from '../learners/kfrtrl.js';
import { rflo } from '../learners/rflo.js';
import { kernl } from '../learners/kernl.js';
import { dni } from '../learners/dni.js';
import { outputOnly } from '../learners/output-only.js';
import { eprop } from '../learners/eprop.js';
import { snapn } from '../learners/snapn.js';
import { rkfrtrl } from '../learners/rkfrtrl.js';
import { allowOnly, defined, kindsOf, optionalBoolean, optionalNumber, optionalPositiveInteger, parseKind, positiveInteger, record, specOf } from './options.js';
import type { Capability, ConfigOf, Example } from './spec.js';

export interface LearnerSpec<C extends { readonly kind: string }> {
  /** The --learner form and what it is, for help: 'tbptt:k=K', 'truncated BPTT …'. */
  readonly usage: string;
  readonly summary: string;
  parse(raw: Record<string, unknown>, where: string): C;
  build(config: C, model: OnlineModel | Model, options: LearnerOptions): Learner;
  /** The capability of the cell's influence it needs beyond the Cell contract (null: any cell). */
  readonly needs: Capability | null;
  /** The configs `gradstats --learners` measures, by name; `k` is its --k. */
  gradstats(k: number): Readonly<Record<string, C>>;
  readonly examples: readonly Example<C>[];
}

/** The ε of the rank-one learners' variance-reducing scalings (Tallec & Ollivier 2018, eq. 7). */
function epsilon(raw: Record<string, unknown>, kind: string): number | undefined {
  const value = raw.epsilon;
  if (value !== undefined && (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value))) throw new RangeError(`${kind}: epsilon must be a small positive number, got ${JSON.stringify(value)}`);
  return value as number | undefined;
}

const tbpttSpec = {
  usage: 'tbptt:k=K | tbptt:k2=K:k1=J',
  summary: 'truncated BPTT (Williams & Peng): backpropagate k2 steps every k1 steps; k=K is k2 = K, k1 = 1',
  parse(raw) {
    allowOnly(raw, ['kind', 'k2', 'k1'], 'tbptt');
    const k2 = positiveInteger(raw.k2, 'tbptt: k2');
    if (raw.k1 === undefined) return { kind: 'tbptt', k2 };
    const k1 = positiveInteger(raw.k1, 'tbptt: k1');
    if (k1 > k2) throw new RangeError(`tbptt: k1 (${k1}) must not exceed k2 (${k2})`);
    return { kind: 'tbptt', k2, k1 };
  },
  build: (config, model, options) => tbptt(model, { ...options, k2: config.k2, ...defined({ k1: config.k1 }) }),
  needs: null,
  gradstats: (k) => ({ tbptt: { kind: 'tbptt', k1: 1, k2: k } }),
  examples: [
    { name: 'tbptt k1 = k2 = 4', config: { kind: 'tbptt', k2: 4 } },
    { name: 'tbptt k1 = 2, k2 = 5', config: { kind: 'tbptt', k1: 2, k2: 5 } },
  ],
} satisfies LearnerSpec<{ readonly kind: 'tbptt'; readonly k2: number; readonly k1?: number }>;

/** A learner with no options: its --learner form, parse and build, its gradstats name and its contract example. */
function plain<K extends string>(kind: K, factory: (model: OnlineModel | Model, options: LearnerOptions) => Learner) {
  return {
    usage: kind,
    parse(raw: Record<string, unknown>): { readonly kind: K } {
      allowOnly(raw, ['kind'], kind);
      return { kind };
    },
    build: (_config: unknown, model: OnlineModel | Model, options: LearnerOptions) => factory(model, options),
    gradstats: () => ({ [kind]: { kind } }),
    examples: [{ name: kind, config: { kind } }],
  };
}

/** The same for a learner whose one option is ε. */
function withEpsilon<K extends string>(kind: K, factory: (model: OnlineModel | Model, options: LearnerOptions & { epsilon?: number }) => Learner) {
  return {
    usage: kind,
    parse(raw: Record<string, unknown>): { readonly kind: K; readonly epsilon?: number } {
      allowOnly(raw, ['kind', 'epsilon'], kind);
      return { kind, ...defined({ epsilon: epsilon(raw, kind) }) };
    },
    build: (config: { readonly kind: K; readonly epsilon?: number }, model: OnlineModel | Model, options: LearnerOptions) => factory(model, { ...options, ...defined({ epsilon: config.epsilon }) }),
    gradstats: () => ({ [kind]: { kind } }),
    examples: [{ name: kind, config: { kind } }],
  };
}

const rtrlSpec = {
  summary: 'real-time recurrent learning: the exact forward-mode gradient',
  needs: null,
  ...plain('rtrl', rtrl),
} satisfies LearnerSpec<{ readonly kind: 'rtrl' }>;

const uoroSpec = {
  usage: 'uoro',
  summary: 'UORO (Tallec & Ollivier 2018): unbiased rank-one, one jvp and one vjp a step',
  parse(raw) {
    allowOnly(raw, ['kind', 'epsilon', 'rescale'], 'uoro');
    return { kind: 'uoro', ...defined({ epsilon: epsilon(raw, 'uoro'), rescale: optionalBoolean(raw.rescale, 'uoro: rescale') }) };
  },
  build: (config, model, options) => uoro(model, { ...options, ...defined({ epsilon: config.epsilon, rescale: config.rescale }) }),
  needs: null,
  gradstats: () => ({ uoro: { kind: 'uoro' }, 'uoro-norho': { kind: 'uoro', rescale: false } }),
  examples: [{ name: 'uoro', config: { kind: 'uoro' } }],
} satisfies LearnerSpec<{ readonly kind: 'uoro'; readonly epsilon?: number; readonly rescale?: boolean }>;

const nbtSpec = {
  summary: 'NoBackTrack (Ollivier, Tallec & Charpiat 2015): unbiased rank-one on the cell’s structure',
  needs: 'structuredInfluence',
  ...withEpsilon('nbt', nbt),
} satisfies LearnerSpec<{ readonly kind: 'nbt'; readonly epsilon?: number }>;

const snap1Spec = {
  summary: 'SnAp-1 (Menick et al. 2021): RTRL kept on the pattern of the immediate influence',
  needs: 'structuredInfluence',
  ...plain('snap1', snap1),
} satisfies LearnerSpec<{ readonly kind: 'snap1' }>;

const kfrtrlSpec = {
  summary: 'KF-RTRL (Mujika et al. 2018): Kronecker-factored RTRL; Elman RNN or LSTM without peepholes or projection, one layer',
  needs: 'kroneckerInfluence',
  ...withEpsilon('kfrtrl', kfrtrl),
} satisfies LearnerSpec<{ readonly kind: 'kfrtrl'; readonly epsilon?: number }>;

const rfloSpec = {
  summary: 'RFLO (Murray 2019): the immediate influence filtered at the cell’s leak; leaky or Elman RNN, one layer',
  needs: 'leak',
  ...plain('rflo', rflo),
  gradstats: () => ({ rflo: { kind: 'rflo' }, 'rflo-fa': { kind: 'rflo', feedbackAlignment: true } }),
} satisfies LearnerSpec<{ readonly kind: 'rflo' } & Aligned>;

/** A rate option ≥ 0, when given. */
function rate(value: unknown, where: string): number | undefined {
  const number = optionalNumber(value, where);
  if (number !== undefined && number < 0) throw new RangeError(`${where} must be ≥ 0, got ${number}`);
  return number;
}

/** A scale option > 0, when given. */
function positive(value: unknown, where: string): number | undefined {
  const number = optionalNumber(value, where);
  if (number !== undefined && !(number > 0)) throw new RangeError(`${where} must be > 0, got ${number}`);
  return number;
}

/** A learner whose options are each validated by one check: its --learner form, parse, build, gradstats name and example. */
function withOptions<K extends string, O extends Record<string, number>>(kind: K, checks: { readonly [N in keyof O]: (value: unknown, where: string) => O[N] | undefined }, factory: (model: OnlineModel | Model, options: LearnerOptions & Partial<O>) => Learner) {
  const names = Object.keys(checks) as Array<keyof O & string>;
  type Config = { readonly kind: K } & Partial<O>;
  return {
    usage: `${kind} | ${kind}:${names.map((name) => `${name}=…`).join(':')}`,
    parse(raw: Record<string, unknown>): Config {
      allowOnly(raw, ['kind', ...names], kind);
      return { kind, ...defined(Object.fromEntries(names.map((name) => [name, checks[name](raw[name], `${kind}: ${name}`)]))) } as Config;
    },
    build: (config: Config, model: OnlineModel | Model, options: LearnerOptions) => factory(model, { ...options, ...defined(Object.fromEntries(names.map((name) => [name, config[name]]))) } as LearnerOptions & Partial<O>),
    gradstats: () => ({ [kind]: { kind } as Config }),
    examples: [{ name: kind, config: { kind } as Config }],
  };
}

const kernlSpec = {
  summary: 'KeRNL (Roth et al. 2019): learned sensitivity × eligibility trace with learned timescales, fitted by perturbation',
  needs: 'structuredInfluence',
  ...withOptions<'kernl', { sigma: number; kernelLr: number }>('kernl', { sigma: positive, kernelLr: rate }, kernl),
} satisfies LearnerSpec<{ readonly kind: 'kernl'; readonly sigma?: number; readonly kernelLr?: number }>;

const dniSpec = {
  summary: 'DNI (Jaderberg et al. 2017, Marschall et al.’s form): a linear synthetic gradient fitted to its bootstrapped target',
  needs: null,
  ...withOptions<'dni', { syntheticLr: number; fixInterval: number }>('dni', { syntheticLr: rate, fixInterval: optionalPositiveInteger }, dni),
} satisfies LearnerSpec<{ readonly kind: 'dni'; readonly syntheticLr?: number; readonly fixInterval?: number }>;

const outputOnlySpec = {
  summary: 'the output-weights-only baseline: the core stays at its initialisation, the head learns',
  needs: null,
  ...plain('output-only', outputOnly),
} satisfies LearnerSpec<{ readonly kind: 'output-only' }>;

const epropSpec = {
  summary: 'e-prop (Bellec et al. 2020): eligibility traces decayed by the diagonal of the state Jacobian, times the readout’s learning signal',
  needs: 'structuredInfluence',
  ...plain('eprop', eprop),
} satisfies LearnerSpec<{ readonly kind: 'eprop' }>;
const rkfrtrlSpec = { ...withEpsilon('rkfrtrl', rkfrtrl), needs: 'kroneckerInfluence', summary: 'reverse KF-RTRL (Marschall et al. 2020): M ≈ a ⊗ B, unbiased; Elman RNN or LSTM without peepholes or projection, one layer' } satisfies LearnerSpec<{ readonly kind: 'rkfrtrl'; readonly epsilon?: number }>;

const snapnSpec = {
  usage: 'snapn:n=N',
  summary: 'SnAp-n (Menick et al. 2021): RTRL kept on the pattern the influence reaches in n steps (default 2; dense cells: RTRL’s cost from n = 2)',
  parse(raw) {
    allowOnly(raw, ['kind', 'n'], 'snapn');
    return { kind: 'snapn', ...defined({ n: optionalPositiveInteger(raw.n, 'snapn: n') }) };
  },
  build: (config, model, options) => snapn(model, { ...options, ...defined({ n: config.n }) }),
  needs: 'structuredInfluence',
  gradstats: () => ({ snap2: { kind: 'snapn', n: 2 } }),
  examples: [{ name: 'snapn n = 2', config: { kind: 'snapn', n: 2 } }],
} satisfies LearnerSpec<{ readonly kind: 'snapn'; readonly n?: number }>;

/** The closed table of online learners. */
export const LEARNERS = { tbptt: tbpttSpec, rtrl: rtrlSpec, uoro: uoroSpec, nbt: nbtSpec, snap1: snap1Spec, kfrtrl: kfrtrlSpec, rflo: rfloSpec, kernl: kernlSpec, dni: dniSpec, 'output-only': outputOnlySpec, eprop: epropSpec, snapn: snapnSpec, rkfrtrl: rkfrtrlSpec } as const satisfies { readonly [K in string]: LearnerSpec<{ readonly kind: K }> };
export type LearnerKind = keyof typeof LEARNERS;
/**
 * The option every learner takes besides its own: feedback alignment of the head's learning
 * signal (learners/feedback.ts), `rtrl:feedbackAlignment=true` on the command line.
 */
export interface Aligned {
  readonly feedbackAlignment?: boolean;
}
export type LearnerConfig = { [K in LearnerKind]: ConfigOf<(typeof LEARNERS)[K]> & Aligned }[LearnerKind];
export const LEARNER_KINDS: readonly LearnerKind[] = kindsOf(LEARNERS);

export const learnerSpec = <C extends LearnerConfig>(config: C) => specOf<LearnerSpec<C>>(LEARNERS, config);

/** A learner from its config: the single place a learner kind becomes code. */
export function createLearner(config: LearnerConfig, model: OnlineModel | Model, options: LearnerOptions): Learner {
  return learnerSpec(config).build(config, model, config.feedbackAlignment === true ? { ...options, feedback: 'random' } : options);
}

/** Validates untrusted configuration (JSON, CLI) and returns it typed; errors name the field. */
export function parseLearnerConfig(value: unknown): LearnerConfig {
  const { feedbackAlignment, ...own } = record(value, 'learner config');
  const config = parseKind(LEARNERS, 'learner', own, '') as LearnerConfig;
  const aligned = optionalBoolean(feedbackAlignment, `${config.kind}: feedbackAlignment`);
  return aligned === undefined ? config : { ...config, feedbackAlignment: aligned };
}

/** gradstats' names: every learner's, in table order. */
export function gradstatsLearners(k: number): ReadonlyMap<string, { readonly config: LearnerConfig; readonly needs: Capability | null }> {
  const entries = LEARNER_KINDS.flatMap((kind) => Object.entries(LEARNERS[kind].gradstats(k)).map(([name, config]) => [name, { config: config as LearnerConfig, needs: LEARNERS[kind].needs }] as const));
  return new Map(entries);
}
