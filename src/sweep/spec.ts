/**
 * A sweep spec: the wandb sweep format (method, parameters, metric; count for random search)
 * read with the `yaml` package, plus our run settings `task:` and `steps:`. Parameter names are
 * the CLI's flags without the dashes (`learner`, `lr`, `hidden`, `seed`, `log-every`…), so a
 * run of a sweep is exactly the `train`/`compare` run with those flags.
 *
 * Everything is checked here, once: an unknown key, an empty range or a distribution this
 * reader does not know is refused naming the key, before any run is planned.
 * Reference: https://docs.wandb.ai/guides/sweeps/sweep-config-keys
 */
import { parse as parseYaml } from 'yaml';
import { DISTRIBUTIONS, type Distribution } from './distributions.js';
import { runFlagNames } from './run-config.js';

export type ParameterValue = string | number | boolean;

export type Parameter =
  | { readonly kind: 'values'; readonly values: readonly ParameterValue[] }
  | { readonly kind: 'distribution'; readonly distribution: Distribution };

/** What a run is judged by: the prequential loss (final or over the whole run) or the task's metric. */
export const METRIC_NAMES = ['final_loss', 'prequential_loss', 'final_metric'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export interface SweepMetric {
  readonly name: MetricName;
  readonly goal: 'minimize' | 'maximize';
}

export interface SweepSpec {
  readonly method: 'grid' | 'random';
  /** Random search: how many runs, drawn with `randomSeed`. */
  readonly count: number | null;
  readonly randomSeed: number;
  /** By name, sorted: the order runs are expanded in. */
  readonly parameters: ReadonlyMap<string, Parameter>;
  readonly metric: SweepMetric;
  readonly name: string | null;
}

/** wandb keys that say where a sweep runs, not what it runs: read and ignored. */
const WANDB_ONLY = ['program', 'command', 'project', 'entity', 'description'];
const TOP_KEYS = ['method', 'parameters', 'metric', 'count', 'random_seed', 'name', 'task', 'steps', ...WANDB_ONLY];

export class SpecError extends Error {
  override readonly name = 'SpecError';
}

/** Parses and checks a spec's YAML text; `source` (the file name) starts every error. */
export function parseSpec(text: string, source: string): SweepSpec {
  const fail = (message: string): never => {
    throw new SpecError(`${source}: ${message}`);
  };
  let root: unknown;
  try {
    root = parseYaml(text);
  } catch (error) {
    return fail(`not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  if (!isRecord(root)) return fail('must be a YAML mapping (method, parameters, …)');
  for (const key of Object.keys(root)) {
    if (key === 'early_terminate') fail('early_terminate is not supported; prune with `sweep run --prune halving`');
    if (!TOP_KEYS.includes(key)) fail(`unknown key '${key}' (allowed: ${TOP_KEYS.join(', ')})`);
  }
  const method = root.method ?? 'grid';
  if (method !== 'grid' && method !== 'random') fail(`method must be grid or random, got ${JSON.stringify(method)}${method === 'bayes' ? ' (bayes needs a model of results; not supported)' : ''}`);

  const parameters = new Map<string, Parameter>();
  const rawParameters = root.parameters ?? {};
  if (!isRecord(rawParameters)) fail('parameters must be a mapping of name → {value | values | distribution}');
  // Our run settings at the top are fixed parameters.
  for (const key of ['task', 'steps'] as const) {
    if (root[key] === undefined) continue;
    if (key in (rawParameters as object)) fail(`'${key}' is given both at the top and under parameters`);
    parameters.set(key, { kind: 'values', values: [scalar(root[key], key, fail)] });
  }
  const allowed = runFlagNames();
  for (const [name, raw] of Object.entries(rawParameters as Record<string, unknown>)) {
    if (!allowed.includes(name)) fail(`parameters.${name}: unknown parameter (allowed: ${allowed.join(', ')})`);
    parameters.set(name, parameterOf(raw, `parameters.${name}`, fail));
  }
  if (!parameters.has('task')) fail("no task: set 'task:' at the top or under parameters");
  const sorted = new Map([...parameters.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

  const count = root.count === undefined ? null : positiveInteger(root.count, 'count', fail);
  if (method === 'grid') {
    for (const [name, p] of sorted) if (p.kind === 'distribution') fail(`parameters.${name}: a grid needs value or values, not a distribution (use method: random)`);
    if (count !== null) fail('count applies to method: random (a grid runs every combination)');
  } else if (count === null) {
    fail('method: random needs count (how many runs to draw)');
  }
  const randomSeed = root.random_seed === undefined ? 0 : nonNegativeInteger(root.random_seed, 'random_seed', fail);
  if (method === 'grid' && root.random_seed !== undefined) fail('random_seed applies to method: random');
  const name = root.name === undefined ? null : typeof root.name === 'string' ? root.name : fail('name must be a string');
  return { method: method as SweepSpec['method'], count, randomSeed, parameters: sorted, metric: metricOf(root.metric, fail), name };
}

function parameterOf(raw: unknown, where: string, fail: (m: string) => never): Parameter {
  if (!isRecord(raw)) return fail(`${where} must be a mapping with value, values or distribution`);
  if ('parameters' in raw) fail(`${where}: nested parameters are not supported; name each flag at the top level`);
  const keys = Object.keys(raw);
  const allowed = ['value', 'values', 'distribution', 'min', 'max', 'mu', 'sigma', 'q', 'probabilities'];
  for (const key of keys) if (!allowed.includes(key)) fail(`${where}: unknown key '${key}' (allowed: ${allowed.join(', ')})`);
  if ('probabilities' in raw) fail(`${where}.probabilities: weighted values are not supported`);
  const distribution = raw.distribution;
  if ('value' in raw) {
    if (keys.length !== 1) fail(`${where}: value stands alone (a constant)`);
    return { kind: 'values', values: [scalar(raw.value, `${where}.value`, fail)] };
  }
  if ('values' in raw) {
    if (distribution !== undefined && distribution !== 'categorical') fail(`${where}: values go with distribution categorical, not ${JSON.stringify(distribution)}`);
    if (keys.some((k) => k !== 'values' && k !== 'distribution')) fail(`${where}: values stands alone (or with distribution: categorical)`);
    if (!Array.isArray(raw.values)) fail(`${where}.values must be a list`);
    const values = (raw.values as unknown[]).map((v, i) => scalar(v, `${where}.values[${i}]`, fail));
    if (values.length === 0) fail(`${where}.values is empty`);
    const seen = new Set(values.map((v) => JSON.stringify(v)));
    if (seen.size !== values.length) fail(`${where}.values lists a value twice`);
    return { kind: 'values', values };
  }
  // wandb's inference: min and max alone mean int_uniform when both are integers, else uniform.
  const kind = distribution ?? (Number.isInteger(raw.min) && Number.isInteger(raw.max) ? 'int_uniform' : 'uniform');
  if (typeof kind !== 'string' || !(kind in DISTRIBUTIONS)) return fail(`${where}.distribution: unknown distribution ${JSON.stringify(kind)} (allowed: ${Object.keys(DISTRIBUTIONS).join(', ')})`);
  const definition = DISTRIBUTIONS[kind as keyof typeof DISTRIBUTIONS];
  const numbers: Record<string, number> = {};
  for (const key of keys) {
    if (key === 'distribution') continue;
    if (!(definition.keys as readonly string[]).includes(key)) fail(`${where}: ${kind} takes ${definition.keys.join(', ')}, not ${key}`);
    const value = raw[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${where}.${key} must be a number`);
    numbers[key] = value as number;
  }
  try {
    return { kind: 'distribution', distribution: definition.parse(numbers) };
  } catch (error) {
    return fail(`${where}: ${(error as Error).message}`);
  }
}

function metricOf(raw: unknown, fail: (m: string) => never): SweepMetric {
  if (raw === undefined) return { name: 'final_loss', goal: 'minimize' };
  if (!isRecord(raw)) return fail('metric must be a mapping {name, goal}');
  for (const key of Object.keys(raw)) if (key !== 'name' && key !== 'goal' && key !== 'target') fail(`metric: unknown key '${key}' (allowed: name, goal, target)`);
  const name = raw.name ?? 'final_loss';
  if (!(METRIC_NAMES as readonly unknown[]).includes(name)) fail(`metric.name must be one of ${METRIC_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  const goal = raw.goal ?? 'minimize';
  if (goal !== 'minimize' && goal !== 'maximize') fail(`metric.goal must be minimize or maximize, got ${JSON.stringify(goal)}`);
  return { name: name as MetricName, goal };
}

function scalar(value: unknown, where: string, fail: (m: string) => never): ParameterValue {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return fail(`${where} must be a string, a finite number or a boolean, got ${JSON.stringify(value) ?? String(value)}`);
}

function positiveInteger(value: unknown, where: string, fail: (m: string) => never): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) fail(`${where} must be a positive integer, got ${JSON.stringify(value)}`);
  return value as number;
}

function nonNegativeInteger(value: unknown, where: string, fail: (m: string) => never): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(`${where} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return value as number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
