/** Validation shared by the cell factories: options are checked once, at the boundary. */
import { isDType, type DType } from '../tensor/dtype.js';

/** Throws when `options` has a key outside `allowed`, naming it. */
export function rejectUnknownOptions(kind: string, options: object, allowed: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${kind}: unknown option '${key}' (allowed: ${allowed.join(', ')})`);
    }
  }
}

export function checkDType(kind: string, value: unknown): DType {
  if (!isDType(value)) throw new TypeError(`${kind}: dtype must be 'float64' or 'float32', got ${String(value)}`);
  return value;
}

export function checkChoice<T extends string>(kind: string, option: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !choices.includes(value as T)) {
    throw new TypeError(`${kind}: ${option} must be one of ${choices.join(', ')}, got ${String(value)}`);
  }
  return value as T;
}

export function checkBoolean(kind: string, option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${kind}: ${option} must be true or false, got ${String(value)}`);
  return value;
}

/** A size option: a positive integer. */
export function checkSize(kind: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${kind}: ${option} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
