/**
 * A model around any Cell — a user's own, or a stack — and an optional dense head, for online
 * learners: θ = [θ_core; θ_head]. It is a Model of one layer; its config names the cell
 * (CustomModelConfig), since a Cell written in code cannot be rebuilt from a file.
 */
import type { Vec } from '../tensor/dtype.js';
import type { Cell } from '../cells/cell.js';
import type { Dense } from './dense.js';
import { Model } from './model.js';
import type { AnyModelConfig, CustomModelConfig } from './config.js';

/** What online learners accept: any Model, including one around a user's cell (the one model type; this name is kept for the API). */
export type OnlineModel = Model<AnyModelConfig>;

/** An online model around any Cell, e.g. a user-defined one. */
export function onlineModel(options: { core: Cell; head?: Dense | null; theta?: Vec }): Model<CustomModelConfig> {
  const { core } = options;
  const head = options.head ?? null;
  return new Model({
    layers: [{ cells: [core] }],
    head,
    ...(options.theta !== undefined ? { theta: options.theta } : {}),
    config: { kind: 'custom', cell: core.kind, inputSize: core.inputSize, dtype: core.dtype, ...(head !== null ? { outputSize: head.outputSize } : {}) },
  });
}
