/**
 * ONNX models (a ModelProto, protobuf): the conventions of the LSTM, GRU and RNN operators
 * (onnx.ai operator definitions, layout 0), and import; export is in onnx-export.ts.
 *
 *   W [D, G·H, I], R [D, G·H, H]   rows in ONNX's gate order, ours without transposing:
 *                                  LSTM i, o, f, c (ours i, f, g, o); GRU z, r, h (ours r, z, n)
 *   B [D, 2·G·H] = [Wb; Rb]        summed into our bias, except a GRU with
 *                                  linear_before_reset = 1 (our resetAfter): Wb → bias, Rb → recurrentBias
 *   P [D, 3H]                      LSTM peepholes in ONNX's order i, o, f; ours are i, f, o
 *   activations                    f: Sigmoid, or HardSigmoid(α, β) with (0.2, 0.5) TF.js's and
 *                                  (1/6, 0.5) Keras 3's; g, h: Tanh (RNN: Tanh or Relu)
 *   Y [T, D, B, H]                 direction d of step t, time-aligned (the reverse direction's
 *                                  row t is its state after reading T−1 … t), as ours
 *
 * Import follows the chain from the graph's one input: LSTM/GRU/RNN nodes, the layout-only
 * Squeeze / Transpose(0, 2, 1, 3) + Reshape(0, 0, −1) between them, then an optional head
 * MatMul (+ Add) with constant weights, to the graph's first output. A graph ending at a
 * bidirectional operator's Y gives, for batch 1, exactly our [forward; backward] rows.
 * Also read, as onnx-export.ts writes them: a time-reversing Slice before an operator
 * (goBackwards), ReduceSum / ReduceMean / ReduceProd over the direction axis (merge sum, ave,
 * mul), and a last operator followed through its Y_h (returnSequences false).
 * Anything else — another operator, a sequence_lens or initial state baked into the graph,
 * clip, input_forget, layout 1 — is refused by name.
 * A file of online-rnn's primitive form (its metadata_props hold "online-rnn.config") is read
 * by onnx-primitives.ts instead.
 */
import type { DType } from '../tensor/dtype.js';
import type { GateActivation } from '../tensor/activations.js';
import type { LayerConfig, ModelConfig } from '../model/config.js';
import type { InteropCellConfig } from '../kinds/cells.js';
import type { Model } from '../model/model.js';
import { FormatError } from './safetensors.js';
import { parseConfigIn } from './model-format.js';
import { modelFromTensors } from './tensors-to-model.js';
import { attribute, int, onnx, readTensorProto, DOUBLE, type ModelProto, type NodeProto } from './onnx-proto.js';
import { ONNX_CONFIG_KEY, importPrimitives } from './onnx-primitives.js';

export const ONNX_OPSET = 14;
export const ONNX_OPS = { lstm: 'LSTM', gru: 'GRU', rnn: 'RNN' } as const;
/** A bidirectional layer's merge as the reduction over the direction axis. */
export const ONNX_MERGE = { sum: 'ReduceSum', ave: 'ReduceMean', mul: 'ReduceProd' } as const;
/** A backward Slice's end at or below this reaches the start of any sequence. */
const SLICE_END_LIMIT = -(2 ** 31);

/** Our gate block g holds ONNX's gate ONNX_GATE[g]. */
export const ONNX_GATE: Readonly<Record<InteropCellConfig['kind'], readonly number[]>> = { lstm: [0, 2, 3, 1], gru: [1, 0, 2], rnn: [0] };

/** Our gate activation as an ONNX activation function and its (α, β). */
export function gateFunction(activation: GateActivation): { name: string; alpha?: number; beta?: number } {
  switch (activation) {
    case 'sigmoid':
      return { name: 'Sigmoid' };
    case 'hardSigmoid':
      return { name: 'HardSigmoid', alpha: 0.2, beta: 0.5 };
    case 'hardSigmoidKeras3':
      return { name: 'HardSigmoid', alpha: 1 / 6, beta: 0.5 };
  }
}

