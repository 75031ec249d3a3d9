/**
 * The `online-rnn` command in a real child process, for the tests of the command line: its exit
 * code, signal, stdout and stderr; and a test-owned temporary folder removed afterwards.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { repoRoot } from './fixtures.js';

export const cli = join(repoRoot, 'dist/src/cli/main.js');

export interface CliRun {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `online-rnn ...args`; `done` resolves when it has exited and its output is read. */
export function startCli(args: readonly string[], options: SpawnOptions = {}): { child: ChildProcess; done: Promise<CliRun>; output(): { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliRun>((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })));
  return { child, done, output: () => ({ stdout, stderr }) };
}

/** `online-rnn ...args` run to its end, synchronously: status, stdout and stderr as text. */
export function runCliSync(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
}

export function runCli(args: readonly string[], options: SpawnOptions = {}): Promise<CliRun> {
  return startCli(args, options).done;
}

/** A fresh folder under the system's temporary one, removed when the test ends. */
export function tempDir(t: TestContext, prefix = 'online-rnn-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** How long a wait may take before it is a hang: far beyond any slow or loaded machine's delay. */
export const PATIENCE_MS = 120_000;

/**
 * Waits for `condition`, polled every `everyMs`: a loaded machine only makes it wait longer. Fails
 * at once when `child` has exited without the condition holding (it can no longer come), and
 * otherwise only after PATIENCE_MS; then it kills `child`, which would outlive the failed test.
 */
export async function until(condition: () => boolean, what: string, options: { child?: ChildProcess; everyMs?: number } = {}): Promise<void> {
  const { child, everyMs = 5 } = options;
  const fail = (why: string): never => {
    child?.kill('SIGKILL');
    throw new Error(why);
  };
  for (const deadline = Date.now() + PATIENCE_MS; !condition(); ) {
    if (child !== undefined && (child.exitCode !== null || child.signalCode !== null) && !condition()) fail(`the process exited (${child.exitCode ?? child.signalCode}) before ${what}`);
    if (Date.now() > deadline) fail(`waited ${PATIENCE_MS / 1000} s for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** One line on stderr starting `online-rnn: error:`, no stack trace. */
export function oneErrorLine(stderr: string): string {
  const lines = stderr.trim().split('\n').filter((l) => !l.startsWith('online-rnn: warning'));
  if (lines.length !== 1 || !lines[0]!.startsWith('online-rnn: error: ')) throw new Error(`expected one error line, got:\n${stderr}`);
  if (/\n\s+at /.test(stderr)) throw new Error(`a stack trace:\n${stderr}`);
  return lines[0]!;
}
