/**
 * The primitive ONNX form: a model as a graph of ops that onnxruntime runs in float64 as well as
 * float32 — each layer direction a Scan over its cell's step (onnx-scan.ts) — and its import.
 *
 *   weights        initializers under our tensor names and layouts (model-format.ts:
 *                  layers.0.forward.weightIh, …, head.weight, head.bias), in the model's float type
 *   zero states    ConstantOfShape([batch, n]), batch read from the input's shape
 *   direction d    Scan reading x from the end when goBackwards XOR d = backward, stacking its
 *                  rows from the end when d = backward: row t of a backward copy is its state
 *                  after reading T−1 … t (or 0 … T−1−t with goBackwards), as our forward's
 *   merge          concat: Concat(axis −1) → [forward; backward]; sum: Add; ave: Div(Add, 2); mul: Mul
 *   last layer,    each direction's final state (Scan's final h), merged the same way
 *   returnSequences false
 *   head           Transpose(head.weight) → MatMul (+ Add head.bias), as in onnx-graph.ts
 *   metadata       metadata_props "online-rnn.config": the model's config.json
 *
 * Import reads the config from the metadata and the weights from the initializers (each
 * shape checked before anything is allocated), then requires the graph to be exactly the one
 * this file writes for that model, so what is imported is what the file computes; anything
 * else is refused naming the first node, initializer or value that differs.
 */
import type { Model } from '../model/model.js';
import type { DType } from '../tensor/dtype.js';
import { decodeModelConfig, modelTensors } from './model-format.js';
import { modelFromTensors } from './tensors-to-model.js';
import { FormatError } from './safetensors.js';
import { GraphBuilder, attributeOf, finishGraph } from './onnx-graph.js';
import { scanDirection } from './onnx-scan.js';
import { onnx, readTensorProto, tensorProto, type GraphProto, type ModelProto } from './onnx-proto.js';

/** The metadata_props key holding the model's config.json. */
export const ONNX_CONFIG_KEY = 'online-rnn.config';

export function primitiveGraph(model: Model): GraphProto {
  const config = model.config;
  const b = new GraphBuilder(model.dtype);
  for (const { name, shape, data } of modelTensors(config, model.theta)) b.constant(name, shape, data);
  const batch = b.op('Slice', [b.op('Shape', ['input'], [], 'input_shape'), b.int64('batch_start', [1]), b.int64('batch_end', [2])], [], 'batch');
  const zeros = new Map<number, string>();
  const zerosOf = (n: number) => {
    if (!zeros.has(n)) {
      const value = { name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: tensorProto('', [1], [0], b.dataType) };
      zeros.set(n, b.op('ConstantOfShape', [b.op('Concat', [batch, b.int64(`width_${n}`, [n])], [attributeOf.int('axis', 0)], `state_shape_${n}`)], [value], `zeros_${n}`));
    }
    return zeros.get(n)!;
  };
  let current = 'input';
  model.layers.forEach((layer, l) => {
    const cell = config.layers[l]!.cell;
    if (cell.kind !== 'lstm' && cell.kind !== 'gru' && cell.kind !== 'rnn') throw new TypeError(`onnx export: layer ${l}: the ${cell.kind} cell has no ONNX form (lstm, gru, rnn)`);
    const final = !model.returnSequences && l === model.layers.length - 1;
    const parts = layer.cells.map((directionCell, d) => {
      const direction = d === 0 ? 'forward' : 'backward';
      const blocks = new Set(directionCell.params.map((p) => p.name));
      const { rows, final: last } = scanDirection(b, {
        cell,
        weight: (block) => `layers.${l}.${direction}.${block}`,
        has: (block) => blocks.has(block),
        input: current,
        inputSize: directionCell.inputSize,
        zeros: zerosOf,
        readsBackwards: layer.goBackwards !== (d === 1),
        writesBackwards: d === 1,
        prefix: `layer${l}_${direction}/`,
      });
      return final ? last : rows;
    });
    const out = `H${l}`;
    if (parts.length === 1) current = parts[0]!;
    else if (layer.merge === 'concat') current = b.op('Concat', parts, [attributeOf.int('axis', -1)], out);
    else if (layer.merge === 'sum') current = b.op('Add', parts, [], out);
    else if (layer.merge === 'mul') current = b.op('Mul', parts, [], out);
    else current = b.op('Div', [b.op('Add', parts), b.scalar('two', 2)], [], out);
  });
  const head = model.head === null ? null : { weight: b.op('Transpose', ['head.weight'], [], 'head_weight'), bias: model.head.bias ? 'head.bias' : null };
  return finishGraph(model, b, current, head);
}

