/**
 * The task table: one spec per task — its config (what crosses into worker threads and into
 * run directories; text and CSV values travel inside it), how that config is validated, the
 * task it builds, its CLI flags and help, and the configs the contract suites run. Files are
 * read at the edge: `fromFlags` is handed a reader.
 */
import type { Task } from '../tasks/task.js';
import { copyTask } from '../tasks/copy.js';
import { addTask } from '../tasks/add.js';
import { addingTask } from '../tasks/adding.js';
import { charlmTask } from '../tasks/charlm.js';
import { textCorpus } from '../tasks/corpus.js';
import { anbnCorpus } from '../tasks/anbn.js';
import { BRACKETS_VARIANTS, bracketsCorpus } from '../tasks/brackets.js';
import { seriesTask } from '../tasks/series.js';
import { csvColumn, csvColumns } from '../tasks/csv.js';
import { influenceTask } from '../tasks/influence-task.js';
import { switchingTask } from '../stream/switching.js';
import { allowOnly, defined, kindOf, kindsOf, optionalChoice, optionalNumber, optionalPositiveInteger, parseKind, record, specOf } from './options.js';
import type { ConfigOf, Example, FlagSpec } from './spec.js';

/** The flags' values, by option name, as the CLI converted them (numbers, strings). */
export type FlagValues = Readonly<Record<string, string | number | boolean>>;
/** Reads a data file named by a flag (the CLI's, with one-line errors). */
export type ReadFile = (path: string, flag: string) => string;

export interface TaskSpec<C extends { readonly kind: string }> {
  readonly summary: string;
  parse(raw: Record<string, unknown>, where: string): C;
  build(config: C): Task;
  readonly flags: readonly FlagSpec[];
  /** The config the flags describe (reading files through `read`); by default, the flags' values parsed. */
  fromFlags?(values: FlagValues, read: ReadFile): C;
  readonly examples: readonly Example<C>[];
}

