/**
 * The playground's settings as data: the stream, the cell and up to four learners. They live
 * in the page's URL (`#stream=sine&period=40&cell=lstm&hidden=32&learners=uoro:lr=0.003,tbptt:k=16`)
 * so a run can be shared; learners use the CLI's `--learners` syntax (src/cli/learner-spec.ts).
 * A file's values (dropped CSV or text, drawn values) are too large for a URL: they stay in the
 * page's IndexedDB session, and a URL naming such a stream falls back to the sine.
 */
import { parseLearnerSpec, type LearnerSpec } from '../src/cli/learner-spec.js';
import type { LearnerKind } from '../src/kinds/learners.js';

export type StreamSpec =
  | { readonly kind: 'sine'; readonly period: number }
  | { readonly kind: 'mackeyGlass'; readonly tau: number }
  | { readonly kind: 'copy' }
  | { readonly kind: 'influence' }
  | { readonly kind: 'anbn'; readonly max: number }
  /** A CSV column or values drawn with the mouse: predicted one step ahead, cycled. */
  | { readonly kind: 'values'; readonly name: string; readonly values: readonly number[] }
  /** A dropped text file: the next character. */
  | { readonly kind: 'text'; readonly name: string; readonly text: string };

export type StreamKind = StreamSpec['kind'];

export interface Settings {
  readonly stream: StreamSpec;
  /** The trainable cells (the influence-balancing cell comes with its task). */
  readonly cell: 'rnn' | 'lstm' | 'gru';
  readonly hidden: number;
  readonly layers: number;
  /** 1 to 4 learners, each `kind[:option=value…][:lr=R]`. */
  readonly learners: readonly string[];
  readonly seed: number;
}

export const MAX_LEARNERS = 4;
export const DEFAULT_LR = 3e-3;

export const DEFAULT_SETTINGS: Settings = {
  stream: { kind: 'sine', period: 40 },
  cell: 'lstm',
  hidden: 32,
  layers: 1,
  learners: ['uoro', 'tbptt:k=16'],
  seed: 1,
};

export const STREAM_LABELS: Record<StreamKind, string> = {
  sine: 'sine wave (next value)',
  mackeyGlass: 'Mackey–Glass series (next value)',
  copy: 'copy task (bits, curriculum)',
  influence: 'influence balancing (the UORO paper)',
  anbn: 'aⁿbⁿ language (next symbol)',
  values: 'dropped CSV / drawn values',
  text: 'dropped text (next character)',
};

/** What each learner does and what it costs per step, beside its curve. n: state size, p: parameters. */
export const LEARNER_NOTES: Record<LearnerKind, { name: string; what: string; cost: string }> = {
  tbptt: { name: 'truncated BPTT', what: 'Backpropagates through the last k steps at every step. Exact within the window, blind to longer dependencies (biased).', cost: 'a forward step + k backward steps: O(k·p) time, O(k·n) memory' },
  rtrl: { name: 'RTRL', what: 'Carries the exact sensitivity ∂s/∂θ forward in time: the true online gradient, the reference.', cost: 'n VJPs + O(n²·p) time, O(n·p) memory — slow beyond small models' },
  uoro: { name: 'UORO', what: 'Keeps a random rank-one estimate s̃ ⊗ θ̃ of ∂s/∂θ: unbiased, noisy, black-box (one JVP + one VJP).', cost: 'a forward step + 1 JVP + half a VJP + O(p) time, O(n + p) memory' },
  nbt: { name: 'NoBackTrack', what: 'Rank-one and unbiased like UORO, but uses the cell\'s structure (random signs per unit) for less variance.', cost: 'a forward step + 1 JVP + the per-unit influence terms, O(n + p) memory' },
  snap1: { name: 'SnAp-1', what: 'Keeps only each parameter\'s immediate effect on its own unit: a sparse, biased approximation of RTRL.', cost: 'n VJPs (one per state unit) + O(p) time, O(p) memory' },
  kfrtrl: { name: 'KF-RTRL', what: 'A Kronecker-factored unbiased approximation of RTRL: lower variance than UORO, more work.', cost: 'a forward step + R JVPs + O(R·p) time, O(n·R) memory' },
  eprop: { name: 'e-prop', what: 'Eligibility traces per parameter, decayed by each state entry\'s own Jacobian (RTRL without the couplings between entries), times the readout\'s learning signal: biased, deterministic.', cost: 'J\'s diagonal + O(p) time, O(p) memory' },
  snapn: { name: 'SnAp-n', what: 'RTRL kept on the entries the influence reaches in n steps: SnAp-1 at n = 1, RTRL once n connects every unit (from n = 2 on a dense cell).', cost: 'up to n VJPs + O(n²·p) time, up to O(n·p) memory on a dense cell' },
  rflo: { name: 'RFLO', what: 'Murray\'s local rule: each weight keeps the immediate influence filtered at the cell\'s leak, read with the learning signal (a leaky RNN only): biased, deterministic.', cost: 'a forward step + O(p) time, O(p) memory' },
  kernl: { name: 'KeRNL', what: 'A learned sensitivity matrix times eligibility traces with learned timescales, both fitted by perturbing a shadow copy of the network: biased, noisy.', cost: 'two forward steps + O(p + n²) time, O(p + n²) memory' },
  dni: { name: 'DNI', what: 'A linear synthetic gradient predicts the future credit of the state, fitted to its own bootstrapped target, and is read through the immediate influence: biased.', cost: 'a forward step + 2 VJPs + O(n²) time, O(n²) memory' },
  'output-only': { name: 'output weights only', what: 'The recurrent core stays at its initialisation (a random reservoir); only the dense head learns. The floor every recurrent learner should beat.', cost: 'a forward step + the head, O(n) memory' },
  rkfrtrl: { name: 'reverse KF-RTRL', what: 'Unbiased Kronecker approximation a ⊗ B of ∂s/∂θ, one number per parameter row times a state-by-input matrix (Marschall et al. 2020).', cost: 'a forward step + m JVPs (m = inputs + hidden + 1), O(n·m) memory' },
};

