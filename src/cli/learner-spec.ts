/**
 * Learners on the command line: `tbptt:k=32`, `uoro`, `uoro:lr=1e-5`, `tbptt:k2=60:k1=60`, a
 * comma-separated list for compare. A spec is the learner's kind, then `key=value` options
 * separated by ':'. `k=K` is the UORO paper's truncated BPTT — backpropagate K steps at every
 * step — so it stands for k2 = K, k1 = 1; `lr=` overrides the learning rate for that learner
 * only. Everything else goes to the library's parseLearnerConfig, which names what is wrong.
 */
import { LEARNERS, LEARNER_KINDS, parseLearnerConfig, type LearnerConfig } from '../kinds/learners.js';
import { UsageError } from './errors.js';

export interface LearnerSpec {
  /** As written, e.g. `tbptt:k=32`: the label in tables and charts. */
  readonly label: string;
  readonly config: LearnerConfig;
  /** A learning rate for this learner alone. */
  readonly lr?: number;
}

export function parseLearnerSpec(text: string): LearnerSpec {
  const label = text.trim();
  const [kind, ...options] = label.split(':');
  if (kind === undefined || kind === '') throw new UsageError(`empty learner in '${text}'`);
  const config: Record<string, unknown> = { kind };
  let lr: number | undefined;
  for (const option of options) {
    const match = /^([a-zA-Z][a-zA-Z0-9]*)=(.+)$/.exec(option);
    if (match === null) throw new UsageError(`learner '${label}': '${option}' is not key=value`);
    const [, key, raw] = match as unknown as [string, string, string];
    const value = raw === 'true' ? true : raw === 'false' ? false : Number(raw);
    if (typeof value === 'number' && !Number.isFinite(value)) throw new UsageError(`learner '${label}': ${key} must be a number, got '${raw}'`);
    if (key === 'lr') {
      if (typeof value !== 'number' || !(value >= 0)) throw new UsageError(`learner '${label}': lr must be a number ≥ 0, got '${raw}'`);
      lr = value;
    } else if (key === 'k' && kind === 'tbptt') {
      config.k2 = value;
      config.k1 ??= 1;
    } else {
      config[key] = value;
    }
  }
  try {
    return { label, config: parseLearnerConfig(config), ...(lr !== undefined ? { lr } : {}) };
  } catch (error) {
    throw new UsageError(`learner '${label}': ${(error as Error).message}`);
  }
}

/** The --learner forms, from the learner table: `tbptt:k=K | tbptt:k2=K:k1=J, rtrl, uoro, …`. */
export function learnerUsage(): string {
  return LEARNER_KINDS.map((kind) => LEARNERS[kind].usage).join(', ');
}

export function parseLearnerSpecs(text: string): LearnerSpec[] {
  const specs = text.split(',').map(parseLearnerSpec);
  const labels = new Set<string>();
  for (const { label } of specs) {
    if (labels.has(label)) throw new UsageError(`learner '${label}' is listed twice`);
    labels.add(label);
  }
  return specs;
}
