/**
 * TF.js weight manifests: groups of {paths, weights}; a group's shards, concatenated, hold its
 * weights one after another in manifest order, float32 little-endian, or quantized
 * (uint8/uint16 as q·scale + min, float16) and dequantized here as TF.js does. Sizes are
 * checked against the shards before anything is decoded. Pure.
 */
import { halfToNumber, quoteName } from './safetensors.js';

export type Fail = (problem: string) => never;

const BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/**
 * Every weight of the manifest, decoded to float32. The whole manifest is checked before any
 * shard is asked for (a path listed twice is refused: 200 mentions of one 8 MB shard would
 * otherwise be read 200 times), and a group stops reading as soon as its shards hold more than
 * it declares, so the bytes read are bounded by the model's own files.
 */
export function readWeights(manifest: unknown, shard: (path: string, expectedBytes: number) => Uint8Array, fail: Fail): Map<string, { shape: number[]; data: Float32Array }> {
  if (!Array.isArray(manifest)) return fail('weightsManifest must be an array of groups');
  const seen = new Set<string>();
  const groups = manifest.map((value: unknown, g: number) => {
    const group = record(value, `weightsManifest[${g}]`, fail);
    const paths = group.paths;
    if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string')) fail(`weightsManifest[${g}].paths must be an array of file names`);
    for (const path of paths as string[]) {
      if (seen.has(path)) fail(`weightsManifest[${g}].paths lists the shard ${quoteName(path)} a second time; each shard holds its own bytes`);
      seen.add(path);
    }
    if (!Array.isArray(group.weights)) fail(`weightsManifest[${g}].weights must be an array`);
    const specs = (group.weights as unknown[]).map((spec, w) => weightSpec(spec, `weightsManifest[${g}].weights[${w}]`, fail));
    return { paths: paths as string[], specs, total: specs.reduce((n, s) => n + s.bytes, 0) };
  });
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  groups.forEach(({ paths, specs, total }, g) => {
    const parts: Uint8Array[] = [];
    let length = 0;
    for (const path of paths) {
      const part = shard(path, total - length);
      parts.push(part);
      length += part.length;
      if (length > total) break;
    }
    if (length !== total) fail(`weight group ${g} declares ${total} bytes but its shards (${paths.map((p) => quoteName(p)).join(', ')}) hold ${length > total ? 'more' : length}; a shard is truncated or does not belong to this model`);
    const bytes = parts.length === 1 ? parts[0]! : concat(parts, length);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 0;
    for (const spec of specs) {
      if (out.has(spec.name)) fail(`weight ${quoteName(spec.name)} appears twice`);
      out.set(spec.name, { shape: spec.shape, data: decode(view, at, spec, fail) });
      at += spec.bytes;
    }
  });
  return out;
}

interface CheckedSpec {
  name: string;
  shape: number[];
  size: number;
  bytes: number;
  stored: string;
  scale: number;
  min: number;
}

function weightSpec(value: unknown, where: string, fail: Fail): CheckedSpec {
  const spec = record(value, where, fail);
  if (typeof spec.name !== 'string') fail(`${where}.name must be a string`);
  if (!Array.isArray(spec.shape) || spec.shape.some((n) => typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)) fail(`${where} (${quoteName(String(spec.name))}): shape must be an array of non-negative integers`);
  if (spec.dtype !== 'float32') fail(`${where} (${quoteName(String(spec.name))}): dtype ${JSON.stringify(spec.dtype)} is not supported for weights (float32)`);
  let size = 1;
  for (const n of spec.shape as number[]) {
    size *= n;
    if (size > 2 ** 31) fail(`${where} (${quoteName(String(spec.name))}): shape [${(spec.shape as number[]).join(', ')}] has more than 2^31 elements`);
  }
  let stored = 'float32';
  let scale = 1;
  let min = 0;
  if (spec.quantization !== undefined) {
    const q = record(spec.quantization, `${where}.quantization`, fail);
    stored = String(q.dtype);
    if (stored !== 'uint8' && stored !== 'uint16' && stored !== 'float16') fail(`${where} (${quoteName(String(spec.name))}): quantization dtype ${JSON.stringify(q.dtype)} is not supported (uint8, uint16, float16)`);
    if (stored !== 'float16') {
      if (typeof q.scale !== 'number' || typeof q.min !== 'number' || !Number.isFinite(q.scale) || !Number.isFinite(q.min)) fail(`${where} (${quoteName(String(spec.name))}): ${stored} quantization needs finite scale and min`);
      scale = q.scale as number;
      min = q.min as number;
    }
  }
  return { name: spec.name as string, shape: spec.shape as number[], size, bytes: size * BYTES[stored]!, stored, scale, min };
}

function decode(view: DataView, at: number, spec: CheckedSpec, fail: Fail): Float32Array {
  const out = new Float32Array(spec.size);
  switch (spec.stored) {
    case 'float32':
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(at + 4 * i, true);
      break;
    case 'uint8':
      for (let i = 0; i < out.length; i++) out[i] = view.getUint8(at + i) * spec.scale + spec.min;
      break;
    case 'uint16':
      for (let i = 0; i < out.length; i++) out[i] = view.getUint16(at + 2 * i, true) * spec.scale + spec.min;
      break;
    case 'float16':
      for (let i = 0; i < out.length; i++) out[i] = halfToNumber(view.getUint16(at + 2 * i, true));
      break;
    default:
      fail(`weight ${spec.name}: cannot decode ${spec.stored}`);
  }
  return out;
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function record(value: unknown, where: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`${where} must be an object`);
  return value as Record<string, unknown>;
}
