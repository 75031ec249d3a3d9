/**
 * The Task contract: an endless, seeded stream of (input, target) pairs, the task's own
 * metric, and reference lines to read a learning curve against — above all the loss of the
 * best memoryless predictor (a network without recurrence can do that well; anything below it
 * is memory at work).
 *
 * A Task is an immutable description; `stream(rng)` starts one endless stream drawing only
 * from the Rng it is given. The learner's outcome goes back through `observe`, which updates
 * the metric and, for curricula (copy), the stream itself. Core code: no Node imports, so files
 * are read at the edge (the CLI) and handed in as text or numbers.
 */
import type { Vec } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import type { Loss } from '../loss/loss.js';
import type { CellConfig, ModelConfig } from '../model/config.js';
import type { OptimizerConfig } from '../kinds/optimizers.js';
import type { StreamSnapshot } from './snapshot.js';

export interface Sample {
  /** x_t (inputSize numbers): a view valid until the next call of `next`. */
  readonly input: Float64Array;
  /** target_t (loss.targetSize(outputSize) numbers), or null when step t carries no loss. */
  readonly target: Float64Array | null;
  /** True when x_t starts a new episode: the learner's state is reset before it is consumed. */
  readonly reset: boolean;
}

/** What the learner made of the last sample. */
export interface Outcome {
  /** ℓ_t in the loss's own unit, NaN when the sample had no target. */
  readonly loss: number;
  /** ŷ_t (outputSize). */
  readonly prediction: Vec;
  /** θ after the step (the influence task's metric is θ itself). */
  readonly theta: Vec;
}

export interface TaskStream {
  next(): Sample;
  /** Feeds back the outcome of the sample last returned by `next`. */
  observe(outcome: Outcome): void;
  /** The metric's current value (NaN until it is defined). */
  metric(): number;
  /**
   * Everything the stream's future depends on — its Rng's state, the position in the current
   * episode and what it holds, the curriculum, the metric's averages — as JSON. Taken between
   * steps: after `observe`, before the next `next`.
   */
  snapshot(): StreamSnapshot;
  /**
   * Continues from a snapshot of a stream of the same task (its Rng's state is set too). An
   * invalid snapshot is a RangeError naming the field, and leaves the stream as it was.
   */
  restore(snapshot: StreamSnapshot): void;
}

export interface MetricSpec {
  readonly name: string;
  /** Shown after values: 'bits/char', 'steps', … ('' for none). */
  readonly unit: string;
  /** Which way is better; 'target' means closer to the reference on the metric axis. */
  readonly better: 'higher' | 'lower' | 'target';
}

/** A horizontal line on the loss chart or the metric chart. */
export interface Reference {
  readonly axis: 'loss' | 'metric';
  readonly label: string;
  readonly value: number;
}

/** The model a task trains by default: one layer of the paper's cell, with a dense head to the task's outputs. */
export interface TaskModel {
  readonly defaultCell: CellConfig;
  /** A dense head from the cell's output to outputSize. @default true (influence balancing reads s₁ itself) */
  readonly head?: boolean;
  /** Why the model cannot be changed, when it cannot (influence balancing: its metric is the cell's θ). */
  readonly fixed?: string;
}

/** The task's default model config: what `train --task …` trains without model flags. */
export function defaultModel(task: Task): ModelConfig {
  const { defaultCell, head = true } = task.model;
  return { inputSize: task.inputSize, layers: [{ cell: defaultCell, bidirectional: false }], ...(head ? { outputSize: task.outputSize } : {}), dtype: 'float64' };
}

/** The setting of the paper the task follows; every value can be overridden from the CLI. */
export interface PaperSetting {
  readonly optimizer: OptimizerConfig;
  readonly steps: number;
  readonly clip?: number;
  /** Where the setting comes from, one line. */
  readonly source: string;
}

export interface Task {
  readonly kind: string;
  /** One line naming the task and its parameters, e.g. `copy (curriculum from T = 1, threshold 0.15 bits)`. */
  readonly title: string;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly loss: Loss;
  readonly metric: MetricSpec;
  readonly references: readonly Reference[];
  readonly model: TaskModel;
  readonly setting: PaperSetting;
  stream(rng: Rng): TaskStream;
}

export const LN2 = Math.LN2;
