/**
 * A model as an ONNX model (IR 8, opset 14) in one of two forms, in the model's dtype (FLOAT or
 * DOUBLE), input "input" [sequence, batch, inputSize] (time-major), output "output"
 * [sequence, batch, outputSize] (or [batch, outputSize] without sequences), the dense head as
 * MatMul (+ Add) (onnx-graph.ts):
 *
 *   operators   one LSTM/GRU/RNN operator per layer (below; layouts in onnx.ts), the form other
 *               tools read as recurrent layers; onnxruntime runs it in float32 only ("does not
 *               support double yet"). The default for float32 models.
 *   primitives  each layer direction a Scan over the cell's step in MatMul-level ops
 *               (onnx-primitives.ts, onnx-scan.ts), which onnxruntime runs in float64 too, and
 *               which also holds LSTM projection and satlin cells. The default for float64 models.
 *
 * The operator form:
 *   goBackwards    Slice(starts −1, ends INT64_MIN, axis 0, steps −1) reverses the layer's input
 *                  in time; the operator then runs as usual, so its rows come in the order it
 *                  read the input (Keras's go_backwards, ours; for D = 2 too: the forward copy
 *                  reads backwards and the backward copy forwards)
 *   layer          Y [sequence, D, batch, H] → Squeeze(axis 1), or for D = 2
 *                  Transpose(0, 2, 1, 3) + Reshape(0, 0, −1) → [sequence, batch, 2H] = [forward; backward],
 *                  or merged: ReduceSum / ReduceMean / ReduceProd over the direction axis (sum, ave, mul)
 *   last layer,    Y_h [D, batch, H], each direction's state after reading the whole sequence
 *   returnSequences false  (Keras's output): Squeeze(axis 0), Transpose(1, 0, 2) + Reshape(0, −1),
 *                  or the merge over axis 0 → [batch, width]
 *
 * Refused by name, having no ONNX operator form: LSTM projection, satlin Elman cells. The identity
 * (linear Elman cells, a GRU's linear candidate) is Affine(α = 1, β = 0).
 * Keras 3's hard sigmoid is written as HardSigmoid(α = 1/6).
 */
import type { Model } from '../model/model.js';
import { interopCell, type InteropCellConfig } from '../kinds/cells.js';
import type { GateActivation } from '../tensor/activations.js';
import { paramView } from '../cells/cell.js';
import type { MergeMode } from '../model/config.js';
import { INT64, onnx, type AttributeProto, type GraphProto, type NodeProto } from './onnx-proto.js';
import { GraphBuilder, finishGraph } from './onnx-graph.js';
import { ONNX_CONFIG_KEY, primitiveGraph } from './onnx-primitives.js';
import { encodeModelConfig } from './model-format.js';
import { ONNX_GATE, ONNX_MERGE, ONNX_OPSET, ONNX_OPS, gateFunction, swapPeepholes } from './onnx.js';

/** INT64_MIN: the end of a backward Slice over a dimension of any size, as the ONNX spec advises. */
const SLICE_TO_START = -(2 ** 63);

/** The two ONNX forms a model exports to (docs/formats.md): see the header and onnx-primitives.ts. */
export type OnnxForm = 'operators' | 'primitives';
export const ONNX_FORMS: readonly OnnxForm[] = ['operators', 'primitives'];

export interface OnnxExportOptions {
  /**
   * 'operators': one LSTM/GRU/RNN operator per layer (onnxruntime runs it in float32 only);
   * 'primitives': each layer a Scan over the cell's step in MatMul-level ops (onnx-primitives.ts),
   * which onnxruntime runs in float64 too, and which holds LSTM projection and satlin cells.
   * @default 'primitives' for a float64 model, 'operators' for a float32 one
   */
  form?: OnnxForm;
}

/** The form a model exports to without being told: the one onnxruntime runs in its dtype. */
export function defaultOnnxForm(dtype: Model['dtype']): OnnxForm {
  return dtype === 'float64' ? 'primitives' : 'operators';
}

export function exportOnnx(model: Model, options: OnnxExportOptions = {}): Uint8Array {
  const form = options.form ?? defaultOnnxForm(model.dtype);
  if (!ONNX_FORMS.includes(form)) throw new TypeError(`onnx export: form must be one of ${ONNX_FORMS.join(', ')}, got ${JSON.stringify(form)}`);
  const graph = form === 'operators' ? operatorGraph(model) : primitiveGraph(model);
  // The primitive form carries its config: its import reads that, not the graph (onnx-primitives.ts).
  const metadataProps = form === 'primitives' ? [{ key: ONNX_CONFIG_KEY, value: encodeModelConfig(model.config) }] : [];
  const message = onnx.ModelProto.create({ irVersion: 8, producerName: 'online-rnn', opsetImport: [{ domain: '', version: ONNX_OPSET }], graph, metadataProps });
  return onnx.ModelProto.encode(message).finish();
}

