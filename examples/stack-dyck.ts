/**
 * Balanced brackets ( ) [ ] by a hand-built satlin RNN whose whole stack is one number in
 * Siegelmann & Sontag's base-4 code, and the depth where float64 runs out (docs/theory.md §5).
 *
 *   npm run build && node dist/examples/stack-dyck.js
 *
 * Two such stacks and a finite control make a Turing machine (Siegelmann & Sontag 1995); this
 * is one stack, enough for Dyck-2, a context-free language no finite automaton recognizes.
 */
import { Rng } from '../src/tensor/rng.js';
import type { DType } from '../src/tensor/dtype.js';
import { dyckRecognizer, dyckVerdicts, exactDepth, randomDyckWord, stackValue } from './constructed/dyck.js';

type DyckNet = ReturnType<typeof dyckRecognizer>;

/** The verdict after every prefix. */
function verdicts(net: DyckNet, word: string): number[] {
  net.reset();
  return Array.from(word, (symbol) => net.read(symbol));
}

/** Random words of depth ≤ maxDepth, every prefix compared with an explicit stack; returns the mismatches. */
function randomCheck(net: DyckNet, options: { words: number; length: number; maxDepth: number; seed: number }): { steps: number; wrong: number; deepest: number } {
  const rng = new Rng(options.seed);
  let steps = 0;
  let wrong = 0;
  let deepest = 0;
  for (let w = 0; w < options.words; w++) {
    const word = randomDyckWord(rng, { length: options.length, maxDepth: options.maxDepth, errorRate: 0.002 });
    const expected = dyckVerdicts(word);
    verdicts(net, word).forEach((v, t) => (wrong += v === expected[t] ? 0 : 1));
    steps += word.length;
    deepest = Math.max(deepest, maxDepth(word));
  }
  return { steps, wrong, deepest };
}

/** The deepest nesting a word reaches (counting every opener, matched or not). */
function maxDepth(word: string): number {
  let depth = 0;
  let deepest = 0;
  for (const c of word) {
    depth = Math.max(0, depth + (c === '(' || c === '[' ? 1 : -1));
    deepest = Math.max(deepest, depth);
  }
  return deepest;
}

/** Prefix lengths the net accepts, written compactly. */
function acceptedPrefixes(net: DyckNet, word: string): string {
  const at = verdicts(net, word).flatMap((v, t) => (v === 1 ? [t + 1] : []));
  return at.length === 0 ? 'none' : at.join(', ');
}

const power = (symbol: string, k: number) => (k === 1 ? symbol : `${symbol}^${k}`);

function report(dtype: DType): void {
  const depth = exactDepth(dtype);
  const bits = dtype === 'float64' ? 53 : 24;
  const net = dyckRecognizer({ dtype });
  console.log(`\n${dtype} (${bits}-bit significand): a stack of depth k needs 2k bits ('[' on top) or 2k − 1 ('(' on top).`);
  console.log(`  prediction: exact whenever the depth stays ≤ ${depth}; the first inexact pushes make '['^${depth + 1} and '('^${depth + 1 + (bits % 2)}.`);

  const seed = 7;
  const { steps, wrong, deepest } = randomCheck(net, { words: 200, length: 2000, maxDepth: depth, seed });
  console.log(`  200 random words of length 2000 (some with a wrong closer), seed ${seed}, deepest nesting ${deepest}:`);
  console.log(`  ${steps.toLocaleString('en')} prefixes compared with an explicit stack, ${wrong} wrong verdicts`);

  const cases: Array<[string, string, string]> = [];
  for (const k of [depth, depth + 1, depth + 2]) {
    cases.push([`${power('[', k)} ${power(']', k)}`, '['.repeat(k) + ']'.repeat(k), `${2 * k}`]);
    cases.push([`${power('(', k)} ${power(')', k)}`, '('.repeat(k) + ')'.repeat(k), `${2 * k}`]);
  }
  cases.push([`( ${power('[', depth)} ${power(']', depth)} )`, '(' + '['.repeat(depth) + ']'.repeat(depth) + ')', `${2 * depth + 2}`]);
  console.log('\n  word                    correct: accept at prefix   network accepts at prefix    q after the opening run');
  for (const [name, word, correct] of cases) {
    const opening = word.search(/[)\]]/);
    net.reset();
    for (const symbol of word.slice(0, opening)) net.read(symbol);
    const q = stackValue(net);
    const got = acceptedPrefixes(net, word);
    const mark = got === correct ? '' : '   ✗';
    console.log(`  ${name.padEnd(22)}  ${correct.padEnd(27)} ${(got + mark).padEnd(28)} ${q}`);
  }
}

console.log('A satlin RNN with hand-set weights recognizes Dyck-2, the balanced words over ( ) [ ].');
const cell = dyckRecognizer().cell;
console.log(`Network: the library's stack([rnn 4→${cell.layers[0]!.outputSize} satlin, rnn ${cell.layers[0]!.outputSize}→1 satlin]), ${cell.paramSize} weights, all set by hand.`);
console.log("Memory: the stack d₁…d_k ('(' = 1, '[' = 3, top first) is the one number q = Σ dᵢ·4^-i;");
console.log('push d: q/4 + d/4, pop: 4q − d₁, top and emptiness read off q by saturated-linear units.');
report('float64');
report('float32');
console.log(`
What the ✗ rows show, exactly as docs/theory.md derives them:
  '['^27: q = 1 − 4^-27 needs 54 bits; it is a tie and rounds to 1 = 0.333…₄, an endless stack of '[',
          so the ']'s never empty it: the balanced word is rejected.
  '('^28: the exact q needs 55 bits; rounding drops the bottom '(' (the push is lost), so '('^28 ')'^27
          is accepted (prefix 55) and the balanced '('^28 ')'^28 is rejected.
  ( '['^26 ']'^26 ): the 27th push drops the bottom '(' (a tie, rounded to even): the net accepts the
          unbalanced prefix of length 53 and rejects the balanced word.`);
