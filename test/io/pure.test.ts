import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/fixtures.js';

const PURE = ['safetensors.ts', 'model-format.ts', 'pytorch.ts', 'pytorch-safetensors.ts', 'tfjs.ts', 'tfjs-export.ts', 'tfjs-manifest.ts', 'run.ts'];

test('the format modules (bytes in, bytes out) import nothing from Node, so browsers can use them', () => {
  const offenders = PURE.filter((file) => {
    const text = readFileSync(join(repoRoot, 'src/io', file), 'utf8');
    const imports = [...text.matchAll(/from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!);
    return imports.some((name) => !name.startsWith('.')) || imports.some((name) => /files|load|model-files|checkpoint/.test(name));
  });
  assert.deepEqual(offenders, []);
});
