/**
 * One model + learner as a service: a StreamSession behind validated updates, made durable by
 * a write-ahead log and checkpoints in a state directory:
 *
 *   apply(update):  session ← update;  log ← {n, update} (fsync);  acknowledge;
 *                   every `checkpointEvery` updates: checkpoint at n (atomic), compact the log
 *   open(DIR):      latest checkpoint (θ, learner, optimizer, pending predictions, Rngs) +
 *                   replay of the log's records after it  =  the state of a service never stopped
 *
 * Updates are applied before they are logged, so only updates that succeeded are in the log and
 * a replay repeats them exactly (the session is deterministic); the reply waits for the log.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { Vec } from '../tensor/dtype.js';
import type { Model } from '../model/model.js';
import { createLearner, parseLearnerConfig, type LearnerConfig } from '../kinds/learners.js';
import type { Learner, LearnerSnapshot } from '../learners/learner.js';
import type { LossKind } from '../loss/loss.js';
import { lossByKind, LOSS_KINDS } from '../kinds/losses.js';
import type { OptimizerConfig } from '../kinds/optimizers.js';
import { StreamSession, type PendingPrediction, type SessionSnapshot } from '../stream/session.js';
import { StreamAverages } from '../stream/metrics.js';
import { Adwin } from '../stream/adwin.js';
import { encodeCheckpoint, loadCheckpoint, writeCheckpoint, type JsonValue } from '../io/checkpoint.js';
import { FormatError } from '../io/safetensors.js';
import { RequestError, type ForecastRequest, type Update } from './events.js';
import { WriteAheadLog } from './wal.js';

/** How the learner is built: saved in every checkpoint, so a restart needs only --state. */
export interface ServiceConfig {
  readonly learner: LearnerConfig;
  readonly optimizer: OptimizerConfig | null;
  readonly loss: LossKind;
  readonly seed: number;
  readonly clip?: number;
}

export interface DurabilityOptions {
  /** Checkpoint (and compact the log) every this many updates. @default 1000 */
  readonly checkpointEvery?: number;
  /** 0: fsync every record before acknowledging it; N > 0: fsync every N ms. @default 0 */
  readonly fsyncMs?: number;
}

export type Reply = Record<string, JsonValue>;

export class StreamService {
  /** Updates accepted since the service was first created (the log's sequence number). */
  updates = 0;
  driftDetections = 0;
  readonly losses = new StreamAverages(1000, 0.999);
  private readonly detector = new Adwin();
  private lastCheckpointAt = 0;
  private lastCheckpointTime = Date.now();
  private readonly log: WriteAheadLog | null;

  private constructor(
    readonly model: Model,
    readonly config: ServiceConfig,
    readonly session: StreamSession,
    readonly stateDir: string | null,
    readonly durability: Required<DurabilityOptions>,
  ) {
    this.log = stateDir === null ? null : new WriteAheadLog(stateDir, durability.fsyncMs);
  }

  /**
   * A service for `model` — or, when `stateDir` holds a checkpoint, the service saved there
   * (its model and config win), with the log replayed. Returns it and how many records were replayed.
   */
  static open(model: Model, config: ServiceConfig, stateDir: string | null, durability: DurabilityOptions = {}): { service: StreamService; replayed: number; resumed: boolean } {
    const options = { checkpointEvery: durability.checkpointEvery ?? 1000, fsyncMs: durability.fsyncMs ?? 0 };
    if (!Number.isInteger(options.checkpointEvery) || options.checkpointEvery < 1) throw new RangeError(`serve: checkpoint interval must be a positive integer, got ${options.checkpointEvery}`);
    if (!(options.fsyncMs >= 0)) throw new RangeError(`serve: fsync interval must be ≥ 0 ms, got ${options.fsyncMs}`);
    if (stateDir === null) return { service: new StreamService(model, config, new StreamSession(makeLearner(model, config)), null, options), replayed: 0, resumed: false };
    mkdirSync(stateDir, { recursive: true });
    let service: StreamService;
    let resumed = false;
    if (existsSync(`${stateDir}/latest`)) {
      const checkpoint = loadCheckpoint(stateDir);
      const extra = checkpoint.extra as { serve: { config: JsonValue; updates: number; driftDetections: number } };
      const saved = parseServiceConfig(extra.serve?.config);
      const session = new StreamSession(makeLearner(checkpoint.model, saved));
      session.restore(decodeSession(checkpoint.snapshot, extra as unknown as Record<string, JsonValue>, checkpoint.extraTensors));
      service = new StreamService(checkpoint.model, saved, session, stateDir, options);
      service.updates = service.lastCheckpointAt = extra.serve.updates;
      service.driftDetections = extra.serve.driftDetections;
      resumed = true;
    } else {
      service = new StreamService(model, config, new StreamSession(makeLearner(model, config)), stateDir, options);
    }
    const records = WriteAheadLog.read(stateDir, service.updates);
    for (const { n, update } of records) {
      if (n !== service.updates) throw new FormatError(`${stateDir}: the write-ahead log skips from update ${service.updates} to ${n}`);
      service.applyToSession(update);
      service.updates++;
    }
    service.checkpoint(); // also starts a fresh log segment after whatever a crash left
    return { service, replayed: records.length, resumed };
  }

