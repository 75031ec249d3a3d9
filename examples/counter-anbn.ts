/**
 * aⁿbⁿ by a hand-built satlin RNN, and where floating point breaks it (docs/theory.md §5).
 *
 *   npm run build && node dist/examples/counter-anbn.js
 *
 * The network (examples/constructed/counter.ts) keeps the count k = #a − #b as q = 2^(−k):
 * an a halves q, a b doubles it, and the word is accepted when q is back at 1. With exact
 * rationals it is right for every n (Siegelmann & Sontag's setting); in floating point q is
 * exact while 2^(−n) is representable, so the program predicts the first failure from the
 * format alone, then checks every n up to it and shows the failure happen.
 */
import type { DType } from '../src/tensor/dtype.js';
import { counterRecognizer, counterValue, exactCounterLimit } from './constructed/counter.js';

/**
 * Reads a^n b^(n+1) and checks the verdict after every prefix against the definition of L:
 * only the prefix a^n b^n is in L. Returns q after the a's and whether every verdict was right.
 */
function checkRun(recognizer: ReturnType<typeof counterRecognizer>, n: number): { q: number; exact: boolean } {
  recognizer.reset();
  let exact = true;
  for (let i = 0; i < n; i++) exact &&= recognizer.read('a') === 0;
  const q = counterValue(recognizer);
  for (let j = 1; j <= n + 1; j++) exact &&= recognizer.read('b') === (j === n ? 1 : 0);
  return { q, exact };
}

function report(dtype: DType): void {
  const limit = exactCounterLimit(dtype);
  const recognizer = counterRecognizer({ dtype });
  console.log(`\n${dtype}: the smallest positive ${dtype} is 2^-${limit}, so the prediction is`);
  console.log(`  exact for every n ≤ ${limit}; a^${limit + 1} b^${limit + 1} rejected (2^-${limit + 1} rounds to 0).`);

  const started = performance.now();
  let firstWrong = -1;
  for (let n = 1; n <= limit + 1 && firstWrong < 0; n++) if (!checkRun(recognizer, n).exact) firstWrong = n;
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const steps = (limit + 1) * (limit + 3); // Σ_{n ≤ N} (2n + 1) = N(N + 2), N = limit + 1
  console.log(`  checked every prefix of a^n b^(n+1) for n = 1…${limit + 1} (${steps.toLocaleString('en')} steps, ${seconds} s):`);
  console.log(`  first n where a verdict is wrong: ${firstWrong} ${firstWrong === limit + 1 ? '(as predicted)' : '(NOT as predicted)'}`);

  console.log('\n       n   q after the a\'s          a^n b^n');
  for (const n of [1, 2, 10, 100, limit - 1, limit, limit + 1, limit + 2]) {
    const { q } = checkRun(recognizer, n);
    const verdict = recognizer.accepts('a'.repeat(n) + 'b'.repeat(n)) ? 'accept' : 'reject';
    const note = q === 0 ? '  ← the counter underflowed to 0; 2·0 never returns to 1' : '';
    console.log(`  ${String(n).padStart(6)}   ${q.toExponential(6).padEnd(22)} ${verdict}${note}`);
  }
}

console.log('A satlin RNN with hand-set weights recognizes L = { aⁿbⁿ : n ≥ 1 }.');
const cell = counterRecognizer().cell;
console.log(`Network: the library's stack([rnn 2→${cell.layers[0]!.outputSize} satlin, rnn ${cell.layers[0]!.outputSize}→1 satlin]), ${cell.paramSize} weights, all set by hand.`);
console.log('Memory: q = 2^-(#a − #b); a halves q, b doubles it; accept when q = 1 and no rule was broken.');
console.log('With exact arithmetic the network is right for every n. Floating point makes it a finite machine:');
report('float64');
report('float32');
console.log('\nThe n is not a learning result: it is where 2^-n leaves the number format, predicted before running.');
