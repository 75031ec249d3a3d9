/**
 * A real redis-server for a test: on 127.0.0.1 at a port the OS says is free, in its own
 * temporary directory, with the append-only file on and fsynced at every write, so a server
 * killed and started again on the same directory has lost nothing. Stopped by `stop()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

/** Why the queue tests cannot run here, or null when redis-server is installed. */
export function redisMissing(): string | null {
  const probe = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? null : `${REDIS_SERVER} is not installed (Debian: apt-get install redis-server; .ci/run installs it)`;
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** SIGKILL, as a crash: only what the append-only file holds survives. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * redis-server on `port`, resolved once it logs that it accepts connections (after loading its
 * append-only file), however long that takes; rejected with its log if it exits first.
 */
function launch(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let log = '';
    let ready = false;
    // Both pipes are read to the end, so a chatty server never blocks on a full one.
    const read = (chunk: string) => {
      if (ready) return;
      log += chunk;
      ready = /Ready to accept connections/.test(log);
      if (ready) resolve(child);
    };
    child.stdout!.setEncoding('utf8').on('data', read);
    child.stderr!.setEncoding('utf8').on('data', read);
    child.once('exit', (code, signal) => reject(new Error(`redis-server on port ${port} exited (${code ?? signal}) before accepting connections:\n${log}`)));
  });
}

export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-redis-'));
  let child: ChildProcess | null = null;
  // The OS said the port was free, then it was closed: another process may take it first. Then another port.
  let port = 0;
  for (let attempt = 1; child === null; attempt++) {
    port = await freePort();
    try {
      child = await launch(port, dir);
    } catch (error) {
      if (attempt === 5 || !/Address already in use/.test((error as Error).message)) throw error;
    }
  }
  const exited = () => new Promise<void>((resolve) => (child === null || child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  const kill = async () => {
    child?.kill('SIGKILL');
    await exited();
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    async start() {
      child = await launch(port, dir);
    },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
