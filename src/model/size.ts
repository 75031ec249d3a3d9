/**
 * A model's sizes from its config alone — p (θ's entries) and n (the recurrent state's) —
 * without building a cell: what a loader or the CLI checks before it allocates anything a file
 * or a flag asked for. The counts follow each cell's parameter layout (cells/*.ts).
 */
import { buildCell, cellOutputSize, type CellConfig, type ModelConfig } from './config.js';

export interface Sizes {
  /** p: θ's entries. */
  readonly paramSize: number;
  /** n: the recurrent state's entries (h and, for an LSTM, c, over all layers). */
  readonly stateSize: number;
  readonly inputSize: number;
  readonly bytesPerElement: number;
}

/** p and n of a model config, counted without building a cell. */
export function sizesOf(config: ModelConfig): Sizes {
  let width = config.inputSize;
  let paramSize = 0;
  let stateSize = 0;
  for (const layer of config.layers) {
    const directions = layer.bidirectional === true ? 2 : 1;
    const cell = cellSizes(layer.cell, width);
    paramSize += directions * cell.paramSize;
    stateSize += directions * cell.stateSize;
    width = directions * cellOutputSize(layer.cell);
  }
  if (config.outputSize !== undefined) paramSize += config.outputSize * (width + 1);
  return { paramSize, stateSize, inputSize: config.inputSize, bytesPerElement: config.dtype === 'float32' ? 4 : 8 };
}

/** The cell's θ and state sizes: by formula for the sized cells, by building the others (fixed, small). */
function cellSizes(cell: CellConfig, I: number): { paramSize: number; stateSize: number } {
  switch (cell.kind) {
    case 'rnn': {
      const H = cell.hiddenSize;
      return { paramSize: H * (I + H) + (cell.bias ?? true ? H : 0), stateSize: H };
    }
    case 'gru': {
      const H = cell.hiddenSize;
      const bias = cell.bias ?? true;
      return { paramSize: 3 * H * (I + H) + (bias ? 3 * H : 0) + (bias && (cell.resetAfter ?? true) ? 3 * H : 0), stateSize: H };
    }
    case 'lstm': {
      const H = cell.hiddenSize;
      const P = cell.projSize ?? H;
      return { paramSize: 4 * H * (I + P) + (cell.bias ?? true ? 4 * H : 0) + (cell.peephole === true ? 3 * H : 0) + (cell.projSize !== undefined ? P * H : 0), stateSize: P + H };
    }
    default: {
      const built = buildCell(cell, I, 'float64');
      return { paramSize: built.paramSize, stateSize: built.stateSize };
    }
  }
}
