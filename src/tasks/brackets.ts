/**
 * The 'distant brackets' language of the UORO paper (Tallec & Ollivier 2018), as the authors'
 * generator writes it: one line per sample,
 *   '[' s_1 … s_save ']'  c_1 … c_r  '[' s_1 … s_save ']'  '\n',   r uniform in {min, …, max},
 * where the s_i and c_j are drawn uniformly from `alphabet` characters ('!', '"', '#', …), so
 * the bracketed symbols must be remembered across the r random characters.
 *
 * Optimal bits per character (derived in docs/experiments.md): a line is determined by its
 * save + r random characters and by r, all independent, so a perfect predictor pays
 * (save + E[r])·log₂ m + log₂(max − min + 1) bits per line of 2·save + 5 + E[r] characters on
 * average, and the entropy rate is their ratio.
 *
 * The presets: variant 1 (save 1, r = 5, m = 10) ≈ 1.661 and variant 3 (save 10, r = 0, m = 8)
 * = 1.200 are the two configurations in the authors' repository; variant 2 (save 2, r ∈ 4…6,
 * m = 10) ≈ 1.774 is inferred from the optimum the paper quotes (the repository does not hold
 * its parameters; other settings give 1.774 too).
 */
import type { Rng } from '../tensor/rng.js';
import { sampledMemoryless, type Corpus } from './corpus.js';
import type { Reader } from './snapshot.js';

export interface BracketsOptions {
  /** Characters between the brackets, remembered. @default 1 */
  save?: number;
  /** Fewest random characters between the two bracketed groups. @default 5 */
  min?: number;
  /** Most random characters between them. @default 5 */
  max?: number;
  /** Size m of the alphabet of the random characters (≤ 58, so '[' and ']' stay out of it). @default 10 */
  alphabet?: number;
}

export const BRACKETS_VARIANTS: Readonly<Record<1 | 2 | 3, Required<BracketsOptions>>> = {
  1: { save: 1, min: 5, max: 5, alphabet: 10 },
  2: { save: 2, min: 4, max: 6, alphabet: 10 },
  3: { save: 10, min: 0, max: 0, alphabet: 8 },
};

export function bracketsCorpus(options: BracketsOptions = {}): Corpus {
  const { save, min, max, alphabet: m } = { ...BRACKETS_VARIANTS[1], ...options };
  if (!(Number.isInteger(save) && save >= 1)) throw new RangeError(`brackets: save must be a positive integer, got ${save}`);
  if (!(Number.isInteger(min) && min >= 0 && Number.isInteger(max) && max >= min)) throw new RangeError(`brackets: need integers 0 ≤ min ≤ max, got min ${min}, max ${max}`);
  if (!(Number.isInteger(m) && m >= 2 && m <= 58)) throw new RangeError(`brackets: alphabet must be an integer in [2, 58], got ${m}`);
  const symbols = Array.from({ length: m }, (_, i) => String.fromCharCode(33 + i));
  const alphabet = [...symbols, '[', ']', '\n'];
  const [LEFT, RIGHT, NEWLINE] = [m, m + 1, m + 2];
  const reader = (rng: Rng): Reader => {
    const stored = new Uint32Array(save);
    let line: number[] = [];
    let position = 0;
    return {
      read: () => {
        if (position === line.length) {
          line.length = 0;
          for (let i = 0; i < save; i++) stored[i] = rng.int(m);
          const r = min + rng.int(max - min + 1);
          line.push(LEFT, ...stored, RIGHT);
          for (let j = 0; j < r; j++) line.push(rng.int(m));
          line.push(LEFT, ...stored, RIGHT, NEWLINE);
          position = 0;
        }
        return line[position++]!;
      },
      // The current line, whole: the second bracketed group repeats the first.
      snapshot: () => ({ line: [...line], position }),
      restore: (state) => {
        const saved = state.integers('line', [0, 2 * save + 5 + max], 0, NEWLINE);
        if (saved.length !== 0 && saved.length < 2 * save + 5 + min) state.fail('line', `empty or ${2 * save + 5 + min} to ${2 * save + 5 + max} characters long`);
        const at = state.integer('position', 0, saved.length);
        [line, position] = [[...saved], at];
      },
    };
  };
  return {
    name: `brackets(save ${save}, r ${min === max ? min : `${min}–${max}`}, alphabet ${m})`,
    alphabet,
    optimum: bracketsOptimum({ save, min, max, alphabet: m }),
    memoryless: sampledMemoryless(reader, alphabet.length),
    reader,
  };
}

export function bracketsOptimum({ save, min, max, alphabet }: Required<BracketsOptions>): number {
  const meanGap = (min + max) / 2;
  return ((save + meanGap) * Math.log2(alphabet) + Math.log2(max - min + 1)) / (2 * save + 5 + meanGap);
}
