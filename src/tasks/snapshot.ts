/**
 * Task streams saved and restored. A StreamSnapshot is plain JSON — numbers, arrays of
 * numbers, nested records — so it can travel inside a checkpoint's `extra`; restoring it into a
 * fresh stream of the same task continues the samples and the metric bit for bit.
 *
 * Doubles: JSON writes every finite double in a form that reads back to the same bits, except
 * −0; NaN and ±Infinity it cannot write at all. So floats go through `exact`, which leaves
 * every other number as it is and spells those four as strings.
 *
 * A snapshot read from a file is untrusted: SnapshotReader checks every field (type, range,
 * length) and names the one that is wrong in a RangeError.
 */
import type { RngState } from '../tensor/rng.js';

/** A double as JSON keeps it exactly. */
export type ExactNumber = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';

export type SnapshotValue = ExactNumber | SnapshotValue[] | { [field: string]: SnapshotValue };

export type StreamSnapshot = {
  /** The task's kind, so a snapshot is never restored into another task's stream. */
  task: string;
  state: { [field: string]: SnapshotValue };
};

/**
 * An endless stream of numbers (a corpus's characters, a series' values) whose position can be
 * saved; the Rng it draws from is the caller's to save.
 */
export interface Reader {
  /** The next value; a plain function, so it can be passed around. */
  readonly read: () => number;
  /** Where the reader stands, and what it holds of the current line or block. */
  snapshot(): SnapshotValue;
  /** Checks a state `snapshot` wrote, then takes it; on error nothing changes. */
  restore(state: SnapshotReader): void;
}

export function exact(x: number): ExactNumber {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Object.is(x, -0)) return '-0';
  return x;
}

export function exactArray(values: ArrayLike<number>): ExactNumber[] {
  return Array.from(values, exact);
}

const SPECIAL: Readonly<Record<string, number>> = { NaN: Number.NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

/** The double `exact` wrote, or undefined when `value` is not one. */
export function fromExact(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  return typeof value === 'string' && Object.hasOwn(SPECIAL, value) ? SPECIAL[value] : undefined;
}

/** Reads the fields of one stream's snapshot, checking each. */
export class SnapshotReader {
  private constructor(
    private readonly state: { readonly [field: string]: unknown },
    private readonly task: string,
    /** Where a nested reader's fields sit, e.g. `running.`. */
    private readonly prefix: string,
  ) {}

  /** Opens a snapshot for the stream of task `task`: it must have been taken from one. */
  static of(snapshot: unknown, task: string): SnapshotReader {
    const record = asRecord(snapshot);
    if (record === null) throw new RangeError(`${task} stream snapshot: must be an object with "task" and "state"`);
    if (record.task !== task) throw new RangeError(`${task} stream snapshot: it was taken from a ${JSON.stringify(record.task)} stream`);
    const state = asRecord(record.state);
    if (state === null) throw new RangeError(`${task} stream snapshot: "state" must be an object`);
    return new SnapshotReader(state, task, '');
  }

  /** Throws the RangeError for field `name`, which must be `what`. */
  fail(name: string, what: string): never {
    throw new RangeError(`${this.task} stream snapshot: ${this.prefix}${name} must be ${what}`);
  }

  /** An integer in [min, max]. */
  integer(name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.state[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) this.fail(name, `an integer in [${min}, ${max}]`);
    return value;
  }

  /** A double written by `exact`. */
  number(name: string): number {
    return this.decode(this.state[name], name);
  }

  /** `length` integers in [min, max]; `length` is a count or a range [shortest, longest]. */
  integers(name: string, length: number | readonly [number, number], min: number, max: number): number[] {
    const value = this.state[name];
    const [shortest, longest] = typeof length === 'number' ? [length, length] : length;
    if (!Array.isArray(value) || value.length < shortest || value.length > longest || value.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)) {
      const count = shortest === longest ? `${shortest} integer${shortest === 1 ? '' : 's'}` : `${shortest} to ${longest} integers`;
      this.fail(name, `${count} in [${min}, ${max}]`);
    }
    return value as number[];
  }

  /** `length` doubles written by `exactArray`. */
  numbers(name: string, length: number): Float64Array {
    const value = this.state[name];
    if (!Array.isArray(value) || value.length !== length) this.fail(name, `an array of ${length} numbers`);
    return Float64Array.from(value as unknown[], (v, i) => this.decode(v, `${name}[${i}]`));
  }

  /** An Rng state: four unsigned 32-bit words, not all zero. */
  rng(name: string): RngState {
    const words = this.integers(name, 4, 0, 0xffffffff);
    if (words.every((w) => w === 0)) this.fail(name, 'an rng state that is not all zeros');
    return [words[0]!, words[1]!, words[2]!, words[3]!];
  }

  /** A nested record (a reader's or an average's state). */
  nested(name: string): SnapshotReader {
    const value = asRecord(this.state[name]);
    if (value === null) this.fail(name, 'an object');
    return new SnapshotReader(value, this.task, `${this.prefix}${name}.`);
  }

  private decode(value: unknown, name: string): number {
    return fromExact(value) ?? this.fail(name, 'a number (or "NaN", "Infinity", "-Infinity", "-0")');
  }
}

function asRecord(value: unknown): { readonly [field: string]: unknown } | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { readonly [field: string]: unknown }) : null;
}
