import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../support/fixtures.js';
import { running } from '../support/processes.js';

const watch = pathToFileURL(join(repoRoot, 'dist/src/sweep/orphan-watch.js')).href;

/**
 * A parent (with no IPC channel to its child, so only the watch can notice) that starts a child
 * and prints its pid; the child idles forever, watching its parent or not.
 */
async function family(watched: boolean): Promise<{ parent: number; child: number }> {
  const childCode = `${watched ? `import(${JSON.stringify(watch)}).then((m) => m.exitWhenOrphaned(100));` : ''} setInterval(() => {}, 1000);`;
  const parentCode = `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(childCode)}], { stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['-e', parentCode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const child = await new Promise<number>((resolve) => parent.stdout.setEncoding('utf8').once('data', (line: string) => resolve(Number(line.trim()))));
  return { parent: parent.pid!, child };
}

async function gone(pid: number, seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  while (running(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

test('a process watching its parent exits once the parent is SIGKILLed; one that does not watch lives on (Linux /proc)', { skip: process.platform === 'linux' ? false : 'reads /proc' }, async () => {
  const watched = await family(true);
  const unwatched = await family(false);
  // Let the watched child load the module and start its timer.
  await new Promise((r) => setTimeout(r, 1000));
  process.kill(watched.parent, 'SIGKILL');
  process.kill(unwatched.parent, 'SIGKILL');
  try {
    assert.ok(await gone(watched.child, 10), `the watching child ${watched.child} outlived its parent by 10 s`);
    assert.ok(running(unwatched.child), 'the control child (no watch) should still be running');
  } finally {
    for (const pid of [watched.child, unwatched.child]) if (running(pid)) process.kill(pid, 'SIGKILL');
  }
});
