// Splits records into APEL messages small enough for the broker: by record count and by bytes.
import { FormatError } from '../../errors.js';

/** Limits of {@link chunkRecords}. */
export interface ChunkLimits {
  /** Most records per message; default 100 (cASO's `max_size`, set after "message too large" tickets). */
  readonly maxRecords?: number;
  /**
   * Most bytes (UTF-8) per message; default 512,000. EGI's broker takes
   * messages under 1 MB after S/MIME signing (about 3 KB) and base64 (4/3).
   */
  readonly maxBytes?: number;
}

/**
 * Serialises `records` into as few messages as the limits allow, keeping
 * their order: each message holds at most `maxRecords` records and at most
 * `maxBytes` bytes. A batch that serialises too large is split in two until
 * it fits.
 *
 * @example
 * for (const body of chunkRecords(records, serializeCloudMessage)) await outbox.add(body);
 * @throws FormatError `APEL_RECORD_TOO_LARGE` naming the record index when
 *   one record alone exceeds `maxBytes`; a `FormatError` of `serialize` (such
 *   as `APEL_FIELD_INVALID`) with its record index made relative to `records`
 */
export function chunkRecords<T>(
  records: readonly T[],
  serialize: (batch: readonly T[]) => string,
  limits: ChunkLimits = {},
): string[] {
  const maxRecords = limits.maxRecords ?? 100;
  const maxBytes = limits.maxBytes ?? 512_000;
  if (!Number.isInteger(maxRecords) || maxRecords < 1)
    throw new RangeError('maxRecords must be an integer >= 1');
  if (!(maxBytes > 0)) throw new RangeError('maxBytes must be > 0');
  const messages: string[] = [];
  for (let start = 0; start < records.length; start += maxRecords) {
    appendFitting(
      records,
      start,
      Math.min(start + maxRecords, records.length),
      serialize,
      maxBytes,
      messages,
    );
  }
  return messages;
}

// Serialises records[from, to) into `messages`, halving the range while the
// message is over the byte limit.
function appendFitting<T>(
  records: readonly T[],
  from: number,
  to: number,
  serialize: (batch: readonly T[]) => string,
  maxBytes: number,
  messages: string[],
): void {
  const message = serializeAt(records, from, to, serialize);
  const sizeBytes = Buffer.byteLength(message, 'utf8');
  if (sizeBytes <= maxBytes) {
    messages.push(message);
    return;
  }
  if (to - from === 1) {
    throw new FormatError(
      'APEL_RECORD_TOO_LARGE',
      { recordIndex: from },
      `a message of at most ${maxBytes} bytes`,
      `${sizeBytes} bytes`,
    );
  }
  const middle = from + Math.ceil((to - from) / 2);
  appendFitting(records, from, middle, serialize, maxBytes, messages);
  appendFitting(records, middle, to, serialize, maxBytes, messages);
}

// serialize(records[from, to)), with record indexes of its errors counted from the start of `records`
function serializeAt<T>(
  records: readonly T[],
  from: number,
  to: number,
  serialize: (batch: readonly T[]) => string,
): string {
  try {
    return serialize(records.slice(from, to));
  } catch (error) {
    if (!(error instanceof FormatError) || error.recordIndex === undefined || from === 0) throw error;
    const where = { file: error.file, recordIndex: from + error.recordIndex, field: error.field };
    throw new FormatError(error.code, where, error.expected, error.found);
  }
}
