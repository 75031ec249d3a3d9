/**
 * TensorFlow.js / Keras layers models (model.json + .bin shards): import (export is in
 * tfjs-export.ts, the weight manifest in tfjs-manifest.ts, the Keras config and weight layouts
 * in keras-config.ts).
 *
 * model.json holds `modelTopology` (a Keras Sequential config; the tensorflowjs converter
 * nests it under `model_config`), `format: "layers-model"` and `weightsManifest`: groups of
 * {paths: shard files, weights: [{name, shape, dtype}]}. A group's shards, concatenated, hold
 * its weights one after another in manifest order, float32 little-endian.
 *
 * recurrent_activation "hard_sigmoid" means clip(0.2x + 0.5, 0, 1) for TF.js and Keras 2, but
 * x/6 + 0.5 clipped for Keras 3 (keras_version "3.…"); both are kept apart, so an imported
 * model computes what it computed before. Pure: the caller supplies the shards' bytes.
 */
import type { DType } from '../tensor/dtype.js';
import type { Model } from '../model/model.js';
import { FormatError } from './safetensors.js';
import { readWeights } from './tfjs-manifest.js';
import { assembleKerasModel, parseKerasSequential, record, type KerasWeight, type Producer, type WeightLookup } from './keras-config.js';

export { KERAS_CLASSES, KERAS_GATE, transpose } from './keras-config.js';

/** model.json as TF.js writes it. */
export interface TfjsModelJson {
  readonly format: 'layers-model';
  readonly generatedBy: string;
  readonly convertedBy: string | null;
  readonly modelTopology: Record<string, unknown>;
  readonly weightsManifest: ReadonlyArray<{ paths: string[]; weights: TfjsWeightSpec[] }>;
}

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
  group?: string;
}

export const TFJS_SHARD = 'group1-shard1of1.bin';

export interface TfjsImportOptions {
  /** @default 'float32' (TF.js computes in float32) */
  dtype?: DType;
  /** For messages. @default 'model.json' */
  source?: string;
}

/**
 * A model from a parsed model.json. `shard(path)` returns a shard's bytes; it is asked only
 * after the topology and the manifest have been checked, with the group's expected total size.
 */
export function importTfjs(modelJson: unknown, shard: (path: string, expectedBytes: number) => Uint8Array, options: TfjsImportOptions = {}): Model {
  const source = options.source ?? 'model.json';
  const fail = (problem: string): never => {
    throw new FormatError(`${source}: ${problem}`);
  };
  const root = record(modelJson, source);
  if (root.format !== undefined && root.format !== 'layers-model') {
    fail(`format "${String(root.format)}" is not a layers model${root.format === 'graph-model' ? ' (graph models are frozen TensorFlow graphs; export the Keras model with tensorflowjs_converter --output_format tfjs_layers_model)' : ''}`);
  }
  let topology = record(root.modelTopology, `${source}: modelTopology`);
  if (topology.model_config !== undefined) topology = { ...topology, ...record(topology.model_config, `${source}: modelTopology.model_config`) };
  const version = typeof topology.keras_version === 'string' ? topology.keras_version : '';
  const producer: Producer = { keras3: /^3\./.test(version), tfjs: version.startsWith('tfjs') || (typeof root.generatedBy === 'string' && root.generatedBy.startsWith('TensorFlow.js')) };
  const sequential = parseKerasSequential(topology, producer, `${source}: modelTopology`);

  const weights = readWeights(root.weightsManifest, shard, fail);
  // A weight belongs to a layer when a segment of its name is the layer's name (TF.js writes
  // lstm_1/kernel, Keras lstm/lstm_cell/kernel, bidirectional/forward_lstm/…/kernel).
  const claimed = new Set<string>();
  const lookup: WeightLookup = (layer, direction, kind) => {
    const matches = [...weights.keys()].filter((name) => {
      const parts = name.split('/');
      if (!parts.includes(layer) || parts[parts.length - 1] !== kind) return false;
      return direction === null || parts.some((p) => p.startsWith(`${direction}_`));
    });
    if (matches.length > 1) fail(`weights ${matches.join(', ')} all look like ${layer}'s ${direction === null ? '' : direction + ' '}${kind}`);
    if (matches.length === 0) return null;
    claimed.add(matches[0]!);
    const found: KerasWeight = { name: matches[0]!, ...weights.get(matches[0]!)! };
    return found;
  };
  const model = assembleKerasModel(sequential, lookup, options.dtype ?? 'float32', source);
  const unclaimed = [...weights.keys()].filter((name) => !claimed.has(name));
  if (unclaimed.length > 0) fail(`weights no layer of the topology uses: ${unclaimed.slice(0, 5).join(', ')}${unclaimed.length > 5 ? ', …' : ''}`);
  return model;
}
