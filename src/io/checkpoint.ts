/**
 * Checkpoints of online training on disk: everything needed to continue a run bit for bit.
 *
 *   DIR/latest                         the name of the newest complete checkpoint
 *   DIR/checkpoint-000001000/          one checkpoint (also a native model directory; a step
 *                                       saved again gets checkpoint-000001000-1, never a rewrite):
 *     config.json, model.safetensors,  its files, encoded and decoded in the core
 *     learner.json, learner.safetensors (codec/checkpoint.ts, docs/formats.md)
 *
 * A save writes the checkpoint directory under a temporary name (every file fsynced), renames
 * it into place, then replaces `latest` the same way, then prunes old checkpoints. A crash at
 * any point leaves `latest` naming a complete checkpoint.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Vec } from '../tensor/dtype.js';
import type { Model } from '../model/model.js';
import type { Learner } from '../learners/learner.js';
import { FormatError } from './safetensors.js';
import { STATE_JSON, encodeCheckpoint, readCheckpointFiles, type CheckpointContents, type CheckpointInput, type JsonValue } from '../codec/checkpoint.js';
import { directoryFiles, readTextChecked, type FileContents, removeStaleTemporaries, writeDirectoryAtomic, writeFileAtomic } from './files.js';

export { encodeCheckpoint, type CheckpointInput, type JsonValue } from '../codec/checkpoint.js';

export const LATEST_FILE = 'latest';
/** checkpoint-<step>, or checkpoint-<step>-<k> when that step was saved before. */
const NAME = /^checkpoint-(\d{9,})(?:-(\d+))?$/;

export interface Checkpoint extends CheckpointContents {
  /** The directory the checkpoint was read from. */
  readonly path: string;
}

/**
 * Saves a checkpoint under `dir` and points `dir/latest` at it; keeps the newest `keep`
 * checkpoints (default 2, so the one before the latest survives too). Returns its path.
 */
export function saveCheckpoint(dir: string, input: CheckpointInput, options: { keep?: number } = {}): string {
  const snapshot = input.learner.snapshot();
  return writeCheckpoint(dir, snapshot.step, encodeCheckpoint(input, snapshot), options);
}

/**
 * Writes the files of a checkpoint at learner step `step` (from `encodeCheckpoint`, e.g. made in
 * a worker thread) the way `saveCheckpoint` does: a new directory, then `latest`, then pruning.
 */
export function writeCheckpoint(dir: string, step: number, files: Readonly<Record<string, FileContents>>, options: { keep?: number } = {}): string {
  const keep = options.keep ?? 2;
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`checkpoint: keep must be a positive integer, got ${keep}`);
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`checkpoint: step must be a non-negative integer, got ${step}`);
  // Never replace a checkpoint in place (`latest` may name it): a repeated step gets a new name.
  const base = `checkpoint-${String(step).padStart(9, '0')}`;
  let name = base;
  for (let k = 1; existsSync(join(dir, name)); k++) name = `${base}-${k}`;
  writeDirectoryAtomic(join(dir, name), files);
  writeFileAtomic(join(dir, LATEST_FILE), `${name}\n`);
  removeStaleTemporaries(dir);
  const old = checkpointNames(dir).filter((entry) => entry !== name);
  for (const entry of old.slice(0, Math.max(0, old.length - (keep - 1)))) rmSync(join(dir, entry), { recursive: true, force: true });
  return join(dir, name);
}

/** The checkpoints in `dir`, oldest first (by step, then by repeat). */
function checkpointNames(dir: string): string[] {
  const key = (name: string) => {
    const match = NAME.exec(name)!;
    return [Number(match[1]), Number(match[2] ?? 0)] as const;
  };
  return readdirSync(dir)
    .filter((entry) => NAME.test(entry))
    .sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1]);
}

/**
 * Reads the newest checkpoint under `dir` (via `latest`), or `dir` itself when it is a
 * checkpoint directory. Everything is validated; nothing is restored yet.
 */
export function loadCheckpoint(dir: string): Checkpoint {
  const path = checkpointDirectory(dir);
  return { path, ...readCheckpointFiles(directoryFiles(path)) };
}

/** The checkpoint directory `dir` means: itself when it holds one, else the one `dir/latest` names. */
export function checkpointDirectory(dir: string): string {
  if (existsSync(join(dir, STATE_JSON))) return dir;
  const latest = join(dir, LATEST_FILE);
  if (!existsSync(latest)) throw new FormatError(`${dir}: no checkpoint here (neither ${STATE_JSON} nor ${LATEST_FILE})`);
  const name = readTextChecked(latest, 'latest-checkpoint pointer').trim();
  if (!NAME.test(name)) throw new FormatError(`${latest}: names ${JSON.stringify(name.slice(0, 80))}, not a checkpoint directory`);
  return join(dir, name);
}

/**
 * Resumes a run: loads the newest checkpoint, builds the learner for its model with
 * `makeLearner` (the same options as the original run, e.g. from `extra`) and restores it.
 */
export function resumeRun(dir: string, makeLearner: (model: Model, extra: JsonValue) => Learner): { model: Model; learner: Learner; extra: JsonValue; extraTensors: Readonly<Record<string, Vec>>; step: number; path: string } {
  const checkpoint = loadCheckpoint(dir);
  const learner = makeLearner(checkpoint.model, checkpoint.extra);
  if (learner.kind !== checkpoint.snapshot.kind) throw new FormatError(`${checkpoint.path}: the checkpoint holds a ${checkpoint.snapshot.kind} learner, not ${learner.kind}`);
  learner.restore(checkpoint.snapshot);
  return { model: checkpoint.model, learner, extra: checkpoint.extra, extraTensors: checkpoint.extraTensors, step: checkpoint.step, path: checkpoint.path };
}
