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
  const codes = characterCodes(text);
  const alphabet = codes.alphabet;
  if (codes.length < 2) throw new RangeError(`${name}: the text needs at least 2 characters, got ${codes.length}`);
  if (alphabet.length < 2) throw new RangeError(`${name}: the text needs at least 2 distinct characters to predict anything`);
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
 * The text as indices into its sorted alphabet, one per code point, in one typed array: a
 * 50 MB text costs 200 MB here, not the gigabytes of an array of one-character strings.
 */
function characterCodes(text: string): Uint32Array & { alphabet: readonly string[] } {
  const characters: string[] = []; // in the order first seen
  const unitIndex = new Int32Array(0x10000).fill(-1); // a UTF-16 unit's character (the common case)
  const pairIndex = new Map<string, number>(); // a surrogate pair's (characters beyond U+FFFF)
  const seen = new Uint32Array(text.length); // code points ≤ UTF-16 units
  let length = 0;
  for (let u = 0; u < text.length; u++) {
    const unit = text.charCodeAt(u);
    const low = unit >= 0xd800 && unit <= 0xdbff && u + 1 < text.length ? text.charCodeAt(u + 1) : 0;
    if (low >= 0xdc00 && low <= 0xdfff) {
      const pair = text.slice(u++, u + 1);
      let i = pairIndex.get(pair);
      if (i === undefined) pairIndex.set(pair, (i = characters.push(pair) - 1));
      seen[length++] = i;
      continue;
    }
    let i = unitIndex[unit]!;
    if (i < 0) unitIndex[unit] = i = characters.push(String.fromCharCode(unit)) - 1;
    seen[length++] = i;
  }
  const order = characters.map((_, i) => i).sort((a, b) => (characters[a]! < characters[b]! ? -1 : characters[a]! > characters[b]! ? 1 : 0));
  const rank = new Uint32Array(characters.length);
  order.forEach((i, r) => (rank[i] = r));
  const codes = seen.subarray(0, length);
  for (let t = 0; t < length; t++) codes[t] = rank[codes[t]!]!;
  return Object.assign(codes, { alphabet: order.map((i) => characters[i]!) });
}

/**
 * The cross-entropy (nats/char) of the best memoryless predictor — one that sees the current
 * character only — on `length` characters of a stream: the conditional entropy H(c_{t+1} | c_t)
 * of their bigram counts. For a text read once around (length = its length) it is exact.
 */
export function bigramEntropy(read: () => number, length: number, alphabetSize: number): number {
  // Counts in a table when it is small (a text's usual alphabet), else in a map of the pairs seen.
  const table = alphabetSize <= DENSE_ALPHABET ? new Float64Array(alphabetSize * alphabetSize) : null;
  const pairs = new Map<number, number>();
  const order: number[] = []; // the table's pairs in the order first seen, as the map keeps them
  const firsts = new Float64Array(alphabetSize);
  let previous = read();
  for (let t = 0; t < length; t++) {
    const c = read();
    const key = previous * alphabetSize + c;
    if (table !== null) {
      if (table[key]++ === 0) order.push(key);
    } else pairs.set(key, (pairs.get(key) ?? 0) + 1);
    firsts[previous]++;
    previous = c;
  }
  for (const key of order) pairs.set(key, table![key]!);
  let total = 0;
  for (const [key, count] of pairs) total -= count * Math.log(count / firsts[Math.floor(key / alphabetSize)]!);
  return total / length;
}

/** Up to this many characters, bigram counts fit a table of 16 MiB. */
const DENSE_ALPHABET = 1448;

/** The memoryless loss of a generated language, measured on 2^18 characters drawn with a fixed seed. */
export function sampledMemoryless(reader: (rng: Rng) => Reader, alphabetSize: number): number {
  return bigramEntropy(reader(new Rng(0x5eed)).read, 1 << 18, alphabetSize);
}
