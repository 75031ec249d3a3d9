/**
 * UTF-8 through the WHATWG TextEncoder/TextDecoder that Node ≥ 11 and every browser provide.
 * They are not ECMAScript, so the core (compiled with lib ES2022 and no DOM or Node types)
 * declares here the two methods it uses instead of pulling in a whole environment's types.
 */
interface Encoder {
  encode(text: string): Uint8Array;
}
interface Decoder {
  decode(bytes: Uint8Array): string;
}
const text = globalThis as unknown as {
  TextEncoder: new () => Encoder;
  TextDecoder: new (label: 'utf-8', options: { fatal: boolean }) => Decoder;
};

const encoder = new text.TextEncoder();
const decoder = new text.TextDecoder('utf-8', { fatal: true });

export function encodeUtf8(value: string): Uint8Array {
  return encoder.encode(value);
}

/** The text of `bytes`; a TypeError when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