const string = (value: unknown, where: string): string => {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${where} must be a non-empty string`);
  return value;
};

const copySpec = {
  summary: 'copy a bit string after a marker, with a curriculum on its length (Tallec & Ollivier 2018)',
  parse(raw, where) {
    allowOnly(raw, ['kind', 'start', 'threshold', 'jitter'], where);
    return { kind: 'copy', ...defined({ start: optionalPositiveInteger(raw.start, `${where}.start`), threshold: optionalNumber(raw.threshold, `${where}.threshold`), jitter: optionalNumber(raw.jitter, `${where}.jitter`) }) };
  },
  build: (config) => copyTask(config),
  flags: [
    { flag: '--start <T>', option: 'start', value: 'integer', help: 'the curriculum’s first length (default: 1)' },
    { flag: '--threshold <bits>', option: 'threshold', value: 'number', help: 'level up below this loss per bit (default: 0.15)' },
  ],
  examples: [{ name: 'copy', config: { kind: 'copy' } }],
} satisfies TaskSpec<{ readonly kind: 'copy'; readonly start?: number; readonly threshold?: number; readonly jitter?: number }>;

const addSpec = {
  summary: 'predict the sum of the bits t1 and t2 steps back (Marschall, Cho & Savin 2020)',
  parse(raw, where) {
    allowOnly(raw, ['kind', 't1', 't2'], where);
    return { kind: 'add', ...defined({ t1: optionalPositiveInteger(raw.t1, `${where}.t1`), t2: optionalPositiveInteger(raw.t2, `${where}.t2`) }) };
  },
  build: (config) => addTask(config),
  flags: [
    { flag: '--t1 <steps>', option: 't1', value: 'integer', help: 'first lag (default: 5)' },
    { flag: '--t2 <steps>', option: 't2', value: 'integer', help: 'second lag (default: 9)' },
  ],
  examples: [{ name: 'add', config: { kind: 'add', t1: 2, t2: 4 } }],
} satisfies TaskSpec<{ readonly kind: 'add'; readonly t1?: number; readonly t2?: number }>;

const addingSpec = {
  summary: 'the adding problem: the sum of the two marked numbers of an episode (Hochreiter & Schmidhuber 1997)',
  parse(raw, where) {
    allowOnly(raw, ['kind', 'lag'], where);
    return { kind: 'adding', ...defined({ lag: optionalPositiveInteger(raw.lag, `${where}.lag`) }) };
  },
  build: (config) => addingTask(config),
  flags: [{ flag: '--lag <T>', option: 'lag', value: 'integer', help: 'episode length (default: 50)' }],
  examples: [{ name: 'adding', config: { kind: 'adding', lag: 5 } }],
} satisfies TaskSpec<{ readonly kind: 'adding'; readonly lag?: number }>;

export type CorpusConfig =
  | { readonly kind: 'text'; readonly name: string; readonly text: string }
  | { readonly kind: 'anbn'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'brackets'; readonly variant: 1 | 2 | 3 };

const VARIANTS = [1, 2, 3] as const;

function parseCorpus(value: unknown, where: string): CorpusConfig {
  const raw = record(value, where);
  switch (kindOf(raw, ['text', 'anbn', 'brackets'] as const, 'corpus', where)) {
    case 'text':
      allowOnly(raw, ['kind', 'name', 'text'], where);
      return { kind: 'text', name: string(raw.name, `${where}.name`), text: string(raw.text, `${where}.text`) };
    case 'anbn':
      allowOnly(raw, ['kind', 'min', 'max'], where);
      return { kind: 'anbn', ...defined({ min: optionalPositiveInteger(raw.min, `${where}.min`), max: optionalPositiveInteger(raw.max, `${where}.max`) }) };
    case 'brackets': {
      allowOnly(raw, ['kind', 'variant'], where);
      const variant = optionalChoice(raw.variant, VARIANTS, `brackets: variant`);
      if (variant === undefined) throw new RangeError('brackets: variant must be 1, 2 or 3, got undefined');
      return { kind: 'brackets', variant };
    }
  }
}

function createCorpus(config: CorpusConfig) {
  switch (config.kind) {
    case 'text':
      return textCorpus(config.text, config.name);
    case 'anbn':
      return anbnCorpus(config);
    case 'brackets':
      return bracketsCorpus(BRACKETS_VARIANTS[config.variant]);
  }
}

const basename = (path: string) => path.split(/[\\/]/).pop() ?? path;

const charlmSpec = {
  summary: 'character-level language modelling on a text file or a built-in language (aⁿbⁿ, brackets)',
  parse(raw, where) {
    allowOnly(raw, ['kind', 'corpus'], where);
    return { kind: 'charlm', corpus: parseCorpus(raw.corpus, `${where}.corpus`) };
  },
  build: (config) => charlmTask(createCorpus(config.corpus)),
  flags: [
    { flag: '--text <file>', option: 'text', value: 'string', help: 'a UTF-8 text file to predict' },
    { flag: '--corpus <name>', option: 'corpus', value: 'string', help: 'built-in language anbn or brackets (default: anbn unless --text)' },
    { flag: '--variant <n>', option: 'variant', value: 'integer', help: '--corpus brackets: the UORO paper’s variant 1, 2 or 3 (default: 1)' },
  ],
  fromFlags(values, read) {
    const { text, corpus, variant } = values;
    if (typeof text === 'string') {
      if (corpus !== undefined) throw new RangeError('give either --text or --corpus, not both');
      if (variant !== undefined) throw new RangeError('--variant applies to --corpus brackets');
      return { kind: 'charlm', corpus: { kind: 'text', name: basename(text), text: read(text, '--text') } };
    }
    const name = corpus ?? 'anbn';
    if (name === 'anbn') {
      if (variant !== undefined) throw new RangeError('--variant applies to --corpus brackets');
      return { kind: 'charlm', corpus: { kind: 'anbn' } };
    }
    if (name === 'brackets') {
      const n = variant ?? 1;
      if (n !== 1 && n !== 2 && n !== 3) throw new RangeError(`--variant must be 1, 2 or 3, got ${n}`);
      return { kind: 'charlm', corpus: { kind: 'brackets', variant: n } };
    }
    throw new RangeError(`unknown corpus '${String(name)}' (allowed: anbn, brackets; or --text FILE)`);
  },
  examples: [
    { name: 'charlm anbn', config: { kind: 'charlm', corpus: { kind: 'anbn' } } },
    { name: 'charlm brackets', config: { kind: 'charlm', corpus: { kind: 'brackets', variant: 2 } } },
    { name: 'charlm text', config: { kind: 'charlm', corpus: { kind: 'text', name: 'pangram', text: 'the quick brown fox jumps over the lazy dog. ' } } },
  ],
} satisfies TaskSpec<{ readonly kind: 'charlm'; readonly corpus: CorpusConfig }>;

export type SeriesConfig = {
  readonly kind: 'series';
  readonly source:
    | { readonly kind: 'values'; readonly name: string; readonly values: readonly number[] }
    | { readonly kind: 'table'; readonly name: string; readonly columns: readonly string[]; readonly values: readonly number[]; readonly inputs: readonly number[]; readonly targets: readonly number[] }
    /** With `taus` and `switchEvery`: τ = taus[k] from step k·switchEvery on (a drifting stream). */
    | { readonly kind: 'mackeyGlass'; readonly tau?: number; readonly interval?: number; readonly taus?: readonly number[]; readonly switchEvery?: number };
};

const seriesSpec = {
  summary: 'next-value prediction of CSV columns or the Mackey–Glass series',
  parse(raw, where) {
    allowOnly(raw, ['kind', 'source'], where);
    const source = record(raw.source, `${where}.source`);
    const sourceKind = kindOf(source, ['values', 'table', 'mackeyGlass'] as const, 'series source', `${where}.source`);
    if (sourceKind === 'values') {
      allowOnly(source, ['kind', 'name', 'values'], `${where}.source`);
      if (!Array.isArray(source.values) || !source.values.every((v) => typeof v === 'number')) throw new TypeError(`${where}.source.values must be an array of numbers`);
      return { kind: 'series', source: { kind: 'values', name: string(source.name, `${where}.source.name`), values: source.values as number[] } };
    }
    if (sourceKind === 'table') {
      allowOnly(source, ['kind', 'name', 'columns', 'values', 'inputs', 'targets'], `${where}.source`);
      const list = <T,>(value: unknown, field: string, check: (v: unknown) => boolean, what: string): T[] => {
        if (!Array.isArray(value) || !value.every(check)) throw new TypeError(`${where}.source.${field} must be an array of ${what}`);
        return value as T[];
      };
      const isIndex = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
      return {
        kind: 'series',
        source: {
          kind: 'table',
          name: string(source.name, `${where}.source.name`),
          columns: list<string>(source.columns, 'columns', (v) => typeof v === 'string', 'strings'),
          values: list<number>(source.values, 'values', (v) => typeof v === 'number', 'numbers'),
          inputs: list<number>(source.inputs, 'inputs', isIndex, 'column indices'),
          targets: list<number>(source.targets, 'targets', isIndex, 'column indices'),
        },
      };
    }
    allowOnly(source, ['kind', 'tau', 'interval', 'taus', 'switchEvery'], `${where}.source`);
    const taus = source.taus === undefined ? undefined : tauList(source.taus, `${where}.source.taus`);
    const switchEvery = optionalPositiveInteger(source.switchEvery, `${where}.source.switchEvery`);
    if ((taus === undefined) !== (switchEvery === undefined) || (taus !== undefined && source.tau !== undefined)) throw new RangeError(`${where}.source: a switching Mackey–Glass series takes taus and switchEvery together, and no tau`);
    return { kind: 'series', source: { kind: 'mackeyGlass', ...defined({ tau: optionalNumber(source.tau, `${where}.source.tau`), interval: optionalPositiveInteger(source.interval, `${where}.source.interval`), taus, switchEvery }) } };
  },
  build: ({ source }) => {
    if (source.kind !== 'mackeyGlass' || source.taus === undefined) return seriesTask(source);
    const { taus, switchEvery, interval } = source;
    return switchingTask(
      taus.map((tau) => seriesTask({ kind: 'mackeyGlass', tau, ...defined({ interval }) })),
      taus.slice(1).map((_, k) => (k + 1) * switchEvery!),
    );
  },
  fromFlags(values, read) {
    const { csv, column, columns, targets, interval, tau, switchEvery } = values;
    if (typeof csv !== 'string') {
      if (column !== undefined) throw new RangeError('--column needs --csv');
      if (columns !== undefined || targets !== undefined) throw new RangeError('--columns and --targets need --csv');
      return { kind: 'series', source: { kind: 'mackeyGlass', ...defined({ interval: interval as number | undefined }), ...mackeyGlassTaus(tau, switchEvery) } };
    }
    if (interval !== undefined) throw new RangeError('--interval applies to the generated Mackey–Glass series, not to --csv');
    if (tau !== undefined || switchEvery !== undefined) throw new RangeError('--tau and --switch-every apply to the generated Mackey–Glass series, not to --csv');
    const files = csvFiles(csv);
    if (files.length > 1) {
      if (columns !== undefined || targets !== undefined) throw new RangeError('--columns and --targets read one --csv file; concatenate files with a single --column');
      return { kind: 'series', source: { kind: 'values', name: files.map(basename).join(' + '), values: concatenatedColumn(files, column as string | undefined, read) } };
    }
    const name = basename(csv);
    if (columns !== undefined) return { kind: 'series', source: tableSource(read(csv, '--csv'), name, String(columns), targets === undefined ? undefined : String(targets), column) };
    if (targets !== undefined) throw new RangeError('--targets needs --columns');
    return { kind: 'series', source: { kind: 'values', name, values: Array.from(csvColumn(read(csv, '--csv'), column as string | undefined, name)) } };
  },
  flags: [
    { flag: '--csv <file>', option: 'csv', value: 'string', help: 'a CSV file (first row: column names); a,b.csv,c.csv: the files one after the other (a drifting stream)' },
    { flag: '--column <name>', option: 'column', value: 'string', help: 'the CSV column to predict (default: the only one)' },
    { flag: '--columns <a,b,c>', option: 'columns', value: 'string', help: 'several CSV columns as inputs (standardised online)' },
    { flag: '--targets <names>', option: 'targets', value: 'string', help: 'with --columns: the columns to predict one row ahead (default: the --columns)' },
    { flag: '--interval <t>', option: 'interval', value: 'integer', help: 'without --csv: Mackey–Glass time units between samples (default: 1)' },
    { flag: '--tau <values>', option: 'tau', value: 'string', help: 'without --csv: the Mackey–Glass delay τ (default: 17); 17,30 with --switch-every N: τ changes every N steps' },
    { flag: '--switch-every <n>', option: 'switchEvery', value: 'integer', help: 'with --tau a,b,…: steps between τ switches (the last τ stays)' },
  ],
  examples: [
    { name: 'series mackey-glass', config: { kind: 'series', source: { kind: 'mackeyGlass' } } },
    { name: 'series values', config: { kind: 'series', source: { kind: 'values', name: 'saw', values: [1, 3, 2, 5, 4, 6, 2, 7] } } },
    { name: 'series table', config: { kind: 'series', source: { kind: 'table', name: 'pairs', columns: ['a', 'b'], values: [1, 10, 3, 12, 2, 9, 5, 14], inputs: [0, 1], targets: [1] } } },
  ],
} satisfies TaskSpec<SeriesConfig>;

/** --tau 17 or --tau 17,30 --switch-every N, as the mackeyGlass source's fields. */
function mackeyGlassTaus(tau: unknown, switchEvery: unknown): { tau?: number; taus?: number[]; switchEvery?: number } {
  if (tau === undefined) {
    if (switchEvery !== undefined) throw new RangeError('--switch-every needs --tau with two or more values, e.g. --tau 17,30');
    return {};
  }
  const taus = tauList(String(tau).split(',').map((t) => (t.trim() === '' ? NaN : Number(t))), `--tau ${String(tau)}`);
  if (taus.length === 1) {
    if (switchEvery !== undefined) throw new RangeError('--switch-every needs --tau with two or more values, e.g. --tau 17,30');
    return { tau: taus[0]! };
  }
  if (switchEvery === undefined) throw new RangeError(`--tau ${String(tau)} gives several delays: say when they change with --switch-every N`);
  return { taus, switchEvery: switchEvery as number };
}

function tauList(value: unknown, where: string): number[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((t) => typeof t === 'number' && t > 0 && Number.isFinite(t) && Math.abs(Math.round(t * 10) - t * 10) < 1e-9)) {
    throw new RangeError(`${where}: τ must be positive multiples of 0.1, comma-separated`);
  }
  return value as number[];
}

/** `a.csv,b.csv`: the files named, in order (a name cannot be empty). */
export function csvFiles(list: string): string[] {
  const files = list.split(',');
  if (files.some((f) => f.trim() === '')) throw new RangeError(`--csv ${list}: a file name is empty`);
  return files;
}

/** One column of each file (the same name, or each file's only column), one after the other. */
export function concatenatedColumn(files: readonly string[], column: string | undefined, read: ReadFile): number[] {
  return files.flatMap((file) => Array.from(csvColumn(read(file, '--csv'), column, basename(file))));
}

/** --columns a,b --targets c: the union of the named columns, inputs and targets as indices into it. */
function tableSource(text: string, name: string, columns: string, targets: string | undefined, column: unknown): SeriesConfig['source'] {
  if (column !== undefined) throw new RangeError('give either --column or --columns, not both');
  const list = (value: string, flag: string) => {
    const names = value.split(',').map((n) => n.trim());
    if (names.some((n) => n === '')) throw new RangeError(`${flag} must be comma-separated column names, got '${value}'`);
    if (new Set(names).size !== names.length) throw new RangeError(`${flag} names a column twice: '${value}'`);
    return names;
  };
  const inputs = list(columns, '--columns');
  const outputs = targets === undefined ? inputs : list(targets, '--targets');
  const names = [...new Set([...inputs, ...outputs])];
  const table = csvColumns(text, names, name);
  return { kind: 'table', name, columns: table.columns, values: Array.from(table.values), inputs: inputs.map((n) => names.indexOf(n)), targets: outputs.map((n) => names.indexOf(n)) };
}

const influenceSpec = {
  summary: 'influence balancing (Tallec & Ollivier 2018): the task on which truncated BPTT fails',
  parse(raw, where) {
    allowOnly(raw, ['kind'], where);
    return { kind: 'influence' };
  },
  build: () => influenceTask(),
  flags: [],
  examples: [{ name: 'influence', config: { kind: 'influence' } }],
} satisfies TaskSpec<{ readonly kind: 'influence' }>;

/** The closed table of tasks. */
export const TASKS = { copy: copySpec, add: addSpec, adding: addingSpec, charlm: charlmSpec, series: seriesSpec, influence: influenceSpec } as const satisfies { readonly [K in string]: TaskSpec<{ readonly kind: K }> };
export type TaskKind = keyof typeof TASKS;
export type TaskConfig = { [K in TaskKind]: ConfigOf<(typeof TASKS)[K]> }[TaskKind];
export const TASK_KINDS: readonly TaskKind[] = kindsOf(TASKS);

export const taskSpec = <C extends TaskConfig>(config: C) => specOf<TaskSpec<C>>(TASKS, config);

export function createTask(config: TaskConfig): Task {
  return taskSpec(config).build(config);
}

/** Validates an untrusted task config (a run directory's, a worker's); errors name the field. */
export const parseTaskConfig = (value: unknown, where = 'task'): TaskConfig => parseKind(TASKS, 'task', value, where) as TaskConfig;

/** The config the flags (values by option name) describe for `kind`. */
export function taskFromFlags(kind: TaskKind, values: FlagValues, read: ReadFile): TaskConfig {
  const spec = TASKS[kind] as unknown as TaskSpec<TaskConfig>;
  return spec.fromFlags !== undefined ? spec.fromFlags(values, read) : spec.parse({ ...values, kind }, 'task');
}
