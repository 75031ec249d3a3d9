/**
 * Models in any supported format, by path: what `forward` and `convert` read and write.
 *
 *   native   a directory with config.json + model.safetensors (a checkpoint too), or a run's
 *            checkpoint directory (DIR/latest), which stands for its latest checkpoint's model
 *   pytorch  a .safetensors state_dict, with args.json (or our own export's metadata)
 *   tfjs     a TF.js layers model: model.json (or its directory) and its .bin shards
 *   onnx     an ONNX model file (.onnx)
 *   keras    a Keras 3 .keras file (import only; loadAnyModelAsync loads its HDF5 reader first)
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join } from 'node:path';
import type { DType } from '../tensor/dtype.js';
import type { Model } from '../model/model.js';
import { CONFIG_FILE } from './model-format.js';
import { loadModel, saveModel } from './model-files.js';
import { exportPyTorch, importPyTorch, parsePyTorchSpec } from './pytorch-safetensors.js';
import { FormatError, jsonProblem } from './safetensors.js';
import { checkpointDirectory, LATEST_FILE } from './checkpoint.js';
import { importTfjs, TFJS_SHARD } from './tfjs.js';
import { exportTfjs } from './tfjs-export.js';
import { importOnnx } from './onnx.js';
import { exportOnnx, type OnnxExportOptions } from './onnx-export.js';
import { importKeras, kerasReady } from './keras.js';
import { fileSize, pathInside, readFileChecked, readTextChecked, writeDirectoryAtomic } from './files.js';

export type ModelFormat = 'native' | 'pytorch' | 'tfjs' | 'onnx' | 'keras';
export const MODEL_FORMATS: readonly ModelFormat[] = ['native', 'pytorch', 'tfjs', 'onnx', 'keras'];
export const ONNX_MODEL_FILE = 'model.onnx';

export const TFJS_MODEL_FILE = 'model.json';

/** The format a path holds, from what is there. */
export function detectFormat(path: string): ModelFormat {
  if (!existsSync(path)) throw new FormatError(`${path}: no such file or directory`);
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, CONFIG_FILE)) || existsSync(join(path, LATEST_FILE))) return 'native';
    if (existsSync(join(path, TFJS_MODEL_FILE))) return 'tfjs';
    if (existsSync(join(path, ONNX_MODEL_FILE))) return 'onnx';
    throw new FormatError(`${path}: a directory without ${CONFIG_FILE} (native), ${LATEST_FILE} (checkpoints), ${TFJS_MODEL_FILE} (TF.js) or ${ONNX_MODEL_FILE} (ONNX)`);
  }
  switch (extname(path)) {
    case '.safetensors':
      return 'pytorch';
    case '.json':
      return 'tfjs';
    case '.onnx':
      return 'onnx';
    case '.keras':
      return 'keras';
    default:
      throw new FormatError(`${path}: cannot tell the format from the name; say which with --from (${MODEL_FORMATS.join(', ')})`);
  }
}

export interface LoadOptions {
  format?: ModelFormat;
  /** PyTorch: the constructor-args JSON file. */
  config?: string;
  /** PyTorch: a prefix to strip from the state_dict's names. */
  prefix?: string;
  /** Imports: the dtype of the model built (default: the file's). */
  dtype?: DType;
}

