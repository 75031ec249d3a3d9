import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../support/fixtures.js';
import { running } from '../support/processes.js';
import { until } from '../support/cli.js';

const watch = pathToFileURL(join(repoRoot, 'dist/src/sweep/orphan-watch.js')).href;

/**
 * A parent (with no IPC channel to its child, so only the watch can notice) that starts a child
 * and prints its pid; the child idles forever, watching its parent or not, and says 'ready' on
 * the same stdout once it is (a watch started after its parent died would watch the new parent).
 */
async function family(watched: boolean): Promise<{ parent: number; child: number }> {
  const childCode = `${watched ? `import(${JSON.stringify(watch)}).then((m) => { m.exitWhenOrphaned(100); console.log('ready'); });` : "console.log('ready');"} setInterval(() => {}, 1000);`;
  const parentCode = `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(childCode)}], { stdio: ['ignore', 'inherit', 'ignore'] }); console.log(c.pid); setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['-e', parentCode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  parent.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const lines = () => text.split('\n');
  // The two lines come in either order, from two processes.
  await until(() => lines().includes('ready') && lines().some((line) => /^\d+$/.test(line)), 'the child pid and its ready line', { child: parent });
  return { parent: parent.pid!, child: Number(lines().find((line) => /^\d+$/.test(line))) };
}

test('a process watching its parent exits once the parent is SIGKILLed; one that does not watch lives on (Linux /proc)', { skip: process.platform === 'linux' ? false : 'reads /proc' }, async () => {
  const watched = await family(true);
  const unwatched = await family(false);
  process.kill(watched.parent, 'SIGKILL');
  process.kill(unwatched.parent, 'SIGKILL');
  try {
    await until(() => !running(watched.child), `the watching child ${watched.child} to exit after its parent`, { everyMs: 50 });
    assert.ok(running(unwatched.child), 'the control child (no watch) should still be running');
  } finally {
    for (const pid of [watched.child, unwatched.child]) if (running(pid)) process.kill(pid, 'SIGKILL');
  }
});
