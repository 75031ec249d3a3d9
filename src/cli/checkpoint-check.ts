/**
 * A train checkpoint's values held against what the run can hold, before any file is touched.
 * Decoding (checkpoint.ts, run-state.ts) checks types and the restores check lengths and each
 * stream's own ranges; what only the run knows is checked here: values a run of `step` steps
 * cannot have reached (a copy curriculum at level 10^9 after 3,000 steps would allocate
 * gigabytes on its next sequence), and learner scalars that are not finite.
 */
import type { TaskConfig } from '../kinds/tasks.js';
import type { Checkpoint } from '../io/checkpoint.js';
import { FormatError } from '../io/safetensors.js';
import type { RunState } from './run-state.js';

export function checkCheckpointValues(checkpoint: Checkpoint, run: RunState, task: TaskConfig, logEvery: number): void {
  const learnerJson = `${checkpoint.path}/learner.json`;
  const fail = (what: string): never => {
    throw new FormatError(`${learnerJson}: ${what}`);
  };
  const step = checkpoint.step;
  if (run.loop.curve.count >= logEvery) fail(`extra.loop.curve.count ${run.loop.curve.count} must be below the curve's interval ${logEvery}`);
  if (run.loop.curve.count > step) fail(`extra.loop.curve.count ${run.loop.curve.count} is more than the ${step} steps taken`);
  for (const [name, value] of Object.entries(checkpoint.snapshot.values)) {
    if (!Number.isFinite(value)) fail(`the learner's value ${name} is ${value}; a learner's scalars are finite`);
  }
  const optimizer = checkpoint.snapshot.optimizer;
  if (optimizer !== null && optimizer.t > step) fail(`learner.optimizer.t ${optimizer.t} counts more updates than the ${step} steps taken`);
  if (task.kind === 'copy') {
    // The curriculum rises by at most one level a finished sequence, so by at most one a step.
    const start = task.start ?? 1;
    const level = (run.stream.state as { level?: unknown }).level;
    // Below 1 is the stream's own check (its snapshot reader names the field); here, what the run could reach.
    if (typeof level === 'number' && ((level >= 1 && level < start) || level > start + step)) fail(`extra.stream.state.level ${level} is not a level the copy curriculum can reach from T = ${start} in ${step} steps`);
  }
}
