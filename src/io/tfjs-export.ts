/**
 * A model as a TF.js layers model (model.json + one float32 shard); the layouts are those of
 * keras-config.ts. goBackwards, merge modes, returnSequences false and a head without bias
 * are written as Keras's go_backwards, merge_mode, return_sequences and use_bias.
 */
import type { Vec } from '../tensor/dtype.js';
import type { GateActivation } from '../tensor/activations.js';
import { interopCell, type InteropCellConfig } from '../kinds/cells.js';
import type { Model } from '../model/model.js';
import { paramView } from '../cells/cell.js';
import { KERAS_CLASSES, KERAS_GATE, TFJS_SHARD, transpose, type TfjsModelJson, type TfjsWeightSpec } from './tfjs.js';

/**
 * A model as a TF.js layers model: model.json's object and the one shard's bytes (float32;
 * a float64 model is rounded). TF.js's output is ours.
 * Throws for what the format cannot hold: peepholes, projection, Keras 3's hard sigmoid,
 * satlin. A reset-after GRU is written as Keras writes it (bias (2, 3U)); Keras loads it,
 * TF.js cannot run it (see docs/formats.md).
 */
export function exportTfjs(model: Model, options: { shard?: string } = {}): { modelJson: TfjsModelJson; weights: Uint8Array } {
  const config = model.config;
  const layers: Record<string, unknown>[] = [];
  const specs: TfjsWeightSpec[] = [];
  const chunks: Float32Array[] = [];
  const push = (name: string, shape: number[], data: Float32Array) => {
    specs.push({ name, shape, dtype: 'float32' });
    chunks.push(data);
  };
  const counts: Record<string, number> = {};
  const uniqueName = (base: string) => `${base}_${(counts[base] = (counts[base] ?? 0) + 1)}`;
  model.layers.forEach((layer, l) => {
    const cellConfig = interopCell(config.layers[l]!.cell, 'tfjs', `tfjs export: layer ${l}`);
    const className = KERAS_CLASSES[cellConfig.kind];
    const inner = uniqueName(className === 'SimpleRNN' ? 'simple_rnn' : cellConfig.kind);
    const last = l === model.layers.length - 1;
    const kerasConfig = { ...recurrentKerasConfig(cellConfig, inner, l), return_sequences: !last || model.returnSequences, go_backwards: layer.goBackwards };
    const gates = KERAS_GATE[cellConfig.kind];
    const units = cellConfig.hiddenSize;
    const outer = layer.bidirectional ? uniqueName('bidirectional') : inner;
    layer.cells.forEach((cell, d) => {
      const prefix = layer.bidirectional ? `${outer}/${d === 0 ? 'forward' : 'backward'}_${inner}` : inner;
      const theta = model.cellTheta(l, d);
      push(`${prefix}/kernel`, [cell.inputSize, gates.length * units], toKeras(paramView(cell, theta, 'weightIh'), units, gates, cell.inputSize));
      push(`${prefix}/recurrent_kernel`, [units, gates.length * units], toKeras(paramView(cell, theta, 'weightHh'), units, gates, units));
      if (cellConfig.bias !== false) {
        const bias = kerasGates(paramView(cell, theta, 'bias'), units, gates);
        if (cellConfig.kind === 'gru' && cellConfig.resetAfter !== false) {
          const both = new Float32Array(2 * bias.length);
          both.set(bias);
          both.set(kerasGates(paramView(cell, theta, 'recurrentBias'), units, gates), bias.length);
          push(`${prefix}/bias`, [2, bias.length], both);
        } else {
          push(`${prefix}/bias`, [bias.length], bias);
        }
      }
    });
    const entry = layer.bidirectional
      ? { class_name: 'Bidirectional', config: { name: outer, trainable: true, merge_mode: layer.merge, layer: { class_name: className, config: kerasConfig } } }
      : { class_name: className, config: kerasConfig };
    if (l === 0) (entry.config as Record<string, unknown>).batch_input_shape = [null, null, config.inputSize];
    if (l === 0) (entry.config as Record<string, unknown>).dtype = 'float32';
    layers.push(entry);
  });
  if (model.head !== null) {
    const name = uniqueName('dense');
    const { inputSize: Y, outputSize: O } = model.head;
    const headTheta = model.headTheta!;
    push(`${name}/kernel`, [Y, O], Float32Array.from(transpose(headTheta.subarray(0, O * Y), O, Y)));
    if (model.head.bias) push(`${name}/bias`, [O], Float32Array.from(headTheta.subarray(O * Y)));
    layers.push({ class_name: 'Dense', config: { name, trainable: true, units: O, activation: 'linear', use_bias: model.head.bias } });
  }
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const weights = new Uint8Array(4 * total);
  const view = new DataView(weights.buffer);
  let at = 0;
  for (const chunk of chunks) for (let i = 0; i < chunk.length; i++, at += 4) view.setFloat32(at, chunk[i]!, true);
  const modelJson: TfjsModelJson = {
    format: 'layers-model',
    generatedBy: 'online-rnn',
    convertedBy: null,
    modelTopology: { class_name: 'Sequential', config: { name: 'sequential_1', layers }, keras_version: 'online-rnn (tfjs-layers compatible)', backend: 'tensor_flow.js' },
    weightsManifest: [{ paths: [options.shard ?? TFJS_SHARD], weights: specs }],
  };
  return { modelJson, weights };
}

