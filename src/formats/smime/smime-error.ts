// The error S/MIME parsing raises, and the code it carries.
import { FormatError, type ErrorCode } from '../../errors.js';

// src/errors.ts has no S/MIME code yet; a document that cannot be read at all shares the meaning
// and HTTP status (400) of an unreadable APEL message until an SMIME_INVALID code is added there.
/** Code of an S/MIME document, certificate or key that cannot be read at all. */
export const SMIME_INVALID: ErrorCode = 'APEL_MESSAGE_INVALID';

/** The FormatError of `source` (a file name or URL) at `field`: what was expected and what was found. */
export function smimeError(source: string, field: string, expected: string, found?: string): FormatError {
  return new FormatError(SMIME_INVALID, { file: source, field }, expected, found);
}
