import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COUNTER_MACHINE, counterRecognizer, counterValue, exactCounterLimit, inAnBn } from '../../examples/constructed/counter.js';
import { Recognizer } from '../../examples/constructed/satlin.js';

/** Reads a^n b^(n+1); true when every prefix's verdict is exactly what L says (only a^n b^n is in L). */
function exactOnRun(recognizer: ReturnType<typeof counterRecognizer>, n: number): boolean {
  recognizer.reset();
  let exact = true;
  for (let i = 0; i < n; i++) exact &&= recognizer.read('a') === 0;
  for (let j = 1; j <= n + 1; j++) exact &&= recognizer.read('b') === (j === n ? 1 : 0);
  return exact;
}

test('the counter network is the library cells: a stack of two satlin Elman cells with 119 hand-set weights', () => {
  const { cell } = counterRecognizer();
  assert.equal(cell.kind, 'stack');
  assert.deepEqual(
    cell.layers.map((layer) => [layer.kind, layer.inputSize, layer.outputSize]),
    [
      ['rnn', 2, 9],
      ['rnn', 9, 1],
    ],
  );
  assert.equal(cell.paramSize, 119);
});

test('on every word over {a, b} of length up to 14 each prefix verdict is exactly 0 or 1 and agrees with the definition of aⁿbⁿ', () => {
  const recognizer = counterRecognizer();
  const length = 14;
  for (let bits = 0; bits < 1 << length; bits++) {
    let word = '';
    recognizer.reset();
    for (let t = 0; t < length; t++) {
      const symbol = (bits >> t) & 1 ? 'b' : 'a';
      word += symbol;
      const verdict = recognizer.read(symbol);
      assert.ok(verdict === 0 || verdict === 1, `verdict ${verdict} on ${word}`);
      assert.equal(verdict === 1, inAnBn(word), word);
    }
  }
});

test('in float64 the counter is exactly 2^-n after n a\'s for every n up to 1074 and 0 after 1075', () => {
  const recognizer = counterRecognizer();
  for (let n = 1; n <= 1075; n++) {
    recognizer.read('a');
    assert.equal(counterValue(recognizer), n <= 1074 ? 2 ** -n : 0, `n = ${n}`);
  }
});

test('in float64 the network accepts aⁿbⁿ and rejects every other prefix of aⁿbⁿ⁺¹ for every n up to the documented 1074', () => {
  const recognizer = counterRecognizer();
  assert.equal(exactCounterLimit('float64'), 1074);
  for (let n = 1; n <= 1074; n++) assert.ok(exactOnRun(recognizer, n), `n = ${n}`);
});

test('in float64 the network first fails at n = 1075, where it rejects a¹⁰⁷⁵b¹⁰⁷⁵ and every longer aⁿbⁿ', () => {
  const recognizer = counterRecognizer();
  assert.equal(exactOnRun(recognizer, 1075), false);
  for (const n of [1075, 1076, 2000]) assert.equal(recognizer.accepts('a'.repeat(n) + 'b'.repeat(n)), false, `n = ${n}`);
});

test('in float32 the same network is exact up to n = 149 and first fails at n = 150', () => {
  const recognizer = counterRecognizer({ dtype: 'float32' });
  assert.equal(exactCounterLimit('float32'), 149);
  for (let n = 1; n <= 149; n++) assert.ok(exactOnRun(recognizer, n), `n = ${n}`);
  assert.equal(exactOnRun(recognizer, 150), false);
  assert.equal(recognizer.accepts('a'.repeat(150) + 'b'.repeat(150)), false);
});

test('the documented limits are where 2^-n stops being representable: 2^-1074 and 2^-149 are the smallest positive float64 and float32', () => {
  assert.equal(Number.MIN_VALUE, 2 ** -1074);
  assert.equal(2 ** -1074 / 2, 0);
  assert.equal(Math.fround(2 ** -149), 2 ** -149);
  assert.equal(Math.fround(2 ** -150), 0);
});

test('the counter does not depend on the order of summation: listing the units in reverse gives the same verdicts and the same limit', () => {
  const reversed = new Recognizer({
    machine: { ...COUNTER_MACHINE, units: [...COUNTER_MACHINE.units].reverse() },
    verdict: { input: { push: 2, pop: 2, init: 2, dead: -1, aAfterB: -1, popEmpty: -1, bFirst: -1 }, bias: -1 },
  });
  for (const n of [1, 2, 3, 500, 1073, 1074]) assert.ok(exactOnRun(reversed, n), `n = ${n}`);
  assert.equal(exactOnRun(reversed, 1075), false);
});
