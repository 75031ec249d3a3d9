import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/fixtures.js';

const cli = join(repoRoot, 'dist/src/cli/main.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

test("`online-rnn summary` prints the notes' inventory line for line", () => {
  const result = run('summary', '--cell', 'lstm', '--input', '10', '--hidden', '256', '--layers', '3', '--bidirectional', '--output', '50');
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, readFileSync(join(repoRoot, 'test/fixtures/notes-inventory.txt'), 'utf8'));
});

test('`online-rnn summary --dtype float32` counts 4 bytes a parameter and --json gives the same inventory', () => {
  const text = run('summary', '--cell', 'lstm', '--input', '10', '--hidden', '256', '--layers', '3', '--bidirectional', '--output', '50', '--dtype', 'float32');
  assert.match(text.stdout, /n_params=3722290, bytes=14889160\n$/);
  const json = JSON.parse(run('summary', '--cell', 'lstm', '--input', '10', '--hidden', '256', '--layers', '3', '--bidirectional', '--output', '50', '--json').stdout);
  assert.equal(json.n_params, 3722290);
  assert.equal(json.bytes, 29778320);
  assert.deepEqual(json.inventory[0], { path: ['layers[0]', 'forward_layer', 'kernels', 'i'], shape: [10, 256] });
  assert.equal(json.inventory.length, 74);
});

test('bad summary flags exit with code 2 and a one-line error naming the problem', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--cell', 'transformer', '--input', '3'], /unknown cell 'transformer'/],
    [['--cell', 'gru', '--input', '3', '--peephole'], /--peephole applies to lstm cells, not gru/],
    [['--cell', 'lstm', '--input', '3', '--hidden', '4', '--proj', '4'], /projSize must be smaller than hiddenSize/],
    [['--cell', 'lstm', '--input', '0'], /--input must be ≥ 1/],
    [['--cell', 'lstm', '--input', '3', '--hidden', 'many'], /--hidden must be an integer/],
    [['--cell', 'lstm', '--input', '3', '--frobnicate'], /unknown option '--frobnicate'/],
  ];
  for (const [args, message] of cases) {
    const result = run('summary', ...args);
    assert.equal(result.status, 2, `${args.join(' ')}: exit ${result.status}`);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split('\n').length, 1, `more than one line: ${result.stderr}`);
  }
});
