/**
 * Influence balancing as a task (Tallec & Ollivier 2018), on the influence-balancing Cell
 * of cells/influence.ts: the model is fixed — 23 linear units and one parameter θ, started at
 * θ0 = 0.5 with s(0) = 1 — and the stream is a constant: x = 0, target s₁ = 1 at every step,
 * loss ½(s₁ − 1)², never an episode boundary. The metric is θ itself; unbiased learners (RTRL,
 * UORO, NoBackTrack) bring it to θ* = −1/6, truncated BPTT with k2 ≤ 40 pushes it away without
 * bound. There is no memoryless reference: the task has no input to predict from, and the loss
 * at θ* tends to 0.
 */
import { squaredError } from '../loss/loss.js';
import { INFLUENCE_OPTIMUM, INFLUENCE_TARGET, INFLUENCE_THETA0 } from '../cells/influence.js';
import { SnapshotReader, exact, type StreamSnapshot } from './snapshot.js';
import type { Outcome, Sample, Task, TaskStream } from './task.js';

export function influenceTask(): Task {
  return {
    kind: 'influence',
    title: 'influence balancing (23 linear units; θ pushes s₁ up at first and down in the long run; θ* = −1/6)',
    inputSize: 1,
    outputSize: 1,
    loss: squaredError,
    metric: { name: 'θ', unit: '', better: 'target' },
    references: [{ axis: 'metric', label: 'θ* = −1/6', value: INFLUENCE_OPTIMUM }],
    // θ0 and s(0) are the cell's own (its initParams and its spec's initialState); no head: y = s₁.
    model: { defaultCell: { kind: 'influence' }, head: false, fixed: 'its metric is θ, the influence-balancing cell’s one parameter' },
    setting: { optimizer: { kind: 'sgd', lr: 1e-4 }, steps: 20_000, source: 'Tallec & Ollivier (ICLR 2018), influence balancing: plain SGD, TBPTT updating every step' },
    stream: () => new InfluenceStream(),
  };
}

class InfluenceStream implements TaskStream {
  private readonly input = new Float64Array([0]);
  private readonly target = new Float64Array([INFLUENCE_TARGET]);
  private theta = INFLUENCE_THETA0;

  next(): Sample {
    return { input: this.input, target: this.target, reset: false };
  }

  observe(outcome: Outcome): void {
    this.theta = outcome.theta[0]!;
  }

  metric(): number {
    return this.theta;
  }

  /** The samples never change: the metric (the last θ seen) is all there is to keep. */
  snapshot(): StreamSnapshot {
    return { task: 'influence', state: { theta: exact(this.theta) } };
  }

  restore(snapshot: StreamSnapshot): void {
    this.theta = SnapshotReader.of(snapshot, 'influence').number('theta');
  }
}
