/**
 * The files of a checkpoint (docs/formats.md) — everything needed to continue a run bit for
 * bit — encoded and decoded in memory, and as one byte array (a tar archive of those files).
 * Pure: the Node entry writes the files into a directory (io/checkpoint.ts), a page keeps the
 * archive in IndexedDB or a download.
 *
 *   config.json, model.safetensors   the model (io/model-format.ts)
 *   learner.json                     {"format": "online-rnn/checkpoint", "version": 1,
 *                                     "learner": {kind, step, rng, optimizer: {kind, t} | null,
 *                                                 tensors: [names], values: [names]},
 *                                     "extra": caller's JSON, "extraTensors": [names]}
 *   learner.safetensors              learner.<name>, optimizer.<name>, value.<name> (F64
 *                                     scalars, so NaN and −0 survive), extra.<name>
 */
import type { Vec } from '../tensor/dtype.js';
import type { RngState } from '../tensor/rng.js';
import type { Model } from '../model/model.js';
import type { Learner, LearnerSnapshot } from '../learners/learner.js';
import type { OptimizerState } from '../optim/optimizer.js';
import { CONFIG_FILE, TENSORS_FILE, asRecord, encodeModel } from '../io/model-format.js';
import { FormatError, jsonProblem, parseSafetensors, readTensor, writeSafetensors, type TensorToWrite } from '../io/safetensors.js';
import { readModelFiles } from './model.js';
import { filesInMemory, type FileSource } from './files.js';
import { kernelSet } from '../io/kernel-set.js';
import { packFiles, unpackFiles, type FileContents } from './tar.js';

export const CHECKPOINT_FORMAT = 'online-rnn/checkpoint';
export const CHECKPOINT_VERSION = 1;
export const STATE_JSON = 'learner.json';
export const STATE_TENSORS = 'learner.safetensors';

/** JSON the caller keeps beside the learner (task position, run options, …). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface CheckpointInput {
  model: Model;
  learner: Learner;
  /** The caller's own state, e.g. the task's RNG state and the run's options. Finite numbers only. */
  extra?: JsonValue;
  /** The caller's own buffers, kept bit for bit. */
  extraTensors?: Readonly<Record<string, Vec>>;
  /**
   * The kernel set the numbers were computed with; by default this engine's. A copy of a
   * checkpoint read elsewhere (a browser with relaxed SIMD runs 'wasm-fma', Node 20 'wasm')
   * keeps the set it was read with.
   */
  kernels?: string;
}

/** A decoded checkpoint: validated, nothing restored yet (`learner.restore(snapshot)` does that). */
export interface CheckpointContents {
  readonly model: Model;
  readonly snapshot: LearnerSnapshot;
  readonly extra: JsonValue;
  readonly extraTensors: Readonly<Record<string, Vec>>;
  /** The learner's step count when saved. */
  readonly step: number;
  /** The kernel set the numbers were computed with ('ts', 'wasm', 'wasm-fma'); null in checkpoints older than the field. */
  readonly kernels: string | null;
}