  get inputSize(): number {
    return this.session.inputSize;
  }
  get targetSize(): number {
    return lossByKind(this.config.loss).targetSize(this.session.outputSize);
  }
  get checkpointAgeSeconds(): number {
    return (Date.now() - this.lastCheckpointTime) / 1000;
  }

  /** Applies an update, logs it, checkpoints on schedule; the reply may then be sent. */
  apply(update: Update): Reply {
    const reply = this.applyToSession(update);
    this.log?.append(this.updates, update);
    this.updates++;
    if (this.stateDir !== null && this.updates - this.lastCheckpointAt >= this.durability.checkpointEvery) this.checkpoint();
    return reply;
  }

  forecast(request: ForecastRequest): Reply {
    try {
      return { forecast: this.session.forecast(request.horizon, request.inputs).map((row) => Array.from(row)) };
    } catch (error) {
      throw asRequestError(error);
    }
  }

  private applyToSession(update: Update): Reply {
    const { session } = this;
    try {
      switch (update.op) {
        case 'predict':
          return { id: update.id, prediction: Array.from(session.predict(update.x, update.id).prediction) };
        case 'learn': {
          const learned = session.learn(update.y, update.id ?? undefined);
          this.score(learned.loss);
          return { id: learned.id, loss: learned.loss };
        }
        case 'observe': {
          // The target is this x's own: learn it by id even when other predictions wait.
          if (session.waiting === 0 && session.delay === 0) {
            const { prediction, learned } = session.observe(update.x, update.y, update.id);
            this.score(learned!.loss);
            return { id: update.id, prediction: Array.from(prediction.prediction), loss: learned!.loss };
          }
          const prediction = session.predict(update.x, update.id);
          const learned = session.learn(update.y, update.id);
          this.score(learned.loss);
          return { id: update.id, prediction: Array.from(prediction.prediction), loss: learned.loss };
        }
        case 'reset':
          session.reset();
          return { reset: true };
      }
    } catch (error) {
      throw asRequestError(error);
    }
  }

  private score(loss: number): void {
    this.losses.add(loss);
    if (this.detector.update(loss)) this.driftDetections++;
  }

  /** Writes a checkpoint at the current update (atomic) and compacts the log behind it. */
  checkpoint(): void {
    if (this.stateDir === null) return;
    const { learner, extra, extraTensors } = encodeSession(this.session.snapshot());
    const serve = { config: this.config as unknown as JsonValue, updates: this.updates, driftDetections: this.driftDetections };
    const files = encodeCheckpoint({ model: this.model, learner: this.session.learner, extra: { ...extra, serve }, extraTensors }, learner);
    writeCheckpoint(this.stateDir, learner.step, files);
    this.log!.startSegment(this.updates);
    this.lastCheckpointAt = this.updates;
    this.lastCheckpointTime = Date.now();
  }

  close(): void {
    this.log?.close();
  }
}

