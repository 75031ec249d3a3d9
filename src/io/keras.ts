/**
 * Keras 3 `.keras` files: a zip holding
 *
 *   config.json        the model's config: {"class_name": "Sequential", "config": {"layers": […]}}
 *                      (the same Keras layer configs as TF.js's modelTopology; keras-config.ts)
 *   metadata.json      {"keras_version": "3.…", …}
 *   model.weights.h5   HDF5: each layer's variables as datasets vars/0, vars/1, … in creation order
 *                        layers/{path}/cell/vars/{0 kernel, 1 recurrent_kernel, 2 bias}   LSTM, GRU, SimpleRNN
 *                        layers/{path}/{forward|backward}_layer/cell/vars/…                Bidirectional
 *                        layers/{path}/vars/{0 kernel, 1 bias}                              Dense
 *                      where {path} is not the layer's name but its class in snake case, numbered
 *                      among the layers of that class: lstm, lstm_1, simple_rnn, bidirectional,
 *                      dense (Keras 3's saving_lib: names are generated, so it does not use them).
 *                      Files keyed by layer name (as this reader once assumed) are read too.
 *
 * Read with fflate (zip) and h5wasm (HDF5, the HDF5 C library in WebAssembly; it must be
 * initialised first: `await kerasReady()`). Entry sizes are checked before anything is
 * inflated, dataset shapes before their values are read.
 */
import { unzipSync } from 'fflate';
import h5wasm from 'h5wasm';
import type { DType } from '../tensor/dtype.js';
import type { Model } from '../model/model.js';
import { FormatError } from './safetensors.js';
import { assembleKerasModel, parseKerasSequential, record, type KerasWeight, type WeightKind, type WeightLookup } from './keras-config.js';

export const KERAS_CONFIG = 'config.json';
export const KERAS_METADATA = 'metadata.json';
export const KERAS_WEIGHTS = 'model.weights.h5';
/** The largest entry read: JSON files and the weights alike (a zip bomb stops here, before inflating). */
const MAX_ENTRY_BYTES = 1 << 30;
const MAX_JSON_BYTES = 64 << 20;
/**
 * DEFLATE's best case is a 258-byte match in about two bits, so no stream inflates past
 * ~1,032 times its length (RFC 1951 §3.2.5). The unzipper allocates the declared size up
 * front, so a damaged size field is refused against this bound before any allocation.
 */
const DEFLATE_MAX_RATIO = 1032;

/** The most bytes an entry of `size` compressed bytes can hold, given its method. */
function inflatedBound(size: number, compression: number): number {
  return compression === 0 ? size : size * DEFLATE_MAX_RATIO + 64;
}

let h5: { FS: { writeFile(path: string, data: Uint8Array): void; unlink(path: string): void } } | null = null;

/** Loads the HDF5 library (WebAssembly) once; importKeras needs it. */
export async function kerasReady(): Promise<void> {
  if (h5 !== null) return;
  const module = await h5wasm.ready;
  h5 = { FS: module.FS as unknown as NonNullable<typeof h5>['FS'] };
}

export interface KerasImportOptions {
  /** @default 'float32' (Keras's default dtype policy) */
  dtype?: DType;
  /** For messages. @default 'model.keras' */
  source?: string;
}

let scratch = 0;

/** A model from a `.keras` file's bytes (after `await kerasReady()`). */
export function importKeras(bytes: Uint8Array, options: KerasImportOptions = {}): Model {
  const source = options.source ?? 'model.keras';
  const fail = (problem: string): never => {
    throw new FormatError(`${source}: ${problem}`);
  };
  if (h5 === null) throw new Error('importKeras: call await kerasReady() first (it loads the HDF5 library)');
  const wanted = new Set([KERAS_CONFIG, KERAS_METADATA, KERAS_WEIGHTS]);
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (file) => {
        if (!wanted.has(file.name)) return false;
        const limit = file.name === KERAS_WEIGHTS ? MAX_ENTRY_BYTES : MAX_JSON_BYTES;
        if (file.originalSize > limit) fail(`${file.name} declares ${file.originalSize} bytes, more than the ${limit} read`);
        if (file.size > bytes.length) fail(`${file.name} declares ${file.size} compressed bytes in a ${bytes.length}-byte archive`);
        const bound = inflatedBound(file.size, file.compression);
        if (file.originalSize > bound) fail(`${file.name} declares ${file.originalSize} bytes, more than its ${file.size} compressed bytes can hold`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof FormatError) throw e;
    return fail(`not a zip archive (${(e as Error).message})`);
  }
  const json = (name: string): Record<string, unknown> => {
    const entry = entries[name] ?? fail(`the archive has no ${name}`);
    try {
      return record(JSON.parse(new TextDecoder().decode(entry)), `${source}: ${name}`);
    } catch (e) {
      if (e instanceof FormatError) throw e;
      return fail(`${name} is not valid JSON (${(e as Error).message})`);
    }
  };
  const config = json(KERAS_CONFIG);
  const metadata = entries[KERAS_METADATA] === undefined ? {} : json(KERAS_METADATA);
  const version = metadata.keras_version;
  if (version !== undefined && typeof version !== 'string') fail(`${KERAS_METADATA} keras_version must be a string, got ${JSON.stringify(version)}`);
  // A .keras zip is Keras 3's format (Keras 2.13+ wrote it too, with keras_version "2.…").
  const sequential = parseKerasSequential(config, { keras3: version === undefined || /^3\./.test(version as string), tfjs: false }, `${source}: ${KERAS_CONFIG}`);
  const weightBytes = entries[KERAS_WEIGHTS] ?? fail(`the archive has no ${KERAS_WEIGHTS}`);

  const path = `/keras-${++scratch}.h5`;
  const FS = h5.FS;
  FS.writeFile(path, weightBytes);
  let file: InstanceType<typeof h5wasm.File> | null = null;
  try {
    try {
      file = new h5wasm.File(path, 'r');
    } catch (e) {
      return fail(`${KERAS_WEIGHTS} is not an HDF5 file (${(e as Error).message})`);
    }
    if (file.file_id < 0n) {
      file = null;
      return fail(`${KERAS_WEIGHTS} is not an HDF5 file`);
    }
    const opened = file;
    const datasets = new Set<string>();
    collectDatasets(opened, 'layers', datasets, fail);
    const dense = sequential.dense?.name;
    const innerNames = new Map(sequential.recurrent.map((r) => [r.name, r]));
    const savePaths = kerasSavePaths(config);
    const used = new Set<string>();
    const lookup: WeightLookup = (layer, direction, kind) => {
      const isDense = layer === dense;
      const index = isDense ? { kernel: 0, bias: 1, recurrent_kernel: -1 }[kind] : INDEX[kind];
      if (!innerNames.has(layer) && !isDense) return null;
      const at = (group: string) => `layers/${group}${direction === null ? '' : `/${direction}_layer`}${isDense ? '' : '/cell'}/vars/${index}`;
      const base = [savePaths.get(layer), layer].map((group) => (group === undefined ? null : at(group))).find((p) => p !== null && datasets.has(p));
      if (base == null) return null;
      used.add(base);
      return readDataset(opened, base, fail);
    };
    const model = assembleKerasModel(sequential, lookup, options.dtype ?? 'float32', source);
    const unused = [...datasets].filter((name) => !used.has(name));
    if (unused.length > 0) fail(`${KERAS_WEIGHTS} holds weights no layer of config.json uses: ${unused.slice(0, 5).join(', ')}${unused.length > 5 ? ', …' : ''}`);
    return model;
  } catch (e) {
    // The HDF5 library reports a damaged file with plain Errors from deep inside.
    if (e instanceof FormatError) throw e;
    return fail(`${KERAS_WEIGHTS} is damaged (${(e as Error).message})`);
  } finally {
    try {
      file?.close();
    } finally {
      FS.unlink(path);
    }
  }
}