/** ONNX activation functions that take α (and β), with their defaults, as the spec lists them. */
const PARAMETERS: Readonly<Record<string, readonly number[]>> = { HardSigmoid: [0.2, 0.5], Affine: [1, 0], LeakyRelu: [0.01], ThresholdedRelu: [1], ScaledTanh: [1, 1], Elu: [1] };

export interface OnnxImportOptions {
  /** @default the initializers' type: float64 for DOUBLE, float32 for FLOAT */
  dtype?: DType;
  /** For messages. @default 'model.onnx' */
  source?: string;
}

/** A model from an ONNX file's bytes. */
export function importOnnx(bytes: Uint8Array, options: OnnxImportOptions = {}): Model {
  const source = options.source ?? 'model.onnx';
  const fail = (problem: string): never => {
    throw new FormatError(`${source}: ${problem}`);
  };
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    return fail(`not an ONNX model (${(e as Error).message})`);
  }
  const graph = model.graph ?? fail('the model has no graph');
  const opset = (model.opsetImport ?? []).find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  if (opset === undefined) fail('opset_import has no entry for the default ONNX domain');
  if (int(opset!.version, 'opset_import version') < 7) fail(`opset ${int(opset!.version, 'opset')} is older than 7, the first with today's LSTM, GRU and RNN`);
  // online-rnn's primitive form (onnx-primitives.ts) carries its config.
  const config = (model.metadataProps ?? []).find((entry) => entry.key === ONNX_CONFIG_KEY);
  if (config !== undefined) return importPrimitives(model, config.value ?? '', { source, ...(options.dtype === undefined ? {} : { dtype: options.dtype }) });

  const initializers = new Map<string, { shape: number[]; data: Float64Array; dataType: number }>();
  for (const [k, tensor] of (graph.initializer ?? []).entries()) {
    const name = tensor.name ?? '';
    if (initializers.has(name)) fail(`initializer '${name}' appears twice`);
    initializers.set(name, readTensorProto(tensor, `${source}: initializer ${k} '${name}'`));
  }
  const inputs = (graph.input ?? []).map((i) => i.name ?? '').filter((name) => !initializers.has(name));
  if (inputs.length !== 1) fail(`the graph must have exactly one input besides its initializers (the sequence), got ${inputs.length}${inputs.length > 0 ? ` (${inputs.join(', ')})` : ''}`);
  const outputs = (graph.output ?? []).map((o) => o.name ?? '');
  if (outputs.length === 0) fail('the graph has no output');
  const nodes = graph.node ?? [];
  const constant = (name: string | null | undefined, where: string) => initializers.get(name ?? '') ?? fail(`${where}: '${name ?? ''}' must be a constant (an initializer)`);
  const floatTypes = new Set<number>();

  const layers: LayerConfig[] = [];
  const tensors = new Map<string, { shape: readonly number[]; data: ArrayLike<number> }>();
  interface Head {
    weight: Float64Array;
    bias: Float64Array | null;
    Y: number;
    O: number;
  }
  let head = null as Head | null;
  let current = inputs[0]!;
  /**
   * Where the chain is: a layer's 4-D Y or 3-D Y_h (final, with its D), its transpose, a
   * [T, B, width] or [B, width] tensor, or the head's MatMul.
   */
  let stage: { kind: 'Y'; D: number; H: number; final: boolean } | { kind: 'transposed'; D: number; H: number; final: boolean } | { kind: 'rows' } | { kind: 'product' } = { kind: 'rows' };
  let inputSize = 0;
  /** A time-reversing Slice was read: the next operator's layer goes backwards. */
  let backwards = false;
  /** The chain has passed a Y_h: no sequence is left for another layer. */
  let finalOnly = false;
  const visited = new Set<NodeProto>();
  while (current !== outputs[0]) {
    const consumers = nodes.filter((n) => (n.input ?? []).includes(current));
    if (consumers.length !== 1) fail(`'${current}' must feed exactly one node on the way to output '${outputs[0]}', but feeds ${consumers.length}`);
    const node = consumers[0]!;
    if (visited.has(node)) fail(`node '${node.name ?? ''}' forms a cycle`);
    visited.add(node);
    const where = `node '${node.name ?? ''}' (${node.opType ?? ''})`;
    const nodeInputs = node.input ?? [];
    let output = (node.output ?? [])[0] ?? fail(`${where} has no output`);
    if (nodeInputs[0] !== current) fail(`${where}: '${current}' must be its first input`);
    if (backwards && !['LSTM', 'GRU', 'RNN'].includes(node.opType ?? '')) fail(`${where}: a time-reversing Slice must feed an LSTM, GRU or RNN`);
    switch (node.opType) {
      case 'LSTM':
      case 'GRU':
      case 'RNN': {
        if (stage.kind !== 'rows' || finalOnly) fail(`${where} must read a [sequence, batch, features] tensor`);
        const l = layers.length;
        const layer: LayerConfig = { ...recurrentLayer(node, where, fail), ...(backwards ? { goBackwards: true } : {}) };
        backwards = false;
        // Y empty and Y_h named: the chain goes on with each direction's final state.
        const final = output === '' && ((node.output ?? [])[1] ?? '') !== '';
        if (final) output = node.output![1]!;
        const D = layer.bidirectional === true ? 2 : 1;
        const cell = layer.cell as InteropCellConfig;
        const H = cell.hiddenSize;
        const gates = ONNX_GATE[cell.kind];
        const G = gates.length;
        const W = constant(nodeInputs[1], `${where} W`);
        const R = constant(nodeInputs[2], `${where} R`);
        floatTypes.add(W.dataType).add(R.dataType);
        if (W.shape.length !== 3 || W.shape[0] !== D || W.shape[1] !== G * H) fail(`${where}: W has shape [${W.shape.join(', ')}] but needs [${D}, ${G * H}, input size]`);
        const I = W.shape[2]!;
        if (l === 0) inputSize = I;
        const expectShape = (name: string, t: { shape: readonly number[] }, shape: number[]) => {
          if (t.shape.length !== shape.length || t.shape.some((n, i) => n !== shape[i])) fail(`${where}: ${name} has shape [${t.shape.join(', ')}] but needs [${shape.join(', ')}]`);
        };
        expectShape('R', R, [D, G * H, H]);
        const hasBias = (nodeInputs[3] ?? '') !== '';
        const B = hasBias ? constant(nodeInputs[3], `${where} B`) : null;
        if (B !== null) {
          expectShape('B', B, [D, 2 * G * H]);
          floatTypes.add(B.dataType);
        }
        for (const [k, name] of [[4, 'sequence_lens'], [5, 'initial_h'], [6, 'initial_c']] as const) {
          if ((nodeInputs[k] ?? '') !== '') fail(`${where}: input ${name} is not supported (give initial states to forward instead)`);
        }
        const P = (nodeInputs[7] ?? '') !== '' ? constant(nodeInputs[7], `${where} P`) : null;
        if (P !== null) {
          if (cell.kind !== 'lstm') fail(`${where}: only LSTM has peepholes (P)`);
          expectShape('P', P, [D, 3 * H]);
        }
        if (nodeInputs.length > (cell.kind === 'lstm' ? 8 : 6)) fail(`${where} has ${nodeInputs.length} inputs`);
        const full: InteropCellConfig = cell.kind === 'lstm' ? { ...cell, bias: hasBias, ...(P !== null ? { peephole: true } : {}) } : { ...cell, bias: hasBias };
        const resetAfter = full.kind === 'gru' && full.resetAfter === true;
        for (let d = 0; d < D; d++) {
          const ours = `layers.${l}.${d === 0 ? 'forward' : 'backward'}`;
          tensors.set(`${ours}.weightIh`, { shape: [G * H, I], data: ourRows(W.data.subarray(d * G * H * I, (d + 1) * G * H * I), H, gates, I) });
          tensors.set(`${ours}.weightHh`, { shape: [G * H, H], data: ourRows(R.data.subarray(d * G * H * H, (d + 1) * G * H * H), H, gates, H) });
          if (B !== null) {
            const Wb = ourRows(B.data.subarray(d * 2 * G * H, d * 2 * G * H + G * H), H, gates, 1);
            const Rb = ourRows(B.data.subarray(d * 2 * G * H + G * H, (d + 1) * 2 * G * H), H, gates, 1);
            if (resetAfter) {
              tensors.set(`${ours}.bias`, { shape: [G * H], data: Wb });
              tensors.set(`${ours}.recurrentBias`, { shape: [G * H], data: Rb });
            } else tensors.set(`${ours}.bias`, { shape: [G * H], data: Wb.map((v, i) => v + Rb[i]!) });
          }
          if (P !== null) tensors.set(`${ours}.peephole`, { shape: [3 * H], data: swapPeepholes(P.data.subarray(d * 3 * H, (d + 1) * 3 * H), H) });
        }
        layers.push({ ...layer, cell: full });
        stage = { kind: 'Y', D, H, final };
        finalOnly = final;
        break;
      }
      case 'Slice': {
        const [starts, ends, axes, steps] = [1, 2, 3, 4].map((k) => ((nodeInputs[k] ?? '') === '' ? null : Array.from(constant(nodeInputs[k], `${where} input ${k}`).data)));
        const reverses = stage.kind === 'rows' && !finalOnly && starts?.length === 1 && starts[0] === -1 && ends?.length === 1 && ends[0]! <= SLICE_END_LIMIT && axes?.length === 1 && axes[0] === 0 && steps?.length === 1 && steps[0] === -1;
        if (!reverses) fail(`${where}: only a Slice reversing the sequence (starts [-1], ends [INT64_MIN], axes [0], steps [-1]) before an operator is supported`);
        backwards = true;
        break;
      }
      case 'Squeeze': {
        if (stage.kind !== 'Y' || stage.D !== 1) fail(`${where}: only squeezes a unidirectional operator's Y or Y_h`);
        const { final } = stage as { final: boolean };
        const axes = nodeInputs.length > 1 ? Array.from(constant(nodeInputs[1], `${where} axes`).data) : (attribute(node, 'axes')?.ints ?? []).map((a) => int(a, `${where} axes`));
        const allowed = final ? [0, -3] : [1, -3];
        if (axes.length !== 1 || !allowed.includes(axes[0]!)) fail(`${where}: axes must be [${allowed[0]}] (the direction axis), got [${axes.join(', ')}]`);
        stage = { kind: 'rows' };
        break;
      }
      case 'Transpose': {
        const perm = (attribute(node, 'perm')?.ints ?? []).map((a) => int(a, `${where} perm`));
        const expected = stage.kind === 'Y' && stage.final ? '1,0,2' : '0,2,1,3';
        if (stage.kind !== 'Y' || perm.join(',') !== expected) fail(`${where}: only Transpose(perm [${expected.split(',').join(', ')}]) of an operator's Y (or Y_h) is supported, got perm [${perm.join(', ')}]`);
        const { D, H, final } = stage as { D: number; H: number; final: boolean };
        stage = { kind: 'transposed', D, H, final };
        break;
      }
      case 'Reshape': {
        const shape = Array.from(constant(nodeInputs[1], `${where} shape`).data);
        const width = (s: { D: number; H: number }) => shape[shape.length - 1] === -1 || shape[shape.length - 1] === s.D * s.H;
        const fits = stage.kind === 'transposed' && (stage.final ? shape.length === 2 && shape[0] === 0 && width(stage) : shape.length === 3 && shape[0] === 0 && shape[1] === 0 && width(stage));
        if (!fits) fail(`${where}: only Reshape(0, 0, −1) of a transposed Y (or Reshape(0, −1) of a transposed Y_h) is supported, got shape [${shape.join(', ')}]`);
        stage = { kind: 'rows' };
        break;
      }
      case 'ReduceSum':
      case 'ReduceMean':
      case 'ReduceProd': {
        if (stage.kind !== 'Y' || stage.D !== 2) fail(`${where}: only merges the two directions of a bidirectional operator's Y or Y_h`);
        const { final } = stage as { final: boolean };
        const axes = nodeInputs.length > 1 && nodeInputs[1] !== '' ? Array.from(constant(nodeInputs[1], `${where} axes`).data) : (attribute(node, 'axes')?.ints ?? []).map((a) => int(a, `${where} axes`));
        const axis = final ? 0 : 1;
        if (axes.length !== 1 || (axes[0] !== axis && axes[0] !== axis - (final ? 3 : 4))) fail(`${where}: axes must be [${axis}] (the direction axis), got [${axes.join(', ')}]`);
        const keepdims = attribute(node, 'keepdims');
        if (keepdims === undefined || int(keepdims.i, `${where} keepdims`) !== 0) fail(`${where}: keepdims must be 0`);
        const merge = (Object.keys(ONNX_MERGE) as Array<keyof typeof ONNX_MERGE>).find((m) => ONNX_MERGE[m] === node.opType)!;
        layers[layers.length - 1] = { ...layers[layers.length - 1]!, merge };
        stage = { kind: 'rows' };
        break;
      }
      case 'MatMul': {
        if (stage.kind !== 'rows' || layers.length === 0 || head !== null) fail(`${where}: a MatMul is only supported as the head, after the recurrent layers`);
        const weight = constant(nodeInputs[1], `${where} B`);
        floatTypes.add(weight.dataType);
        if (weight.shape.length !== 2) fail(`${where}: the head's weight must be a matrix, got shape [${weight.shape.join(', ')}]`);
        const [Y, O] = weight.shape as [number, number];
        const transposed = new Float64Array(O * Y);
        for (let y = 0; y < Y; y++) for (let o = 0; o < O; o++) transposed[o * Y + y] = weight.data[y * O + o]!;
        head = { weight: transposed, bias: null, Y, O };
        stage = { kind: 'product' };
        break;
      }
      case 'Add': {
        const product = stage.kind === 'product' ? head : null;
        if (product === null || product.bias !== null) return fail(`${where}: an Add is only supported as the head's bias, after its MatMul`);
        const bias = constant(nodeInputs[1], `${where} bias`);
        floatTypes.add(bias.dataType);
        if (bias.shape.length !== 1 || bias.shape[0] !== product.O) fail(`${where}: the head's bias has shape [${bias.shape.join(', ')}] but needs [${product.O}]`);
        product.bias = bias.data;
        stage = { kind: 'rows' };
        break;
      }
      case 'Identity':
        break;
      default:
        fail(`${where}: operator ${JSON.stringify(node.opType)} is not supported (LSTM, GRU, RNN, Slice, Squeeze, Transpose, Reshape, ReduceSum, ReduceMean, ReduceProd, MatMul, Add, Identity)`);
    }
    current = output;
  }
  if (layers.length === 0) fail('the graph has no LSTM, GRU or RNN operator between its input and output');
  if (backwards) fail('the graph ends at a time-reversing Slice');
  if (floatTypes.size > 1) fail('the weights mix FLOAT and DOUBLE');
  const dtype: DType = options.dtype ?? (floatTypes.has(DOUBLE) ? 'float64' : 'float32');
  const finalHead = head;
  const modelConfig: ModelConfig = parseConfigIn(
    { inputSize, layers, dtype, ...(finalOnly ? { returnSequences: false } : {}), ...(finalHead === null ? {} : { outputSize: finalHead.O, ...(finalHead.bias === null ? { headBias: false } : {}) }) },
    source,
  );
  if (finalHead !== null) {
    tensors.set('head.weight', { shape: [finalHead.O, finalHead.Y], data: finalHead.weight });
    if (finalHead.bias !== null) tensors.set('head.bias', { shape: [finalHead.O], data: finalHead.bias });
  }
  return modelFromTensors(modelConfig, tensors, source);
}