export function makeLearner(model: Model, config: ServiceConfig): Learner {
  return createLearner(config.learner, model, { loss: lossByKind(config.loss), optimizer: config.optimizer, seed: config.seed, ...(config.clip !== undefined ? { clip: config.clip } : {}) });
}

function parseServiceConfig(value: unknown): ServiceConfig {
  if (typeof value !== 'object' || value === null) throw new FormatError('serve state: the checkpoint has no service config');
  const config = value as Record<string, unknown>;
  if (!(LOSS_KINDS as readonly unknown[]).includes(config.loss)) throw new FormatError(`serve state: unknown loss ${JSON.stringify(config.loss)}`);
  return {
    learner: parseLearnerConfig(config.learner),
    optimizer: (config.optimizer ?? null) as OptimizerConfig | null,
    loss: config.loss as LossKind,
    seed: Number(config.seed),
    ...(typeof config.clip === 'number' ? { clip: config.clip } : {}),
  };
}

function asRequestError(error: unknown): Error {
  if (error instanceof RangeError || error instanceof TypeError) return new RequestError(error.message.replace(/^session: /, ''));
  return error as Error;
}

/** A session snapshot as the checkpoint's learner + JSON + named tensors. */
function encodeSession(snapshot: SessionSnapshot): { learner: LearnerSnapshot; extra: Record<string, JsonValue>; extraTensors: Record<string, Vec> } {
  const extraTensors: Record<string, Vec> = {};
  const pending = snapshot.pending.map((entry, i): JsonValue => {
    const { before } = entry;
    extraTensors[`p${i}.x`] = entry.x;
    extraTensors[`p${i}.prediction`] = entry.prediction;
    const values = Object.keys(before.values);
    extraTensors[`p${i}.values`] = Float64Array.from(values, (name) => before.values[name]!);
    if (before.rng !== null) extraTensors[`p${i}.rng`] = Float64Array.from(before.rng);
    for (const [name, tensor] of Object.entries(before.tensors)) extraTensors[`p${i}.t.${name}`] = tensor;
    return { id: entry.id, step: entry.step, learnerStep: before.step, kind: before.kind, tensors: Object.keys(before.tensors), values, rng: before.rng !== null };
  });
  if (snapshot.lastPrediction !== null) extraTensors.lastPrediction = snapshot.lastPrediction;
  return { learner: snapshot.learner, extra: { session: { ...snapshot.values, pending, lastPrediction: snapshot.lastPrediction !== null } }, extraTensors };
}

function decodeSession(learner: LearnerSnapshot, extra: Record<string, JsonValue>, tensors: Readonly<Record<string, Vec>>): SessionSnapshot {
  const session = extra.session as unknown as { step: number; dropped: number; learned: number; lastPrediction: boolean; pending: Array<{ id: string | number; step: number; learnerStep: number; kind: string; tensors: string[]; values: string[]; rng: boolean }> };
  const tensor = (name: string): Vec => {
    const value = tensors[name];
    if (value === undefined) throw new FormatError(`serve state: the checkpoint lacks tensor ${name}`);
    return value;
  };
  const pending = session.pending.map((entry, i): PendingPrediction => {
    const values = tensor(`p${i}.values`);
    const rng = entry.rng ? tensor(`p${i}.rng`) : null;
    const before: LearnerSnapshot = {
      kind: entry.kind,
      step: entry.learnerStep,
      tensors: Object.fromEntries(entry.tensors.map((name) => [name, tensor(`p${i}.t.${name}`)])),
      values: Object.fromEntries(entry.values.map((name, k) => [name, values[k]!])),
      rng: rng === null ? null : [rng[0]!, rng[1]!, rng[2]!, rng[3]!],
      optimizer: null,
    };
    return { id: entry.id, step: entry.step, x: Float64Array.from(tensor(`p${i}.x`)), prediction: Float64Array.from(tensor(`p${i}.prediction`)), before };
  });
  return {
    learner,
    pending,
    values: { step: session.step, dropped: session.dropped, learned: session.learned },
    lastPrediction: session.lastPrediction ? Float64Array.from(tensor('lastPrediction')) : null,
  };
}