/** The operator form's graph: one LSTM/GRU/RNN operator per layer. */
function operatorGraph(model: Model): GraphProto {
  const config = model.config;
  const b = new GraphBuilder(model.dtype);
  const { nodes } = b;
  const constant = b.constant.bind(b);
  const sequences = model.returnSequences;
  let current = 'input';
  model.layers.forEach((layer, l) => {
    const where = `onnx export: layer ${l}`;
    const cellConfig = interopCell(config.layers[l]!.cell, 'pytorch', where);
    if (layer.goBackwards) {
      const int64 = (name: string, value: number) => constant(`${name}${l}`, [1], [value], INT64);
      nodes.push({ opType: 'Slice', name: `layer${l}_backwards`, input: [current, int64('reverse_starts', -1), int64('reverse_ends', SLICE_TO_START), int64('reverse_axes', 0), int64('reverse_steps', -1)], output: [`X${l}`] });
      current = `X${l}`;
    }
    const attributes = operatorAttributes(cellConfig, layer.cells.length, where);
    const gates = ONNX_GATE[cellConfig.kind];
    const H = cellConfig.hiddenSize;
    const G = gates.length;
    const D = layer.cells.length;
    const inputSize = layer.cells[0]!.inputSize;
    const W: number[] = [];
    const R: number[] = [];
    const B: number[] = [];
    const P: number[] = [];
    layer.cells.forEach((cell, d) => {
      const theta = model.cellTheta(l, d);
      W.push(...onnxRows(paramView(cell, theta, 'weightIh'), H, gates, inputSize));
      R.push(...onnxRows(paramView(cell, theta, 'weightHh'), H, gates, H));
      if (cellConfig.bias !== false) {
        B.push(...onnxRows(paramView(cell, theta, 'bias'), H, gates, 1));
        const resetAfter = cell.params.some((p) => p.name === 'recurrentBias');
        B.push(...(resetAfter ? onnxRows(paramView(cell, theta, 'recurrentBias'), H, gates, 1) : new Array<number>(G * H).fill(0)));
      }
      if (cellConfig.kind === 'lstm' && cellConfig.peephole === true) P.push(...swapPeepholes(paramView(cell, theta, 'peephole'), H));
    });
    const inputs = [current, constant(`W${l}`, [D, G * H, inputSize], W), constant(`R${l}`, [D, G * H, H], R), B.length > 0 ? constant(`B${l}`, [D, 2 * G * H], B) : ''];
    if (P.length > 0) inputs.push('', '', '', constant(`P${l}`, [D, 3 * H], P));
    // The last layer of a model without sequences gives only Y_h, each direction's final state.
    const final = !sequences && l === model.layers.length - 1;
    nodes.push({ opType: ONNX_OPS[cellConfig.kind], name: `layer${l}`, input: inputs, output: final ? ['', `Y${l}`] : [`Y${l}`], attribute: attributes });
    nodes.push(...directionsToRows(`Y${l}`, `H${l}`, `layer${l}`, D, layer.merge, final, constant));
    current = `H${l}`;
  });
  let head = null;
  if (model.head !== null) {
    const { inputSize: Y, outputSize: O } = model.head;
    const weight = model.headTheta!.subarray(0, O * Y);
    const transposed = new Float64Array(Y * O);
    for (let o = 0; o < O; o++) for (let y = 0; y < Y; y++) transposed[y * O + o] = weight[o * Y + y]!;
    head = { weight: constant('head_weight', [Y, O], transposed), bias: model.head.bias ? constant('head_bias', [O], model.headTheta!.subarray(O * Y)) : null };
  }
  return finishGraph(model, b, current, head);
}

/**
 * The nodes from an operator's Y [T, D, B, H] (or, `final`, its Y_h [D, B, H]) to rows of the
 * layer's output [T, B, width] (or [B, width]): the direction axis squeezed, concatenated
 * [forward; backward], or merged.
 */
