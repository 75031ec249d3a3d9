import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/rng.js';
import { csvColumn } from '../../src/tasks/csv.js';
import { mackeyGlass } from '../../src/tasks/mackey-glass.js';
import { memorylessMse, seriesTask } from '../../src/tasks/series.js';

test('csvColumn reads the named column, with quoted fields and CRLF line ends', () => {
  const text = 'date,"price, usd",volume\r\n2024-01-01,"1.5",10\r\n2024-01-02,2.25,"20"\r\n\r\n';
  assert.deepEqual(Array.from(csvColumn(text, 'price, usd')), [1.5, 2.25]);
  assert.deepEqual(Array.from(csvColumn(text, 'volume')), [10, 20]);
  assert.deepEqual(Array.from(csvColumn('x\n1\n2\n3\n')), [1, 2, 3], 'a single column needs no name');
});

test('csvColumn names the problem: a missing column, a non-number, an empty file, an unnamed column among several', () => {
  const text = 'a,b\n1,2\n3,oops\n';
  assert.throws(() => csvColumn(text, 'c', 'prices.csv'), /prices.csv has no column 'c' \(columns: a, b\)/);
  assert.throws(() => csvColumn(text, 'b', 'prices.csv'), /prices.csv row 3, column 'b': 'oops' is not a finite number/);
  assert.throws(() => csvColumn('a,b\n1,\n', 'b'), /row 2, column 'b': '' is not a finite number/);
  assert.throws(() => csvColumn('', 'a', 'empty.csv'), /empty.csv is empty/);
  assert.throws(() => csvColumn('a\n', 'a', 'h.csv'), /h.csv has a header but no rows/);
  assert.throws(() => csvColumn(text), /has 2 columns \(a, b\): name one with --column/);
  assert.throws(() => csvColumn('a\n"1\n', 'a'), /quoted field .* never closed/);
});

test('a CSV series is predicted one value ahead, standardised online by the mean and std of the values seen so far, each pass an episode, never across the wrap', () => {
  const values = [10, 12, 11, 15, 13];
  const task = seriesTask({ kind: 'values', name: 'five', values });
  const stream = task.stream(new Rng(1));
  const seen: number[] = [];
  const pairs: string[] = [];
  for (let t = 0; t < 8; t++) {
    const { input, target, reset } = stream.next();
    const x = values[t % 4]!;
    seen.push(x); // x(t) is known at step t; x(t + 1) is not
    const mean = seen.reduce((s, v) => s + v, 0) / seen.length;
    const variance = seen.reduce((s, v) => s + (v - mean) ** 2, 0) / seen.length;
    const std = variance > 0 ? Math.sqrt(variance) : 1;
    assert.ok(Math.abs(input[0]! - (x - mean) / std) < 1e-12, `input at ${t}`);
    const raw = (z: number) => Math.round(z * std + mean);
    pairs.push(`${reset ? '|' : ''}${raw(input[0]!)}→${raw(target![0]!)}`);
    stream.observe({ loss: 0, prediction: target!, theta: new Float64Array(0) });
  }
  assert.deepEqual(pairs, ['|10→12', '12→11', '11→15', '15→13', '|10→12', '12→11', '11→15', '15→13']);
  assert.equal(stream.metric(), 0);
  assert.throws(() => seriesTask({ kind: 'values', name: 'flat', values: [1, 1, 1] }), /all 3 values are equal/);
  assert.throws(() => seriesTask({ kind: 'values', name: 'short', values: [1, 2] }), /needs at least 3 values/);
});

test('a table series takes several columns as inputs and others as targets, and its metric is the RMSE in the targets\' units', () => {
  // Columns a, b, c; inputs a and b, target c one row ahead.
  const rows = [
    [1, 10, 100],
    [2, 30, 90],
    [4, 20, 95],
    [3, 40, 80],
  ];
  const task = seriesTask({ kind: 'table', name: 't', columns: ['a', 'b', 'c'], values: rows.flat(), inputs: [0, 1], targets: [2] });
  assert.equal(task.inputSize, 2);
  assert.equal(task.outputSize, 1);
  const stream = task.stream(new Rng(1));
  const first = stream.next();
  assert.deepEqual(Array.from(first.input), [0, 0], 'one row seen: centred, not yet scaled');
  assert.equal(first.target![0], 90 - 100);
  stream.observe({ loss: 0, prediction: Float64Array.of(-10 + 2), theta: new Float64Array(0) });
  assert.equal(stream.metric(), 2, 'an error of 2 in c\'s units');
  assert.throws(() => seriesTask({ kind: 'table', name: 't', columns: ['a', 'b'], values: [1, 2, 3], inputs: [0], targets: [1] }), /do not fill rows of 2 columns/);
  assert.throws(() => seriesTask({ kind: 'table', name: 't', columns: ['a', 'b'], values: [1, 2, 3, 4, 5, 6], inputs: [], targets: [1] }), /at least one of the columns as inputs/);
});

test('Mackey–Glass is deterministic per seed, stays in its attractor and differs across seeds', () => {
  const draw = (seed: number) => {
    const { read } = mackeyGlass(new Rng(seed));
    return Array.from({ length: 2000 }, read);
  };
  const a = draw(1);
  assert.deepEqual(a, draw(1));
  assert.notDeepEqual(a, draw(2));
  assert.ok(Math.min(...a) > 0.2 && Math.max(...a) < 1.5, `${Math.min(...a)} … ${Math.max(...a)}`);
});

test('the memoryless reference is near 0 for a map x(t+1) = f(x(t)) and near 1 for white noise', () => {
  const logistic = new Float64Array(5000);
  logistic[0] = 0.3;
  for (let t = 1; t < logistic.length; t++) logistic[t] = 3.9 * logistic[t - 1]! * (1 - logistic[t - 1]!);
  const z = (xs: Float64Array) => {
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    return xs.map((x) => (x - mean) / std);
  };
  assert.ok(memorylessMse(z(logistic)) < 0.02);
  const rng = new Rng(3);
  const noise = Float64Array.from({ length: 5000 }, () => rng.normal());
  assert.ok(Math.abs(memorylessMse(z(noise)) - 1) < 0.05);
  const mg = seriesTask({ kind: 'mackeyGlass' });
  const reference = mg.references[0]!.value;
  assert.ok(reference > 0 && reference < 0.2, `${reference}`);
});
