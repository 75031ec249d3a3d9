/**
 * safetensors (Hugging Face): the tensor container of every file this library writes, and
 * what PyTorch users export a state_dict to. The layout is
 *
 *   [8 bytes: n, unsigned little-endian] [n bytes: JSON header, UTF-8] [data buffer]
 *
 * where the header maps each tensor name to {dtype, shape, data_offsets: [begin, end]}
 * (byte offsets into the data buffer) and may hold "__metadata__", a string → string map.
 * Data is row-major and little-endian. The reference implementation requires the tensors to
 * cover the data buffer exactly, without holes or overlaps; so do we.
 *
 * Reading treats the file as hostile: every number in the header is checked against the
 * file's own length before it is used, so a truncated or forged file is a FormatError naming
 * the problem, and nothing is allocated beyond the size of the file. Pure: no Node imports.
 */
import { decodeUtf8, encodeUtf8 } from '../codec/utf8.js';
import { zeros, type DType, type Vec } from '../tensor/dtype.js';

/** A model or checkpoint file that cannot be read; the message names the file and the problem. */
export class FormatError extends RangeError {
  override readonly name = 'FormatError';
  constructor(message: string) {
    // One line, whatever the file put into it (JSON parse errors quote the file's text), and a
    // short one: a name the file controls may be a megabyte long.
    super(cutMiddle(message.replace(/[\r\n]+\s*/g, ' '), MAX_MESSAGE));
  }
}

/** The longest error line: enough for two paths and a sentence. */
const MAX_MESSAGE = 600;

/** `text` cut to at most `max` characters, keeping both ends (the file's path and the problem). */
export function cutMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const half = Math.floor((max - 1) / 2);
  return `${text.slice(0, half)}…${text.slice(text.length - half)}`;
}

/**
 * Why JSON.parse refused a file, without the file's text: V8's message quotes the start of the
 * input, which for a file that is not the one expected (a link to /etc/passwd) is its content.
 */
export function jsonProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof RangeError) return 'nested too deeply';
  const position = /position (\d+)/.exec(message);
  if (/Unexpected end of JSON input/.test(message)) return 'it ends too early';
  return position !== null ? `a syntax error at byte ${position[1]}` : 'a syntax error';
}

/** A string the file controls (a tensor's or a layer's name), quoted and cut for an error line. */
export function quoteName(name: string, max = 80): string {
  return JSON.stringify(cutMiddle(name, max));
}

/** The reference implementation's limit on the header; real headers are kilobytes. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** Element sizes of the dtypes the format defines (the ones a reader may meet). */
const DTYPE_BYTES: Readonly<Record<string, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2,
  I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
  F8_E4M3: 1, F8_E5M2: 1,
};

/** The dtypes we decode into floating-point buffers; F16 and BF16 are read-only. */
export const FLOAT_DTYPES = ['F64', 'F32', 'F16', 'BF16'] as const;
export type FloatDType = (typeof FLOAT_DTYPES)[number];

export interface TensorEntry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Element count (the product of the shape). */
  readonly size: number;
  /** Byte range [begin, end) within the whole file (header included). */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsFile {
  /** Where the file came from, for messages. */
  readonly source: string;
  readonly bytes: Uint8Array;
  /** Tensors in header order. */
  readonly tensors: ReadonlyMap<string, TensorEntry>;
  readonly metadata: Readonly<Record<string, string>> | null;
}

