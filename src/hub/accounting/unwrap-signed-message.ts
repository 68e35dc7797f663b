// Extracts the signed text of an S/MIME multipart/signed message (what ssmsend publishes), unverified.
import { FormatError } from '../../errors.js';

/** The text inside a message, and whether it came out of an S/MIME envelope. */
export interface UnwrappedMessage {
  readonly text: string;
  readonly isSigned: boolean;
}

const HEADER_LIMIT = 4096;

/** The MIME header block at the start of `text` (up to the first blank line), or undefined. */
function headerBlock(text: string): { headers: string; bodyStart: number } | undefined {
  const head = text.slice(0, HEADER_LIMIT);
  const m = /\r?\n\r?\n/.exec(head);
  if (!m) return undefined;
  const headers = head.slice(0, m.index);
  // a MIME header block: every (unfolded) line is "Name: value"
  if (!/^[A-Za-z][A-Za-z0-9-]*:/.test(headers)) return undefined;
  return { headers: headers.replace(/\r?\n[ \t]+/g, ' '), bodyStart: m.index + m[0].length };
}

function contentType(headers: string): string | undefined {
  return /^content-type:\s*(.+)$/im.exec(headers)?.[1]?.trim();
}

/**
 * Returns the signed content of an S/MIME `multipart/signed` message as `openssl smime -sign -text`
 * writes it (SSM's sender, reference §4): the first MIME part, without its own headers, with CRLF
 * line ends turned back into LF. Anything that does not start with MIME headers is returned as is.
 *
 * The signature is NOT verified: the hub trusts the publishing token instead (see docs/hub.md).
 * @throws FormatError `APEL_MESSAGE_INVALID` for encrypted or opaque-signed S/MIME
 *   (`application/pkcs7-mime`) and for a multipart/signed message without its boundary or parts.
 */
export function unwrapSignedMessage(text: string): UnwrappedMessage {
  const block = headerBlock(text);
  const type = block && contentType(block.headers);
  if (!block || !type) return { text, isSigned: false };
  if (/^application\/(x-)?pkcs7-mime/i.test(type)) {
    throw new FormatError(
      'APEL_MESSAGE_INVALID',
      {},
      'a clear-text or multipart/signed message',
      'encrypted S/MIME',
    );
  }
  if (!/^multipart\/signed/i.test(type)) return { text, isSigned: false };
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!boundary) throw new FormatError('APEL_MESSAGE_INVALID', {}, 'a multipart boundary', 'none');
  const delimiter = `--${boundary}`;
  const first = text.indexOf(delimiter, block.bodyStart);
  if (first < 0) throw new FormatError('APEL_MESSAGE_INVALID', {}, 'a signed MIME part', 'none');
  const partStart = text.indexOf('\n', first) + 1;
  // the line break before the next delimiter belongs to the delimiter (RFC 2046 §5.1.1)
  const next = text.indexOf(`\n${delimiter}`, partStart);
  if (partStart <= 0 || next < 0)
    throw new FormatError('APEL_MESSAGE_INVALID', {}, 'a closed signed MIME part', 'none');
  const part = text.slice(partStart, next).replace(/\r$/, '');
  const inner = headerBlock(part);
  const body = inner ? part.slice(inner.bodyStart) : part.replace(/^\r?\n/, '');
  return { text: body.replace(/\r\n/g, '\n'), isSigned: true };
}