export function loadAnyModel(path: string, options: LoadOptions = {}): Model {
  const format = options.format ?? detectFormat(path);
  if (options.config !== undefined && format !== 'pytorch') throw new FormatError(`--config applies to PyTorch state_dicts, not to ${format} models`);
  if (options.prefix !== undefined && format !== 'pytorch') throw new FormatError(`--prefix applies to PyTorch state_dicts, not to ${format} models`);
  switch (format) {
    case 'native': {
      if (options.dtype !== undefined) throw new FormatError('--dtype applies to imports; a native model keeps the dtype it was saved with');
      // A run's checkpoint directory stands for the model of its latest checkpoint.
      const isRun = !existsSync(join(path, CONFIG_FILE)) && existsSync(join(path, LATEST_FILE));
      return loadModel(isRun ? checkpointDirectory(path) : path);
    }
    case 'pytorch': {
      let spec = null;
      if (options.config !== undefined) {
        const text = readTextChecked(options.config, 'PyTorch config');
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (e) {
          throw new FormatError(`${options.config}: not valid JSON (${jsonProblem(e)})`);
        }
        spec = parsePyTorchSpec(value, options.config);
      }
      return importPyTorch(readFileChecked(path, 'PyTorch state_dict'), spec, {
        source: path,
        ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
        ...(options.dtype === undefined ? {} : { dtype: options.dtype }),
      });
    }
    case 'tfjs':
      return loadTfjs(path, options.dtype === undefined ? {} : { dtype: options.dtype });
    case 'onnx': {
      const file = existsSync(path) && statSync(path).isDirectory() ? join(path, ONNX_MODEL_FILE) : path;
      return importOnnx(readFileChecked(file, 'ONNX model'), { source: file, ...(options.dtype === undefined ? {} : { dtype: options.dtype }) });
    }
    case 'keras': {
      const bytes = readFileChecked(path, 'Keras model');
      return withoutStderr(() => importKeras(bytes, { source: path, ...(options.dtype === undefined ? {} : { dtype: options.dtype }) }));
    }
  }
}

/**
 * Runs `read` with stderr muted: the HDF5 library prints its own diagnostics (HDF5-DIAG …)
 * for a damaged file, while our error says what is wrong in one line. `read` is synchronous,
 * so nothing else writes meanwhile.
 */
function withoutStderr<T>(read: () => T): T {
  const write = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return read();
  } finally {
    process.stderr.write = write;
  }
}

/** loadAnyModel, after loading the HDF5 reader when the file is a Keras 3 .keras archive. */
export async function loadAnyModelAsync(path: string, options: LoadOptions = {}): Promise<Model> {
  if ((options.format ?? detectFormat(path)) === 'keras') await kerasReady();
  return loadAnyModel(path, options);
}

/** A TF.js layers model from model.json (or its directory) and the shards beside it. */
export function loadTfjs(path: string, options: { dtype?: DType } = {}): Model {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, TFJS_MODEL_FILE) : path;
  const text = readTextChecked(file, 'TF.js model.json');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${file}: not valid JSON (${jsonProblem(e)})`);
  }
  const directory = dirname(file);
  const shard = (name: string, expectedBytes: number): Uint8Array => {
    // Shards are files beside model.json: no absolute paths, no climbing out of its directory.
    if (isAbsolute(name) || name.split(/[\\/]/).some((part) => part === '..' || part === '')) {
      throw new FormatError(`${file}: weight shard path ${JSON.stringify(name)} must name a file beside model.json`);
    }
    const shardPath = pathInside(directory, name, 'weight shard');
    const size = fileSize(shardPath, 'weight shard');
    if (size > expectedBytes) throw new FormatError(`${shardPath}: the shard is ${size} bytes, more than the ${expectedBytes} its weight group has left to fill`);
    return readFileChecked(shardPath, 'weight shard');
  };
  return importTfjs(json, shard, { source: file, ...options });
}

/** Writes `model` in `format` as the directory `out` (atomically; see files.ts). */
export function saveAnyModel(model: Model, format: ModelFormat, out: string, options: { overwrite?: boolean; onnx?: OnnxExportOptions } = {}): void {
  switch (format) {
    case 'native':
      saveModel(model, out, options);
      return;
    case 'pytorch': {
      const { tensors, args } = exportPyTorch(model);
      writeDirectoryAtomic(out, { 'model.safetensors': tensors, 'args.json': args }, options);
      return;
    }
    case 'tfjs': {
      const { modelJson, weights } = exportTfjs(model);
      writeDirectoryAtomic(out, { [TFJS_MODEL_FILE]: JSON.stringify(modelJson, null, 2) + '\n', [TFJS_SHARD]: weights }, options);
      return;
    }
    case 'onnx':
      writeDirectoryAtomic(out, { [ONNX_MODEL_FILE]: exportOnnx(model, options.onnx) }, options);
      return;
    case 'keras':
      throw new FormatError('Keras 3 .keras files are read, not written; write TF.js (--to tfjs), which Keras reads with tensorflowjs');
  }
}
