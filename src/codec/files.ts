/**
 * Where a decoder reads a model's or checkpoint's files from: a directory (the Node entry's
 * files.ts), or the map an archive unpacks to (here, pure). Decoders read through this and
 * name `where(file)` in their errors, so a message points at the path or the archive member.
 */
import { decodeUtf8 } from './utf8.js';
import { FormatError } from '../io/safetensors.js';

export interface FileSource {
  /** The bytes of `name`; a FormatError naming it when it is missing. `what` says what it holds. */
  bytes(name: string, what: string): Uint8Array;
  /** The same, decoded as UTF-8 (invalid UTF-8 is a FormatError). */
  text(name: string, what: string): string;
  /** How messages name the file: its path, or `archive:name`. */
  where(name: string): string;
}

/** The files unpacked from an archive called `source`. */
export function filesInMemory(files: ReadonlyMap<string, Uint8Array>, source: string): FileSource {
  const where = (name: string) => `${source}:${name}`;
  const bytes = (name: string, what: string) => {
    const data = files.get(name);
    if (data === undefined) throw new FormatError(`${where(name)}: the ${what} is missing from the archive (it holds ${[...files.keys()].join(', ') || 'nothing'})`);
    return data;
  };
  return {
    bytes,
    text: (name, what) => utf8(bytes(name, what), where(name), what),
    where,
  };
}

export function utf8(bytes: Uint8Array, where: string, what: string): string {
  try {
    return decodeUtf8(bytes);
  } catch {
    throw new FormatError(`${where}: the ${what} is not valid UTF-8 text`);
  }
}
