/**
 * Hand-built recurrent networks of saturated-linear units (Siegelmann & Sontag 1995):
 *
 *   h'_u = σ( Σ_k W_ih[u,k]·x_k + Σ_v W_hh[u,v]·h_v + b_u ),     σ(a) = clip(a, 0, 1)
 *
 * Each unit is written as one equation over named inputs and named units, and the equations
 * become the θ of the library's own Elman cell, `rnn({ nonlinearity: 'satlin' })`: nothing
 * here simulates the network, the library runs it.
 *
 * A recognizer is two such layers stacked with the library's `stack`: layer 1 is the machine
 * (control flags in {0, 1} and an analog memory), layer 2 a single unit that reads layer 1's
 * new state and says, after every symbol, whether the prefix read so far is accepted (1) or
 * rejected (0). Two layers let the verdict see the state the current symbol produced; a
 * one-layer net would answer one step late (Siegelmann & Sontag's nets also take a few steps
 * per machine step).
 */
import { rnn } from '../../src/cells/rnn.js';
import { stack, type StackCell } from '../../src/model/stack.js';
import type { CellStep } from '../../src/cells/cell.js';
import { zeros, type DType, type Vec } from '../../src/tensor/dtype.js';

/** One unit's pre-activation: weights on named inputs and on named units of the same layer, and a bias. */
export interface UnitEquation<I extends string, U extends string> {
  readonly input?: Partial<Record<I, number>>;
  readonly recurrent?: Partial<Record<U, number>>;
  readonly bias?: number;
}

export interface SatlinLayerSpec<I extends string, U extends string> {
  /** Input names in input order. */
  readonly inputs: readonly I[];
  /** Unit names in state order. */
  readonly units: readonly U[];
  readonly equations: { readonly [u in U]: UnitEquation<I, U> };
}

/** A satlin Elman cell and its θ, written from the equations (every unlisted weight is 0). */
function satlinLayer<I extends string, U extends string>(spec: SatlinLayerSpec<I, U>, dtype: DType): { cell: ReturnType<typeof rnn>; theta: Vec } {
  const { inputs, units, equations } = spec;
  const cell = rnn({ inputSize: inputs.length, hiddenSize: units.length, nonlinearity: 'satlin', dtype });
  const theta = zeros(dtype, cell.paramSize);
  const [weightIh, weightHh, bias] = cell.blocks.of(theta) as [Vec, Vec, Vec];
  units.forEach((unit, row) => {
    const { input = {}, recurrent = {}, bias: b = 0 } = equations[unit];
    for (const [name, w] of Object.entries(input) as [I, number][]) weightIh[row * inputs.length + indexOf(inputs, name)] = w;
    for (const [name, w] of Object.entries(recurrent) as [U, number][]) weightHh[row * units.length + indexOf(units, name)] = w;
    bias[row] = b;
  });
  return { cell, theta };
}

function indexOf<T extends string>(names: readonly T[], name: T): number {
  const k = names.indexOf(name);
  if (k < 0) throw new Error(`unknown name '${name}' (known: ${names.join(', ')})`);
  return k;
}

/**
 * A recognizer over single-character symbols: the machine layer reads one-hot symbols, the
 * verdict layer (one unit) reads the machine's units.
 */
export class Recognizer<S extends string, U extends string> {
  /** The network as one library Cell: stack([machine, verdict]). */
  readonly cell: StackCell;
  /** θ of the whole stack: [θ_machine; θ_verdict]. */
  readonly theta: Vec;
  /** s = [h_machine; h_verdict], starting at zero (the empty prefix). */
  readonly state: Vec;
  private readonly step: CellStep;
  private readonly oneHot: Map<string, Vec>;
  private readonly units: readonly U[];

  constructor(options: { machine: SatlinLayerSpec<S, U>; verdict: UnitEquation<U, 'accept'>; dtype?: DType }) {
    const dtype = options.dtype ?? 'float64';
    const machine = satlinLayer(options.machine, dtype);
    const verdict = satlinLayer({ inputs: options.machine.units, units: ['accept'], equations: { accept: options.verdict } }, dtype);
    this.cell = stack([machine.cell, verdict.cell]);
    this.theta = zeros(dtype, this.cell.paramSize);
    this.theta.set(machine.theta, 0);
    this.theta.set(verdict.theta, machine.cell.paramSize);
    this.state = zeros(dtype, this.cell.stateSize);
    this.step = this.cell.createStep(1);
    this.units = options.machine.units;
    const symbols = options.machine.inputs;
    this.oneHot = new Map(symbols.map((symbol, k) => [symbol, oneHot(dtype, symbols.length, k)]));
  }

  /** Back to the empty prefix. */
  reset(): void {
    this.state.fill(0);
  }

  /** Reads one symbol and returns the verdict unit's value for the prefix read so far. */
  read(symbol: string): number {
    const x = this.oneHot.get(symbol);
    if (x === undefined) throw new RangeError(`unknown symbol '${symbol}' (alphabet: ${[...this.oneHot.keys()].join(' ')})`);
    this.step.forward(this.state, x, this.state, this.theta);
    return this.state[this.cell.outputOffset]!;
  }

  /** The value of one of the machine's units in the current state. */
  unit(name: U): number {
    return this.state[indexOf(this.units, name)]!;
  }

  /** Reads a whole word from the empty prefix; true when the verdict after its last symbol is exactly 1. */
  accepts(word: string): boolean {
    this.reset();
    let verdict = 0;
    for (const symbol of word) verdict = this.read(symbol);
    return verdict === 1;
  }
}

function oneHot(dtype: DType, n: number, k: number): Vec {
  const x = zeros(dtype, n);
  x[k] = 1;
  return x;
}
