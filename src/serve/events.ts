/**
 * The service's requests as data, validated once at the boundary (JSON lines and HTTP alike).
 * An update changes the session and is written to the write-ahead log; a forecast does not.
 */
import type { PredictionId } from '../stream/session.js';

export type Update =
  | { readonly op: 'predict'; readonly id: PredictionId; readonly x: number[] }
  | { readonly op: 'learn'; readonly id: PredictionId | null; readonly y: number[] }
  | { readonly op: 'observe'; readonly id: PredictionId; readonly x: number[]; readonly y: number[] }
  | { readonly op: 'reset' };

export interface ForecastRequest {
  readonly horizon: number;
  readonly inputs?: number[][];
}

/** A request the service refuses: its message names the problem (HTTP 400, or an error line). */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface Widths {
  readonly inputSize: number;
  readonly targetSize: number;
}

/** A JSON line's update: {"id", "x"} predict, {"id", "y"} learn, {"id", "x", "y"} observe, {"reset": true}. */
export function parseLine(value: unknown, widths: Widths): Update {
  const object = asObject(value);
  if (object.reset === true) {
    only(object, ['reset', 'id']);
    return { op: 'reset' };
  }
  only(object, ['id', 'x', 'y']);
  const hasX = object.x !== undefined;
  const hasY = object.y !== undefined;
  if (hasX && hasY) return parseUpdate('observe', object, widths);
  if (hasX) return parseUpdate('predict', object, widths);
  if (hasY) return parseUpdate('learn', object, widths);
  throw new RequestError('a line needs "x" (predict), "y" (learn), both (observe), or "reset": true');
}

/** The body of POST /predict, /learn or /observe. */
export function parseUpdate(op: 'predict' | 'learn' | 'observe', value: unknown, widths: Widths): Update {
  const object = asObject(value);
  only(object, op === 'predict' ? ['id', 'x'] : op === 'learn' ? ['id', 'y'] : ['id', 'x', 'y']);
  const id = object.id === undefined ? null : parseId(object.id);
  if (op === 'learn') return { op, id, y: vector(object.y, 'y', widths.targetSize) };
  if (id === null) throw new RequestError(`${op}: "id" is required (a string or a number) so that the target can name its prediction`);
  const x = vector(object.x, 'x', widths.inputSize);
  if (op === 'predict') return { op, id, x };
  return { op, id, x, y: vector(object.y, 'y', widths.targetSize) };
}

export function parseForecast(value: unknown, inputSize: number): ForecastRequest {
  const object = asObject(value);
  only(object, ['horizon', 'inputs']);
  const horizon = object.horizon;
  if (typeof horizon !== 'number' || !Number.isInteger(horizon) || horizon < 1 || horizon > 10_000) throw new RequestError(`"horizon" must be an integer in 1..10000, got ${JSON.stringify(horizon)}`);
  if (object.inputs === undefined) return { horizon };
  if (!Array.isArray(object.inputs) || object.inputs.length !== horizon) throw new RequestError(`"inputs" must be ${horizon} rows (one per step of the horizon)`);
  return { horizon, inputs: object.inputs.map((row: unknown, k) => vector(row, `inputs[${k}]`, inputSize)) };
}

function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RequestError('the request must be a JSON object');
  return value as Record<string, unknown>;
}

function only(object: Record<string, unknown>, keys: readonly string[]): void {
  for (const key of Object.keys(object)) if (!keys.includes(key)) throw new RequestError(`unknown field "${key}" (allowed: ${keys.join(', ')})`);
}

function parseId(value: unknown): PredictionId {
  if (typeof value === 'string' && value.length <= 256) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new RequestError(`"id" must be a string (at most 256 characters) or a finite number, got ${JSON.stringify(value)?.slice(0, 60)}`);
}

function vector(value: unknown, name: string, width: number): number[] {
  if (!Array.isArray(value)) throw new RequestError(`"${name}" must be an array of ${width} numbers`);
  if (value.length !== width) throw new RequestError(`"${name}" must have ${width} numbers, got ${value.length}`);
  value.forEach((v: unknown, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RequestError(`"${name}"[${i}] must be a finite number, got ${JSON.stringify(v)}`);
  });
  return value as number[];
}

/** The JSON-lines reader's parse: NaN and Infinity are not JSON, so they land here as a syntax error. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RequestError(`malformed JSON: ${(error as Error).message.split('\n')[0]}`);
  }
}
