/**
 * A model's sizes from its config alone — p (θ's entries) and n (the recurrent state's) —
 * without building a cell: what a loader or the CLI checks before it allocates anything a file
 * or a flag asked for. The counts follow each cell's parameter layout (cells/*.ts).
 */
import { cellOutputSize, type CellConfig, type ModelConfig } from './config.js';

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
    paramSize += directions * cellParams(layer.cell, width);
    stateSize += directions * cellState(layer.cell);
    width = directions * cellOutputSize(layer.cell);
  }
  if (config.outputSize !== undefined) paramSize += config.outputSize * (width + 1);
  return { paramSize, stateSize, inputSize: config.inputSize, bytesPerElement: config.dtype === 'float32' ? 4 : 8 };
}

function cellParams(cell: CellConfig, I: number): number {
  const H = cell.hiddenSize;
  const bias = cell.bias ?? true;
  switch (cell.kind) {
    case 'rnn':
      return H * (I + H) + (bias ? H : 0);
    case 'gru':
      return 3 * H * (I + H) + (bias ? 3 * H : 0) + (bias && (cell.resetAfter ?? true) ? 3 * H : 0);
    case 'lstm': {
      const P = cell.projSize ?? H;
      return 4 * H * (I + P) + (bias ? 4 * H : 0) + (cell.peephole === true ? 3 * H : 0) + (cell.projSize !== undefined ? P * H : 0);
    }
  }
}

function cellState(cell: CellConfig): number {
  return cell.kind === 'lstm' ? cellOutputSize(cell) + cell.hiddenSize : cell.hiddenSize;
}