function directionsToRows(Y: string, out: string, name: string, D: number, merge: MergeMode, final: boolean, constant: (name: string, shape: readonly number[], data: ArrayLike<number>, type?: number) => string): NodeProto[] {
  const { INTS, INT } = onnx.AttributeProto.AttributeType;
  const axis = final ? 0 : 1;
  if (D === 1) return [{ opType: 'Squeeze', name: `${name}_squeeze`, input: [Y, constant(`${name}_axes`, [1], [axis], INT64)], output: [out] }];
  if (merge === 'concat') {
    return [
      { opType: 'Transpose', name: `${name}_transpose`, input: [Y], output: [`${Y}_transposed`], attribute: [{ name: 'perm', type: INTS, ints: final ? [1, 0, 2] : [0, 2, 1, 3] }] },
      { opType: 'Reshape', name: `${name}_concat`, input: [`${Y}_transposed`, constant(`${name}_shape`, [final ? 2 : 3], final ? [0, -1] : [0, 0, -1], INT64)], output: [out] },
    ];
  }
  // Opset 14: ReduceSum takes its axes as an input, ReduceMean and ReduceProd as an attribute.
  const op = ONNX_MERGE[merge];
  const keepdims: AttributeProto = { name: 'keepdims', type: INT, i: 0 };
  return op === 'ReduceSum'
    ? [{ opType: op, name: `${name}_${merge}`, input: [Y, constant(`${name}_axes`, [1], [axis], INT64)], output: [out], attribute: [keepdims] }]
    : [{ opType: op, name: `${name}_${merge}`, input: [Y], output: [out], attribute: [{ name: 'axes', type: INTS, ints: [axis] }, keepdims] }];
}

/** hidden_size, direction, activations (with HardSigmoid's α, β) and GRU's linear_before_reset. */
function operatorAttributes(cell: InteropCellConfig, directions: number, where: string): AttributeProto[] {
  const { INT, STRING, STRINGS, FLOATS } = onnx.AttributeProto.AttributeType;
  const text = (s: string) => new TextEncoder().encode(s);
  const attributes: AttributeProto[] = [
    { name: 'hidden_size', type: INT, i: cell.hiddenSize },
    { name: 'direction', type: STRING, s: text(directions === 2 ? 'bidirectional' : 'forward') },
  ];
  let functions: string[];
  const alpha: number[] = [];
  const beta: number[] = [];
  const gate = (activation: GateActivation | undefined) => {
    const f = gateFunction(activation ?? 'sigmoid');
    if (f.alpha !== undefined) {
      alpha.push(f.alpha);
      beta.push(f.beta!);
    }
    return f.name;
  };
  // The identity is ONNX's Affine(α = 1, β = 0).
  const identity = () => {
    alpha.push(1);
    beta.push(0);
    return 'Affine';
  };
  switch (cell.kind) {
    case 'lstm':
      if (cell.projSize !== undefined) throw new TypeError(`${where}: LSTM projection (projSize) has no ONNX operator form (the LSTM operator has no projection); export with form 'primitives' (--onnx-form primitives)`);
      functions = [gate(cell.gateActivation), 'Tanh', 'Tanh'];
      break;
    case 'gru':
      functions = [gate(cell.gateActivation), cell.candidateActivation === 'linear' ? identity() : 'Tanh'];
      attributes.push({ name: 'linear_before_reset', type: INT, i: cell.resetAfter === false ? 0 : 1 });
      break;
    case 'rnn': {
      const f = cell.nonlinearity ?? 'tanh';
      if (f === 'satlin') throw new TypeError(`${where}: RNN nonlinearity ${f} has no ONNX RNN activation (tanh, relu, linear); export with form 'primitives' (--onnx-form primitives)`);
      functions = [f === 'tanh' ? 'Tanh' : f === 'relu' ? 'Relu' : identity()];
      break;
    }
  }
  const repeat = <T>(list: T[]) => (directions === 2 ? [...list, ...list] : list);
  attributes.push({ name: 'activations', type: STRINGS, strings: repeat(functions).map(text) });
  if (alpha.length > 0) attributes.push({ name: 'activation_alpha', type: FLOATS, floats: repeat(alpha) }, { name: 'activation_beta', type: FLOATS, floats: repeat(beta) });
  return attributes;
}

/** Ours (G·H × cols), gates in our order → ONNX's rows, gates in ONNX order (no transpose). */
function onnxRows(block: ArrayLike<number>, H: number, gates: readonly number[], cols: number): number[] {
  const out = new Array<number>(gates.length * H * cols);
  gates.forEach((onnxGate, g) => {
    for (let j = 0; j < H * cols; j++) out[onnxGate * H * cols + j] = block[g * H * cols + j]!;
  });
  return out;
}