/** The files of one checkpoint (pure, apart from taking the snapshot). */
export function encodeCheckpoint(input: CheckpointInput, snapshot: LearnerSnapshot = input.learner.snapshot()): Record<string, FileContents> {
  const { model, extra = null, extraTensors = {}, kernels = kernelSet() } = input;
  kernelsOf(kernels, 'encodeCheckpoint: kernels');
  checkJson(extra, 'extra');
  const tensors: TensorToWrite[] = [];
  const add = (prefix: string, buffers: Readonly<Record<string, Vec>>) => {
    for (const [name, data] of Object.entries(buffers)) tensors.push({ name: `${prefix}.${name}`, shape: [data.length], data });
  };
  add('learner', snapshot.tensors);
  if (snapshot.optimizer !== null) add('optimizer', snapshot.optimizer.buffers);
  for (const [name, value] of Object.entries(snapshot.values)) tensors.push({ name: `value.${name}`, shape: [], data: Float64Array.of(value) });
  add('extra', extraTensors);
  const state = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    learner: {
      kind: snapshot.kind,
      step: snapshot.step,
      // As unsigned words: the same bits, and what Rng.setState accepts (getState may hand back int32s).
      rng: snapshot.rng === null ? null : snapshot.rng.map((word) => word >>> 0),
      optimizer: snapshot.optimizer === null ? null : { kind: snapshot.optimizer.kind, t: snapshot.optimizer.t, buffers: Object.keys(snapshot.optimizer.buffers) },
      tensors: Object.keys(snapshot.tensors),
      values: Object.keys(snapshot.values),
    },
    extra,
    extraTensors: Object.keys(extraTensors),
    kernels,
  };
  const encoded = encodeModel(model);
  return {
    [CONFIG_FILE]: encoded.config,
    [TENSORS_FILE]: encoded.tensors,
    [STATE_JSON]: JSON.stringify(state, null, 2) + '\n',
    [STATE_TENSORS]: writeSafetensors(tensors, { format: CHECKPOINT_FORMAT }),
  };
}

/** A checkpoint as one byte array (a tar archive of its four files). */
export function encodeCheckpointArchive(input: CheckpointInput): Uint8Array {
  return packFiles(encodeCheckpoint(input));
}

/** The checkpoint in an archive from `encodeCheckpointArchive` (or `tar` of a checkpoint directory). */
export function decodeCheckpointArchive(bytes: Uint8Array, source = 'checkpoint archive'): CheckpointContents {
  return readCheckpointFiles(filesInMemory(unpackFiles(bytes, source), source));
}

/** A checkpoint from its files, every byte validated (model against its config, tensors against learner.json). */
export function readCheckpointFiles(files: FileSource): CheckpointContents {
  const model = readModelFiles(files);
  const statePath = files.where(STATE_JSON);
  let json: unknown;
  try {
    json = JSON.parse(files.text(STATE_JSON, 'learner state'));
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(`${statePath}: not valid JSON (${jsonProblem(e)})`);
  }
  const state = decodeState(json, statePath);
  const tensorsPath = files.where(STATE_TENSORS);
  const file = parseSafetensors(files.bytes(STATE_TENSORS, 'learner tensors'), tensorsPath);
  const expected = new Set<string>();
  const read = (prefix: string, names: readonly string[], allowNonFinite = false): Record<string, Vec> => {
    const out: Record<string, Vec> = {};
    for (const name of names) {
      expected.add(`${prefix}.${name}`);
      // A checkpoint writes vectors as [length] and values as []: any other shape is damage, even of the right size.
      const shape = file.tensors.get(`${prefix}.${name}`)?.shape;
      const rank = prefix === 'value' ? 0 : 1;
      if (shape !== undefined && shape.length !== rank) throw new FormatError(`${tensorsPath}: tensor ${prefix}.${name} has shape [${shape.join(', ')}], a checkpoint writes ${rank === 0 ? 'scalars as []' : 'vectors as [length]'}`);
      out[name] = readTensor(file, `${prefix}.${name}`, { allowNonFinite });
    }
    return out;
  };
  const tensors = read('learner', state.tensors);
  const optimizerBuffers = state.optimizer === null ? {} : read('optimizer', state.optimizer.buffers);
  const valueTensors = read('value', state.values, true);
  const extraTensors = read('extra', state.extraTensors, true);
  const unexpected = [...file.tensors.keys()].filter((name) => !expected.has(name));
  if (unexpected.length > 0) throw new FormatError(`${tensorsPath}: tensors ${STATE_JSON} does not list: ${unexpected.slice(0, 5).join(', ')}`);
  const values: Record<string, number> = {};
  for (const [name, tensor] of Object.entries(valueTensors)) {
    if (tensor.length !== 1) throw new FormatError(`${tensorsPath}: value.${name} must be a scalar`);
    values[name] = tensor[0]!;
  }
  const optimizer: OptimizerState | null = state.optimizer === null ? null : { kind: state.optimizer.kind, t: state.optimizer.t, buffers: optimizerBuffers };
  const snapshot: LearnerSnapshot = { kind: state.kind, step: state.step, tensors, values, rng: state.rng, optimizer };
  return { model, snapshot, extra: state.extra, extraTensors, step: state.step, kernels: state.kernels };
}

