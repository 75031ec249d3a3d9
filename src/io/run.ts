/**
 * Running a loaded model over one sequence, as `online-rnn forward` and the interop tests do:
 * the layers over the whole sequence (bidirectional layers see all of it), then the dense
 * head, if any, at every timestep. Batch 1, time-major.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import type { Model } from '../model/model.js';
import { SequenceTape } from '../model/sequence.js';
import { statesToPyTorch } from './pytorch.js';

export interface SequenceResult {
  /**
   * (steps × outputSize): the head's output, or the last layer's outputs without a head; one
   * row (the final outputs, see SequenceTape.finalOutput) when the model does not return sequences.
   */
  readonly output: Vec;
  /** Final states one per layer-direction in PyTorch's order, each in the cell's layout [h; c]. */
  readonly states: Vec[];
  /** Final h per layer-direction (rows of P) and c (rows of H, LSTM only), PyTorch's h_n and c_n. */
  readonly h: number[][];
  readonly c: number[][] | null;
}

export function runSequence(model: Model, inputs: Vec, steps: number, initialStates?: ReadonlyArray<Vec | null>): SequenceResult {
  const tape = new SequenceTape(model, steps, 1);
  tape.forward(inputs, steps, initialStates);
  const raw = model.returnSequences ? tape.allOutputs() : tape.finalOutput();
  const rows = model.returnSequences ? steps : 1;
  let output: Vec;
  if (model.head === null) {
    output = raw.slice();
  } else {
    output = zeros(model.dtype, rows * model.outputSize);
    model.head.forward(output, raw, model.headTheta!, rows);
  }
  const states = model.layers.flatMap((layer, l) => layer.cells.map((_, d) => tape.finalState(l, d).slice()));
  const flat = statesToPyTorch(model, states);
  const cells = model.layers.flatMap((layer) => layer.cells);
  const h: number[][] = [];
  const c: number[][] = [];
  let hAt = 0;
  let cAt = 0;
  for (const cell of cells) {
    for (const part of cell.stateParts) {
      if (part.name === 'h') h.push(flat.h.slice(hAt, (hAt += part.size)));
      else c.push(flat.c!.slice(cAt, (cAt += part.size)));
    }
  }
  return { output, states, h, c: flat.c === null ? null : c };
}
