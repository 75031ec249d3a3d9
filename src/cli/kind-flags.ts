/**
 * The CLI side of the kind tables: a spec's FlagSpec becomes a commander option, and the text
 * given for it becomes the JSON value the spec's `parse` validates. A flag several kinds share
 * (--hidden, --gate-activation) is one option, whose help names the kinds it applies to.
 */
import { Option, type Command } from 'commander';
import type { FlagSpec } from '../kinds/spec.js';
import { UsageError } from './errors.js';

/** The flags' values as commander keeps them, by attribute name (--reset-after → resetAfter). */
export type FlagValues = { readonly [attribute: string]: string | boolean | undefined };

/** Whether the user gave a flag (not a default). */
export type Given = (attribute: string) => boolean;

export function givenOn(command: Command): Given {
  return (attribute) => command.getOptionValueSource(attribute) === 'cli';
}

export function attributeOf(flag: FlagSpec): string {
  return new Option(flag.flag).attributeName();
}

export function longOf(flag: FlagSpec): string {
  return new Option(flag.flag).long!;
}

/** Each table entry's flags, merged by flag: which kinds use it. */
export function flagsByKind(table: Readonly<Record<string, { readonly flags: readonly FlagSpec[] }>>): Map<string, { flag: FlagSpec; kinds: string[] }> {
  const merged = new Map<string, { flag: FlagSpec; kinds: string[] }>();
  for (const [kind, spec] of Object.entries(table)) {
    for (const flag of spec.flags) {
      const seen = merged.get(flag.flag);
      if (seen === undefined) merged.set(flag.flag, { flag, kinds: [kind] });
      else if (seen.flag.option !== flag.option) throw new TypeError(`${flag.flag} sets ${seen.flag.option} for ${seen.kinds.join(', ')} but ${flag.option} for ${kind}`);
      else seen.kinds.push(kind);
    }
  }
  return merged;
}

/** The option's value as JSON, from what commander holds; errors name the flag. */
export function flagValue(flag: FlagSpec, value: string | boolean): string | number | boolean {
  const long = longOf(flag);
  switch (flag.value) {
    case 'switch':
      return value === true;
    case 'integer':
      return integerFlag(String(value), long);
    case 'number':
      return numberFlag(String(value), long);
    case 'boolean':
      if (value === 'true') return true;
      if (value === 'false') return false;
      throw new UsageError(`${long} must be true or false, got '${String(value)}'`);
    case 'string':
      return String(value);
  }
}

/** Adds one option per flag, its help prefixed by the kinds it applies to when not all of them. */
export function addKindFlags(command: Command, flags: Map<string, { flag: FlagSpec; kinds: string[] }>, options: { all: number; prefix: (kinds: string[]) => string }): Command {
  for (const { flag, kinds } of flags.values()) {
    command.addOption(new Option(flag.flag, kinds.length === options.all ? flag.help : `${options.prefix(kinds)}${flag.help}`));
  }
  return command;
}

export function integerFlag(value: string | undefined, flag: string, options: { min?: number } = {}): number {
  const min = options.min ?? 1;
  if (value === undefined) throw new UsageError(`${flag} is required`);
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`${flag} must be an integer, got '${value}'`);
  const n = Number(value);
  if (n < min) throw new UsageError(`${flag} must be ≥ ${min}, got ${n}`);
  return n;
}

export function numberFlag(value: string | undefined, flag: string): number {
  if (value === undefined) throw new UsageError(`${flag} is required`);
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} must be a finite number, got '${value}'`);
  return n;
}
