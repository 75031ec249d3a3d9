import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/fixtures.js';
import { PATIENCE_MS } from '../support/cli.js';

const cli = join(repoRoot, 'dist/src/cli/main.js');
const page = join(repoRoot, 'dist/playground/index.html');

test('`online-rnn playground --port 0` serves the built page on 127.0.0.1 at a free port and prints its address', { timeout: PATIENCE_MS }, async () => {
  const child = spawn(process.execPath, [cli, 'playground', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /playground: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
        if (match !== null) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code} before printing the address: ${output}`)));
    });
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(await response.text(), readFileSync(page, 'utf8'));
    assert.equal((await fetch(new URL('/other', url))).status, 404);
  } finally {
    child.kill('SIGINT');
  }
  const code = await new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
  assert.equal(code, 0, 'Ctrl-C stops the server cleanly');
});

test('a bad --port is a one-line error with exit code 2', () => {
  const result = spawnSync(process.execPath, [cli, 'playground', '--port', 'x'], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.equal(result.stderr, "online-rnn: error: --port must be an integer from 0 to 65535, got 'x'\n");
});
