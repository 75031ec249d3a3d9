/**
 * One direction of a recurrent layer as an ONNX Scan (opset 14) whose body is the cell's step
 * in primitive ops — Gemm, Split, Add, Sub, Mul, Div, Sigmoid, Tanh, Relu, Clip — which
 * onnxruntime runs in float64 as well as float32. Equations and names as in src/cells:
 *
 *   LSTM (lstm.ts)   a = x·W_ihᵀ + b + h·W_hhᵀ, split i, f, g, o; peepholes w_ci ⊙ c, w_cf ⊙ c on
 *                    i, f and w_co ⊙ c' on o; c' = f ⊙ c + i ⊙ g; m = o ⊙ tanh(c');
 *                    h' = m, or m·W_hrᵀ with projection
 *   GRU (gru.ts)     resetAfter: a_x = x·W_ihᵀ + b, a_h = h·W_hhᵀ + b̂, split r, z, n;
 *                    n = φ(a_x,n + r ⊙ a_h,n). Otherwise n = φ(x·W_inᵀ + b_n + (r ⊙ h)·W_hnᵀ);
 *                    h' = (1 − z) ⊙ n + z ⊙ h
 *   RNN (rnn.ts)     h' = φ(x·W_ihᵀ + b + h·W_hhᵀ),  φ ∈ tanh, relu, satlin = Clip(0, 1), identity
 *   gates σ          Sigmoid; hardSigmoid Clip(0.2·a + 0.5, 0, 1); hardSigmoidKeras3
 *                    Clip(a/6 + 0.5, 0, 1) (onnxruntime has no float64 HardSigmoid)
 *
 * Scan's body takes the states then x_t [batch, I] and gives the new states then the output
 * row; Scan stacks the rows over time. scan_input_directions 1 reads the sequence from its end,
 * scan_output_directions 1 stacks the rows from the end (so a backward copy's row t lines up with
 * x_t). The weights are the outer graph's initializers, under our tensor names.
 */
import type { InteropCellConfig } from '../kinds/cells.js';
import type { GateActivation, Nonlinearity } from '../tensor/activations.js';
import { attributeOf, type GraphBuilder } from './onnx-graph.js';
import { onnx, type GraphProto, type NodeProto } from './onnx-proto.js';

export interface ScanDirectionOptions {
  cell: InteropCellConfig;
  /** The outer graph's name of one of this direction's weight blocks ('weightIh', …). */
  weight: (block: string) => string;
  /** Whether the cell has that block. */
  has: (block: string) => boolean;
  /** The layer's input [sequence, batch, I], and I. */
  input: string;
  inputSize: number;
  /** A zero state [batch, n] in the outer graph. */
  zeros: (n: number) => string;
  /** Read x from the last step to the first. */
  readsBackwards: boolean;
  /** Stack the output rows from the last position to the first. */
  writesBackwards: boolean;
  /** Names this direction's nodes and the body's values apart, e.g. 'layer0_forward/'. */
  prefix: string;
}

/**
 * The Scan node of one direction, added to the outer graph `b`: gives the names of its output
 * rows [sequence, batch, P] and its final output h(T) [batch, P].
 */
export function scanDirection(b: GraphBuilder, options: ScanDirectionOptions): { rows: string; final: string } {
  const { cell, prefix } = options;
  const s = b.subgraph(prefix);
  const H = cell.hiddenSize;
  const P = cell.kind === 'lstm' ? (cell.projSize ?? H) : H;
  const states = cell.kind === 'lstm' ? [['h', P], ['c', H]] as const : [['h', H]] as const;
  const x = `${prefix}x`;
  const next = step(s, options, states.map(([name]) => `${prefix}${name}`), x);
  const row = s.op('Identity', [next[0]!], [], `${prefix}row`);
  const valueInfo = (name: string, n: number) => ({ name, type: { tensorType: { elemType: b.dataType, shape: { dim: [{ dimParam: 'batch' }, { dimValue: n }] } } } });
  const body: GraphProto = {
    name: `${prefix}step`,
    node: s.nodes,
    initializer: s.initializers,
    input: [...states.map(([name, n]) => valueInfo(`${prefix}${name}`, n)), valueInfo(x, options.inputSize)],
    output: [...next.map((name, k) => valueInfo(name, states[k]![1])), valueInfo(row, P)],
  };
  const finals = states.map(([name]) => `${prefix}${name}_final`);
  const rows = `${prefix}rows`;
  const scan: NodeProto = {
    opType: 'Scan',
    name: `${prefix}scan`,
    input: [...states.map(([, n]) => options.zeros(n)), options.input],
    output: [...finals, rows],
    attribute: [
      { name: 'body', type: onnx.AttributeProto.AttributeType.GRAPH, g: body },
      attributeOf.int('num_scan_inputs', 1),
      attributeOf.ints('scan_input_directions', [options.readsBackwards ? 1 : 0]),
      attributeOf.ints('scan_output_directions', [options.writesBackwards ? 1 : 0]),
    ],
  };
  b.nodes.push(scan);
  return { rows, final: finals[0]! };
}

