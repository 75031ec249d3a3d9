/**
 * A set of named files as one byte array: a POSIX ustar archive (IEEE Std 1003.1-2001, "pax"
 * chapter, the ustar interchange format), so a download from the browser unpacks with any
 * `tar -xf` into the directory the CLI reads, and a directory packed by `tar` opens in the page.
 *
 * Only what a model or checkpoint needs: flat names (no directories, no links), regular files,
 * written deterministically (mode 0644, owner 0, mtime 0), so the same files give the same bytes.
 *
 *   header (512 bytes)   name[100] mode[8] uid[8] gid[8] size[12] mtime[12] chksum[8] typeflag[1]
 *                        linkname[100] magic "ustar\0" version "00" uname[32] gname[32]
 *                        devmajor[8] devminor[8] prefix[155]   (numbers in octal, NUL-terminated)
 *   data                 size bytes, padded with zeros to a multiple of 512
 *   end                  two zero blocks
 */
import { decodeUtf8, encodeUtf8 } from './utf8.js';
import { FormatError } from '../io/safetensors.js';

const BLOCK = 512;
const NAME_LENGTH = 100;
/** A file must fit an 11-digit octal size field. */
const MAX_SIZE = 8 ** 11 - 1;

export type FileContents = Uint8Array | string;

/** The archive of `files` (name → bytes or UTF-8 text), in the order given. */
export function packFiles(files: Readonly<Record<string, FileContents>>): Uint8Array {
    const entries = Object.entries(files).map(([name, contents]) => {
    checkName(name, 'tar');
    const data = typeof contents === 'string' ? encodeUtf8(contents) : contents;
    if (data.length > MAX_SIZE) throw new RangeError(`tar: ${name} is too large for an archive entry (${data.length} bytes)`);
    return { name: encodeUtf8(name), data };
  });
  const total = entries.reduce((sum, { data }) => sum + BLOCK + padded(data.length), 2 * BLOCK);
  const out = new Uint8Array(total);
  let at = 0;
  for (const { name, data } of entries) {
    const header = out.subarray(at, at + BLOCK);
    header.set(name, 0);
    writeOctal(header, 100, 8, 0o644);
    writeOctal(header, 108, 8, 0);
    writeOctal(header, 116, 8, 0);
    writeOctal(header, 124, 12, data.length);
    writeOctal(header, 136, 12, 0);
    header[156] = 0x30; // '0': a regular file
    header.set(encodeUtf8('ustar\u000000'), 257);
    header.fill(0x20, 148, 156); // the checksum is summed with its own field as spaces
    writeOctal(header, 148, 7, checksum(header));
    header[155] = 0x20;
    out.set(data, at + BLOCK);
    at += BLOCK + padded(data.length);
  }
  return out;
}

/**
 * The files of an archive written by `packFiles` or by `tar` (regular files with flat names).
 * Every header is checked — checksum, magic, type, name, size within the bytes — and a name
 * seen twice is an error; `source` names the archive in every message.
 */
export function unpackFiles(bytes: Uint8Array, source = 'archive'): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
    let at = 0;
  for (;;) {
    if (at + BLOCK > bytes.length) throw new FormatError(`${source}: truncated tar archive (no end-of-archive blocks after ${files.size} file${files.size === 1 ? '' : 's'})`);
    const header = bytes.subarray(at, at + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const entry = files.size + 1;
    if (readOctal(header, 148, 8, source, entry) !== checksum(header)) throw new FormatError(`${source}: tar header ${entry} has a wrong checksum (not a tar archive, or damaged)`);
    if (String.fromCharCode(...header.subarray(257, 262)) !== 'ustar') throw new FormatError(`${source}: tar header ${entry} is not in ustar format`);
    const type = header[156]!;
    if (type !== 0x30 && type !== 0) throw new FormatError(`${source}: tar entry ${entry} is not a regular file (type '${String.fromCharCode(type)}'); only flat files are read`);
    if (header[345] !== 0) throw new FormatError(`${source}: tar entry ${entry} has a path prefix; only flat file names are read`);
    let name: string;
    try {
      name = decodeUtf8(header.subarray(0, nulAt(header, 0, NAME_LENGTH)));
    } catch {
      throw new FormatError(`${source}: tar entry ${entry} has a name that is not UTF-8`);
    }
    name = name.replace(/^\.\//, '');
    checkName(name, source);
    const size = readOctal(header, 124, 12, source, entry);
    const start = at + BLOCK;
    if (start + size > bytes.length) throw new FormatError(`${source}: ${name} claims ${size} bytes but the archive ends first (truncated)`);
    if (files.has(name)) throw new FormatError(`${source}: ${name} appears twice in the archive`);
    files.set(name, bytes.slice(start, start + size));
    at = start + padded(size);
  }
  return files;
}

function checkName(name: string, where: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\\u0000]/.test(name) || encodeUtf8(name).length > NAME_LENGTH) {
    throw new FormatError(`${where}: ${JSON.stringify(name.slice(0, 120))} is not a flat file name of at most ${NAME_LENGTH} bytes`);
  }
}

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

function checksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum;
}

/** `value` in octal, zero-padded to width − 1 digits and a NUL. */
function writeOctal(header: Uint8Array, offset: number, width: number, value: number): void {
  const digits = value.toString(8).padStart(width - 1, '0');
  for (let i = 0; i < width - 1; i++) header[offset + i] = digits.charCodeAt(i);
  header[offset + width - 1] = 0;
}

/** An octal field: digits, optionally surrounded by spaces and ended by NUL (what tar writes). */
function readOctal(header: Uint8Array, offset: number, width: number, source: string, entry: number): number {
  const text = String.fromCharCode(...header.subarray(offset, nulAt(header, offset, width))).trim();
  if (!/^[0-7]{1,12}$/.test(text)) throw new FormatError(`${source}: tar header ${entry} has a malformed number field at byte ${offset}`);
  return parseInt(text, 8);
}

function nulAt(header: Uint8Array, offset: number, width: number): number {
  const end = header.subarray(offset, offset + width).indexOf(0);
  return end === -1 ? offset + width : offset + end;
}
