/** A real `online-rnn serve` child process on 127.0.0.1 at a free port, for the service tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../support/fixtures.js';

export const CLI = join(repoRoot, 'dist/src/cli/main.js');
export const MODEL_FLAGS = ['--input', '2', '--output', '2', '--cell', 'gru', '--hidden', '4', '--learner', 'uoro', '--lr', '0.01', '--seed', '3'];

export interface HttpChild {
  readonly child: ChildProcess;
  readonly url: string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

/** Starts `serve` over HTTP at port 0 and waits for its address. */
export function startHttp(extra: readonly string[]): Promise<HttpChild> {
  const child = spawn(process.execPath, [CLI, 'serve', ...MODEL_FLAGS, '--port', '0', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match !== null) resolve({ child, url: match[1]!, exited });
    });
    void exited.then((code) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)));
  });
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}
