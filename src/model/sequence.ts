/**
 * Backpropagation through time over whole sequences, layer by layer as PyTorch runs it:
 * each layer's directions run over the full sequence before the next layer starts, so a
 * bidirectional layer sees the future. The tape keeps one CellStep and one state per
 * timestep and direction; it is made once for a maximum length and batch and reused.
 *
 * Shapes (time-major, like PyTorch with batch_first = False):
 *   inputs (T × B × I), layer outputs (T × B × D·P), states per layer-direction (B × n).
 * Direction d of a bidirectional layer writes columns [d·P, (d+1)·P) of the layer's raw
 * output; a layer merging by sum, mean or product then combines the two halves into its
 * output (T × B × P). A layer with goBackwards reads input row T−1−t where it would read t,
 * so its outputs come in the order it read the input (Keras's go_backwards).
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { addColumns, copyColumns } from '../tensor/kernels.js';
import type { MergeMode } from './config.js';
import type { CellStep, CellWindow, WindowOrder } from '../cells/cell.js';
import type { Model } from './model.js';

interface DirectionTape {
  readonly steps: readonly CellStep[];
  /** The cell's window when it offers one: then steps are its steps (see CellWindow). */
  readonly window: CellWindow | null;
  readonly order: WindowOrder;
  /** states[k] is the state after k processed timesteps; states[0] the initial state. */
  readonly states: Vec[];
}

export class SequenceTape {
  /** inputs of layer 0, owned, so callers may reuse theirs. */
  private readonly inputs: Vec;
  /** outputs[l]: layer l's output over time (maxSteps × B × width). */
  private readonly outputs: Vec[];
  /** raw[l]: the directions side by side (maxSteps × B × D·P); outputs[l] itself unless merged. */
  private readonly raw: Vec[];
  private readonly rawViews: Vec[][];
  /** ∂L/∂raw[l] for merged layers (the concat layers use their ∂L/∂outputs directly). */
  private readonly dRaw: Vec[];
  private readonly dRawViews: Vec[][];
  /** The last layer's final outputs, merged (B × width), for returnSequences = false. */
  private readonly finalRow: Vec;
  /** Per-time views: inputViews[l][t] is layer l's input at t. */
  private readonly inputViews: Vec[][];
  private readonly outputViews: Vec[][];
  private readonly directions: DirectionTape[][];
  private readonly dInputs: Vec[]; // per layer, (maxSteps × B × inputWidth)
  private readonly dInputViews: Vec[][];
  private readonly dStateNext: Vec[][]; // per layer-direction scratch (B × n)
  private readonly dState: Vec[][];
  private readonly dInputStep: Vec[]; // per layer scratch (B × inputWidth)
  private readonly dLastOutputs: Vec; // ∂L/∂(last layer's outputs), owned
  private readonly dLastOutputViews: Vec[];
  private steps = 0;
  /** Layer 0's ∂L/∂inputs from windowed cells, computed only when asked for (BPTT never asks). */
  private inputGradientPending = false;

