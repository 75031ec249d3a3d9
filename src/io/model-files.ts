/**
 * Saving and loading native models on disk (format in model-format.ts and docs/formats.md).
 * A save builds the directory under a temporary name and renames it into place.
 */
import type { Model } from '../model/model.js';
import { CONFIG_FILE, TENSORS_FILE, decodeModel, decodeModelConfig, encodeModel, type DecodeOptions } from './model-format.js';
import { pathInside, readFileChecked, readTextChecked, writeDirectoryAtomic } from './files.js';

/** Writes `model` as a directory {config.json, model.safetensors}. */
export function saveModel(model: Model, dir: string, options: { overwrite?: boolean } = {}): void {
  const { config, tensors } = encodeModel(model);
  writeDirectoryAtomic(dir, { [CONFIG_FILE]: config, [TENSORS_FILE]: tensors }, options);
}

/** Reads a model directory written by saveModel, validating every byte. */
export function loadModel(dir: string, options: Omit<DecodeOptions, 'source'> = {}): Model {
  const configPath = pathInside(dir, CONFIG_FILE, 'model config');
  const tensorsPath = pathInside(dir, TENSORS_FILE, 'model tensors');
  const config = decodeModelConfig(readTextChecked(configPath, 'model config'), configPath);
  return decodeModel(config, readFileChecked(tensorsPath, 'model tensors'), { ...options, source: tensorsPath });
}
