/**
 * Writes Keras 3 `.keras` files for the tests, from the Keras layout (docs/formats.md): a zip
 * (fflate) of config.json, metadata.json and model.weights.h5 written by the HDF5 library
 * itself (h5wasm). The model comes from our TF.js export, whose layer configs are Keras's;
 * they get Keras 3's extra fields (dtype policies, module names, initializers).
 */
import { zipSync } from 'fflate';
import h5wasm from 'h5wasm';
import type { Model } from '../../src/model/model.js';
import { exportTfjs } from '../../src/io/tfjs-export.js';
import { kerasSavePaths } from '../../src/io/keras.js';

const POLICY = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
const INITIALIZER = { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null };

/** A layer config as Keras 3 writes it: the TF.js one plus Keras 3's fields. */
function keras3Layer(layer: { class_name: string; config: Record<string, unknown> }): Record<string, unknown> {
  const { batch_input_shape: _shape, ...config } = layer.config;
  const inner = config.layer as { class_name: string; config: Record<string, unknown> } | undefined;
  const extra = layer.class_name === 'Bidirectional' ? { layer: keras3Layer(inner!) } : { kernel_initializer: INITIALIZER, seed: null, zero_output_for_mask: false };
  return { module: 'keras.layers', class_name: layer.class_name, config: { ...config, dtype: POLICY, ...extra }, registered_name: null };
}

/**
 * Where Keras 3 keeps a TF.js weight (lstm_1/kernel, bidirectional_1/forward_gru_1/bias,
 * dense_1/kernel): under the layer's save path (its class, numbered; see kerasSavePaths).
 */
function h5Path(name: string, dense: string | null, paths: Map<string, string>): string {
  const parts = name.split('/');
  const kind = parts[parts.length - 1]!;
  const group = paths.get(parts[0]!) ?? parts[0]!;
  if (parts[0] === dense) return `layers/${group}/vars/${kind === 'kernel' ? 0 : 1}`;
  const index = { kernel: 0, recurrent_kernel: 1, bias: 2 }[kind]!;
  const direction = parts.length === 3 ? `/${parts[1]!.split('_')[0]}_layer` : '';
  return `layers/${group}${direction}/cell/vars/${index}`;
}

let counter = 0;

/** The .keras bytes of a float32 model, plus its config.json for tests that edit it. */
export async function writeKeras(model: Model, options: { kerasVersion?: string; edit?: (config: Record<string, unknown>) => void } = {}): Promise<Uint8Array> {
  const { modelJson, weights } = exportTfjs(model);
  const topology = modelJson.modelTopology as { config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> } };
  const layers = topology.config.layers;
  const dense = layers.find((l) => l.class_name === 'Dense')?.config.name as string | undefined;
  const config: Record<string, unknown> = {
    module: 'keras',
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      trainable: true,
      dtype: POLICY,
      layers: [
        { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, null, model.inputSize], dtype: 'float32', sparse: false, name: 'input_layer' }, registered_name: null },
        ...layers.map(keras3Layer),
      ],
      build_input_shape: [null, null, model.inputSize],
    },
    registered_name: null,
    build_config: { input_shape: [null, null, model.inputSize] },
    compile_config: null,
  };
  options.edit?.(config);
  const paths = kerasSavePaths(config);

  const module = await h5wasm.ready;
  const FS = module.FS as unknown as { readFile(path: string): Uint8Array; unlink(path: string): void };
  const path = `/writer-${process.pid}-${++counter}.h5`;
  const file = new h5wasm.File(path, 'w');
  const groups = new Set<string>();
  const ensure = (group: string) => {
    const parts = group.split('/');
    for (let k = 1; k <= parts.length; k++) {
      const prefix = parts.slice(0, k).join('/');
      if (!groups.has(prefix)) {
        file.create_group(prefix);
        groups.add(prefix);
      }
    }
  };
  ensure('layers');
  ensure('vars');
  const floats = new Float32Array(weights.buffer, weights.byteOffset, weights.byteLength / 4);
  let at = 0;
  for (const spec of modelJson.weightsManifest[0]!.weights) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const target = h5Path(spec.name, dense ?? null, paths);
    const slash = target.lastIndexOf('/');
    ensure(target.slice(0, slash));
    (file.get(target.slice(0, slash)) as InstanceType<typeof h5wasm.Group>).create_dataset({ name: target.slice(slash + 1), data: floats.slice(at, at + size), shape: spec.shape, dtype: '<f' });
    at += size;
  }
  file.close();
  const h5 = FS.readFile(path);
  FS.unlink(path);
  const text = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  return zipSync({
    'metadata.json': text({ keras_version: options.kerasVersion ?? '3.6.0', date_saved: '2026-12-02@04:00:00' }),
    'config.json': text(config),
    'model.weights.h5': h5,
  });
}
