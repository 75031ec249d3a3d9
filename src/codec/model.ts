/**
 * A native model (config.json + model.safetensors, docs/formats.md) as one byte array — a tar
 * archive of the two files — and back, bit for bit. Pure, so a page can keep a model in
 * IndexedDB or offer it as a download; `tar -xf` turns the bytes into the directory
 * `online-rnn forward --model DIR` reads.
 */
import type { Model } from '../model/model.js';
import { CONFIG_FILE, TENSORS_FILE, decodeModel, decodeModelConfig, encodeModel, type DecodeOptions } from '../io/model-format.js';
import { packFiles, unpackFiles } from './tar.js';
import { filesInMemory, type FileSource } from './files.js';

export function encodeModelArchive(model: Model): Uint8Array {
  const { config, tensors } = encodeModel(model);
  return packFiles({ [CONFIG_FILE]: config, [TENSORS_FILE]: tensors });
}

/** The model in an archive from `encodeModelArchive` (or `tar` of a model directory), validated. */
export function decodeModelArchive(bytes: Uint8Array, options: Omit<DecodeOptions, 'source'> & { source?: string } = {}): Model {
  const { source = 'model archive', ...rest } = options;
  return readModelFiles(filesInMemory(unpackFiles(bytes, source), source), rest);
}

/** The model in a set of files: config.json, then model.safetensors checked against it. */
export function readModelFiles(files: FileSource, options: Omit<DecodeOptions, 'source'> = {}): Model {
  const config = decodeModelConfig(files.text(CONFIG_FILE, 'model config'), files.where(CONFIG_FILE));
  return decodeModel(config, files.bytes(TENSORS_FILE, 'model tensors'), { ...options, source: files.where(TENSORS_FILE) });
}