/** Checks a safetensors file held in memory; copies nothing. */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors file'): SafetensorsFile {
  const fail = (problem: string): never => {
    throw new FormatError(`${source}: ${problem}`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes is too short for a safetensors file (it starts with an 8-byte header length)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const available = bytes.length - 8;
  if (high !== 0 || low > available) {
    fail(`the header length ${high * 4294967296 + low} runs past the end of the file (${available} bytes follow the length); the file is truncated or not safetensors`);
  }
  if (low > MAX_HEADER_BYTES) fail(`the header length ${low} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (low < 2) fail(`the header length ${low} is too short for a JSON object`);
  let text: string;
  try {
    text = decodeUtf8(bytes.subarray(8, 8 + low));
  } catch {
    return fail('the header is not valid UTF-8');
  }
  if (text[0] !== '{') fail('the header does not start with "{"');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`the header is not valid JSON (${jsonProblem(e)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return fail('the header is not a JSON object');

  const dataStart = 8 + low;
  const dataLength = bytes.length - dataStart;
  const tensors = new Map<string, TensorEntry>();
  let metadata: Record<string, string> | null = null;
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(value, fail);
      continue;
    }
    tensors.set(name, parseEntry(name, value, dataStart, dataLength, fail));
  }
  // Sorted by position, the tensors must tile the data buffer: no holes, no overlaps.
  const ordered = [...tensors.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = dataStart;
  for (const entry of ordered) {
    if (entry.begin < cursor) fail(`tensor '${entry.name}' overlaps the tensor before it (bytes ${entry.begin - dataStart}..${entry.end - dataStart})`);
    if (entry.begin > cursor) fail(`the data buffer has ${entry.begin - cursor} unindexed bytes before tensor '${entry.name}'`);
    cursor = entry.end;
  }
  if (cursor !== bytes.length) fail(`the data buffer has ${bytes.length - cursor} bytes no tensor indexes (the header describes ${cursor - dataStart} of ${dataLength})`);
  return { source, bytes, tensors, metadata };
}

function parseMetadata(value: unknown, fail: (problem: string) => never): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('__metadata__ must be an object of strings');
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') fail(`__metadata__.${key} must be a string`);
    out[key] = v as string;
  }
  return out;
}

function parseEntry(name: string, value: unknown, dataStart: number, dataLength: number, fail: (problem: string) => never): TensorEntry {
  const where = `tensor '${name}'`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`${where} must be an object with dtype, shape and data_offsets`);
  const entry = value as Record<string, unknown>;
  for (const key of Object.keys(entry)) if (key !== 'dtype' && key !== 'shape' && key !== 'data_offsets') fail(`${where} has an unknown field '${key}'`);
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) return fail(`${where} has unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape)) return fail(`${where}: shape must be an array of sizes`);
  let size = 1;
  for (const n of shape as unknown[]) {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return fail(`${where}: shape ${JSON.stringify(shape)} must hold non-negative integers`);
    size *= n;
    // Every element takes at least a byte, so a shape larger than the data is a lie; stop before overflow.
    if (size > dataLength) return fail(`${where}: shape [${shape.join(', ')}] needs more bytes than the file's ${dataLength}-byte data buffer holds`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2) return fail(`${where}: data_offsets must be [begin, end]`);
  const [begin, end] = offsets as unknown[];
  if (typeof begin !== 'number' || typeof end !== 'number' || !Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || end < begin) {
    return fail(`${where}: data_offsets ${JSON.stringify(offsets)} must be integers 0 ≤ begin ≤ end`);
  }
  if (end > dataLength) return fail(`${where}: data_offsets [${begin}, ${end}] run past the end of the data buffer (${dataLength} bytes); the file is truncated`);
  const expected = size * DTYPE_BYTES[dtype]!;
  if (end - begin !== expected) return fail(`${where}: ${dtype} shape [${shape.join(', ')}] needs ${expected} bytes but data_offsets span ${end - begin}`);
  return { name, dtype, shape: shape as number[], size, begin: dataStart + begin, end: dataStart + end };
}

/**
 * One tensor decoded into a buffer of `dtype` (default: F64 → float64, otherwise float32).
 * Rejects non-floating dtypes, and NaN or ±Inf unless `allowNonFinite`.
 */
export function readTensor(file: SafetensorsFile, name: string, options: { dtype?: DType; allowNonFinite?: boolean } = {}): Vec {
  const entry = file.tensors.get(name);
  if (entry === undefined) throw new FormatError(`${file.source}: has no tensor '${name}'`);
  if (!(FLOAT_DTYPES as readonly string[]).includes(entry.dtype)) {
    throw new FormatError(`${file.source}: tensor '${name}' has dtype ${entry.dtype}; parameters must be floating point (${FLOAT_DTYPES.join(', ')})`);
  }
  const out = zeros(options.dtype ?? (entry.dtype === 'F64' ? 'float64' : 'float32'), entry.size);
  const view = new DataView(file.bytes.buffer, file.bytes.byteOffset + entry.begin, entry.end - entry.begin);
  switch (entry.dtype as FloatDType) {
    case 'F64':
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
      break;
    case 'F32':
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < out.length; i++) out[i] = halfToNumber(view.getUint16(2 * i, true));
      break;
    case 'BF16':
      for (let i = 0; i < out.length; i++) out[i] = bfloat16ToNumber(view.getUint16(2 * i, true));
      break;
  }
  if (options.allowNonFinite !== true) {
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i])) throw new FormatError(`${file.source}: tensor '${name}' holds ${out[i]} at index ${i} (NaN and Inf are not allowed in parameters)`);
    }
  }
  return out;
}

/** IEEE 754 binary16 → number. */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 (the top half of a float32) → number. */
function bfloat16ToNumber(bits: number): number {
  const scratch = new DataView(new ArrayBuffer(4));
  scratch.setUint32(0, bits << 16, true);
  return scratch.getFloat32(0, true);
}

export interface TensorToWrite {
  readonly name: string;
  readonly shape: readonly number[];
  /** Written as F64 for a Float64Array and F32 for a Float32Array. */
  readonly data: Vec;
}

/**
 * A safetensors file holding `tensors` in the given order. The header is padded with spaces
 * so the data starts 8-byte aligned, as the reference writer does.
 */
export function writeSafetensors(tensors: readonly TensorToWrite[], metadata?: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header.__metadata__ = metadata;
  let offset = 0;
  for (const { name, shape, data } of tensors) {
    if (name === '__metadata__' || name in header) throw new RangeError(`safetensors: duplicate or reserved tensor name '${name}'`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new RangeError(`safetensors: tensor '${name}' has ${data.length} values for shape [${shape.join(', ')}]`);
    const bytes = data.BYTES_PER_ELEMENT * size;
    header[name] = { dtype: data instanceof Float64Array ? 'F64' : 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = encodeUtf8(JSON.stringify(header));
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  if (padded !== json.length) {
    const withSpaces = new Uint8Array(padded).fill(0x20);
    withSpaces.set(json);
    json = withSpaces;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const { data } of tensors) {
    if (data instanceof Float64Array) for (let i = 0; i < data.length; i++, at += 8) view.setFloat64(at, data[i]!, true);
    else for (let i = 0; i < data.length; i++, at += 4) view.setFloat32(at, data[i]!, true);
  }
  return out;
}
