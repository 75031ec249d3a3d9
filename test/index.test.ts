import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as api from '../src/index.js';
import { repoRoot } from './support/fixtures.js';

test('the package entry re-exports the cells, the model builder and the learners', () => {
  for (const name of ['rnn', 'lstm', 'gru', 'stack', 'createModel', 'bptt', 'tbptt', 'rtrl', 'uoro', 'nbt', 'createLearner', 'adam', 'fromPyTorch', 'Rng']) {
    assert.equal(typeof (api as Record<string, unknown>)[name], 'function', name);
  }
});

test('the core (tensor, cells, model, loss, optim, learners, tasks, stream) imports nothing from Node', () => {
  const core = ['tensor', 'cells', 'model', 'loss', 'optim', 'learners', 'tasks', 'stream'];
  const offenders: string[] = [];
  for (const dir of core) {
    let files: string[] = [];
    try {
      files = readdirSync(join(repoRoot, 'src', dir)).filter((f) => f.endsWith('.ts'));
    } catch {
      continue;
    }
    for (const file of files) {
      const text = readFileSync(join(repoRoot, 'src', dir, file), 'utf8');
      if (/from\s+['"](node:|fs['"]|path['"]|os['"]|worker_threads['"]|child_process['"])/.test(text)) offenders.push(`src/${dir}/${file}`);
    }
  }
  assert.deepEqual(offenders, []);
});
