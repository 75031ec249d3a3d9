/**
 * A model as an ONNX graph (opset 14): one LSTM/GRU/RNN operator per layer, then the dense
 * head as MatMul (+ Add), in the model's dtype (FLOAT or DOUBLE). Layouts in onnx.ts.
 *
 *   input  "input"  [sequence, batch, inputSize]   (time-major, the operators' layout 0)
 *   layer          Y [sequence, D, batch, H] → Squeeze(axis 1), or for D = 2
 *                  Transpose(0, 2, 1, 3) + Reshape(0, 0, −1) → [sequence, batch, 2H] = [forward; backward]
 *   output "output" [sequence, batch, outputSize]
 *
 * Refused by name, having no ONNX operator form: LSTM projection, Keras 3's hard sigmoid is
 * written as HardSigmoid(α = 1/6), satlin and linear Elman cells, goBackwards, merge modes
 * other than concat, returnSequences false.
 */
import type { Model } from '../model/model.js';
import { interopCell, type InteropCellConfig } from '../kinds/cells.js';
import type { GateActivation } from '../tensor/activations.js';
import { paramView } from '../cells/cell.js';
import { DOUBLE, FLOAT, INT64, onnx, tensorProto, type AttributeProto, type NodeProto, type TensorProto } from './onnx-proto.js';
import { ONNX_GATE, ONNX_OPSET, ONNX_OPS, gateFunction, swapPeepholes } from './onnx.js';

export function exportOnnx(model: Model): Uint8Array {
  const config = model.config;
  const dataType = model.dtype === 'float64' ? DOUBLE : FLOAT;
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const constant = (name: string, shape: readonly number[], data: ArrayLike<number>, type = dataType) => {
    initializers.push(tensorProto(name, shape, data, type));
    return name;
  };
  if (config.returnSequences === false) throw new TypeError('onnx export: returnSequences false has no form here; export a model that returns sequences');
  let current = 'input';
  model.layers.forEach((layer, l) => {
    const where = `onnx export: layer ${l}`;
    const cellConfig = interopCell(config.layers[l]!.cell, 'pytorch', where);
    if (layer.goBackwards) throw new TypeError(`${where}: goBackwards has no ONNX operator form`);
    if (layer.merge !== 'concat') throw new TypeError(`${where}: merge ${layer.merge} has no ONNX operator form (the bidirectional operators concatenate)`);
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
    nodes.push({ opType: ONNX_OPS[cellConfig.kind], name: `layer${l}`, input: inputs, output: [`Y${l}`], attribute: attributes });
    if (D === 1) {
      nodes.push({ opType: 'Squeeze', name: `layer${l}_squeeze`, input: [`Y${l}`, constant(`axes${l}`, [1], [1], INT64)], output: [`H${l}`] });
    } else {
      nodes.push({ opType: 'Transpose', name: `layer${l}_transpose`, input: [`Y${l}`], output: [`T${l}`], attribute: [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 2, 1, 3] }] });
      nodes.push({ opType: 'Reshape', name: `layer${l}_concat`, input: [`T${l}`, constant(`shape${l}`, [3], [0, 0, -1], INT64)], output: [`H${l}`] });
    }
    current = `H${l}`;
  });
  const last = model.layers.length - 1;
  if (model.head !== null) {
    const { inputSize: Y, outputSize: O } = model.head;
    const weight = model.headTheta!.subarray(0, O * Y);
    const transposed = new Float64Array(Y * O);
    for (let o = 0; o < O; o++) for (let y = 0; y < Y; y++) transposed[y * O + o] = weight[o * Y + y]!;
    const product = model.head.bias ? 'head_product' : 'output';
    nodes.push({ opType: 'MatMul', name: 'head', input: [current, constant('head_weight', [Y, O], transposed)], output: [product] });
    if (model.head.bias) nodes.push({ opType: 'Add', name: 'head_bias', input: [product, constant('head_bias', [O], model.headTheta!.subarray(O * Y))], output: ['output'] });
  } else {
    nodes.push({ opType: 'Identity', name: 'output', input: [current], output: ['output'] });
  }
  const valueInfo = (name: string, width: number) => ({
    name,
    type: { tensorType: { elemType: dataType, shape: { dim: [{ dimParam: 'sequence' }, { dimParam: 'batch' }, { dimValue: width }] } } },
  });
  const graph = {
    name: 'online-rnn',
    node: nodes,
    initializer: initializers,
    input: [valueInfo('input', model.inputSize)],
    output: [valueInfo('output', model.head?.outputSize ?? model.layers[last]!.outputSize)],
  };
  const message = onnx.ModelProto.create({ irVersion: 8, producerName: 'online-rnn', opsetImport: [{ domain: '', version: ONNX_OPSET }], graph });
  return onnx.ModelProto.encode(message).finish();
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
  switch (cell.kind) {
    case 'lstm':
      if (cell.projSize !== undefined) throw new TypeError(`${where}: LSTM projection (projSize) has no ONNX form; the LSTM operator has no projection`);
      functions = [gate(cell.gateActivation), 'Tanh', 'Tanh'];
      break;
    case 'gru':
      functions = [gate(cell.gateActivation), 'Tanh'];
      attributes.push({ name: 'linear_before_reset', type: INT, i: cell.resetAfter === false ? 0 : 1 });
      break;
    case 'rnn': {
      const f = cell.nonlinearity ?? 'tanh';
      if (f !== 'tanh' && f !== 'relu') throw new TypeError(`${where}: RNN nonlinearity ${f} has no ONNX RNN activation here (tanh, relu)`);
      functions = [f === 'tanh' ? 'Tanh' : 'Relu'];
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
