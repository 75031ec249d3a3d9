/**
 * A satlin network that recognizes Dyck-2, the balanced words over ( ) [ ], with the stack
 * encoded as one number in Siegelmann & Sontag's Cantor-like base-4 code (1995):
 *
 *   stack d₁d₂…d_k (d₁ on top; '(' ↦ 1, '[' ↦ 3)   ↦   q = Σᵢ dᵢ·4^(−i)      (empty ↦ 0)
 *   push d:  q' = q/4 + d/4        top is '[':  q ≥ ¾        top is '(':  ¼ ≤ q < ½
 *   pop:     q' = 4q − d₁          empty:       q = 0
 *
 * The gaps between the digit intervals let a saturated-linear unit read the top exactly.
 *
 * Precision. In binary each digit is two bits ('(' = 01, '[' = 11), so a stack of depth k needs
 * 2k significant bits with '[' on top and 2k − 1 with '(' on top. float64 has 53: every stack of
 * depth ≤ 26 is exact, and since a push rounds once and a pop (4q − d, Sterbenz) never rounds,
 * the network is exactly right on every word whose depth stays ≤ 26, however long. The first
 * stacks that do not fit are depth 27 with '[' on top and depth 28 with '(' on top; the push
 * that makes them drops the bottom digit (the deepest bracket is forgotten) or, by a carry,
 * turns a run of '['s into q = 1 = 0.333…₄ (an endless stack of '['). float32 (24 bits): depth
 * ≤ 12 exact, 13 breaks. See docs/theory.md for the worked cases the example prints.
 *
 * Units of the machine layer (x one-hot over ( [ ) ]; q = open1 + open3 + close1 + close3):
 *   open1    σ(q/4 + ¼ − x_[ − x_) − x_])       push '(' on '('
 *   open3    σ(q/4 + ¾ − x_( − x_) − x_])       push '[' on '['
 *   close1   σ(4q − 1 − 4(x_( + x_[ + x_]))      pop on ')' (exact when the top is '(')
 *   close3   σ(4q − 3 − 4(x_( + x_[ + x_)))      pop on ']' (exact when the top is '[')
 *   wrongTop σ(4q − 4 + 2x_))                    violation: ')' with '[' on top
 *   popEmpty σ(x_) − 4q)                         violation: ')' on the empty stack
 *   notOpen3 σ(3x_] − 4q)                        violation: ']' with '(' on top or empty
 *   dead     σ(dead + wrongTop + popEmpty + notOpen3)
 * Verdict layer:  accept = σ(1 − 4q − dead − wrongTop − popEmpty − notOpen3).
 * Exactly one of the four q-units is active at a time (the one the symbol selects), so q's
 * pre-activations are exact in any order of summation, as in counter.ts.
 */
import type { DType } from '../../src/tensor/dtype.js';
import type { Rng } from '../../src/tensor/rng.js';
import { Recognizer, type SatlinLayerSpec } from './satlin.js';

export type DyckSymbol = '(' | '[' | ')' | ']';
export type DyckUnit = 'open1' | 'open3' | 'close1' | 'close3' | 'wrongTop' | 'popEmpty' | 'notOpen3' | 'dead';

/** w·q where q = open1 + open3 + close1 + close3. */
const q = (w: number) => ({ open1: w, open3: w, close1: w, close3: w });

export const DYCK_MACHINE: SatlinLayerSpec<DyckSymbol, DyckUnit> = {
  inputs: ['(', '[', ')', ']'],
  units: ['open1', 'open3', 'close1', 'close3', 'wrongTop', 'popEmpty', 'notOpen3', 'dead'],
  equations: {
    open1: { input: { '[': -1, ')': -1, ']': -1 }, recurrent: q(0.25), bias: 0.25 },
    open3: { input: { '(': -1, ')': -1, ']': -1 }, recurrent: q(0.25), bias: 0.75 },
    close1: { input: { '(': -4, '[': -4, ']': -4 }, recurrent: q(4), bias: -1 },
    close3: { input: { '(': -4, '[': -4, ')': -4 }, recurrent: q(4), bias: -3 },
    wrongTop: { input: { ')': 2 }, recurrent: q(4), bias: -4 },
    popEmpty: { input: { ')': 1 }, recurrent: q(-4) },
    notOpen3: { input: { ']': 3 }, recurrent: q(-4) },
    dead: { recurrent: { dead: 1, wrongTop: 1, popEmpty: 1, notOpen3: 1 } },
  },
};

/** The network of the header, run by the library's cells. */
export function dyckRecognizer(options: { dtype?: DType } = {}): Recognizer<DyckSymbol, DyckUnit> {
  return new Recognizer({
    machine: DYCK_MACHINE,
    verdict: { input: { ...q(-4), dead: -1, wrongTop: -1, popEmpty: -1, notOpen3: -1 }, bias: 1 },
    ...options,
  });
}

/** The stack q = open1 + open3 + close1 + close3 in the recognizer's current state. */
export function stackValue(recognizer: Recognizer<DyckSymbol, DyckUnit>): number {
  return recognizer.unit('open1') + recognizer.unit('open3') + recognizer.unit('close1') + recognizer.unit('close3');
}

/**
 * The deepest stack every push keeps exact: 2k bits ('[' on top) must fit the significand,
 * 53 bits in float64 and 24 in float32. ('(' on top fits one level more when the significand
 * is odd: 2k − 1 ≤ 53 gives 27 in float64.)
 */
export function exactDepth(dtype: DType): number {
  return Math.floor((dtype === 'float64' ? 53 : 24) / 2);
}

/** The textbook answer, with an explicit stack: the verdict after every prefix (1 = balanced so far). */
export function dyckVerdicts(word: string): Uint8Array {
  const out = new Uint8Array(word.length);
  const open: string[] = [];
  let dead = false;
  for (let t = 0; t < word.length; t++) {
    const c = word[t]!;
    if (c === '(' || c === '[') open.push(c);
    else if (open.pop() !== (c === ')' ? '(' : '[')) dead = true;
    out[t] = !dead && open.length === 0 ? 1 : 0;
  }
  return out;
}

/**
 * A random word over ( [ ) ] whose stack never gets deeper than maxDepth: at depth 0 it opens,
 * at maxDepth it closes, otherwise it flips a coin. A closer is the wrong one with probability
 * errorRate (default 0), so the word also exercises rejection.
 */
export function randomDyckWord(rng: Rng, options: { length: number; maxDepth: number; errorRate?: number }): string {
  const { length, maxDepth, errorRate = 0 } = options;
  const open: string[] = [];
  let word = '';
  for (let t = 0; t < length; t++) {
    const opens = open.length === 0 || (open.length < maxDepth && rng.uniform() < 0.5);
    if (opens) {
      const c = rng.uniform() < 0.5 ? '(' : '[';
      open.push(c);
      word += c;
    } else {
      const matching = open.pop() === '(' ? ')' : ']';
      word += rng.uniform() < errorRate ? (matching === ')' ? ']' : ')') : matching;
    }
  }
  return word;
}
