// Decodes one AMS message of the accounting topic: base64 → text → (S/MIME unwrap) → APEL records.
import { FormatError } from '../../errors.js';
import { parseApelMessage } from '../../formats/apel/index.js';
import type { ParsedApelMessage } from '../../formats/apel/index.js';
import { unwrapSignedMessage } from './unwrap-signed-message.js';

/** A decoded message: its APEL records with their positions, and one error per refused record. */
export interface DecodedMessage {
  readonly parsed: ParsedApelMessage;
  /** Position of each of `parsed.records` among all records of the message (errors take the gaps). */
  readonly indexes: readonly number[];
  readonly isSigned: boolean;
}

/**
 * Decodes the `data` of an accounting message: base64 (unless given the bytes decoded already),
 * then UTF-8 text (APEL messages are ASCII; the codec refuses anything else by record), then the
 * signed part when it is an S/MIME multipart/signed message as ssmsend publishes, then the APEL
 * codec (cloud text, summary text, IP and accelerator JSON, StAR XML). `nowSeconds` (the load
 * time) bounds the records' times: none may be later than a day after it.
 * @throws FormatError `APEL_MESSAGE_INVALID` when the message as a whole cannot be read.
 */
export function decodeAccountingMessage(data: string | Buffer, nowSeconds?: number): DecodedMessage {
  const text = (typeof data === 'string' ? Buffer.from(data, 'base64') : data).toString('utf8');
  if (!/\S/.test(text)) throw new FormatError('APEL_MESSAGE_INVALID', {}, 'an APEL message', 'empty data');
  const unwrapped = unwrapSignedMessage(text);
  const parsed = parseApelMessage(unwrapped.text, nowSeconds === undefined ? {} : { nowSeconds });
  return {
    parsed,
    indexes: recordIndexes(parsed.records.length, parsed.errors),
    isSigned: unwrapped.isSigned,
  };
}

/** The original positions of the good records, given the positions the errors name. */
function recordIndexes(goodCount: number, errors: readonly FormatError[]): number[] {
  if (errors.length === 0) return Array.from({ length: goodCount }, (_, i) => i);
  const bad = new Set(errors.map((e) => e.recordIndex));
  const indexes: number[] = [];
  for (let i = 0; indexes.length < goodCount; i++) if (!bad.has(i)) indexes.push(i);
  return indexes;
}