  constructor(
    readonly model: Model,
    readonly maxSteps: number,
    readonly batch: number,
  ) {
    if (!Number.isInteger(maxSteps) || maxSteps <= 0) throw new RangeError(`sequence tape: maxSteps must be a positive integer, got ${maxSteps}`);
    if (!Number.isInteger(batch) || batch <= 0) throw new RangeError(`sequence tape: batch must be a positive integer, got ${batch}`);
    const { dtype, layers } = model;
    const B = batch;
    this.inputs = zeros(dtype, maxSteps * B * model.inputSize);
    this.outputs = layers.map((layer) => zeros(dtype, maxSteps * B * layer.outputSize));
    const rawWidths = layers.map((layer) => layer.cells.length * layer.cells[0]!.outputSize);
    this.raw = layers.map((layer, l) => (layer.merge === 'concat' ? this.outputs[l]! : zeros(dtype, maxSteps * B * rawWidths[l]!)));
    this.dRaw = layers.map((layer, l) => (layer.merge === 'concat' ? zeros(dtype, 0) : zeros(dtype, maxSteps * B * rawWidths[l]!)));
    this.finalRow = zeros(dtype, B * layers[layers.length - 1]!.outputSize);
    const timeViews = (buffer: Vec, width: number) => Array.from({ length: maxSteps }, (_, t) => buffer.subarray(t * B * width, (t + 1) * B * width));
    this.rawViews = this.raw.map((buffer, l) => timeViews(buffer, rawWidths[l]!));
    this.dRawViews = this.dRaw.map((buffer, l) => (buffer.length === 0 ? [] : timeViews(buffer, rawWidths[l]!)));
    const inputWidths = layers.map((_, l) => (l === 0 ? model.inputSize : layers[l - 1]!.outputSize));
    this.inputViews = layers.map((_, l) => timeViews(l === 0 ? this.inputs : this.outputs[l - 1]!, inputWidths[l]!));
    this.outputViews = layers.map((layer, l) => timeViews(this.outputs[l]!, layer.outputSize));
    this.directions = layers.map((layer) =>
      layer.cells.map((cell, d) => {
        const window = cell.createWindow?.(maxSteps, B) ?? null;
        return {
          window,
          order: { reversed: (d === 1) !== layer.goBackwards },
          steps: window?.steps ?? Array.from({ length: maxSteps }, () => cell.createStep(B)),
          states: Array.from({ length: maxSteps + 1 }, () => zeros(dtype, B * cell.stateSize)),
        };
      }),
    );
    this.dInputs = inputWidths.map((w) => zeros(dtype, maxSteps * B * w));
    this.dInputViews = inputWidths.map((w, l) => timeViews(this.dInputs[l]!, w));
    this.dStateNext = layers.map((layer) => layer.cells.map((cell) => zeros(dtype, B * cell.stateSize)));
    this.dState = layers.map((layer) => layer.cells.map((cell) => zeros(dtype, B * cell.stateSize)));
    this.dInputStep = inputWidths.map((w) => zeros(dtype, B * w));
    const lastWidth = layers[layers.length - 1]!.outputSize;
    this.dLastOutputs = zeros(dtype, maxSteps * B * lastWidth);
    this.dLastOutputViews = timeViews(this.dLastOutputs, lastWidth);
  }

  /** The number of timesteps of the last forward pass. */
  get length(): number {
    return this.steps;
  }

  /**
   * Runs the model over `steps` timesteps of `inputs` (steps × B × I) from the given initial
   * states (one per layer-direction, B × n in the cell's layout; omitted or null = zeros).
   */
  forward(inputs: Vec, steps: number, initialStates?: ReadonlyArray<Vec | null>): void {
    const { model, batch: B } = this;
    if (!Number.isInteger(steps) || steps < 1 || steps > this.maxSteps) throw new RangeError(`sequence: length must be in 1..${this.maxSteps}, got ${steps}`);
    if (inputs.length !== steps * B * model.inputSize) {
      throw new RangeError(`sequence: inputs must be (${steps} × ${B} × ${model.inputSize}) = ${steps * B * model.inputSize} numbers, got ${inputs.length}`);
    }
    this.steps = steps;
    this.inputGradientPending = false;
    this.inputs.set(inputs);
    let index = 0;
    model.layers.forEach((layer, l) => {
      layer.cells.forEach((cell, d) => {
        const tape = this.directions[l]![d]!;
        const initial = initialStates?.[index++] ?? null;
        if (initial !== null) {
          if (initial.length !== B * cell.stateSize) throw new RangeError(`sequence: initial state ${index - 1} must have ${B * cell.stateSize} numbers (batch ${B} × state ${cell.stateSize}), got ${initial.length}`);
          tape.states[0]!.set(initial);
        } else tape.states[0]!.fill(0);
        const theta = model.cellTheta(l, d);
        tape.window?.project(this.layerInput(l, steps), steps, theta, tape.order);
        const rawWidth = layer.cells.length * cell.outputSize;
        for (let k = 0; k < steps; k++) {
          const t = d === 0 ? k : steps - 1 - k;
          const input = layer.goBackwards ? steps - 1 - t : t;
          tape.steps[k]!.forward(tape.states[k + 1]!, this.inputViews[l]![input]!, tape.states[k]!, theta);
          copyColumns(this.rawViews[l]![t]!, rawWidth, d * cell.outputSize, tape.states[k + 1]!, cell.stateSize, cell.outputOffset, B, cell.outputSize);
        }
      });
      if (layer.merge !== 'concat') for (let t = 0; t < steps; t++) mergeRows(layer.merge, this.outputViews[l]![t]!, this.rawViews[l]![t]!, this.rawViews[l]![t]!, B, layer.cells[0]!.outputSize);
    });
  }

