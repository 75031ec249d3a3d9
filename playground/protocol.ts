/** The messages between the page and a learner's worker. */
import type { StreamSpec } from './settings.js';

export interface LearnerSetup {
  readonly stream: StreamSpec;
  readonly cell: 'rnn' | 'lstm' | 'gru';
  readonly hidden: number;
  readonly layers: number;
  /** `kind[:option=value…][:lr=R]`, the CLI's syntax. */
  readonly learner: string;
  readonly seed: number;
}

export type ToWorker =
  | { readonly type: 'start'; readonly setup: LearnerSetup }
  | { readonly type: 'run' }
  | { readonly type: 'pause' }
  /** Runs n steps, then pauses. */
  | { readonly type: 'step'; readonly n: number }
  /** From stream step `at` on (or now, if already past it), the stream is `stream`. */
  | { readonly type: 'drift'; readonly at: number; readonly stream: StreamSpec }
  | { readonly type: 'save'; readonly what: 'checkpoint' | 'model' }
  /** Continues from a checkpoint archive (encodeCheckpointArchive's bytes). */
  | { readonly type: 'open'; readonly bytes: Uint8Array; readonly name: string };

export interface Progress {
  readonly type: 'progress';
  readonly step: number;
  /** Prequential loss: the mean test-then-train loss of each block of BLOCK steps, at the block's last step. */
  readonly blocks: { readonly step: number[]; readonly loss: number[] };
  /** The most recent predictions and targets (output 0; for a categorical loss, the probability given to the target). */
  readonly recent: { readonly step: number[]; readonly prediction: number[]; readonly target: number[] };
  readonly stepsPerSecond: number;
  readonly stateBytes: number;
  readonly paramCount: number;
  readonly running: boolean;
  readonly streamTitle: string;
  readonly categorical: boolean;
}

export type FromWorker =
  | { readonly type: 'ready'; readonly title: string; readonly model: string; readonly categorical: boolean }
  | Progress
  | { readonly type: 'saved'; readonly what: 'checkpoint' | 'model'; readonly bytes: Uint8Array; readonly step: number }
  | { readonly type: 'opened'; readonly step: number; readonly setup: LearnerSetup; readonly name: string }
  | { readonly type: 'error'; readonly message: string };

/** Steps per point of the prequential loss curve. */
export const BLOCK = 100;
/** Predictions kept for the predictions-vs-targets chart. */
export const RECENT = 160;