export const CELL_SIZES = { hidden: [1, 256], layers: [1, 3] } as const;

/** The settings in a URL fragment (without '#'). */
export function settingsToHash(settings: Settings): string {
  const query = new URLSearchParams();
  const stream = settings.stream;
  query.set('stream', stream.kind === 'values' || stream.kind === 'text' ? 'sine' : stream.kind);
  if (stream.kind === 'sine') query.set('period', String(stream.period));
  if (stream.kind === 'mackeyGlass') query.set('tau', String(stream.tau));
  if (stream.kind === 'anbn') query.set('max', String(stream.max));
  query.set('cell', settings.cell);
  query.set('hidden', String(settings.hidden));
  query.set('layers', String(settings.layers));
  query.set('learners', settings.learners.join(','));
  query.set('seed', String(settings.seed));
  return query.toString();
}

/** Settings from a URL fragment; anything missing takes its default, anything invalid is an Error naming it. */
export function settingsFromHash(hash: string): Settings {
  const query = new URLSearchParams(hash.replace(/^#/, ''));
  const number = (key: string, fallback: number, low: number, high: number, integer = true): number => {
    const raw = query.get(key);
    if (raw === null || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < low || value > high || (integer && !Number.isInteger(value))) throw new RangeError(`URL: ${key} must be ${integer ? 'an integer' : 'a number'} in [${low}, ${high}], got '${raw}'`);
    return value;
  };
  const streamKind = query.get('stream') ?? 'sine';
  let stream: StreamSpec;
  switch (streamKind) {
    case 'sine':
      stream = { kind: 'sine', period: number('period', 40, 4, 1000) };
      break;
    case 'mackeyGlass':
      stream = { kind: 'mackeyGlass', tau: number('tau', 17, 1, 100) };
      break;
    case 'copy':
    case 'influence':
      stream = { kind: streamKind };
      break;
    case 'anbn':
      stream = { kind: 'anbn', max: number('max', 16, 1, 256) };
      break;
    default:
      throw new RangeError(`URL: unknown stream '${streamKind}' (allowed: sine, mackeyGlass, copy, influence, anbn)`);
  }
  const cell = query.get('cell') ?? DEFAULT_SETTINGS.cell;
  if (cell !== 'rnn' && cell !== 'lstm' && cell !== 'gru') throw new RangeError(`URL: unknown cell '${cell}' (allowed: rnn, lstm, gru)`);
  const learners = (query.get('learners') ?? DEFAULT_SETTINGS.learners.join(',')).split(',').filter((text) => text.trim() !== '');
  if (learners.length < 1 || learners.length > MAX_LEARNERS) throw new RangeError(`URL: give 1 to ${MAX_LEARNERS} learners, got ${learners.length}`);
  for (const learner of learners) parseLearner(learner);
  return {
    stream,
    cell,
    hidden: number('hidden', DEFAULT_SETTINGS.hidden, CELL_SIZES.hidden[0], CELL_SIZES.hidden[1]),
    layers: number('layers', DEFAULT_SETTINGS.layers, CELL_SIZES.layers[0], CELL_SIZES.layers[1]),
    learners,
    seed: number('seed', DEFAULT_SETTINGS.seed, 0, 2 ** 31 - 1),
  };
}

/** A learner spec, validated; errors name the learner and the option. */
export function parseLearner(text: string): LearnerSpec {
  return parseLearnerSpec(text);
}

/** Whether two streams feed a model of the same shape, so one can replace the other mid-run (a drift). */
export function sameShape(a: StreamSpec, b: StreamSpec): boolean {
  const scalar = (s: StreamSpec) => s.kind === 'sine' || s.kind === 'mackeyGlass' || s.kind === 'values';
  if (scalar(a) && scalar(b)) return true;
  return a.kind === b.kind && a.kind !== 'text' && a.kind !== 'values';
}
