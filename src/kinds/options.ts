/**
 * Reading an untrusted options record (JSON from a file, or the CLI's flags turned into JSON):
 * the checks every kind's `parse` is written with. Each names the field in its error, so a
 * spec validates its options once, in one place, whatever they came from.
 */

/** A JSON object, or a TypeError naming `where`. */
export function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${where} must be an object`);
  return value as Record<string, unknown>;
}

/** Throws for a key outside `allowed`, naming it and what is allowed. */
export function allowOnly(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new TypeError(`${where}: unknown option '${key}' (allowed: ${allowed.join(', ') || 'none'})`);
  }
}

/** One of `kinds`, or a TypeError listing them. */
export function kindOf<K extends string>(value: Record<string, unknown>, kinds: readonly K[], what: string, where = ''): K {
  const kind = value.kind;
  if (typeof kind !== 'string' || !(kinds as readonly string[]).includes(kind)) throw new TypeError(`${where}${where === '' ? '' : ': '}unknown ${what} '${String(kind)}' (allowed: ${kinds.join(', ')})`);
  return kind as K;
}

export function positiveInteger(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new RangeError(`${where} must be a positive integer, got ${JSON.stringify(value)}`);
  return value;
}

export function optionalPositiveInteger(value: unknown, where: string): number | undefined {
  return value === undefined ? undefined : positiveInteger(value, where);
}

export function optionalBoolean(value: unknown, where: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new TypeError(`${where} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

export function optionalChoice<T extends string | number>(value: unknown, choices: readonly T[], where: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly unknown[]).includes(value)) throw new TypeError(`${where} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** A finite number, when given. */
export function optionalNumber(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`${where} must be a finite number, got ${JSON.stringify(value)}`);
  return value;
}

/** Drops undefined entries, for exactOptionalPropertyTypes. */
export function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** The keys of a closed table, in their order, typed. */
export function kindsOf<T extends object>(table: T): ReadonlyArray<keyof T & string> {
  return Object.keys(table) as Array<keyof T & string>;
}

/** The spec of a config's kind in its closed table, typed for it (the one cast a table needs). */
export function specOf<S>(table: object, config: { readonly kind: string }): S {
  return (table as Record<string, S>)[config.kind]!;
}

/** An untrusted config read by its kind's own parser; errors name `where` (or the kind) and list the table's kinds. */
export function parseKind(table: Readonly<Record<string, { parse(raw: Record<string, unknown>, where: string): unknown }>>, what: string, value: unknown, where: string): unknown {
  const raw = record(value, where === '' ? `${what} config` : where);
  const kind = kindOf(raw, Object.keys(table), what, where);
  return table[kind]!.parse(raw, where === '' ? kind : where);
}
