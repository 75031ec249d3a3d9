/**
 * Drifting streams: a task that switches to another at given steps — the `add` task whose lags
 * change mid-stream, a Mackey–Glass series whose delay τ changes, two CSV files one after the
 * other. Phase k draws from its own task's stream (each seeded from the caller's Rng), so the
 * concept, and only the concept, changes at the switch. The metric is the current phase's.
 */
import { SnapshotReader, type SnapshotValue, type StreamSnapshot } from '../tasks/snapshot.js';
import type { Outcome, Sample, Task, TaskStream } from '../tasks/task.js';

/** `phases[0]` until step `switchAt[0]`, then `phases[1]` until `switchAt[1]`, … (steps counted from 0). */
export function switchingTask(phases: readonly Task[], switchAt: readonly number[]): Task {
  if (phases.length < 2 || switchAt.length !== phases.length - 1) throw new RangeError(`switching task: give k ≥ 2 tasks and k − 1 switch steps, got ${phases.length} and ${switchAt.length}`);
  switchAt.forEach((step, k) => {
    if (!Number.isInteger(step) || step < 1 || (k > 0 && step <= switchAt[k - 1]!)) throw new RangeError(`switching task: switch steps must be increasing positive integers, got ${switchAt.join(', ')}`);
  });
  const first = phases[0]!;
  for (const phase of phases) {
    if (phase.inputSize !== first.inputSize || phase.outputSize !== first.outputSize || phase.loss !== first.loss) {
      throw new RangeError(`switching task: every phase needs the same input size, output size and loss (${first.title} vs ${phase.title})`);
    }
  }
  return {
    ...first,
    kind: 'switching',
    title: `${phases.map((p) => p.title).join(' → ')} (switching at step ${switchAt.join(', ')})`,
    references: [],
    stream: (rng) => new SwitchingStream(phases.map((phase) => phase.stream(rng.split())), switchAt),
  };
}

class SwitchingStream implements TaskStream {
  private step = 0;
  private phase = 0;

  constructor(
    private readonly streams: readonly TaskStream[],
    private readonly switchAt: readonly number[],
  ) {}

  next(): Sample {
    while (this.phase < this.switchAt.length && this.step >= this.switchAt[this.phase]!) this.phase++;
    this.step++;
    return this.streams[this.phase]!.next();
  }

  observe(outcome: Outcome): void {
    this.streams[this.phase]!.observe(outcome);
  }

  metric(): number {
    return this.streams[this.phase]!.metric();
  }

  snapshot(): StreamSnapshot {
    return { task: 'switching', state: { step: this.step, phase: this.phase, streams: this.streams.map((s) => s.snapshot() as unknown as SnapshotValue) } };
  }

  restore(snapshot: StreamSnapshot): void {
    const r = SnapshotReader.of(snapshot, 'switching');
    const step = r.integer('step', 0, Number.MAX_SAFE_INTEGER);
    const phase = r.integer('phase', 0, this.streams.length - 1);
    const saved = (snapshot.state.streams ?? []) as unknown as StreamSnapshot[];
    if (!Array.isArray(saved) || saved.length !== this.streams.length) throw new RangeError(`switching snapshot: streams must hold ${this.streams.length} snapshots`);
    this.streams.forEach((stream, k) => stream.restore(saved[k]!));
    this.step = step;
    this.phase = phase;
  }
}
