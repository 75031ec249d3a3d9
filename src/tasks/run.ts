/**
 * Online training: a task's stream into a learner, one timestep at a time. The whole loop is
 * the ten lines of `train`; everything else (curves, progress, files, Ctrl-C) hangs off the
 * typed `onStep` callback, which can also end the run early by returning 'stop'.
 */
import { DivergenceError, type Learner } from '../learners/learner.js';
import type { TaskStream } from './task.js';

/** One step's readings; the object is reused, so copy what you keep. */
export interface StepRecord {
  /** Steps consumed so far (1 for the first). */
  step: number;
  /** ℓ_t, NaN when the step had no target. */
  loss: number;
  /** The task's metric after the step. */
  metric: number;
}

export interface TrainOptions {
  readonly stream: TaskStream;
  readonly learner: Learner;
  /** The step to stop after (counting from the start of the run). */
  readonly steps: number;
  /** Steps already taken (a resumed run): the loop goes on at step `from` + 1. @default 0 */
  readonly from?: number;
  readonly onStep?: (record: Readonly<StepRecord>) => void | 'stop';
}

export type TrainEnd =
  | { readonly kind: 'completed'; readonly steps: number }
  | { readonly kind: 'stopped'; readonly steps: number }
  /** The learner raised DivergenceError at `step`: the loss or the estimate stopped being finite. */
  | { readonly kind: 'diverged'; readonly steps: number; readonly message: string };

export function train({ stream, learner, steps, from = 0, onStep }: TrainOptions): TrainEnd {
  if (!(Number.isInteger(from) && from >= 0 && from <= steps)) throw new RangeError(`train: from must be an integer in [0, steps = ${steps}], got ${from}`);
  const theta = learner.model.theta;
  const record: StepRecord = { step: from, loss: Number.NaN, metric: Number.NaN };
  try {
    for (let t = from + 1; t <= steps; t++) {
      const sample = stream.next();
      if (sample.reset) learner.reset();
      const { loss, prediction } = learner.step(sample.input, sample.target);
      stream.observe({ loss, prediction, theta });
      record.step = t;
      record.loss = loss;
      record.metric = stream.metric();
      if (onStep?.(record) === 'stop') return { kind: 'stopped', steps: t };
    }
  } catch (error) {
    if (error instanceof DivergenceError) return { kind: 'diverged', steps: record.step, message: error.message };
    throw error;
  }
  return { kind: 'completed', steps };
}
