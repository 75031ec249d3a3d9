/**
 * One direction of one recurrent layer run over a whole sequence, for the parallel runners:
 * state_{k+1} = F(x_{t(k)}, state_k) with t(k) = k forward or steps − 1 − k backward, each
 * step's output written to columns [offset, offset + P) of the layer's output rows. The same
 * loop as SequenceTape.forward (which owns the training tape); workspaces grow on demand.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { copyColumns } from '../tensor/kernels.js';
import type { Cell, CellStep, CellWindow } from '../cells/cell.js';

export class DirectionRun {
  private window: CellWindow | null = null;
  private steps: readonly CellStep[] = [];
  private states: Vec[] = [];
  private capacity = 0;
  private batch = 0;
  private readonly order: { readonly reversed: boolean };
  /** Per-timestep views of each input buffer seen (the runners pass the same few every call). */
  private readonly inputViews = new WeakMap<Vec, Vec[]>();

  constructor(
    readonly cell: Cell,
    reversed: boolean,
  ) {
    this.order = { reversed };
  }

  private ensure(steps: number, batch: number): void {
    if (steps <= this.capacity && batch === this.batch) return;
    const { cell } = this;
    this.window = cell.createWindow?.(steps, batch) ?? null;
    this.steps = this.window?.steps ?? Array.from({ length: steps }, () => cell.createStep(batch));
    this.states = Array.from({ length: steps + 1 }, () => zeros(cell.dtype, batch * cell.stateSize));
    this.capacity = steps;
    this.batch = batch;
  }

  /**
   * Runs the direction from a zero state. inputs: (steps × B × inputSize), time-major; outputs:
   * (steps × B × width), of which this direction writes columns [offset, offset + P).
   */
  run(inputs: Vec, outputs: Vec, options: { steps: number; batch: number; width: number; offset: number; theta: Vec }): void {
    const { steps, batch: B, width, offset, theta } = options;
    const { cell } = this;
    this.ensure(steps, B);
    const I = cell.inputSize;
    const n = cell.stateSize;
    this.states[0]!.fill(0);
    this.window?.project(inputs.subarray(0, steps * B * I), steps, theta, this.order);
    for (let k = 0; k < steps; k++) {
      const t = this.order.reversed ? steps - 1 - k : k;
      this.steps[k]!.forward(this.states[k + 1]!, this.viewsOf(inputs, steps, B * I)[t]!, this.states[k]!, theta);
      copyColumns(outputs, width, t * B * width + offset, this.states[k + 1]!, n, cell.outputOffset, B, cell.outputSize);
    }
  }

  private viewsOf(buffer: Vec, steps: number, size: number): Vec[] {
    let views = this.inputViews.get(buffer);
    if (views === undefined || views.length < steps || views[0]!.length !== size) {
      views = Array.from({ length: steps }, (_, t) => buffer.subarray(t * size, (t + 1) * size));
      this.inputViews.set(buffer, views);
    }
    return views;
  }
}
