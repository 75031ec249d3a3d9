import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/rng.js';
import { dyckRecognizer, dyckVerdicts, exactDepth, randomDyckWord, stackValue, type DyckSymbol } from '../../examples/constructed/dyck.js';

type DyckNet = ReturnType<typeof dyckRecognizer>;
const SYMBOLS: readonly DyckSymbol[] = ['(', '[', ')', ']'];

function verdicts(net: DyckNet, word: string): number[] {
  net.reset();
  return Array.from(word, (symbol) => net.read(symbol));
}

/** The prefix lengths at which the network accepts. */
function acceptedAt(net: DyckNet, word: string): number[] {
  return verdicts(net, word).flatMap((v, t) => (v === 1 ? [t + 1] : []));
}

/** q after reading `word`, scaled by 4^k into the integer Σ dᵢ·4^(k−i) (exact: a power-of-two scaling). */
function scaledStack(net: DyckNet, word: string, k: number): bigint {
  verdicts(net, word);
  return BigInt(stackValue(net) * 4 ** k);
}

test('on every word over ( [ ) ] of length up to 7 each prefix verdict is exactly 0 or 1 and agrees with an explicit stack', () => {
  const net = dyckRecognizer();
  const length = 7;
  for (let code = 0; code < 4 ** length; code++) {
    let word = '';
    for (let t = 0, c = code; t < length; t++, c >>= 2) word += SYMBOLS[c & 3]!;
    const expected = dyckVerdicts(word);
    verdicts(net, word).forEach((v, t) => {
      assert.ok(v === 0 || v === 1, `verdict ${v} on ${word.slice(0, t + 1)}`);
      assert.equal(v, expected[t], word.slice(0, t + 1));
    });
  }
});

test('on long random words that nest up to the documented depth 26 every prefix verdict agrees with an explicit stack', () => {
  const net = dyckRecognizer();
  const rng = new Rng(11);
  assert.equal(exactDepth('float64'), 26);
  for (let w = 0; w < 40; w++) {
    const word = randomDyckWord(rng, { length: 3000, maxDepth: 26, errorRate: w % 2 === 0 ? 0 : 0.001 });
    assert.deepEqual(verdicts(net, word), Array.from(dyckVerdicts(word)));
  }
});

test('every stack of depth up to 26 is held exactly: q·4^k equals Σ dᵢ·4^(k−i) for random stacks', () => {
  const net = dyckRecognizer();
  const rng = new Rng(12);
  for (let trial = 0; trial < 200; trial++) {
    const k = 1 + rng.int(26);
    let word = '';
    let expected = 0n;
    for (let i = 0; i < k; i++) {
      const c = rng.uniform() < 0.5 ? '(' : '[';
      word += c;
      expected += (c === '(' ? 1n : 3n) * 4n ** BigInt(i); // push i ends k − i levels down: weight 4^(k − (k − i))
    }
    assert.equal(scaledStack(net, word, k), expected, word);
  }
});

test('in float64 [²⁶]²⁶ is accepted and [²⁷]²⁷ is rejected, its stack rounded to q = 1 by the 27th push', () => {
  const net = dyckRecognizer();
  assert.deepEqual(acceptedAt(net, '['.repeat(26) + ']'.repeat(26)), [52]);
  verdicts(net, '['.repeat(27));
  assert.equal(stackValue(net), 1);
  assert.deepEqual(acceptedAt(net, '['.repeat(27) + ']'.repeat(27)), []);
});

test('in float64 (²⁷)²⁷ is accepted and the 28th ( is lost, so (²⁸)²⁷ is accepted and (²⁸)²⁸ rejected', () => {
  const net = dyckRecognizer();
  assert.deepEqual(acceptedAt(net, '('.repeat(27) + ')'.repeat(27)), [54]);
  verdicts(net, '('.repeat(27));
  const q27 = stackValue(net);
  verdicts(net, '('.repeat(28));
  assert.equal(stackValue(net), q27);
  assert.deepEqual(acceptedAt(net, '('.repeat(28) + ')'.repeat(28)), [55]);
});

test('in float64 ( [²⁶]²⁶ ) loses its bottom ( on the 27th push: the unbalanced prefix of length 53 is accepted, the word rejected', () => {
  const net = dyckRecognizer();
  assert.deepEqual(acceptedAt(net, '(' + '['.repeat(26) + ']'.repeat(26) + ')'), [53]);
  assert.deepEqual(acceptedAt(net, '(' + '['.repeat(25) + ']'.repeat(25) + ')'), [52]);
});

test('in float32 the same network is exact to depth 12 and breaks at depth 13', () => {
  const net = dyckRecognizer({ dtype: 'float32' });
  assert.equal(exactDepth('float32'), 12);
  const rng = new Rng(13);
  for (let w = 0; w < 10; w++) {
    const word = randomDyckWord(rng, { length: 2000, maxDepth: 12 });
    assert.deepEqual(verdicts(net, word), Array.from(dyckVerdicts(word)));
  }
  assert.deepEqual(acceptedAt(net, '['.repeat(13) + ']'.repeat(13)), []);
  assert.deepEqual(acceptedAt(net, '('.repeat(13) + ')'.repeat(13)), [25]);
});
