/**
 * aⁿbⁿ learned online: an LSTM trained one symbol at a time by an online learner, and how far in
 * n what it learned generalises (docs/theory.md §6.3).
 *
 *   npm run build && node dist/examples/trained-anbn.js [--seeds 1,2,…,8] [--steps 600000]
 *                       [--learner rtrl|tbptt|uoro|nbt] [--cell lstm|gru] [--hidden 4] [--decay 1] [--inspect]
 *
 * Task (next-symbol prediction, as in Gers & Schmidhuber 2001): the stream is words aⁿbⁿ with n
 * drawn uniformly from 1…TRAIN_MAX; after each symbol the network predicts the next one (a, b or
 * end) under a softmax cross-entropy loss, and the learner updates θ after every symbol. The
 * recurrent state is reset between words (`learner.reset()`, an episode boundary). A word counts
 * as recognised when every prediction the language determines is right (argmax of the logits):
 *
 *   after aⁱ:       anything but end             (a or b may follow)
 *   after aⁿbʲ:     b for j < n, end for j = n   (here the network must have counted the a's)
 *
 * With θ frozen after training, every n ≤ TEST_MAX is tested. When all pass, the test goes on at
 * n = 2·TEST_MAX, 4·TEST_MAX, … up to LADDER_MAX, and a bisection between the last ladder point
 * that passes and the first that fails finds a boundary n* (n* − 1 recognised, n* not). Between
 * TEST_MAX and n* only the ladder and bisection points are tested.
 */
import { parseArgs } from 'node:util';
import { createModel } from '../src/model/config.js';
import type { OnlineModel } from '../src/model/online.js';
import { createLearner, parseLearnerConfig, type LearnerConfig } from '../src/kinds/learners.js';
import { crossEntropy } from '../src/loss/loss.js';
import { Rng } from '../src/tensor/rng.js';
import { zeros, type Vec } from '../src/tensor/dtype.js';
import type { CellStep } from '../src/cells/cell.js';

const A = 0;
const B = 1;
const END = 2;
const ONE_HOT = [Float64Array.of(1, 0), Float64Array.of(0, 1)] as const;

const TRAIN_MAX = 10;
const TEST_MAX = 1000;
const LADDER_MAX = 128_000;
const LEARNING_RATE = 0.01;
const CLIP = 1;

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3,4,5,6,7,8' },
    steps: { type: 'string', default: '600000' },
    learner: { type: 'string', default: 'rtrl' },
    cell: { type: 'string', default: 'lstm' },
    hidden: { type: 'string', default: '4' },
    decay: { type: 'string', default: '1' },
    inspect: { type: 'boolean', default: false },
  },
});
const seeds = values.seeds.split(',').map((seed) => positiveInteger(seed, '--seeds'));
const budget = positiveInteger(values.steps, '--steps');
if (values.cell !== 'lstm' && values.cell !== 'gru') throw new TypeError(`--cell must be lstm or gru, got '${values.cell}'`);
const cellKind: 'lstm' | 'gru' = values.cell;
const hidden = positiveInteger(values.hidden, '--hidden');
// --decay r: the learning rate decays exponentially to r·lr over the run (1: constant).
const decay = Number(values.decay);
if (!(decay > 0 && decay <= 1)) throw new RangeError(`--decay must be in (0, 1], got '${values.decay}'`);
const schedule = decay === 1 ? undefined : { kind: 'exponential' as const, gamma: Math.pow(decay, 1 / budget) };
// TBPTT backpropagates through a whole training word (2·TRAIN_MAX steps) and updates every step, like RTRL.
const learnerConfig: LearnerConfig = parseLearnerConfig(values.learner === 'tbptt' ? { kind: 'tbptt', k2: 2 * TRAIN_MAX, k1: 1 } : { kind: values.learner });

function positiveInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${flag} takes positive integers, got '${text}'`);
  return value;
}

/** The target after the t-th symbol of aⁿbⁿ: the next symbol, or end after the last. */
function targetAfter(n: number, t: number): number {
  return t < n - 1 ? A : t < 2 * n - 1 ? B : END;
}

/** Trains one model from `seed` for `budget` steps; returns it with the mean loss of the last 10% of steps. */
function train(seed: number): { model: OnlineModel; finalLoss: number; seconds: number } {
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: cellKind, hiddenSize: hidden } }], outputSize: 3 }, { seed });
  const learner = createLearner(learnerConfig, model, { loss: crossEntropy, optimizer: { kind: 'adam', lr: LEARNING_RATE, ...(schedule && { schedule }) }, clip: CLIP, seed });
  const rng = new Rng(seed);
  const started = performance.now();
  let lossSum = 0;
  let lossCount = 0;
  while (learner.steps < budget) {
    const n = 1 + rng.int(TRAIN_MAX);
    learner.reset();
    for (let t = 0; t < 2 * n; t++) {
      const { loss } = learner.step(ONE_HOT[t < n ? A : B], [targetAfter(n, t)]);
      if (learner.steps > 0.9 * budget) {
        lossSum += loss;
        lossCount++;
      }
    }
  }
  return { model: model.online(), finalLoss: lossSum / lossCount, seconds: (performance.now() - started) / 1000 };
}

/** Runs aⁿbⁿ through the frozen model (the library's cell and head, no learner) and checks each determined prediction. */
class Tester {
  private readonly step: CellStep;
  private readonly state: Vec;
  private readonly output: Vec;
  private readonly logits: Vec;

  constructor(private readonly model: OnlineModel) {
    this.step = model.core.createStep(1);
    this.state = zeros(model.dtype, model.core.stateSize);
    this.output = zeros(model.dtype, model.core.outputSize);
    this.logits = zeros(model.dtype, model.outputSize);
  }

  /** The cell's memory (LSTM: c; otherwise the whole state) after reading aⁿbʲ. */
  memoryAfter(n: number, j: number): number[] {
    const { model, step, state } = this;
    const part = model.core.stateParts.find((p) => p.name === 'c') ?? { offset: 0, size: model.core.stateSize };
    state.fill(0);
    for (let t = 0; t < n + j; t++) step.forward(state, ONE_HOT[t < n ? A : B], state, model.coreTheta);
    return Array.from(state.subarray(part.offset, part.offset + part.size));
  }

  recognises(n: number): boolean {
    const { model, step, state, output, logits } = this;
    const { core } = model;
    state.fill(0);
    for (let t = 0; t < 2 * n; t++) {
      step.forward(state, ONE_HOT[t < n ? A : B], state, model.coreTheta);
      output.set(state.subarray(core.outputOffset, core.outputOffset + core.outputSize));
      model.head!.forward(logits, output, model.headTheta!, 1);
      const predicted = logits[END]! >= Math.max(logits[A]!, logits[B]!) ? END : logits[B]! > logits[A]! ? B : A;
      if (t < n ? predicted === END : predicted !== targetAfter(n, t)) return false;
    }
    return true;
  }
}

interface Generalisation {
  /** The largest N ≤ TEST_MAX with every n ≤ N recognised. */
  readonly upTo: number;
  /** How many n ≤ TEST_MAX are recognised. */
  readonly count: number;
  /** When upTo = TEST_MAX: the last ladder point recognised and the boundary found by bisection (null: none below LADDER_MAX). */
  readonly ladder: { readonly lastPass: number; readonly boundary: number | null } | null;
}

function generalisation(model: OnlineModel): Generalisation {
  const tester = new Tester(model);
  let upTo = 0;
  let count = 0;
  for (let n = 1; n <= TEST_MAX; n++) {
    if (!tester.recognises(n)) continue;
    count++;
    if (upTo === n - 1) upTo = n;
  }
  if (upTo < TEST_MAX) return { upTo, count, ladder: null };
  let lastPass = TEST_MAX;
  let fail = 2 * TEST_MAX;
  while (fail <= LADDER_MAX && tester.recognises(fail)) {
    lastPass = fail;
    fail *= 2;
  }
  if (fail > LADDER_MAX) return { upTo, count, ladder: { lastPass, boundary: null } };
  // Bisection: keep recognises(pass) and not recognises(fail).
  let pass = lastPass;
  while (fail - pass > 1) {
    const mid = Math.floor((pass + fail) / 2);
    if (tester.recognises(mid)) pass = mid;
    else fail = mid;
  }
  return { upTo, count, ladder: { lastPass, boundary: fail } };
}

function describe(g: Generalisation): string {
  if (g.ladder === null) return `all n ≤ ${g.upTo}`;
  const { lastPass, boundary } = g.ladder;
  const ladder = lastPass > TEST_MAX ? `, ladder to ${lastPass.toLocaleString('en')}` : '';
  return boundary === null ? `all n ≤ ${TEST_MAX}${ladder} (no failure found)` : `all n ≤ ${TEST_MAX}${ladder}; fails at n* = ${boundary.toLocaleString('en')}`;
}

const example = createModel({ inputSize: 2, layers: [{ cell: { kind: cellKind, hiddenSize: hidden } }], outputSize: 3 });
console.log(`aⁿbⁿ learned online: an ${cellKind.toUpperCase()} (hidden ${hidden}, ${example.paramSize} parameters) trained by ${learnerConfig.kind} on n ∈ 1…${TRAIN_MAX},`);
const rate = decay === 1 ? `lr ${LEARNING_RATE}` : `lr ${LEARNING_RATE} decaying to ${decay * LEARNING_RATE}`;
console.log(`one update per symbol (Adam ${rate}, clip ${CLIP}), ${budget.toLocaleString('en')} steps per seed; then tested with θ frozen.`);
console.log('\n  seed   loss (last 10%)   n ≤ 1000 recognised   generalises to                                       train s');

const results: Array<{ seed: number; g: Generalisation; model: OnlineModel }> = [];
for (const seed of seeds) {
  const { model, finalLoss, seconds } = train(seed);
  const g = generalisation(model);
  results.push({ seed, g, model });
  console.log(`  ${String(seed).padStart(4)}   ${finalLoss.toFixed(4).padStart(15)}   ${String(g.count).padStart(19)}   ${describe(g).padEnd(52)} ${seconds.toFixed(1).padStart(7)}`);
}

if (values.inspect) {
  // What was learned: the memory after aⁿ, after aⁿbⁿ⁻¹ (the next symbol is the last b) and after aⁿbⁿ.
  for (const { seed, g, model } of results) {
    const boundary = g.ladder?.boundary ?? null;
    const ns = [10, 100, 1000, ...(boundary === null ? [] : [boundary - 1, boundary])];
    const tester = new Tester(model);
    const show = (v: number[]) => `[${v.map((x) => x.toFixed(4)).join(', ')}]`;
    console.log(`\nseed ${seed}: the cell memory after aⁿ | aⁿbⁿ⁻¹ | aⁿbⁿ${boundary === null ? '' : ` (n* = ${boundary}: n* − 1 recognised, n* not)`}`);
    for (const n of ns.filter((n) => n <= Math.max(TEST_MAX, boundary ?? 0))) {
      console.log(`  n = ${String(n).padEnd(6)} ${show(tester.memoryAfter(n, 0))} | ${show(tester.memoryAfter(n, n - 1))} | ${show(tester.memoryAfter(n, n))}`);
    }
  }
}

const fitted = results.filter(({ g }) => g.upTo >= TRAIN_MAX).length;
const long = results.filter(({ g }) => g.upTo === TEST_MAX).length;
console.log(`\n${fitted} of ${results.length} seeds recognise every n ≤ ${TRAIN_MAX} (the training range); ${long} of ${results.length} recognise every n ≤ ${TEST_MAX}.`);
console.log('Each seed stops at its own n, found only by testing; the constructed counter of counter-anbn.js is exact');
console.log('to n = 1074, a limit predicted from float64. --inspect shows the counter each network learned in its cell state.');
