/**
 * Online learners as data: a discriminated union on `kind` (what the CLI parses `tbptt:k=16`
 * into and checkpoints save), validated once by `parseLearnerConfig`, turned into a Learner by
 * one exhaustive switch. Below this file the library works with the factories.
 */
import type { OnlineModel } from '../model/online.js';
import type { Model } from '../model/model.js';
import type { Learner, LearnerOptions } from './learner.js';
import { tbptt } from './tbptt.js';
import { rtrl } from './rtrl.js';
import { uoro } from './uoro.js';
import { nbt } from './nbt.js';
import { snap1 } from './snap1.js';
import { kfrtrl } from './kfrtrl.js';

export type LearnerConfig =
  | { readonly kind: 'tbptt'; readonly k2: number; readonly k1?: number }
  | { readonly kind: 'rtrl' }
  | { readonly kind: 'uoro'; readonly epsilon?: number; readonly rescale?: boolean }
  | { readonly kind: 'nbt'; readonly epsilon?: number }
  | { readonly kind: 'snap1' }
  | { readonly kind: 'kfrtrl'; readonly epsilon?: number };

export type LearnerKind = LearnerConfig['kind'];
export const LEARNER_KINDS: readonly LearnerKind[] = ['tbptt', 'rtrl', 'uoro', 'nbt', 'snap1', 'kfrtrl'];

const LEARNER_OPTIONS: Record<LearnerKind, readonly string[]> = {
  tbptt: ['kind', 'k2', 'k1'],
  rtrl: ['kind'],
  uoro: ['kind', 'epsilon', 'rescale'],
  nbt: ['kind', 'epsilon'],
  snap1: ['kind'],
  kfrtrl: ['kind', 'epsilon'],
};

/** A learner from its config; the single place a learner kind becomes code. */
export function createLearner(config: LearnerConfig, model: OnlineModel | Model, options: LearnerOptions): Learner {
  switch (config.kind) {
    case 'tbptt':
      return tbptt(model, { ...options, k2: config.k2, ...(config.k1 !== undefined ? { k1: config.k1 } : {}) });
    case 'rtrl':
      return rtrl(model, options);
    case 'uoro':
      return uoro(model, { ...options, ...(config.epsilon !== undefined ? { epsilon: config.epsilon } : {}), ...(config.rescale !== undefined ? { rescale: config.rescale } : {}) });
    case 'nbt':
      return nbt(model, { ...options, ...(config.epsilon !== undefined ? { epsilon: config.epsilon } : {}) });
    case 'snap1':
      return snap1(model, options);
    case 'kfrtrl':
      return kfrtrl(model, { ...options, ...(config.epsilon !== undefined ? { epsilon: config.epsilon } : {}) });
    default: {
      const unknown: never = config; // a new kind without a case here fails to compile
      throw new TypeError(`unknown learner '${(unknown as { kind: unknown }).kind}' (allowed: ${LEARNER_KINDS.join(', ')})`);
    }
  }
}

/** Validates untrusted configuration (JSON, CLI) and returns it typed; errors name the field. */
export function parseLearnerConfig(value: unknown): LearnerConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('learner config must be an object');
  const config = value as Record<string, unknown>;
  const kind = config.kind;
  if (typeof kind !== 'string' || !(LEARNER_KINDS as readonly string[]).includes(kind)) {
    throw new TypeError(`unknown learner '${String(kind)}' (allowed: ${LEARNER_KINDS.join(', ')})`);
  }
  const typed = kind as LearnerKind;
  for (const key of Object.keys(config)) {
    if (!LEARNER_OPTIONS[typed].includes(key)) throw new TypeError(`${typed}: unknown option '${key}' (allowed: ${LEARNER_OPTIONS[typed].slice(1).join(', ') || 'none'})`);
  }
  switch (typed) {
    case 'tbptt': {
      const k2 = positiveInteger(config.k2, 'tbptt: k2');
      if (config.k1 === undefined) return { kind: 'tbptt', k2 };
      const k1 = positiveInteger(config.k1, 'tbptt: k1');
      if (k1 > k2) throw new RangeError(`tbptt: k1 (${k1}) must not exceed k2 (${k2})`);
      return { kind: 'tbptt', k2, k1 };
    }
    case 'rtrl':
      return { kind: 'rtrl' };
    case 'uoro': {
      const epsilon = optionalEpsilon(config.epsilon, 'uoro');
      if (config.rescale !== undefined && typeof config.rescale !== 'boolean') throw new TypeError(`uoro: rescale must be true or false, got ${JSON.stringify(config.rescale)}`);
      return { kind: 'uoro', ...(epsilon !== undefined ? { epsilon } : {}), ...(config.rescale !== undefined ? { rescale: config.rescale } : {}) };
    }
    case 'nbt': {
      const epsilon = optionalEpsilon(config.epsilon, 'nbt');
      return { kind: 'nbt', ...(epsilon !== undefined ? { epsilon } : {}) };
    }
    case 'snap1':
      return { kind: 'snap1' };
    case 'kfrtrl': {
      const epsilon = optionalEpsilon(config.epsilon, 'kfrtrl');
      return { kind: 'kfrtrl', ...(epsilon !== undefined ? { epsilon } : {}) };
    }
  }
}

function positiveInteger(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new RangeError(`${where} must be a positive integer, got ${JSON.stringify(value)}`);
  return value;
}

function optionalEpsilon(value: unknown, kind: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new RangeError(`${kind}: epsilon must be a small positive number, got ${JSON.stringify(value)}`);
  return value;
}
