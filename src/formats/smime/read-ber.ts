// BER decoding with asn1js that fails only with the S/MIME FormatError.
import * as asn1js from 'asn1js';
import { smimeError } from './smime-error.js';

/**
 * Decodes one BER/DER value. asn1js reports most errors in its result but throws on some bad
 * primitive contents (a GeneralizedTime that is no date), so both become the same error.
 * @throws FormatError naming `source` and `field` when the bytes are not BER
 */
export function readBer(bytes: Uint8Array, source: string, field: string, expected: string): asn1js.AsnType {
  let decoded: ReturnType<typeof asn1js.fromBER>;
  try {
    decoded = asn1js.fromBER(bytes);
  } catch (error) {
    throw smimeError(
      source,
      field,
      expected,
      String(error instanceof Error ? error.message : error).slice(0, 80),
    );
  }
  if (decoded.offset === -1) throw smimeError(source, field, expected, decoded.result.error);
  return decoded.result;
}
