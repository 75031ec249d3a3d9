import { readFileSync } from 'node:fs';

/** True while `pid` runs (Linux /proc; a zombie, dead and not yet reaped, counts as gone). */
export function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
