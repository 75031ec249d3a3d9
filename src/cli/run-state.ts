/**
 * What a `train` checkpoint keeps beside the model and the learner — its `extra`: the run's
 * settings, the task stream's snapshot and the training loop's state, everything a resumed run
 * needs to go on as if it had never stopped. Written in the worker thread, read (and checked
 * field by field, as an untrusted file) in the main one.
 */
import type { JsonValue } from '../io/checkpoint.js';
import { FormatError } from '../io/safetensors.js';
import { exact, fromExact, type StreamSnapshot } from '../tasks/snapshot.js';

export const RUN_STATE_FORMAT = 'online-rnn/train-run';
export const RUN_STATE_VERSION = 1;

/** Where the training loop stood, beyond the learner and the stream. */
export interface LoopState {
  /** Steps taken. */
  readonly step: number;
  /** The curve's unfinished interval: its losses' sum and count (CurveRecorder.pending). */
  readonly curve: { readonly sum: number; readonly count: number };
  /** The last loss seen (NaN before the first) and the metric, for the progress bar and the summary. */
  readonly latest: { readonly loss: number; readonly metric: number };
  /** Seconds trained so far: metrics.jsonl's time goes on from there. */
  readonly seconds: number;
}

export interface RunState {
  /** The run's settings as its config.json records them (task, model, learner, …). */
  readonly settings: { readonly [key: string]: JsonValue };
  readonly stream: StreamSnapshot;
  readonly loop: LoopState;
}

export function encodeRunState(state: RunState): JsonValue {
  const { loop } = state;
  return {
    format: RUN_STATE_FORMAT,
    version: RUN_STATE_VERSION,
    settings: state.settings,
    stream: state.stream,
    loop: { step: loop.step, curve: { sum: loop.curve.sum, count: loop.curve.count }, latest: { loss: exact(loop.latest.loss), metric: exact(loop.latest.metric) }, seconds: loop.seconds },
  };
}

/** Reads the `extra` of a train checkpoint; `source` names it in errors. The stream's snapshot is checked when it is restored. */
export function decodeRunState(extra: JsonValue, source: string): RunState {
  const fail = (what: string): never => {
    throw new FormatError(`${source}: ${what}`);
  };
  const root = record(extra) ?? fail('extra is not the state of a train run (no checkpoint of `online-rnn train`?)');
  if (root.format !== RUN_STATE_FORMAT) fail(`extra.format must be "${RUN_STATE_FORMAT}", got ${JSON.stringify(root.format)} (not a checkpoint of \`online-rnn train\`)`);
  if (root.version !== RUN_STATE_VERSION) fail(`extra.version ${JSON.stringify(root.version)} is not supported (this build reads version ${RUN_STATE_VERSION})`);
  const settings = record(root.settings) ?? fail('extra.settings must be an object');
  const stream = record(root.stream);
  if (stream === null || typeof stream.task !== 'string' || record(stream.state) === null) fail('extra.stream must be a stream snapshot {task, state}');
  const loop = record(root.loop) ?? fail('extra.loop must be an object');
  const curve = record(loop.curve) ?? fail('extra.loop.curve must be an object');
  const latest = record(loop.latest) ?? fail('extra.loop.latest must be an object');
  const integer = (value: JsonValue | undefined, name: string) => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : fail(`extra.loop.${name} must be a non-negative integer`));
  const finite = (value: JsonValue | undefined, name: string) => (typeof value === 'number' && Number.isFinite(value) ? value : fail(`extra.loop.${name} must be a finite number`));
  const exactNumber = (value: JsonValue | undefined, name: string): number => fromExact(value) ?? fail(`extra.loop.${name} must be a number`);
  const seconds = finite(loop.seconds, 'seconds');
  if (seconds < 0) fail('extra.loop.seconds must be ≥ 0');
  return {
    settings,
    stream: stream as unknown as StreamSnapshot,
    loop: {
      step: integer(loop.step, 'step'),
      curve: { sum: finite(curve.sum, 'curve.sum'), count: integer(curve.count, 'curve.count') },
      latest: { loss: exactNumber(latest.loss, 'latest.loss'), metric: exactNumber(latest.metric, 'latest.metric') },
      seconds,
    },
  };
}

function record(value: JsonValue | undefined): { readonly [key: string]: JsonValue } | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
}
