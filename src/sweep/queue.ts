/**
 * The sweep's queue on Redis, through BullMQ: a producer adds one job per run (job id = run
 * id, so adding a run twice adds nothing), workers on any machine take them.
 *
 * Connections are bounded where a person waits: the first contact with Redis is tried a few
 * times within seconds and then reported as one line (a mistyped host never hangs a command).
 * A worker that is up keeps retrying forever, so it rides out a Redis restart.
 *
 * The producer's version is kept beside the queue (`bull:<name>:online-rnn`); a worker of
 * another version refuses to start, and every job carries the version too.
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { UsageError } from '../cli/errors.js';
import type { Job } from '../cli/job.js';
import type { SweepRun } from './run-config.js';

export interface QueueAddress {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  readonly name: string;
  /** The URL as given, without a password. */
  readonly text: string;
}

/** `redis://[user:password@]HOST:PORT[/DB]`. */
export function parseQueueAddress(url: string, name: string): QueueAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--queue must be a URL redis://HOST:PORT[/DB], got '${url}'`);
  }
  if (parsed.protocol !== 'redis:') throw new UsageError(`--queue must start with redis://, got '${url}'`);
  const path = parsed.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d+$/.test(path)) throw new UsageError(`--queue ${url}: the path must be a database number (name the queue with --name)`);
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new UsageError(`--name must be letters, digits, '_', '.' or '-', got '${name}'`);
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  return {
    host: parsed.hostname,
    port,
    db: path === '' ? 0 : Number(path),
    ...(parsed.username !== '' ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password !== '' ? { password: decodeURIComponent(parsed.password) } : {}),
    name,
    text: `redis://${parsed.hostname}:${port}/${path === '' ? 0 : path}`,
  };
}

/** Where Redis is and who we are to it, as ioredis takes it. */
function serverOf(address: QueueAddress) {
  return {
    host: address.host,
    port: address.port,
    db: address.db,
    ...(address.username !== undefined ? { username: address.username } : {}),
    ...(address.password !== undefined ? { password: address.password } : {}),
  };
}

/** BullMQ's connection for a long-lived client: commands wait for Redis to come back, retried every ≤ 2 s. */
export function connectionOf(address: QueueAddress): ConnectionOptions {
  return {
    ...serverOf(address),
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
  };
}

const ATTEMPTS = 3;
const ATTEMPT_TIMEOUT_MS = 1500;

/** A client that has answered PING, or a UsageError after ATTEMPTS tries (about 5 s at most). */
export async function reachRedis(address: QueueAddress): Promise<Redis> {
  let last = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    last = '';
    const client = new Redis({
      ...serverOf(address),
      lazyConnect: true,
      connectTimeout: ATTEMPT_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    // The socket's error says why (ECONNREFUSED, ENOTFOUND…); connect() only says it closed.
    client.on('error', (error: Error) => (last = error.message));
    try {
      await client.connect();
      await client.ping();
      return client;
    } catch (error) {
      if (last === '') last = (error as Error).message;
      client.disconnect();
    }
    if (attempt < ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
  throw new UsageError(`cannot reach Redis at ${address.text} after ${ATTEMPTS} attempts: ${last}`);
}

function versionKey(address: QueueAddress): string {
  return `bull:${address.name}:online-rnn`;
}

/** Records the producer's version beside the queue; refuses a queue filled by another version. */
export async function claimVersion(client: Redis, address: QueueAddress, version: string): Promise<void> {
  await client.set(versionKey(address), version, 'NX');
  const stored = await client.get(versionKey(address));
  if (stored !== version) throw new UsageError(`queue '${address.name}' at ${address.text} holds runs of online-rnn ${stored}; this is ${version} (empty the queue or use another --name)`);
}

/** A worker of another version than the producer's is refused, naming both. */
export async function checkWorkerVersion(client: Redis, address: QueueAddress, version: string): Promise<void> {
  const stored = await client.get(versionKey(address));
  if (stored !== null && stored !== version) throw new UsageError(`queue '${address.name}' at ${address.text} was filled by online-rnn ${stored}; this worker is online-rnn ${version}: refused (run a worker of the producer's version)`);
}

/** What a queued job carries: everything a worker needs without the spec file. */
export interface QueuedRun {
  readonly version: string;
  readonly run: Omit<SweepRun, 'job'> & { readonly job: Job };
}

export interface Enqueued {
  readonly added: number;
  readonly present: number;
}

export async function enqueueRuns(address: QueueAddress, runs: readonly SweepRun[], version: string): Promise<Enqueued> {
  const queue = new Queue<QueuedRun>(address.name, { connection: connectionOf(address) });
  try {
    let present = 0;
    const fresh: SweepRun[] = [];
    for (const run of runs) {
      if ((await queue.getJob(run.id)) !== undefined) present++;
      else fresh.push(run);
    }
    await queue.addBulk(
      fresh.map((run) => ({
        name: run.job.label,
        data: { version, run },
        opts: { jobId: run.id, attempts: 3, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: false, removeOnFail: false },
      })),
    );
    return { added: fresh.length, present };
  } finally {
    await queue.close();
  }
}

export interface QueueStatus {
  readonly waiting: number;
  readonly active: number;
  readonly done: number;
  readonly failed: number;
}

export async function queueStatus(address: QueueAddress): Promise<QueueStatus> {
  const queue = new Queue(address.name, { connection: connectionOf(address) });
  try {
    const c = await queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed');
    return { waiting: (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, done: c.completed ?? 0, failed: c.failed ?? 0 };
  } finally {
    await queue.close();
  }
}
