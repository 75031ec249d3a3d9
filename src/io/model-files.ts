/**
 * Saving and loading native models on disk (format in model-format.ts and docs/formats.md).
 * A save builds the directory under a temporary name and renames it into place.
 */
import type { Model } from '../model/model.js';
import { CONFIG_FILE, TENSORS_FILE, encodeModel, type DecodeOptions } from './model-format.js';
import { readModelFiles } from '../codec/model.js';
import { directoryFiles, writeDirectoryAtomic } from './files.js';

/** Writes `model` as a directory {config.json, model.safetensors}. */
export function saveModel(model: Model, dir: string, options: { overwrite?: boolean } = {}): void {
  const { config, tensors } = encodeModel(model);
  writeDirectoryAtomic(dir, { [CONFIG_FILE]: config, [TENSORS_FILE]: tensors }, options);
}

/** Reads a model directory written by saveModel, validating every byte. */
export function loadModel(dir: string, options: Omit<DecodeOptions, 'source'> = {}): Model {
  return readModelFiles(directoryFiles(dir), options);
}
