/**
 * An ONNX graph under construction, shared by both export forms (onnx-export.ts, onnx-primitives.ts):
 * nodes and initializers in the model's float type, nodes named after their first output, and
 * the dense head that ends every graph.
 *
 *   head   output = input · Wᵀ (+ b): MatMul by the weight transposed to [Y, O], then Add,
 *          on rows [sequence, batch, Y] or [batch, Y]
 */
import type { Model } from '../model/model.js';
import { DOUBLE, FLOAT, INT64, tensorProto, type AttributeProto, type GraphProto, type NodeProto, type TensorProto } from './onnx-proto.js';
import { onnx } from './onnx-proto.js';

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  /** FLOAT or DOUBLE: the model's dtype. */
  readonly dataType: number;
  private count = 0;
  private readonly scalars = new Map<string, string>();

  constructor(
    dtype: Model['dtype'],
    readonly prefix = '',
  ) {
    this.dataType = dtype === 'float64' ? DOUBLE : FLOAT;
  }

  /** A subgraph's builder (a Scan body): `prefix` keeps its names apart from ours (ONNX forbids shadowing). */
  subgraph(prefix: string): GraphBuilder {
    return new GraphBuilder(this.dataType === DOUBLE ? 'float64' : 'float32', prefix);
  }

  /** An initializer, in the float type unless `type` says otherwise; gives its name. */
  constant(name: string, shape: readonly number[], data: ArrayLike<number>, type = this.dataType): string {
    this.initializers.push(tensorProto(this.prefix + name, shape, data, type));
    return this.prefix + name;
  }

  /** A scalar constant in the float type (a broadcast operand), written once however often asked for. */
  scalar(name: string, value: number): string {
    const known = this.scalars.get(name);
    if (known !== undefined) return known;
    const full = this.constant(name, [], [value]);
    this.scalars.set(name, full);
    return full;
  }

  int64(name: string, values: readonly number[]): string {
    return this.constant(name, [values.length], values, INT64);
  }

  /** One node with one output (a fresh name unless `output` is given); gives the output's name. */
  op(opType: string, input: readonly string[], attribute: AttributeProto[] = [], output?: string): string {
    return this.ops(opType, input, 1, attribute, output === undefined ? undefined : [output])[0]!;
  }

  /** One node with `n` outputs (fresh names unless given). */
  ops(opType: string, input: readonly string[], n: number, attribute: AttributeProto[] = [], outputs?: readonly string[]): string[] {
    const names = outputs !== undefined ? [...outputs] : Array.from({ length: n }, (_, k) => `${this.prefix}${opType.toLowerCase()}${this.count}${n > 1 ? `_${k}` : ''}`);
    this.count++;
    this.nodes.push({ opType, name: names.find((name) => name !== '') ?? `${this.prefix}${opType}${this.count}`, input: [...input], output: [...names], ...(attribute.length > 0 ? { attribute } : {}) });
    return names;
  }
}

export const attributeOf = {
  int: (name: string, i: number): AttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i }),
  ints: (name: string, ints: number[]): AttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints }),
};

/**
 * The dense head after the recurrent layers' output `current` — `head.weight` names its weight
 * as [Y, O] (transposed), `head.bias` its bias or null — and the graph around the builder's
 * nodes: input "input" [sequence, batch, inputSize], output "output" [sequence, batch,
 * outputSize] (or [batch, …] without sequences).
 */
export function finishGraph(model: Model, b: GraphBuilder, current: string, head: { weight: string; bias: string | null } | null): GraphProto {
  if (head !== null) {
    const product = head.bias !== null ? 'head_product' : 'output';
    b.nodes.push({ opType: 'MatMul', name: 'head', input: [current, head.weight], output: [product] });
    if (head.bias !== null) b.nodes.push({ opType: 'Add', name: 'head_bias', input: [product, head.bias], output: ['output'] });
  } else {
    b.nodes.push({ opType: 'Identity', name: 'output', input: [current], output: ['output'] });
  }
  const valueInfo = (name: string, width: number, time = true) => ({
    name,
    type: { tensorType: { elemType: b.dataType, shape: { dim: [...(time ? [{ dimParam: 'sequence' }] : []), { dimParam: 'batch' }, { dimValue: width }] } } },
  });
  return {
    name: 'online-rnn',
    node: b.nodes,
    initializer: b.initializers,
    input: [valueInfo('input', model.inputSize)],
    output: [valueInfo('output', model.outputSize, model.returnSequences)],
  };
}