const INDEX: Readonly<Record<WeightKind, number>> = { kernel: 0, recurrent_kernel: 1, bias: 2 };

/**
 * Layer name → the group Keras 3 saves its weights under: the class name in snake case
 * (keras.src.utils.naming.to_snake_case), numbered from the second layer of a class on
 * (lstm, lstm_1, …), in the order of the model's layers (the InputLayer is not among them).
 */
export function kerasSavePaths(config: Record<string, unknown>): Map<string, string> {
  const paths = new Map<string, string>();
  const inner = config.config as { layers?: unknown } | undefined;
  const layers = Array.isArray(inner?.layers) ? (inner.layers as Array<{ class_name?: unknown; config?: { name?: unknown } }>) : [];
  const seen = new Map<string, number>();
  for (const layer of layers) {
    if (typeof layer?.class_name !== 'string' || layer.class_name === 'InputLayer' || typeof layer.config?.name !== 'string') continue;
    const snake = layer.class_name
      .replace(/\W+/g, '')
      .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
      .replace(/([a-z])([A-Z])/g, '$1_$2')
      .toLowerCase();
    const count = seen.get(snake);
    seen.set(snake, count === undefined ? 0 : count + 1);
    paths.set(layer.config.name, count === undefined ? snake : `${snake}_${count + 1}`);
  }
  return paths;
}

/** Every dataset path under `path`, depth-first (a file with cycles or a huge tree is refused). */
function collectDatasets(file: InstanceType<typeof h5wasm.File>, path: string, out: Set<string>, fail: (p: string) => never, depth = 0): void {
  const entity = file.get(path);
  if (entity === null) return;
  if (depth > 8 || out.size > 10_000) fail(`${KERAS_WEIGHTS}: the layer tree under ${path} is deeper or larger than a Sequential model's`);
  if (entity instanceof h5wasm.Dataset) {
    out.add(path);
    return;
  }
  if (!(entity instanceof h5wasm.Group)) return fail(`${KERAS_WEIGHTS}: ${path} is neither a group nor a dataset`);
  for (const key of entity.keys()) collectDatasets(file, `${path}/${key}`, out, fail, depth + 1);
}

/** A float dataset's shape and values, the shape checked before the values are read. */
function readDataset(file: InstanceType<typeof h5wasm.File>, path: string, fail: (p: string) => never): KerasWeight {
  const dataset = file.get(path) as InstanceType<typeof h5wasm.Dataset>;
  const shape = dataset.shape ?? fail(`${KERAS_WEIGHTS}: ${path} has no shape`);
  if (shape.length > 2 || shape.some((n) => !Number.isInteger(n) || n < 0 || n > 1 << 24)) fail(`${KERAS_WEIGHTS}: ${path} has shape [${shape.join(', ')}]; a weight is a vector or a matrix`);
  const dtype = dataset.dtype;
  if (dtype !== '<f' && dtype !== '<d' && dtype !== '>f' && dtype !== '>d') fail(`${KERAS_WEIGHTS}: ${path} holds ${JSON.stringify(dtype)}, not float32 or float64`);
  const value = dataset.value;
  if (!(value instanceof Float32Array || value instanceof Float64Array)) return fail(`${KERAS_WEIGHTS}: ${path} did not read as floats`);
  if (value.length !== shape.reduce((a, b) => a * b, 1)) fail(`${KERAS_WEIGHTS}: ${path} holds ${value.length} values for shape [${shape.join(', ')}]`);
  return { name: path, shape, data: value };
}