/** The cell's step: the new states from the states and x. */
function step(s: GraphBuilder, options: ScanDirectionOptions, states: string[], x: string): string[] {
  const { cell, weight, has } = options;
  const transB = [attributeOf.int('transB', 1)];
  /** x·W_ihᵀ (+ b): every cell's input term. */
  const inputTerm = s.op('Gemm', [x, weight('weightIh'), ...(has('bias') ? [weight('bias')] : [])], transB);
  const h = states[0]!;
  switch (cell.kind) {
    case 'lstm': {
      const c = states[1]!;
      const a = s.op('Gemm', [h, weight('weightHh'), inputTerm], transB);
      let [ai, af, ag, ao] = s.ops('Split', [a], 4, [attributeOf.int('axis', 1)]) as [string, string, string, string];
      // Peepholes w_ci, w_cf, w_co (ours in that order): i and f see c, o sees c'.
      const w = has('peephole') ? (s.ops('Split', [weight('peephole')], 3, [attributeOf.int('axis', 0)]) as [string, string, string]) : null;
      if (w !== null) {
        ai = s.op('Add', [ai, s.op('Mul', [w[0], c])]);
        af = s.op('Add', [af, s.op('Mul', [w[1], c])]);
      }
      const i = gate(s, ai, cell.gateActivation);
      const f = gate(s, af, cell.gateActivation);
      const g = s.op('Tanh', [ag]);
      const cNext = s.op('Add', [s.op('Mul', [f, c]), s.op('Mul', [i, g])]);
      if (w !== null) ao = s.op('Add', [ao, s.op('Mul', [w[2], cNext])]);
      const m = s.op('Mul', [gate(s, ao, cell.gateActivation), s.op('Tanh', [cNext])]);
      const hNext = has('weightHr') ? s.op('Gemm', [m, weight('weightHr')], transB) : m;
      return [hNext, cNext];
    }
    case 'gru': {
      const H = cell.hiddenSize;
      let r: string, z: string, a: string;
      if (cell.resetAfter !== false) {
        // r, z from the sum of both terms; the reset scales the recurrent term a_h,n (with b̂_n).
        const [xr, xz, xn] = s.ops('Split', [inputTerm], 3, [attributeOf.int('axis', 1)]);
        const [hr, hz, hn] = s.ops('Split', [s.op('Gemm', [h, weight('weightHh'), ...(has('recurrentBias') ? [weight('recurrentBias')] : [])], transB)], 3, [attributeOf.int('axis', 1)]);
        r = gate(s, s.op('Add', [xr!, hr!]), cell.gateActivation);
        z = gate(s, s.op('Add', [xz!, hz!]), cell.gateActivation);
        a = s.op('Add', [xn!, s.op('Mul', [r, hn!])]);
      } else {
        // [r z] = σ(x-term + h·W_h{r,z}ᵀ); the reset scales h before W_hn.
        const sizes = s.int64('gate_rows', [2 * H, H]);
        const [xrz, xn] = s.ops('Split', [inputTerm, sizes], 2, [attributeOf.int('axis', 1)]);
        const [wrz, wn] = s.ops('Split', [weight('weightHh'), sizes], 2, [attributeOf.int('axis', 0)]);
        [r, z] = s.ops('Split', [gate(s, s.op('Gemm', [h, wrz!, xrz!], transB), cell.gateActivation)], 2, [attributeOf.int('axis', 1)]) as [string, string];
        a = s.op('Gemm', [s.op('Mul', [r, h]), wn!, xn!], transB);
      }
      const n = activation(s, a, cell.candidateActivation === 'linear' ? 'linear' : 'tanh');
      const hNext = s.op('Add', [s.op('Mul', [s.op('Sub', [s.scalar('one', 1), z]), n]), s.op('Mul', [z, h])]);
      return [hNext];
    }
    case 'rnn':
      return [activation(s, s.op('Gemm', [h, weight('weightHh'), inputTerm], transB), cell.nonlinearity ?? 'tanh')];
  }
}

/** σ(a) for a gate activation. */
function gate(s: GraphBuilder, a: string, kind: GateActivation | undefined): string {
  switch (kind ?? 'sigmoid') {
    case 'sigmoid':
      return s.op('Sigmoid', [a]);
    case 'hardSigmoid':
      return unitClip(s, s.op('Add', [s.op('Mul', [a, s.scalar('point_two', 0.2)]), s.scalar('half', 0.5)]));
    case 'hardSigmoidKeras3':
      return unitClip(s, s.op('Add', [s.op('Div', [a, s.scalar('six', 6)]), s.scalar('half', 0.5)]));
  }
}

/** φ(a) for a candidate or Elman nonlinearity. */
function activation(s: GraphBuilder, a: string, kind: Nonlinearity): string {
  switch (kind) {
    case 'tanh':
      return s.op('Tanh', [a]);
    case 'relu':
      return s.op('Relu', [a]);
    case 'satlin':
      return unitClip(s, a);
    case 'linear':
      return a;
  }
}

/** clip(a, 0, 1). */
function unitClip(s: GraphBuilder, a: string): string {
  return s.op('Clip', [a, s.scalar('zero', 0), s.scalar('one', 1)]);
}
