import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, MODEL_FLAGS } from './child.js';
import { createModel } from '../../src/model/config.js';
import { StreamService } from '../../src/serve/service.js';
import { parseLine } from '../../src/serve/events.js';

const CONFIG = { learner: { kind: 'uoro' as const }, optimizer: { kind: 'adam' as const, lr: 0.01 }, loss: 'mse' as const, seed: 3 };

function serveLines(lines: readonly string[], extra: readonly string[] = []): { replies: Array<Record<string, unknown>>; status: number | null } {
  const result = spawnSync(process.execPath, [CLI, 'serve', '--jsonl', ...MODEL_FLAGS, ...extra], { input: lines.join('\n') + '\n', encoding: 'utf8' });
  return { replies: result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>), status: result.status };
}

test('serve --jsonl answers one line per input line, in order, names each bad line\'s problem and keeps going', () => {
  const lines = [
    '{"id": "a", "x": [0.5, -1], "y": [0.1, 0.2]}',
    '{"id": "b", "x": [0.3, 0.2]}',
    'not json',
    '{"id": 7, "x": [1]}',
    '{"id": 8, "x": [1, NaN]}',
    '{"id": 9, "x": [1, 1e999]}',
    '{"id": "zz", "y": [1, 1]}',
    '{"id": "b", "y": [0.0, 0.4]}',
    '{"id": 10, "x": [1, 2], "colour": "red"}',
    '{"id": "c", "x": [0.1, 0.1], "y": [0, 0]}',
  ];
  const { replies, status } = serveLines(lines);
  assert.equal(status, 0);
  assert.equal(replies.length, lines.length);
  assert.deepEqual(replies.map((r) => Object.keys(r).sort().join(',')), ['id,loss,prediction', 'id,prediction', 'error,id', 'error,id', 'error,id', 'error,id', 'error,id', 'id,loss', 'error,id', 'id,loss,prediction']);
  assert.match(String(replies[2]!.error), /malformed JSON/);
  assert.match(String(replies[3]!.error), /"x" must have 2 numbers, got 1/);
  assert.match(String(replies[5]!.error), /finite/);
  assert.match(String(replies[6]!.error), /no prediction with id "zz"/);
  assert.match(String(replies[8]!.error), /unknown field "colour"/);
  // The same accepted lines in-process give the same replies, bit for bit.
  const { service } = StreamService.open(createModel({ inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 4 } }], outputSize: 2, dtype: 'float64' }, { seed: 3 }), CONFIG, null);
  for (const k of [0, 1, 7, 9]) assert.deepEqual(service.apply(parseLine(JSON.parse(lines[k]!), { inputSize: 2, targetSize: 2 })), replies[k]);
});

test('serve --jsonl --state continues across restarts exactly as one uninterrupted process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-jsonl-'));
  try {
    const lines = Array.from({ length: 12 }, (_, t) => JSON.stringify({ id: t, x: [Math.sin(t), Math.cos(t)], y: [Math.sin(t + 1), 0.5] }));
    const pending = ['{"id": "p", "x": [0.2, 0.1]}', '{"id": "p", "y": [0.3, 0.3]}'];
    const all = serveLines([...lines.slice(0, 6), pending[0]!, ...lines.slice(6), pending[1]!]).replies;
    const first = serveLines([...lines.slice(0, 6), pending[0]!], ['--state', dir, '--checkpoint-every', '4']).replies;
    const second = serveLines([...lines.slice(6), pending[1]!], ['--state', dir, '--checkpoint-every', '4']).replies;
    assert.deepEqual([...first, ...second], all);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
