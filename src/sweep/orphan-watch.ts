/**
 * A child process that must not outlive its parent: the sandboxed processor of a `sweep worker`.
 * If the worker is SIGKILLed (or its machine's supervisor kills it alone), an orphaned processor
 * would go on with a run that another worker has already taken over, and the two would write
 * the same run directory.
 *
 * The IPC channel's 'disconnect' event is not enough (it was seen not to arrive: an orphan lived
 * for minutes in CI), and `process.ppid` cannot be polled: Node reads it once and caches it. So
 * the parent is watched directly: on Linux, /proc/self/stat gives the parent's pid as the kernel
 * has it now — when the parent dies the child is re-parented (to init or a subreaper) and the pid
 * changes; elsewhere, signal 0 to the first parent says whether it still exists.
 */
import { readFileSync } from 'node:fs';

/** The kernel's current parent pid (Linux), or null where /proc is not there. */
function currentParent(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Field 4; the command name (field 2) is in parentheses and may hold spaces.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True once the process that started this one has gone. */
export function parentGone(first: number): boolean {
  const now = currentParent();
  return now !== null ? now !== first : !alive(first);
}

/**
 * Calls `onOrphaned` (default: exit 1) once this process's parent has died, checking every
 * `intervalMs`. The timer does not keep the process alive. Returns a function that stops watching.
 */
export function exitWhenOrphaned(intervalMs = 500, onOrphaned: () => void = () => process.exit(1)): () => void {
  const first = currentParent() ?? process.ppid;
  const timer = setInterval(() => {
    if (!parentGone(first)) return;
    clearInterval(timer);
    onOrphaned();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