/** A model from a primitive-form file whose metadata holds `configText`. */
export function importPrimitives(file: ModelProto, configText: string, options: { source: string; dtype?: DType }): Model {
  const { source } = options;
  const fail = (problem: string): never => {
    throw new FormatError(`${source}: ${problem}`);
  };
  const config = decodeModelConfig(configText, `${source}: metadata ${ONNX_CONFIG_KEY}`);
  const graph = file.graph!;
  const tensors = new Map<string, { shape: readonly number[]; data: Float64Array }>();
  for (const [k, tensor] of (graph.initializer ?? []).entries()) {
    const name = tensor.name ?? '';
    // The weights; the graph's other constants are checked with its nodes below.
    if (!name.startsWith('layers.') && !name.startsWith('head.')) continue;
    if (tensors.has(name)) fail(`initializer '${name}' appears twice`);
    tensors.set(name, readTensorProto(tensor, `${source}: initializer ${k} '${name}'`));
  }
  const model = modelFromTensors(config, tensors, source);
  let expected: GraphProto;
  try {
    expected = primitiveGraph(model);
  } catch (e) {
    return fail((e as Error).message);
  }
  const difference = graphDifference(graph, expected);
  if (difference !== null) fail(`${difference} is not what online-rnn writes for the config in its metadata (only online-rnn's own primitive-form graphs are read)`);
  return options.dtype === undefined || options.dtype === model.dtype ? model : modelFromTensors({ ...config, dtype: options.dtype }, tensors, source);
}

/** The first part of `graph` whose encoding differs from `expected`'s, named, or null. */
function graphDifference(graph: GraphProto, expected: GraphProto): string | null {
  const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);
  const lists = [
    ['node', (graph.node ?? []).map((n) => onnx.NodeProto.encode(n).finish()), (expected.node ?? []).map((n) => onnx.NodeProto.encode(n).finish()), (graph.node ?? []).map((n) => `'${n.name ?? ''}' (${n.opType ?? ''})`)],
    ['initializer', (graph.initializer ?? []).map((t) => onnx.TensorProto.encode(t).finish()), (expected.initializer ?? []).map((t) => onnx.TensorProto.encode(t).finish()), (graph.initializer ?? []).map((t) => `'${t.name ?? ''}'`)],
    ['input', (graph.input ?? []).map((v) => onnx.ValueInfoProto.encode(v).finish()), (expected.input ?? []).map((v) => onnx.ValueInfoProto.encode(v).finish()), (graph.input ?? []).map((v) => `'${v.name ?? ''}'`)],
    ['output', (graph.output ?? []).map((v) => onnx.ValueInfoProto.encode(v).finish()), (expected.output ?? []).map((v) => onnx.ValueInfoProto.encode(v).finish()), (graph.output ?? []).map((v) => `'${v.name ?? ''}'`)],
  ] as const;
  for (const [what, found, wanted, names] of lists) {
    const k = found.findIndex((bytes, i) => i >= wanted.length || !same(bytes, wanted[i]!));
    if (k >= 0) return `graph ${what} ${k} ${names[k]}`;
    if (found.length !== wanted.length) return `the graph's ${what} list (${found.length} entries, online-rnn writes ${wanted.length})`;
  }
  return same(onnx.GraphProto.encode(graph).finish(), onnx.GraphProto.encode(expected).finish()) ? null : 'the graph (its name, value_info or other fields)';
}
