import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rnn } from '../../src/cells/rnn.js';
import { leaky } from '../../src/cells/leaky.js';
import { stack } from '../../src/model/stack.js';
import { parseCell, buildCell } from '../../src/kinds/cells.js';
import { capabilitiesOf } from '../../src/kinds/support.js';
import { checkCell, evaluate, randomPoint } from '../support/cell-harness.js';
import { Rng, maxAbsDiff } from '../support/numeric.js';

checkCell('leaky rnn tanh, α = 0.5', () => leaky(rnn({ inputSize: 3, hiddenSize: 4 }), 0.5), { float32: () => leaky(rnn({ inputSize: 3, hiddenSize: 4, dtype: 'float32' }), 0.5) });
checkCell('leaky rnn relu without bias, α = 0.2', () => leaky(rnn({ inputSize: 2, hiddenSize: 3, nonlinearity: 'relu', bias: false }), 0.2), { seed: 2 });
checkCell('stack of two leaky rnns (α = 0.5, 0.9)', () => stack([leaky(rnn({ inputSize: 2, hiddenSize: 3 }), 0.5), leaky(rnn({ inputSize: 3, hiddenSize: 2 }), 0.9)]), { exactInfluenceNorms: false });

test('a leaky rnn with α = 1 is the rnn, bit for bit', () => {
  const inner = rnn({ inputSize: 3, hiddenSize: 4 });
  const p = randomPoint(inner, 2, new Rng(5));
  assert.equal(maxAbsDiff(evaluate(leaky(inner, 1), p.theta, p.x, p.s, 2), evaluate(inner, p.theta, p.x, p.s, 2)), 0);
});

test('a leaky rnn moves its state a fraction α of the way to the rnn’s: a′ = (1 − α)·a + α·φ(W_rec·a + W_in·x + b)', () => {
  const inner = rnn({ inputSize: 3, hiddenSize: 4 });
  const p = randomPoint(inner, 1, new Rng(6));
  const target = evaluate(inner, p.theta, p.x, p.s, 1);
  const moved = evaluate(leaky(inner, 0.25), p.theta, p.x, p.s, 1);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(moved[i]! - (0.75 * p.s[i]! + 0.25 * target[i]!)) < 1e-15);
});

test('the leak α must be in (0, 1], checked once where the config is read and where the cell is built', () => {
  for (const alpha of [0, -0.5, 1.5, Number.NaN, '0.5']) {
    assert.throws(() => parseCell({ kind: 'leaky-rnn', hiddenSize: 4, alpha }, 'cell'), /cell\.alpha must be a number in \(0, 1\]/);
    assert.throws(() => leaky(rnn({ inputSize: 1, hiddenSize: 1 }), alpha as number), /alpha must be a number in \(0, 1\]/);
  }
  assert.throws(() => parseCell({ kind: 'leaky-rnn', hiddenSize: 4, peephole: true }, 'cell'), /unknown option 'peephole'/);
});

test('the leaky-rnn kind reads the rnn’s options plus alpha, builds a cell exposing its leak, and offers the rnn’s capabilities plus the leak for one layer only', () => {
  const config = parseCell({ kind: 'leaky-rnn', hiddenSize: 4, nonlinearity: 'relu', alpha: 0.5 }, 'cell');
  assert.deepEqual(config, { kind: 'leaky-rnn', hiddenSize: 4, nonlinearity: 'relu', alpha: 0.5 });
  const cell = buildCell(config, 3, 'float64');
  assert.equal(cell.kind, 'leaky-rnn');
  const rate = (c: typeof cell) => {
    const out = new Float64Array(c.stateSize);
    c.leakRate!(out);
    return [...out];
  };
  assert.deepEqual(rate(cell), [0.5, 0.5, 0.5, 0.5]);
  assert.deepEqual(rate(buildCell({ kind: 'leaky-rnn', hiddenSize: 2 }, 3, 'float64')), [0.5, 0.5], 'Marschall et al.’s α by default');
  assert.deepEqual(cell.inventory(), rnn({ inputSize: 3, hiddenSize: 4 }).inventory());
  assert.deepEqual([...capabilitiesOf([{ cell: config }])].sort(), ['kroneckerInfluence', 'leak', 'structuredInfluence']);
  assert.deepEqual([...capabilitiesOf([{ cell: config }, { cell: config }])], ['structuredInfluence']);
});