function recurrentKerasConfig(cell: InteropCellConfig, name: string, layer: number): Record<string, unknown> {
  const common = { name, trainable: true, units: cell.hiddenSize, use_bias: cell.bias !== false, return_state: false, stateful: false, unroll: false, dropout: 0, recurrent_dropout: 0 };
  const where = `tfjs export: layer ${layer}`;
  switch (cell.kind) {
    case 'rnn':
      if (cell.nonlinearity === 'satlin') throw new TypeError(`${where}: SimpleRNN has no satlin activation (tanh, relu, linear)`);
      return { ...common, activation: cell.nonlinearity ?? 'tanh' };
    case 'lstm':
      if (cell.peephole === true) throw new TypeError(`${where}: Keras/TF.js LSTM has no peephole connections`);
      if (cell.projSize !== undefined) throw new TypeError(`${where}: Keras/TF.js LSTM has no projection (proj_size); export to PyTorch instead`);
      return { ...common, activation: 'tanh', recurrent_activation: kerasGate(cell.gateActivation, where), unit_forget_bias: true, implementation: 2 };
    case 'gru':
      return { ...common, activation: cell.candidateActivation ?? 'tanh', recurrent_activation: kerasGate(cell.gateActivation, where), reset_after: cell.resetAfter !== false, implementation: 2 };
  }
}

function kerasGate(activation: GateActivation | undefined, where: string): string {
  switch (activation ?? 'sigmoid') {
    case 'sigmoid':
      return 'sigmoid';
    case 'hardSigmoid':
      return 'hard_sigmoid';
    case 'hardSigmoidKeras3':
      throw new TypeError(`${where}: Keras 3's hard sigmoid (x/6 + 0.5) has no TF.js equivalent (TF.js's hard_sigmoid is 0.2x + 0.5)`);
  }
}

/** Ours (G·U, rows), gates in our order → Keras (rows, G·U), gates in Keras order, as float32. */
function toKeras(weight: Vec, units: number, gates: readonly number[], rows: number): Float32Array {
  const width = gates.length * units;
  const out = new Float32Array(rows * width);
  gates.forEach((keras, g) => {
    for (let j = 0; j < units; j++) {
      for (let k = 0; k < rows; k++) out[k * width + keras * units + j] = weight[(g * units + j) * rows + k]!;
    }
  });
  return out;
}

/** A bias in our gate order → Keras's, as float32. */
function kerasGates(bias: Vec, units: number, gates: readonly number[]): Float32Array {
  const out = new Float32Array(bias.length);
  gates.forEach((keras, g) => out.set(bias.subarray(g * units, (g + 1) * units), keras * units));
  return out;
}