  /**
   * The last layer's final outputs (B × width): each direction's output after it has read the
   * whole sequence, merged — the forward direction's at row T−1, the backward one's at row 0.
   * Keras's output with return_sequences = false. A view valid until the next forward.
   */
  finalOutput(): Vec {
    const l = this.model.layers.length - 1;
    const layer = this.model.layers[l]!;
    const raw = this.rawViews[l]!;
    if (!layer.bidirectional) this.finalRow.set(raw[this.steps - 1]!);
    else if (layer.merge === 'concat') {
      const P = layer.cells[0]!.outputSize;
      copyColumns(this.finalRow, 2 * P, 0, raw[this.steps - 1]!, 2 * P, 0, this.batch, P);
      copyColumns(this.finalRow, 2 * P, P, raw[0]!, 2 * P, P, this.batch, P);
    } else mergeRows(layer.merge, this.finalRow, raw[this.steps - 1]!, raw[0]!, this.batch, layer.cells[0]!.outputSize);
    return this.finalRow;
  }

  /** Layer l's input over the first `steps` timesteps (steps × B × width), time-major. */
  private layerInput(l: number, steps: number): Vec {
    const source = l === 0 ? this.inputs : this.outputs[l - 1]!;
    const width = l === 0 ? this.model.inputSize : this.model.layers[l - 1]!.outputSize;
    return source.subarray(0, steps * this.batch * width);
  }

  /** The last layer's output at time t (B × D·P), a view valid until the next forward. */
  output(t: number): Vec {
    return this.outputViews[this.model.layers.length - 1]![t]!;
  }

  /** All of the last layer's outputs (steps × B × D·P). */
  allOutputs(): Vec {
    const last = this.model.layers.length - 1;
    return this.outputs[last]!.subarray(0, this.steps * this.batch * this.model.layers[last]!.outputSize);
  }

  /** The final state of one layer-direction (B × n). */
  finalState(layer: number, direction: number): Vec {
    return this.directions[layer]![direction]!.states[this.steps]!;
  }