/** A layer config from an LSTM/GRU/RNN node's attributes (bias and peepholes come from its inputs). */
function recurrentLayer(node: NodeProto, where: string, fail: (p: string) => never): LayerConfig {
  const text = (bytes: Uint8Array | null | undefined) => new TextDecoder().decode(bytes ?? new Uint8Array());
  const known = ['hidden_size', 'direction', 'activations', 'activation_alpha', 'activation_beta', 'clip', 'layout', ...(node.opType === 'LSTM' ? ['input_forget'] : []), ...(node.opType === 'GRU' ? ['linear_before_reset'] : [])];
  for (const a of node.attribute ?? []) if (!known.includes(a.name ?? '')) fail(`${where}: unknown attribute '${a.name ?? ''}'`);
  const hiddenAttribute = attribute(node, 'hidden_size');
  const H = hiddenAttribute === undefined ? fail(`${where}: hidden_size is required here`) : int(hiddenAttribute.i, `${where} hidden_size`);
  if (H < 1) fail(`${where}: hidden_size must be positive, got ${H}`);
  const direction = attribute(node, 'direction') === undefined ? 'forward' : text(attribute(node, 'direction')!.s);
  if (direction !== 'forward' && direction !== 'bidirectional') fail(`${where}: direction ${JSON.stringify(direction)} is not supported (forward, bidirectional)`);
  if (attribute(node, 'clip') !== undefined) fail(`${where}: clip is not supported`);
  if (attribute(node, 'layout') !== undefined && int(attribute(node, 'layout')!.i, `${where} layout`) !== 0) fail(`${where}: layout 1 (batch-major) is not supported`);
  if (attribute(node, 'input_forget') !== undefined && int(attribute(node, 'input_forget')!.i, `${where} input_forget`) !== 0) fail(`${where}: input_forget 1 is not supported`);
  const D = direction === 'bidirectional' ? 2 : 1;
  const kind = node.opType === 'LSTM' ? 'lstm' : node.opType === 'GRU' ? 'gru' : 'rnn';
  const defaults = { lstm: ['Sigmoid', 'Tanh', 'Tanh'], gru: ['Sigmoid', 'Tanh'], rnn: ['Tanh'] }[kind];
  const names = (attribute(node, 'activations')?.strings ?? []).map(text);
  if (names.length > 0 && names.length !== defaults.length * D) fail(`${where}: activations must list ${defaults.length * D} functions, got ${names.length}`);
  const alphas = [...(attribute(node, 'activation_alpha')?.floats ?? [])];
  const betas = [...(attribute(node, 'activation_beta')?.floats ?? [])];
  // Each function that takes α (β) consumes the next entries of activation_alpha (beta).
  const functions = (names.length > 0 ? names : [...defaults, ...(D === 2 ? defaults : [])]).map((name) => {
    const parameters = PARAMETERS[name] ?? [];
    const alpha = parameters.length > 0 ? (alphas.length > 0 ? alphas.shift()! : parameters[0]!) : undefined;
    const beta = parameters.length > 1 ? (betas.length > 0 ? betas.shift()! : parameters[1]!) : undefined;
    return { name, alpha, beta };
  });
  const signature = (f: { name: string; alpha: number | undefined; beta: number | undefined }) => `${f.name}(${[f.alpha, f.beta].filter((v) => v !== undefined).join(', ')})`;
  const perDirection = functions.slice(0, defaults.length).map(signature);
  if (D === 2 && functions.slice(defaults.length).map(signature).join() !== perDirection.join()) fail(`${where}: both directions must use the same activations`);
  const gate = (f: (typeof functions)[number]): GateActivation => {
    if (f.name === 'Sigmoid') return 'sigmoid';
    if (f.name === 'HardSigmoid' && Math.fround(f.alpha!) === Math.fround(0.2) && Math.fround(f.beta!) === Math.fround(0.5)) return 'hardSigmoid';
    if (f.name === 'HardSigmoid' && Math.fround(f.alpha!) === Math.fround(1 / 6) && Math.fround(f.beta!) === Math.fround(0.5)) return 'hardSigmoidKeras3';
    return fail(`${where}: gate activation ${signature(f)} is not supported (Sigmoid, HardSigmoid(0.2, 0.5), HardSigmoid(1/6, 0.5))`);
  };
  const tanh = (f: (typeof functions)[number], role: string) => {
    if (f.name !== 'Tanh') fail(`${where}: ${role} activation ${signature(f)} is not supported (Tanh)`);
  };
  /** Affine(1, 0) is the identity (Keras's activation 'linear'). */
  const isIdentity = (f: (typeof functions)[number]) => f.name === 'Affine' && f.alpha === 1 && f.beta === 0;
  const bidirectional = D === 2 ? { bidirectional: true } : {};
  switch (kind) {
    case 'lstm':
      tanh(functions[1]!, 'cell (g)');
      tanh(functions[2]!, 'output (h)');
      return { cell: { kind: 'lstm', hiddenSize: H, gateActivation: gate(functions[0]!) }, ...bidirectional };
    case 'gru': {
      const linear = isIdentity(functions[1]!);
      if (!linear) tanh(functions[1]!, 'candidate (g)');
      const linearBeforeReset = attribute(node, 'linear_before_reset') === undefined ? 0 : int(attribute(node, 'linear_before_reset')!.i, `${where} linear_before_reset`);
      if (linearBeforeReset !== 0 && linearBeforeReset !== 1) fail(`${where}: linear_before_reset must be 0 or 1, got ${linearBeforeReset}`);
      return { cell: { kind: 'gru', hiddenSize: H, resetAfter: linearBeforeReset === 1, gateActivation: gate(functions[0]!), ...(linear ? { candidateActivation: 'linear' as const } : {}) }, ...bidirectional };
    }
    case 'rnn': {
      const f = functions[0]!;
      if (isIdentity(f)) return { cell: { kind: 'rnn', hiddenSize: H, nonlinearity: 'linear' }, ...bidirectional };
      if (f.name !== 'Tanh' && f.name !== 'Relu') fail(`${where}: RNN activation ${signature(f)} is not supported (Tanh, Relu, Affine(1, 0))`);
      return { cell: { kind: 'rnn', hiddenSize: H, nonlinearity: f.name === 'Tanh' ? 'tanh' : 'relu' }, ...bidirectional };
    }
  }
}

/** ONNX rows (gates in ONNX order) → ours (gates in our order); each gate block is H·cols numbers. */
function ourRows(block: ArrayLike<number>, H: number, gates: readonly number[], cols: number): Float64Array {
  const out = new Float64Array(gates.length * H * cols);
  gates.forEach((onnxGate, g) => {
    for (let j = 0; j < H * cols; j++) out[g * H * cols + j] = block[onnxGate * H * cols + j]!;
  });
  return out;
}

/** Peepholes (i, o, f) ↔ (i, f, o): the last two blocks of H swap places (its own inverse). */
export function swapPeepholes(block: ArrayLike<number>, H: number): Float64Array {
  const out = Float64Array.from(block);
  for (let j = 0; j < H; j++) {
    out[H + j] = block[2 * H + j]!;
    out[2 * H + j] = block[H + j]!;
  }
  return out;
}
