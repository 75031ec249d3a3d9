/**
 * How a training command ends on a signal, and its exit codes. Ctrl-C (SIGINT) and SIGTERM
 * (what `kill`, systemd, Docker and Slurm send) both stop the runs at their next step, so the
 * curve, the final checkpoint, the report and the summary are written; the first one says so
 * on stderr at once (a step may be slow), a second one quits at once with 128 + the signal.
 */
import type { RunResult } from '../report/comparison.js';
import { reportJobError, runPool, StopSignal, type PoolEvents } from './pool.js';
import type { Job } from './job.js';
import { UsageError } from './errors.js';

/** `train`'s exit code when the run diverged (its loss or estimate stopped being finite). */
export const EXIT_DIVERGED = 3;

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;

export function onStopSignals(stop: StopSignal): { readonly received: string | null; off(): void } {
  let received: string | null = null;
  const handlers = (Object.keys(SIGNAL_NUMBERS) as Array<keyof typeof SIGNAL_NUMBERS>).map((name) => {
    const handler = () => {
      if (stop.stopped) process.exit(128 + SIGNAL_NUMBERS[name]);
      received = name === 'SIGINT' ? 'Ctrl-C' : name;
      stop.stop();
      process.stderr.write(`\nonline-rnn: ${received}: stopping after the current step, then saving (${name === 'SIGINT' ? 'Ctrl-C' : name} again to quit at once)…\n`);
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    get received() {
      return received;
    },
    off() {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}

/**
 * Runs `jobs` on the pool until they end or a signal stops them at their next step; the progress
 * display stops with the pool. A failed job is reported on stderr (reportJobError) and gives null.
 */
export async function runUntilStopped(
  jobs: readonly Job[],
  options: { readonly workers: number; readonly events: PoolEvents; readonly progress: { stop(): void } },
): Promise<{ results: Map<number, RunResult>; stopped: boolean; received: string | null } | null> {
  const stop = new StopSignal();
  const signals = onStopSignals(stop);
  try {
    const results = await runPool(jobs, { workers: options.workers, stop, events: options.events });
    return { results, stopped: stop.stopped, received: signals.received };
  } catch (error) {
    if (reportJobError(error)) return null;
    throw error;
  } finally {
    options.progress.stop();
    signals.off();
  }
}

/** --progress-every: seconds between progress lines when stderr is not a terminal (0: none). */
export function progressEvery(flag: string | undefined): number {
  if (flag === undefined) return 0;
  const seconds = Number(flag);
  if (flag.trim() === '' || !Number.isFinite(seconds) || seconds < 0) throw new UsageError(`--progress-every must be a number of seconds ≥ 0, got '${flag}'`);
  return seconds;
}
