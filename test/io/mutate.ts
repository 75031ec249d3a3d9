/** Seeded mutations of model files for the fuzz tests: bytes, safetensors headers, JSON values. */
import type { Rng } from '../../src/tensor/rng.js';

/** A copy of `bytes` mutated one of several ways. */
export function mutateBytes(bytes: Uint8Array, rng: Rng, headerEnd: number): Uint8Array {
  switch (rng.int(5)) {
    case 0: // truncation
      return bytes.slice(0, rng.int(bytes.length));
    case 1: {
      // a few random bytes anywhere
      const out = bytes.slice();
      for (let k = 1 + rng.int(4); k > 0; k--) out[rng.int(out.length)] = rng.int(256);
      return out;
    }
    case 2: {
      // a byte in the header, where the structure is
      const out = bytes.slice();
      out[Math.min(out.length - 1, 8 + rng.int(Math.max(1, headerEnd - 8)))] = rng.int(256);
      return out;
    }
    case 3: {
      // a forged header length
      const out = bytes.slice();
      const view = new DataView(out.buffer);
      view.setUint32(0, rng.nextUint32(), true);
      if (rng.int(2) === 0) view.setUint32(4, rng.int(3) === 0 ? rng.nextUint32() : 0, true);
      return out;
    }
    default: {
      // bytes appended or removed in the middle
      const at = rng.int(bytes.length);
      const extra = Uint8Array.from({ length: rng.int(16) }, () => rng.int(256));
      const cut = rng.int(2) === 0 ? rng.int(16) : 0;
      const out = new Uint8Array(bytes.length + extra.length - Math.min(cut, bytes.length - at));
      out.set(bytes.subarray(0, at));
      out.set(extra, at);
      out.set(bytes.subarray(at + Math.min(cut, bytes.length - at)), at + extra.length);
      return out;
    }
  }
}

const HOSTILE_NUMBERS = [0, -1, 1.5, 1e9, 2 ** 53, -(2 ** 31), NaN, '7', null, 1e308, 3];

/** Structured mutation of a JSON value: change, delete or retype one field somewhere. */
export function mutateJson(value: unknown, rng: Rng, depth = 0): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0 || rng.int(6) === 0) return rng.int(2) === 0 ? [] : [...value, value[0] ?? 1];
    const i = rng.int(value.length);
    const copy = value.slice();
    copy[i] = mutateJson(value[i], rng, depth + 1);
    return copy;
  }
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    if (keys.length === 0) return { x: 1 };
    const key = keys[rng.int(keys.length)]!;
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const roll = rng.int(8);
    if (roll === 0) delete copy[key];
    else if (roll === 1) copy[`${key}_`] = copy[key];
    else copy[key] = mutateJson(copy[key], rng, depth + 1);
    return copy;
  }
  if (typeof value === 'number') return HOSTILE_NUMBERS[rng.int(HOSTILE_NUMBERS.length)];
  if (typeof value === 'string') return ['', 'F16', 'I64', 'lstm', 'hard_sigmoid', 'relu', 'concat', 'sum', '../x', value + 'x', 'float64'][rng.int(11)];
  if (typeof value === 'boolean') return rng.int(2) === 0 ? !value : 'true';
  return rng.int(2) === 0 ? 0 : {};
}

/** A safetensors file with its JSON header mutated structurally and the data kept. */
export function mutateHeader(bytes: Uint8Array, rng: Rng): Uint8Array {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  const json = new TextEncoder().encode(JSON.stringify(mutateJson(header, rng)));
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + length), 8 + json.length);
  return out;
}
