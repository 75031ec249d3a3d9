/**
 * A model around any recurrent core — a Cell, including a stack or a user's own — and an
 * optional dense head, sharing one flat θ = [θ_core; θ_head]. It is an ordinary Model (model.ts)
 * with one layer whose cell is the core, so offline and online code see one type; this name and
 * `onlineModel` remain for building one from a core.
 */
import type { Vec } from '../tensor/dtype.js';
import type { Cell } from '../cells/cell.js';
import type { Dense } from './dense.js';
import { Model } from './model.js';

export class OnlineModel extends Model {
  constructor(options: { core: Cell; head?: Dense | null; theta?: Vec }) {
    const { core } = options;
    const head = options.head ?? null;
    if (head !== null && head.inputSize !== core.outputSize) {
      throw new RangeError(`online model: the head expects input size ${head.inputSize}, but the core outputs ${core.outputSize}`);
    }
    if (head !== null && head.dtype !== core.dtype) throw new TypeError(`online model: head is ${head.dtype}, core is ${core.dtype}`);
    const paramSize = core.paramSize + (head?.paramSize ?? 0);
    if (options.theta !== undefined && options.theta.length !== paramSize) {
      throw new RangeError(`online model: θ must have ${paramSize} entries, got ${options.theta.length}`);
    }
    super({ layers: [{ cells: [core] }], head, ...(options.theta !== undefined ? { theta: options.theta } : {}) });
  }
}

/** An online model around any Cell, e.g. a user-defined one. */
export function onlineModel(options: { core: Cell; head?: Dense | null; theta?: Vec }): OnlineModel {
  return new OnlineModel(options);
}
