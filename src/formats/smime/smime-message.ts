// S/MIME reading: multipart/signed (detached), application/pkcs7-mime (opaque) and bare PKCS#7 into SmimeMessage.
import * as pkijs from 'pkijs';
import {
  binaryToBytes,
  bytesToBinary,
  decodeBase64,
  parseContentType,
  splitEntity,
  toCanonicalCrlf,
} from './mime-entity.js';
import { readBer } from './read-ber.js';
import { smimeError } from './smime-error.js';

/**
 * A signed S/MIME document, read but not yet verified.
 * - `detached`: `multipart/signed`, the content is the first part, the signature the second;
 * - `opaque`: `application/pkcs7-mime` (or bare PEM/DER PKCS#7), the content is inside the SignedData.
 */
export interface SmimeMessage {
  readonly kind: 'detached' | 'opaque';
  /** Where the document came from (file name or URL), for error messages. */
  readonly source: string;
  /** The CMS SignedData (RFC 5652 §5.1), as decoded by pkijs. */
  readonly signedData: pkijs.SignedData;
  /**
   * The signed MIME entity exactly as in the document (part headers, if any, included). For a
   * detached signature these are the bytes between the boundaries; for an opaque one the eContent.
   */
  readonly signedBytes: Uint8Array;
  /** The content: {@link signedBytes} without the entity's own MIME headers, if it has any. */
  readonly content: Uint8Array;
  /** {@link content} decoded as UTF-8 (invalid sequences become U+FFFD). */
  readonly text: string;
  /** The `micalg` parameter of a detached signature, lower-cased, if present. */
  readonly micalg: string | undefined;
}

const PKCS7_SIGNATURE = new Set(['application/pkcs7-signature', 'application/x-pkcs7-signature']);
const PKCS7_MIME = new Set(['application/pkcs7-mime', 'application/x-pkcs7-mime']);
const PEM_PKCS7 = /-----BEGIN (PKCS7|CMS)-----([\s\S]*?)-----END \1-----/;

/**
 * Reads an S/MIME signed document: `multipart/signed` (RFC 5751 §3.5.3), `application/pkcs7-mime`
 * signed-data (§3.5.2), or a bare PEM (`-----BEGIN PKCS7-----`) or DER SignedData. Text is taken as
 * UTF-8; bytes are used as they are, which keeps a detached signature's signed bytes exact.
 * @param source names the document in errors
 * @throws FormatError (code {@link SMIME_INVALID}) naming `source` and the part that cannot be read
 * @example
 * const message = parseSmime(readFileSync('image.list'), 'image.list');
 * JSON.parse(message.text);
 */
export function parseSmime(input: string | Uint8Array, source: string): SmimeMessage {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  if (bytes[0] === 0x30) return opaqueMessage(bytes, source);
  const text = bytesToBinary(bytes);
  const pem = PEM_PKCS7.exec(text);
  if (pem !== null && !/^[!-9;-~]+[ \t]*:/.test(text)) {
    return opaqueMessage(decodeBase64(pem[2]!, source, 'PKCS7'), source);
  }
  const entity = splitEntity(text);
  const header = entity?.headers.get('content-type');
  if (entity === undefined || header === undefined) {
    throw smimeError(source, 'Content-Type', 'an S/MIME document with a Content-Type header', preview(text));
  }
  const contentType = parseContentType(header, source);
  if (contentType.mediaType === 'multipart/signed')
    return detachedMessage(text, contentType.parameters, source);
  if (PKCS7_MIME.has(contentType.mediaType)) {
    return opaqueMessage(
      decodeTransfer(entity.headers, entity.body, source, 'application/pkcs7-mime'),
      source,
    );
  }
  throw smimeError(
    source,
    'Content-Type',
    'multipart/signed or application/pkcs7-mime',
    contentType.mediaType,
  );
}

function detachedMessage(
  text: string,
  parameters: ReadonlyMap<string, string>,
  source: string,
): SmimeMessage {
  const boundary = parameters.get('boundary');
  if (boundary === undefined || boundary === '') {
    throw smimeError(source, 'Content-Type', 'a boundary parameter on multipart/signed');
  }
  const parts = splitMultipart(text, boundary, source);
  if (parts.length !== 2) {
    throw smimeError(source, 'multipart/signed', 'two body parts (content and signature)', `${parts.length}`);
  }
  const signedBytes = binaryToBytes(parts[0]!);
  const signature = splitEntity(parts[1]!);
  const signatureType = signature?.headers.get('content-type');
  const mediaType =
    signatureType === undefined ? undefined : parseContentType(signatureType, source).mediaType;
  if (signature === undefined || mediaType === undefined || !PKCS7_SIGNATURE.has(mediaType)) {
    throw smimeError(source, 'signature part', 'Content-Type application/pkcs7-signature', mediaType);
  }
  const der = decodeTransfer(signature.headers, signature.body, source, 'signature part');
  return {
    kind: 'detached',
    source,
    signedData: decodeSignedData(der, source),
    signedBytes,
    ...contentOf(signedBytes),
    micalg: parameters.get('micalg')?.toLowerCase(),
  };
}

