/**
 * The anbn language of the UORO paper (Tallec & Ollivier 2018), as the authors' generator
 * writes it: blocks a^n '\n' b^n '\n' with n uniform in {min, …, max} = {1, …, 32}.
 *
 * Optimal bits per character (derived in docs/experiments.md): every character of a block is
 * determined by n, and n is uniform over K = max − min + 1 values, so a perfect predictor pays
 * exactly log₂ K bits per block; a block has 2n + 2 characters, E = min + max + 2 on average,
 * and by the renewal theorem the entropy rate is log₂ K / (min + max + 2) = 5/35 ≈ 0.1429.
 *
 * The memoryless predictor sees only the current character: after 'a' (or 'b') the block goes
 * on except at its last one, P('\n' | 'a') = 1/E[n]; after '\n' comes 'a' or 'b' equally often.
 * With m = E[n] = (min + max)/2 its loss is (2m·h(1/m) + 2·ln 2)/(2m + 2) ≈ 0.368 bits/char,
 * h the binary entropy — exact, where a sampled estimate wanders by ±0.004 over 2^18 characters.
 */
import type { Rng } from '../tensor/rng.js';
import type { Corpus } from './corpus.js';
import type { Reader } from './snapshot.js';

export interface AnbnOptions {
  /** @default 1 */
  min?: number;
  /** @default 32 */
  max?: number;
}

const A = 0;
const B = 1;
const NEWLINE = 2;

export function anbnCorpus(options: AnbnOptions = {}): Corpus {
  const min = options.min ?? 1;
  const max = options.max ?? 32;
  if (!(Number.isInteger(min) && min >= 1 && Number.isInteger(max) && max >= min)) {
    throw new RangeError(`anbn: need integers 1 ≤ min ≤ max, got min ${min}, max ${max}`);
  }
  const reader = (rng: Rng): Reader => {
    let n = 0;
    let position = 2; // 2n + 2: the first call starts a block
    return {
      read: () => {
        if (position === 2 * n + 2) {
          n = min + rng.int(max - min + 1);
          position = 0;
        }
        const p = position++;
        if (p < n) return A;
        if (p === n || p === 2 * n + 1) return NEWLINE;
        return B;
      },
      snapshot: () => ({ n, position }),
      restore: (state) => {
        const block = state.integer('n', 0, max);
        if (block !== 0 && block < min) state.fail('n', `0 or an integer in [${min}, ${max}]`);
        const at = state.integer('position', 0, 2 * block + 2);
        [n, position] = [block, at];
      },
    };
  };
  return { name: `anbn(${min}, ${max})`, alphabet: ['a', 'b', '\n'], optimum: anbnOptimum(min, max), memoryless: anbnMemoryless(min, max), reader };
}

export function anbnOptimum(min: number, max: number): number {
  return Math.log2(max - min + 1) / (min + max + 2);
}

/** The memoryless loss in nats/char (see the header). */
export function anbnMemoryless(min: number, max: number): number {
  const m = (min + max) / 2;
  const p = 1 / m;
  const h = p === 1 ? 0 : -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
  return (2 * m * h + 2 * Math.LN2) / (2 * m + 2);
}
