/**
 * A satlin network that recognizes L = { aⁿbⁿ : n ≥ 1 }, with a counter kept as a number
 * (the unary case of Siegelmann & Sontag's stack encoding, 1995):
 *
 *   depth k = #a − #b read so far,   q = 2^(−k)        (q = 1: the count is zero)
 *   read a:  q' = q/2        read b:  q' = 2q
 *
 * q is not one unit but the sum of three, push + pop + init, of which at most one is nonzero
 * at any time; each is gated by the input, so the active one's pre-activation is exactly ½·q
 * (or 2·q) plus terms that are exact zeros. Hence q is exact in float64 *in any order of
 * summation*, until 2^(−k) itself stops being a float64: 2^(−1074) is the smallest
 * (subnormal) float64, and ½·2^(−1074) = 2^(−1075) rounds to 0 (a tie, broken to even).
 * So the network is exactly right on every word up to n = 1074 and rejects a¹⁰⁷⁵b¹⁰⁷⁵:
 * after the 1075th a the counter is 0, and 2·0 never gets back to 1. In float32 the same
 * happens at 2^(−150): exact up to n = 149, wrong from n = 150. See docs/theory.md.
 *
 * Units of the machine layer (x_a, x_b one-hot; σ = clip(·, 0, 1)):
 *   started  s' = σ(1)                      0 before the first symbol, 1 after
 *   init     z' = σ(½x_a − s)               ½ after a first a (q = ½), else 0
 *   push     p' = σ(½q − x_b)               q/2 on a, 0 on b
 *   pop      r' = σ(2q − 2x_a)              2q on b, 0 on a (q ≤ 1)
 *   seenB    B' = σ(B + x_b)                a b has been read
 *   aAfterB  u' = σ(x_a + B − 1)            violation: a after b
 *   popEmpty v' = σ(2q + x_b − 2)           violation: b with q = 1 (more b's than a's)
 *   bFirst   w' = σ(x_b − s)                violation: b as the first symbol
 *   dead     d' = σ(d + u + v + w)          some violation happened before this step
 * Verdict layer:  accept = σ(2q − 1 − d − u − v − w),   q = p + r + z of the new state.
 */
import type { DType } from '../../src/tensor/dtype.js';
import { Recognizer, type SatlinLayerSpec } from './satlin.js';

export type CounterSymbol = 'a' | 'b';
export type CounterUnit = 'started' | 'init' | 'push' | 'pop' | 'seenB' | 'aAfterB' | 'popEmpty' | 'bFirst' | 'dead';

/** q = push + pop + init: the counter 2^(−k), read off the state. */
const q = (w: number) => ({ push: w, pop: w, init: w });

export const COUNTER_MACHINE: SatlinLayerSpec<CounterSymbol, CounterUnit> = {
  inputs: ['a', 'b'],
  units: ['started', 'init', 'push', 'pop', 'seenB', 'aAfterB', 'popEmpty', 'bFirst', 'dead'],
  equations: {
    started: { bias: 1 },
    init: { input: { a: 0.5 }, recurrent: { started: -1 } },
    push: { input: { b: -1 }, recurrent: q(0.5) },
    pop: { input: { a: -2 }, recurrent: q(2) },
    seenB: { input: { b: 1 }, recurrent: { seenB: 1 } },
    aAfterB: { input: { a: 1 }, recurrent: { seenB: 1 }, bias: -1 },
    popEmpty: { input: { b: 1 }, recurrent: q(2), bias: -2 },
    bFirst: { input: { b: 1 }, recurrent: { started: -1 } },
    dead: { recurrent: { dead: 1, aAfterB: 1, popEmpty: 1, bFirst: 1 } },
  },
};

/** The network of the header, run by the library's cells. */
export function counterRecognizer(options: { dtype?: DType } = {}): Recognizer<CounterSymbol, CounterUnit> {
  return new Recognizer({
    machine: COUNTER_MACHINE,
    verdict: { input: { ...q(2), dead: -1, aAfterB: -1, popEmpty: -1, bFirst: -1 }, bias: -1 },
    ...options,
  });
}

/**
 * The largest n for which the counter 2^(−n) is exact: the exponent of the smallest positive
 * (subnormal) float, 2^(−1074) in float64 (52 fraction bits below 2^(−1022)) and 2^(−149) in
 * float32 (23 below 2^(−126)). a^(N+1) b^(N+1) is the first word of L the network rejects.
 */
export function exactCounterLimit(dtype: DType): number {
  return dtype === 'float64' ? 1022 + 52 : 126 + 23;
}

/** The counter q = push + pop + init in the recognizer's current state. */
export function counterValue(recognizer: Recognizer<CounterSymbol, CounterUnit>): number {
  return recognizer.unit('push') + recognizer.unit('pop') + recognizer.unit('init');
}

/** The textbook answer: is w in { aⁿbⁿ : n ≥ 1 }? */
export function inAnBn(word: string): boolean {
  const n = word.length / 2;
  return n >= 1 && Number.isInteger(n) && /^a*b*$/.test(word) && word.indexOf('b') === n;
}
