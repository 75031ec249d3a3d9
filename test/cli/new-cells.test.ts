/** The cells of issue #14 from the command line: `train --cell <kind>` builds, trains with the default learner, and says what it built. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';

const CASES: ReadonlyArray<{ kind: string; flags: string[]; model: RegExp }> = [
  { kind: 'leaky-rnn', flags: ['--alpha', '0.5'], model: /model: +leaky RNN, hidden 8, α = 0\.5/ },
  { kind: 'elstm', flags: [], model: /model: +eLSTM, hidden 8/ },
  { kind: 'lru', flags: ['--r-min', '0.9'], model: /model: +LRU, 8 complex units/ },
];

for (const { kind, flags, model } of CASES) {
  test(`train --cell ${kind} trains the add task with the default learner and names the cell`, async () => {
    const result = await runCli(['train', '--task', 'add', '--cell', kind, '--hidden', '8', ...flags, '--steps', '20']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, model);
    assert.match(result.stdout, /steps: +20 of 20 — completed/);
  });
}

test('a cell flag out of range is one line on stderr and exit code 2', async () => {
  const result = await runCli(['train', '--task', 'add', '--cell', 'leaky-rnn', '--alpha', '1.5', '--steps', '5']);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /alpha must be a number in \(0, 1\]/);
  assert.equal(result.stderr.trim().split('\n').length, 1);
});
