/**
 * Tar headers (POSIX ustar, with pax `path`/`size` records and GNU long names and base-256 sizes),
 * read without reading member data: a pure walker that asks its caller for the bytes it needs, so
 * one walk serves a buffer in memory and a multi-GiB OVA on disk alike.
 * @module
 */
import type { TarListing, TarMember } from './types.js';

/** The tar block size, bytes. */
export const TAR_BLOCK_BYTES = 512;
/** Members listed at most; a listing stops there (a disk appliance has a handful). */
const MAX_MEMBERS = 10_000;
/** Largest pax or GNU long-name record read, bytes. */
const MAX_META_BYTES = 1 << 20;

/** A read the walker needs: `length` bytes at `offset`; answered with the bytes, or undefined past the end. */
export interface TarReadRequest {
  readonly offset: number;
  readonly length: number;
}

/** One header block, decoded. */
export interface TarHeader {
  readonly name: string;
  /** The type flag character (`0` file, `5` directory, `x` pax, `L` GNU long name, …). */
  readonly typeFlag: string;
  readonly sizeBytes: number;
}

const decoder = new TextDecoder('utf-8');

function cString(bytes: Uint8Array, start: number, length: number): string {
  const field = bytes.subarray(start, start + length);
  const end = field.indexOf(0);
  return decoder.decode(end === -1 ? field : field.subarray(0, end));
}

/** An octal number field, or a GNU base-256 one (first byte 0x80), as tar writes sizes over 8 GiB. */
function numberField(bytes: Uint8Array, start: number, length: number): number | undefined {
  const first = bytes[start] ?? 0;
  if (first & 0x80) {
    let value = first & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + (bytes[start + i] ?? 0);
    return value;
  }
  const text = cString(bytes, start, length).trim();
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}

/** True when every byte of `block` is zero (the end-of-archive marker). */
function isZeroBlock(block: Uint8Array): boolean {
  return block.every((byte) => byte === 0);
}

/** The header checksum holds: bytes summed with the checksum field read as spaces (signed or unsigned). */
function hasValidChecksum(block: Uint8Array): boolean {
  const stored = numberField(block, 148, 8);
  if (stored === undefined) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < TAR_BLOCK_BYTES; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** True for a ustar header: magic `ustar\0` (POSIX) or `ustar ` (GNU) at 257 and a valid checksum. */
export function isTarHeader(block: Uint8Array): boolean {
  if (block.length < TAR_BLOCK_BYTES) return false;
  const magic = decoder.decode(block.subarray(257, 263));
  return (magic === 'ustar\0' || magic === 'ustar ') && hasValidChecksum(block);
}

/**
 * Decodes one 512-byte header block: `'end'` for a zero block, undefined for a block that is no
 * valid ustar header.
 */
export function parseTarHeader(block: Uint8Array): TarHeader | 'end' | undefined {
  if (block.length < TAR_BLOCK_BYTES) return undefined;
  if (isZeroBlock(block.subarray(0, TAR_BLOCK_BYTES))) return 'end';
  if (!isTarHeader(block)) return undefined;
  const sizeBytes = numberField(block, 124, 12);
  if (sizeBytes === undefined) return undefined;
  const name = cString(block, 0, 100);
  const isPosix = decoder.decode(block.subarray(257, 263)) === 'ustar\0';
  const prefix = isPosix ? cString(block, 345, 155) : '';
  return {
    name: prefix ? `${prefix}/${name}` : name,
    typeFlag: String.fromCharCode(block[156] ?? 0) || '0',
    sizeBytes,
  };
}

/** The records of a pax extended header (`<length> <key>=<value>\n` …); stops at a malformed one. */
export function parsePaxRecords(data: Uint8Array): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const length = Number(decoder.decode(data.subarray(at, space)));
    if (!Number.isInteger(length) || length <= space - at || at + length > data.length) break;
    const record = decoder.decode(data.subarray(space + 1, at + length - 1));
    const equals = record.indexOf('=');
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    at += length;
  }
  return records;
}

function memberType(typeFlag: string): TarMember['type'] {
  if (typeFlag === '0' || typeFlag === '\0' || typeFlag === '7') return 'file';
  return typeFlag === '5' ? 'directory' : 'other';
}

function paddedBytes(sizeBytes: number): number {
  return Math.ceil(sizeBytes / TAR_BLOCK_BYTES) * TAR_BLOCK_BYTES;
}

/**
 * Walks the headers of a tar archive: yields each read it needs and is answered with those bytes
 * (or undefined when they lie past what the caller has), returning the members found. Drive it
 * with {@link listTarMembers} for a buffer, or with file reads for an archive on disk.
 */
export function* walkTarHeaders(): Generator<TarReadRequest, TarListing, Uint8Array | undefined> {
  const members: TarMember[] = [];
  let offset = 0;
  let pendingName: string | undefined;
  let pendingSize: number | undefined;
  const stop = (problem?: string): TarListing =>
    problem === undefined ? { members, isComplete: false } : { members, isComplete: false, problem };
  while (members.length < MAX_MEMBERS) {
    const block = yield { offset, length: TAR_BLOCK_BYTES };
    if (block === undefined || block.length < TAR_BLOCK_BYTES) return stop();
    const header = parseTarHeader(block);
    if (header === 'end') return { members, isComplete: true };
    if (header === undefined) return stop(`no valid tar header at offset ${offset}`);
    const dataOffset = offset + TAR_BLOCK_BYTES;
    const sizeBytes = pendingSize ?? header.sizeBytes;
    offset = dataOffset + paddedBytes(header.sizeBytes);
    if (header.typeFlag === 'x' || header.typeFlag === 'L') {
      if (header.sizeBytes > MAX_META_BYTES) return stop(`a tar meta record of ${header.sizeBytes} bytes`);
      const data = yield { offset: dataOffset, length: header.sizeBytes };
      if (data === undefined || data.length < header.sizeBytes) return stop();
      if (header.typeFlag === 'L') pendingName = cString(data, 0, data.length);
      else {
        const records = parsePaxRecords(data);
        if (records.path !== undefined) pendingName = records.path;
        if (records.size !== undefined && /^\d+$/.test(records.size)) pendingSize = Number(records.size);
      }
      continue;
    }
    if (header.typeFlag === 'g' || header.typeFlag === 'K') continue;
    if (pendingSize !== undefined) offset = dataOffset + paddedBytes(pendingSize);
    members.push({
      name: pendingName ?? header.name,
      type: memberType(header.typeFlag),
      sizeBytes,
      dataOffset,
    });
    pendingName = undefined;
    pendingSize = undefined;
  }
  return stop(`more than ${MAX_MEMBERS} members`);
}

/** The members of the tar archive at the start of `bytes` whose headers lie within `bytes`. */
export function listTarMembers(bytes: Uint8Array): TarListing {
  const walk = walkTarHeaders();
  let step = walk.next();
  while (!step.done) {
    const { offset, length } = step.value;
    step = walk.next(offset + length <= bytes.length ? bytes.subarray(offset, offset + length) : undefined);
  }
  return step.value;
}