interface DecodedState {
  kind: string;
  step: number;
  rng: RngState | null;
  optimizer: { kind: string; t: number; buffers: string[] } | null;
  tensors: string[];
  values: string[];
  extra: JsonValue;
  extraTensors: string[];
  kernels: string | null;
}

function decodeState(value: unknown, source: string): DecodedState {
  const root = asRecord(value, source);
  if (root.format !== CHECKPOINT_FORMAT) throw new FormatError(`${source}: "format" must be "${CHECKPOINT_FORMAT}", got ${JSON.stringify(root.format)}`);
  if (root.version !== CHECKPOINT_VERSION) throw new FormatError(`${source}: checkpoint version ${JSON.stringify(root.version)} is not supported (this build reads version ${CHECKPOINT_VERSION})`);
  const learner = asRecord(root.learner, `${source}: learner`);
  const kind = learner.kind;
  if (typeof kind !== 'string' || kind === '') throw new FormatError(`${source}: learner.kind must be a non-empty string`);
  const step = learner.step;
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) throw new FormatError(`${source}: learner.step must be a non-negative integer`);
  let rng: RngState | null = null;
  if (learner.rng !== null) {
    const words = learner.rng;
    if (!Array.isArray(words) || words.length !== 4 || words.some((w) => typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new FormatError(`${source}: learner.rng must be null or four unsigned 32-bit integers`);
    }
    rng = [words[0], words[1], words[2], words[3]] as RngState;
  }
  let optimizer: DecodedState['optimizer'] = null;
  if (learner.optimizer !== null) {
    const o = asRecord(learner.optimizer, `${source}: learner.optimizer`);
    if (typeof o.kind !== 'string') throw new FormatError(`${source}: learner.optimizer.kind must be a string`);
    if (typeof o.t !== 'number' || !Number.isSafeInteger(o.t) || o.t < 0) throw new FormatError(`${source}: learner.optimizer.t must be a non-negative integer`);
    optimizer = { kind: o.kind, t: o.t, buffers: names(o.buffers, `${source}: learner.optimizer.buffers`) };
  }
  return {
    kind,
    step,
    rng,
    optimizer,
    tensors: names(learner.tensors, `${source}: learner.tensors`),
    values: names(learner.values, `${source}: learner.values`),
    extra: (root.extra ?? null) as JsonValue,
    extraTensors: names(root.extraTensors ?? [], `${source}: extraTensors`),
    kernels: kernelsOf(root.kernels, source),
  };
}

function kernelsOf(value: unknown, source: string): string | null {
  if (value === undefined || value === null) return null;
  if (value !== 'ts' && value !== 'wasm' && value !== 'wasm-fma') throw new FormatError(`${source}: "kernels" must be 'ts', 'wasm' or 'wasm-fma'`);
  return value;
}

function names(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) throw new FormatError(`${where} must be an array of names`);
  if (new Set(value).size !== value.length) throw new FormatError(`${where} lists a name twice`);
  return value as string[];
}

/** JSON that survives a round trip unchanged: no NaN, ±Inf, undefined or functions. */
function checkJson(value: unknown, where: string): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`checkpoint: ${where} holds ${value}, which JSON cannot keep; store it in extraTensors`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkJson(v, `${where}[${i}]`));
    return;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, v] of Object.entries(value)) checkJson(v, `${where}.${key}`);
    return;
  }
  throw new TypeError(`checkpoint: ${where} is ${typeof value}, which JSON cannot keep`);
}
