import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/rng.js';
import { anbnCorpus } from '../../src/tasks/anbn.js';
import { BRACKETS_VARIANTS, bracketsCorpus } from '../../src/tasks/brackets.js';
import { bigramEntropy, textCorpus, type Corpus } from '../../src/tasks/corpus.js';
import { charlmTask } from '../../src/tasks/charlm.js';
import { train } from '../../src/tasks/run.js';
import { MemorylessLearner } from './memoryless-learner.js';

function text(corpus: Corpus, n: number, seed = 1): string {
  const { read } = corpus.reader(new Rng(seed));
  return Array.from({ length: n }, () => corpus.alphabet[read()]).join('');
}

test("anbn writes blocks a^n '\\n' b^n '\\n' with n in 1…32, and its optimum is 5/35 bits/char", () => {
  const corpus = anbnCorpus();
  const blocks = text(corpus, 20_000).split('\n');
  const ns = new Set<number>();
  for (let i = 0; i + 1 < blocks.length - 1; i += 2) {
    assert.match(blocks[i]!, /^a+$/);
    assert.equal(blocks[i + 1], 'b'.repeat(blocks[i]!.length));
    ns.add(blocks[i]!.length);
  }
  assert.equal(Math.min(...ns), 1);
  assert.equal(Math.max(...ns), 32);
  assert.equal(corpus.optimum, 5 / 35);
  assert.equal(corpus.optimum!.toFixed(4), '0.1429');
});

/** −log₂ P of each character under the exact predictive distribution of anbn(1, K). */
function anbnPerfectBits(read: () => number, n: number, K: number): number {
  let bits = 0;
  let as = 0;
  let phase: 'a' | 'b' | 'start' = 'start';
  let bs = 0;
  for (let t = 0; t < n; t++) {
    const c = read();
    if (phase === 'start') {
      phase = 'a';
      as = 1;
    } else if (phase === 'a') {
      // After k a's, the block continues with probability P(n > k | n ≥ k) = (K − k)/(K − k + 1).
      const more = (K - as) / (K - as + 1);
      if (c === 0) {
        bits -= Math.log2(more);
        as++;
      } else {
        bits -= Math.log2(1 - more);
        phase = 'b';
        bs = 0;
      }
    } else if (c === 1) bs++;
    else if (bs === as) phase = 'start';
  }
  return bits / n;
}

test("a perfect predictor of anbn pays the analytic optimum, checking the renewal argument", () => {
  const corpus = anbnCorpus();
  const measured = anbnPerfectBits(corpus.reader(new Rng(11)).read, 400_000, 32);
  assert.ok(Math.abs(measured - corpus.optimum!) < 0.003, `measured ${measured}, optimum ${corpus.optimum}`);
});

test("the three distant-brackets variants have optima 1.661, 1.774 and 1.200 bits/char", () => {
  const optima = ([1, 2, 3] as const).map((v) => bracketsCorpus(BRACKETS_VARIANTS[v]).optimum!.toFixed(3));
  assert.deepEqual(optima, ['1.661', '1.774', '1.200']);
});

test('a distant-brackets line repeats its bracketed symbols after r random characters', () => {
  for (const variant of [1, 2, 3] as const) {
    const options = BRACKETS_VARIANTS[variant];
    const lines = text(bracketsCorpus(options), 5000, variant).split('\n').slice(1, -1);
    const pattern = new RegExp(`^\\[([!-${String.fromCharCode(32 + options.alphabet)}]{${options.save}})\\]([!-${String.fromCharCode(32 + options.alphabet)}]*)\\[([^\\]]*)\\]$`);
    for (const line of lines) {
      const match = pattern.exec(line);
      assert.ok(match !== null, `variant ${variant}: ${JSON.stringify(line)}`);
      assert.equal(match[3], match[1]);
      assert.ok(match[2]!.length >= options.min && match[2]!.length <= options.max);
    }
  }
});

test("a perfect predictor of distant brackets pays the analytic optimum", () => {
  const options = BRACKETS_VARIANTS[2];
  const corpus = bracketsCorpus(options);
  const { read } = corpus.reader(new Rng(4));
  const m = options.alphabet;
  const LEFT = m;
  const K = options.max - options.min + 1;
  let bits = 0;
  let state: 'open' | 'save' | 'gap' | 'repeat' = 'open';
  let count = 0;
  const n = 300_000;
  for (let t = 0; t < n; t++) {
    const c = read();
    if (state === 'open') {
      state = 'save';
      count = 0;
    } else if (state === 'save') {
      if (count < options.save) {
        bits += Math.log2(m);
        count++;
      } else {
        state = 'gap';
        count = 0;
      }
    } else if (state === 'gap') {
      // After k random characters the gap ends with probability P(r = k | r ≥ k).
      const end = count < options.min ? 0 : 1 / (options.max - count + 1);
      if (c === LEFT) {
        bits -= Math.log2(end);
        state = 'repeat';
        count = 0;
      } else {
        bits += Math.log2(m) - Math.log2(1 - end);
        count++;
      }
    } else if (++count === options.save + 2) state = 'open'; // the symbols again, ']' and '\n'
  }
  assert.ok(K === 3);
  assert.ok(Math.abs(bits / n - corpus.optimum!) < 0.01, `measured ${bits / n}, optimum ${corpus.optimum}`);
});

test('a text corpus takes code points as characters and its memoryless loss is the exact bigram entropy', () => {
  const corpus = textCorpus('aab', 'tiny');
  assert.deepEqual(corpus.alphabet, ['a', 'b']);
  // Read cyclically: aa, ab, ba: after 'a' a fair coin, after 'b' certainly 'a'.
  assert.ok(Math.abs(corpus.memoryless - (2 * Math.LN2) / 3) < 1e-12);
  assert.deepEqual(textCorpus('x😀x😀y', 'emoji').alphabet, ['x', 'y', '😀']);
  assert.throws(() => textCorpus('', 'empty.txt'), /empty.txt: the text needs at least 2 characters/);
  assert.throws(() => textCorpus('aaaa', 'same.txt'), /same.txt: the text needs at least 2 distinct characters/);
});

test('a learner without memory settles near the memoryless reference of anbn and far above its optimum', () => {
  const task = charlmTask(anbnCorpus());
  const reference = task.references.find((r) => r.axis === 'metric' && r.label.startsWith('memoryless'))!.value;
  const learner = new MemorylessLearner(task.inputSize, task.outputSize, task.loss, 0.05);
  const stream = task.stream(new Rng(3));
  train({ stream, learner, steps: 60_000 });
  assert.ok(Math.abs(stream.metric() - reference) < 0.02, `metric ${stream.metric()}, memoryless ${reference}`);
  assert.ok(reference > 0.3 && reference < 0.45, `${reference}`);
});

test("anbn's analytic memoryless loss is what bigram counts converge to", () => {
  const corpus = anbnCorpus();
  const measured = bigramEntropy(corpus.reader(new Rng(7)).read, 1 << 22, 3);
  assert.ok(Math.abs(measured - corpus.memoryless) < 0.003, `measured ${measured / Math.LN2}, analytic ${corpus.memoryless / Math.LN2} bits/char`);
  assert.equal((corpus.memoryless / Math.LN2).toFixed(3), '0.368');
});
