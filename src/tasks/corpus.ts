/**
 * A corpus for next-character prediction: an alphabet and an endless seeded stream of
 * character indices, with the optimal bits per character when it is known analytically.
 * The text corpus reads any UTF-8 text (decoded by the caller); the generated ones are the UORO
 * paper's synthetic languages (anbn.ts, brackets.ts).
 */
import { Rng } from '../tensor/rng.js';
import type { Reader } from './snapshot.js';

export interface Corpus {
  /** e.g. `anbn(1, 32)` or the text file's name. */
  readonly name: string;
  /** The characters (Unicode code points as strings); a character's index is its class. */
  readonly alphabet: readonly string[];
  /** The entropy rate in bits/char (what a perfect predictor scores), when it is known. */
  readonly optimum: number | null;
  /** The loss (nats/char) of the best memoryless predictor, one that sees the current character only. */
  readonly memoryless: number;
  /** An endless stream of character indices, drawing only from `rng`. */
  reader(rng: Rng): Reader;
}

/**
 * A text, cycled: the stream starts at a random character and wraps around at the end.
 * Characters are Unicode code points (a surrogate pair is one character).
 */
export function textCorpus(text: string, name = 'text'): Corpus {
  const characters = Array.from(text);
  if (characters.length < 2) throw new RangeError(`${name}: the text needs at least 2 characters, got ${characters.length}`);
  const alphabet = [...new Set(characters)].sort();
  if (alphabet.length < 2) throw new RangeError(`${name}: the text needs at least 2 distinct characters to predict anything`);
  const index = new Map(alphabet.map((c, i) => [c, i]));
  const codes = Uint32Array.from(characters, (c) => index.get(c)!);
  let cursor = 0;
  const once = () => codes[cursor++ % codes.length]!;
  return {
    name,
    alphabet,
    optimum: null,
    memoryless: bigramEntropy(once, codes.length, alphabet.length),
    reader(rng) {
      let position = rng.int(codes.length);
      return {
        read: () => {
          const c = codes[position]!;
          position = position + 1 === codes.length ? 0 : position + 1;
          return c;
        },
        snapshot: () => ({ position }),
        restore: (reader) => {
          position = reader.integer('position', 0, codes.length - 1);
        },
      };
    },
  };
}

/**
 * The cross-entropy (nats/char) of the best memoryless predictor — one that sees the current
 * character only — on `length` characters of a stream: the conditional entropy H(c_{t+1} | c_t)
 * of their bigram counts. For a text read once around (length = its length) it is exact.
 */
export function bigramEntropy(read: () => number, length: number, alphabetSize: number): number {
  const pairs = new Map<number, number>();
  const firsts = new Float64Array(alphabetSize);
  let previous = read();
  for (let t = 0; t < length; t++) {
    const c = read();
    const key = previous * alphabetSize + c;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
    firsts[previous]++;
    previous = c;
  }
  let total = 0;
  for (const [key, count] of pairs) total -= count * Math.log(count / firsts[Math.floor(key / alphabetSize)]!);
  return total / length;
}

/** The memoryless loss of a generated language, measured on 2^18 characters drawn with a fixed seed. */
export function sampledMemoryless(reader: (rng: Rng) => Reader, alphabetSize: number): number {
  return bigramEntropy(reader(new Rng(0x5eed)).read, 1 << 18, alphabetSize);
}