/**
 * The body parts of a multipart body (RFC 2046 §5.1.1): each delimiter is `--boundary` at the start
 * of a line, and the line break before it belongs to the delimiter, not to the part.
 */
function splitMultipart(text: string, boundary: string, source: string): string[] {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let start: number | undefined;
  let at = 0;
  for (;;) {
    const found = text.indexOf(delimiter, at);
    if (found < 0) break;
    const lineStart = found === 0 || text[found - 1] === '\n';
    const after = text.slice(found + delimiter.length, found + delimiter.length + 2);
    const isClose = after === '--';
    const rest = /^[ \t]*(\r?\n|$)/.exec(text.slice(found + delimiter.length + (isClose ? 2 : 0)));
    if (!lineStart || rest === null) {
      at = found + delimiter.length;
      continue;
    }
    if (start !== undefined) {
      const end = text[found - 2] === '\r' ? found - 2 : found - 1;
      parts.push(text.slice(start, Math.max(start, end)));
    }
    if (isClose) return parts;
    start = found + delimiter.length + rest[0].length;
    at = start;
  }
  throw smimeError(
    source,
    'multipart/signed',
    `a closing boundary --${boundary}--`,
    `${parts.length} part(s)`,
  );
}

function opaqueMessage(der: Uint8Array, source: string): SmimeMessage {
  const signedData = decodeSignedData(der, source);
  const eContent = signedData.encapContentInfo.eContent;
  if (eContent === undefined) {
    throw smimeError(source, 'encapContentInfo', 'attached content (or a multipart/signed document)');
  }
  const signedBytes = new Uint8Array(eContent.getValue());
  return { kind: 'opaque', source, signedData, signedBytes, ...contentOf(signedBytes), micalg: undefined };
}

/** The body of a MIME entity decoded per its Content-Transfer-Encoding (base64 or binary). */
export function decodeTransfer(
  headers: ReadonlyMap<string, string>,
  body: Uint8Array,
  source: string,
  field: string,
) {
  const encoding = (headers.get('content-transfer-encoding') ?? 'base64').trim().toLowerCase();
  if (encoding === 'base64') return decodeBase64(bytesToBinary(body), source, field);
  if (encoding === 'binary') return body;
  throw smimeError(source, field, 'Content-Transfer-Encoding base64 or binary', encoding);
}

/** Decodes a DER/BER ContentInfo holding SignedData with asn1js and pkijs. */
function decodeSignedData(der: Uint8Array, source: string): pkijs.SignedData {
  const asn1 = readBer(der, source, 'PKCS7', 'a DER ContentInfo');
  let contentInfo: pkijs.ContentInfo;
  try {
    contentInfo = new pkijs.ContentInfo({ schema: asn1 });
  } catch (error) {
    throw smimeError(source, 'PKCS7', 'a CMS ContentInfo', describe(error));
  }
  if (contentInfo.contentType !== pkijs.ContentInfo.SIGNED_DATA) {
    throw smimeError(
      source,
      'PKCS7',
      `content type signed-data (${pkijs.ContentInfo.SIGNED_DATA})`,
      contentInfo.contentType,
    );
  }
  try {
    return new pkijs.SignedData({ schema: contentInfo.content });
  } catch (error) {
    throw smimeError(source, 'PKCS7', 'a CMS SignedData', describe(error));
  }
}

/**
 * The content of a signed entity. When the entity starts with its own MIME headers naming a
 * Content-Type (as `openssl smime -sign -text` writes), they are dropped, as `openssl smime -verify
 * -text` does; an entity without them (the HEPiX lists of AppDB and cloudkeeper) is the content.
 */
function contentOf(signedBytes: Uint8Array): { content: Uint8Array; text: string } {
  const entity = splitEntity(bytesToBinary(signedBytes));
  const content = entity?.headers.has('content-type') === true ? entity.body : signedBytes;
  return { content, text: new TextDecoder().decode(content) };
}

/** The signed bytes a detached signature is checked against, canonical form first (RFC 5751 §3.1.1). */
export function candidateSignedBytes(message: SmimeMessage): readonly Uint8Array[] {
  const canonical = toCanonicalCrlf(message.signedBytes);
  return canonical === message.signedBytes ? [canonical] : [canonical, message.signedBytes];
}

function preview(text: string): string {
  const first = text.slice(0, 40).replace(/[^ -~]/g, '.');
  return text.length > 40 ? `${first}...` : first;
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 80);
}