  /**
   * Reverse mode through the whole recorded sequence. Adds ∂L/∂θ into dTheta (model-shaped)
   * given ∂L/∂outputs (steps × B × D·P of the last layer) and, optionally, ∂L/∂(final states)
   * per layer-direction. Afterwards `inputGradient()` and `initialStateGradient()` hold the rest.
   */
  backward(dTheta: Vec, dOutputs: Vec, dFinalStates?: ReadonlyArray<Vec | null>): void {
    const { model, batch: B, steps } = this;
    const layers = model.layers;
    const last = layers.length - 1;
    if (dOutputs.length !== steps * B * layers[last]!.outputSize) throw new RangeError(`sequence backward: dOutputs must have ${steps * B * layers[last]!.outputSize} numbers, got ${dOutputs.length}`);
    if (dTheta.length !== model.paramSize) throw new RangeError(`sequence backward: dTheta must have ${model.paramSize} numbers, got ${dTheta.length}`);
    this.dLastOutputs.set(dOutputs);
    this.inputGradientPending = true;
    for (let l = last; l >= 0; l--) {
      const layer = layers[l]!;
      let dOutViews = l === last ? this.dLastOutputViews : this.dInputViews[l + 1]!;
      if (layer.merge !== 'concat') {
        for (let t = 0; t < steps; t++) unmergeRows(layer.merge, this.dRawViews[l]![t]!, dOutViews[t]!, this.rawViews[l]![t]!, B, layer.cells[0]!.outputSize);
        dOutViews = this.dRawViews[l]!;
      }
      const rawWidth = layer.cells.length * layer.cells[0]!.outputSize;
      const dIn = this.dInputs[l]!;
      const inputWidth = l === 0 ? model.inputSize : layers[l - 1]!.outputSize;
      dIn.fill(0, 0, steps * B * inputWidth);
      layer.cells.forEach((cell, d) => {
        const tape = this.directions[l]![d]!;
        const theta = model.cellTheta(l, d);
        const dThetaCell = model.cellSlice(dTheta, l, d);
        const dS = this.dState[l]![d]!;
        const dSNext = this.dStateNext[l]![d]!;
        const index = layers.slice(0, l).reduce((n, prior) => n + prior.cells.length, 0) + d;
        const dFinal = dFinalStates?.[index] ?? null;
        if (dFinal !== null && dFinal.length !== B * cell.stateSize) throw new RangeError(`sequence backward: final-state gradient ${index} must have ${B * cell.stateSize} numbers`);
        if (dFinal !== null) dS.set(dFinal);
        else dS.fill(0);
        const window = tape.window;
        for (let k = steps - 1; k >= 0; k--) {
          const t = d === 0 ? k : steps - 1 - k;
          dSNext.set(dS);
          addColumns(dSNext, cell.stateSize, cell.outputOffset, dOutViews[t]!, rawWidth, d * cell.outputSize, B, cell.outputSize);
          if (window !== null) {
            tape.steps[k]!.vjp(null, dS, null, dSNext, theta); // the window does ∂θ and ∂x below
            continue;
          }
          tape.steps[k]!.vjp(this.dInputStep[l]!, dS, dThetaCell, dSNext, theta);
          const dInT = this.dInputViews[l]![layer.goBackwards ? steps - 1 - t : t]!;
          for (let i = 0; i < dInT.length; i++) dInT[i] += this.dInputStep[l]![i];
        }
        window?.accumulate(dThetaCell, steps);
        if (window !== null && l > 0) window.addInputGradient(dIn, steps, theta, tape.order);
      });
    }
  }

  /** ∂L/∂inputs (steps × B × I) after `backward`. */
  inputGradient(): Vec {
    if (this.inputGradientPending) {
      this.inputGradientPending = false;
      this.model.layers[0]!.cells.forEach((_, d) => {
        const tape = this.directions[0]![d]!;
        tape.window?.addInputGradient(this.dInputs[0]!, this.steps, this.model.cellTheta(0, d), tape.order);
      });
    }
    return this.dInputs[0]!.subarray(0, this.steps * this.batch * this.model.inputSize);
  }

  /** ∂L/∂(initial state) of one layer-direction (B × n) after `backward`. */
  initialStateGradient(layer: number, direction: number): Vec {
    return this.dState[layer]![direction]!;
  }
}

/** out (B × P) = merge(a's first P columns, b's last P columns), rows of a and b 2P wide. */
function mergeRows(mode: Exclude<MergeMode, 'concat'>, out: Vec, a: Vec, b: Vec, batch: number, P: number): void {
  for (let r = 0; r < batch; r++) {
    for (let j = 0; j < P; j++) {
      const x = a[r * 2 * P + j]!;
      const y = b[r * 2 * P + P + j]!;
      out[r * P + j] = mode === 'sum' ? x + y : mode === 'ave' ? (x + y) / 2 : x * y;
    }
  }
}

/** ∂L/∂raw (B × 2P) from ∂L/∂merged (B × P) and the raw outputs (both halves from the same rows). */
function unmergeRows(mode: Exclude<MergeMode, 'concat'>, dRaw: Vec, dOut: Vec, raw: Vec, batch: number, P: number): void {
  for (let r = 0; r < batch; r++) {
    for (let j = 0; j < P; j++) {
      const g = dOut[r * P + j]!;
      const a = r * 2 * P + j;
      const b = a + P;
      if (mode === 'mul') {
        dRaw[a] = g * raw[b]!;
        dRaw[b] = g * raw[a]!;
      } else dRaw[a] = dRaw[b] = mode === 'sum' ? g : g / 2;
    }
  }
}
