// The error S/MIME parsing raises, and the code it carries.
import { FormatError, type ErrorCode } from '../../errors.js';

/** Code of an S/MIME document, certificate or key that cannot be read at all, or a refused signature. */
export const SMIME_INVALID: ErrorCode = 'SMIME_INVALID';

/** The FormatError of `source` (a file name or URL) at `field`: what was expected and what was found. */
export function smimeError(source: string, field: string, expected: string, found?: string): FormatError {
  return new FormatError(SMIME_INVALID, { file: source, field }, expected, found);
}
