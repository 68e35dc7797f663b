// MIME entity reading for S/MIME: headers, Content-Type parameters, line ending canonical form, base64.
import { smimeError } from './smime-error.js';

/** A MIME entity split into its header fields and its body, all as bytes of the original document. */
export interface MimeEntity {
  /** Header fields, names lower-cased, values unfolded; the first occurrence of a name wins. */
  readonly headers: ReadonlyMap<string, string>;
  /** The body, exactly as in the document. */
  readonly body: Uint8Array;
}

/** A parsed Content-Type: lower-cased `type/subtype` and lower-cased parameter names. */
export interface ContentType {
  readonly mediaType: string;
  readonly parameters: ReadonlyMap<string, string>;
}

const HEADER_LINE = /^([!-9;-~]+)[ \t]*:(.*)$/;

/** Bytes as a string of one char per byte (Latin-1), so offsets in the string are byte offsets. */
export function bytesToBinary(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return out;
}

/** The inverse of {@link bytesToBinary}. */
export function binaryToBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}

/**
 * Splits `text` (binary string) at the first empty line into header fields and body. Both CRLF and
 * bare LF end lines: files that went through a Unix tool often lose the CRs (RFC 5322 §2.1 wants CRLF).
 * Returns undefined when the text does not start with a header block.
 */
export function splitEntity(text: string): MimeEntity | undefined {
  const end = /\r?\n\r?\n/.exec(text);
  const headerText = end === null ? text : text.slice(0, end.index);
  const bodyStart = end === null ? text.length : end.index + end[0].length;
  const headers = new Map<string, string>();
  let last: string | undefined;
  for (const line of headerText.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last !== undefined) {
      headers.set(last, `${headers.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const match = HEADER_LINE.exec(line);
    if (match === null) return undefined;
    const name = match[1]!.toLowerCase();
    last = headers.has(name) ? undefined : name;
    if (last !== undefined) headers.set(name, match[2]!.trim());
  }
  return { headers, body: binaryToBytes(text.slice(bodyStart)) };
}

/**
 * Parses a Content-Type header value (RFC 2045 §5.1): the media type and its parameters, quoted or not.
 * @throws FormatError naming `source` when there is no `type/subtype`
 */
export function parseContentType(value: string, source: string): ContentType {
  const match = /^\s*([!#-'*+.0-9A-Z^-~-]+\/[!#-'*+.0-9A-Z^-~-]+)\s*/i.exec(value);
  if (match === null)
    throw smimeError(source, 'Content-Type', 'a media type type/subtype', value.slice(0, 60));
  const parameters = new Map<string, string>();
  const param = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]*))\s*/g;
  param.lastIndex = match[0].length;
  for (let m = param.exec(value); m !== null; m = param.exec(value)) {
    const name = m[1]!.toLowerCase();
    const raw = m[2] === undefined ? m[3]! : m[2].replace(/\\(.)/g, '$1');
    if (!parameters.has(name)) parameters.set(name, raw);
  }
  return { mediaType: match[1]!.toLowerCase(), parameters };
}

/** The MIME canonical form of text (RFC 5751 §3.1.1): every line ends in CRLF, bare LF and CR included. */
export function toCanonicalCrlf(bytes: Uint8Array): Uint8Array {
  const text = bytesToBinary(bytes);
  const canonical = text.replace(/\r\n|\r|\n/g, '\r\n');
  return canonical === text ? bytes : binaryToBytes(canonical);
}

/**
 * Decodes base64 leniently about layout (line breaks, spaces) and strictly about the alphabet.
 * @throws FormatError naming `source` and `field` on a character outside base64 or a bad length
 */
export function decodeBase64(text: string, source: string, field: string): Uint8Array {
  const compact = text.replace(/[\s]+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw smimeError(source, field, 'base64 text', `${compact.length} characters that are not base64`);
  }
  return new Uint8Array(Buffer.from(compact, 'base64'));
}

/** Base64 in lines of 64 characters, each ended by CRLF (RFC 2045 §6.8 allows at most 76). */
export function encodeBase64Lines(bytes: Uint8Array): string {
  const flat = Buffer.from(bytes).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < flat.length; i += 64) lines.push(flat.slice(i, i + 64));
  return lines.map((line) => `${line}\r\n`).join('');
}
