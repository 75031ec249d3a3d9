/**
 * Offline inference: a model run over a sequence, or a batch of equally long sequences, from
 * given or zero initial states — no learner, no gradient. Bidirectional layers see the whole
 * sequence. What `online-rnn forward` does, as a library call.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import type { Model } from './model.js';
import { SequenceTape } from './sequence.js';

export interface SequenceRun {
  /** ŷ per timestep (the head's, or the last layer's output without a head), one row per step. */
  readonly outputs: Float64Array[];
  /** Final states, one per layer-direction (layer 0 forward, layer 0 backward, …), in the cell's layout. */
  readonly states: Float64Array[];
}

/**
 * Runs `model` over `inputs`: one sequence (T rows of inputSize numbers) gives a SequenceRun; a
 * batch (B sequences of T rows) gives one SequenceRun per sequence. `state` holds the initial
 * state of each layer-direction (for a batch, one such list per sequence). @default zeros
 */
export function run(model: Model, inputs: ReadonlyArray<ArrayLike<number>>, state?: ReadonlyArray<ArrayLike<number>>): SequenceRun;
export function run(model: Model, inputs: ReadonlyArray<ReadonlyArray<ArrayLike<number>>>, state?: ReadonlyArray<ReadonlyArray<ArrayLike<number>>>): SequenceRun[];
export function run(
  model: Model,
  inputs: ReadonlyArray<ArrayLike<number>> | ReadonlyArray<ReadonlyArray<ArrayLike<number>>>,
  state?: ReadonlyArray<ArrayLike<number>> | ReadonlyArray<ReadonlyArray<ArrayLike<number>>>,
): SequenceRun | SequenceRun[] {
  const batched = inputs.length > 0 && typeof (inputs[0] as ArrayLike<unknown>)[0] === 'object';
  const sequences = (batched ? inputs : [inputs]) as ReadonlyArray<ReadonlyArray<ArrayLike<number>>>;
  const states = state === undefined ? undefined : ((batched ? state : [state]) as ReadonlyArray<ReadonlyArray<ArrayLike<number>>>);
  const results = runBatch(model, sequences, states);
  return batched ? results : results[0]!;
}

function runBatch(model: Model, sequences: ReadonlyArray<ReadonlyArray<ArrayLike<number>>>, states?: ReadonlyArray<ReadonlyArray<ArrayLike<number>>>): SequenceRun[] {
  const B = sequences.length;
  const T = sequences[0]?.length ?? 0;
  const I = model.inputSize;
  if (B === 0 || T === 0) throw new RangeError('run: inputs must hold at least one timestep');
  const inputs = zeros(model.dtype, T * B * I); // time-major (T × B × I)
  sequences.forEach((sequence, b) => {
    if (sequence.length !== T) throw new RangeError(`run: every sequence of a batch must have ${T} steps, sequence ${b} has ${sequence.length}`);
    sequence.forEach((x, t) => {
      if (x.length !== I) throw new RangeError(`run: step ${t}${B > 1 ? ` of sequence ${b}` : ''} must have ${I} numbers (the model's inputSize), got ${x.length}`);
      for (let i = 0; i < I; i++) {
        const value = x[i]!;
        if (!Number.isFinite(value)) throw new RangeError(`run: step ${t}${B > 1 ? ` of sequence ${b}` : ''} entry ${i} is not finite (${value})`);
        inputs[(t * B + b) * I + i] = value;
      }
    });
  });
  const cells = model.layers.flatMap((layer) => layer.cells);
  let initial: Vec[] | undefined;
  if (states !== undefined) {
    if (states.length !== B) throw new RangeError(`run: give one list of initial states per sequence (${B}), got ${states.length}`);
    initial = cells.map((cell, k) => {
      const buffer = zeros(model.dtype, B * cell.stateSize);
      states.forEach((list, b) => {
        const s = list[k];
        if (list.length !== cells.length || s === undefined || s.length !== cell.stateSize) {
          throw new RangeError(`run: initial states must be ${cells.length} vectors of sizes ${cells.map((c) => c.stateSize).join(', ')} (one per layer-direction)`);
        }
        buffer.set(s, b * cell.stateSize);
      });
      return buffer;
    });
  }
  const tape = new SequenceTape(model, T, B);
  tape.forward(inputs, T, initial);
  const raw = tape.allOutputs();
  let output: Vec = raw;
  if (model.head !== null) {
    output = zeros(model.dtype, T * B * model.outputSize);
    model.head.forward(output, raw, model.headTheta!, T * B);
  }
  const O = model.outputSize;
  const finals = model.layers.flatMap((layer, l) => layer.cells.map((_, d) => tape.finalState(l, d)));
  return sequences.map((_, b) => ({
    outputs: Array.from({ length: T }, (_, t) => Float64Array.from(output.subarray((t * B + b) * O, (t * B + b + 1) * O))),
    states: finals.map((final, k) => Float64Array.from(final.subarray(b * cells[k]!.stateSize, (b + 1) * cells[k]!.stateSize))),
  }));
}
