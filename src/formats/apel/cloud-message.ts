// Codec of APEL's cloud message (`APEL-cloud-message: v0.4`), as cASO writes it and APEL reads it.
import type { FormatError } from '../../errors.js';
import { CLOUD_FIELDS, CLOUD_WRITE_ORDER, type CloudRecord } from './cloud-record.js';
import { parseTextMessage } from './text-message-parser.js';
import { serializeTextMessage } from './text-message-writer.js';
import { CLOUD_MESSAGE_TYPE, CLOUD_MESSAGE_VERSION } from './types.js';
import { timeWindowOf, type ApelDecodeOptions } from './value-ranges.js';

/** Records read from a cloud message, and one error per record that was refused. */
export interface CloudMessage {
  readonly records: CloudRecord[];
  readonly errors: FormatError[];
}

/**
 * Writes an APEL cloud message v0.4 exactly as cASO does: the header line
 * `APEL-cloud-message: v0.4`, each record's keys sorted alphabetically, absent
 * fields left out, a `%%` line between records and none after the last.
 * Writing is strict: every value must read back unchanged in APEL.
 *
 * @example
 * serializeCloudMessage([{ vmUuid: 'a53738e1', siteName: 'TEST-Site', wallDuration: 60 }]);
 * // 'APEL-cloud-message: v0.4\nSiteName: TEST-Site\nVMUUID: a53738e1\nWallDuration: 60\n'
 * @throws FormatError `APEL_FIELD_INVALID`, naming record index and field, for a
 *   missing VMUUID or SiteName; a string that is not printable ASCII, contains
 *   `%%`, has leading or trailing spaces, is empty or a null token (none/null),
 *   or is longer than 255 characters (50 for BenchmarkType); an integer field
 *   that is not an integer within its range; a time that is not integer epoch
 *   seconds from 2000-01-01 to 2100-01-01 (EndTime 0 aside); a decimal that is
 *   not a finite number within its range (ranges: docs/accounting.md)
 */
export function serializeCloudMessage(records: readonly CloudRecord[]): string {
  return serializeTextMessage(`${CLOUD_MESSAGE_TYPE}: ${CLOUD_MESSAGE_VERSION}`, records, CLOUD_WRITE_ORDER);
}

/**
 * Reads an APEL cloud message (any version, v0.2 and v0.4 alike) with APEL's
 * acceptance rules: the message is trimmed; the first line is the header; the
 * rest is split on every `%%` (blank chunks ignored); each line is split at
 * its first `:` and both sides trimmed; `none`, `null` and empty values are
 * absent; `UpdateTime`, `MeasurementTime`, `MeasurementMonth` and
 * `MeasurementYear` are dropped; VMUUID and SiteName are mandatory; integer
 * fields must be integers, CpuCount and Benchmark decimals, times integer
 * epoch seconds or ISO 8601 with a zone (converted to epoch seconds).
 * On top of APEL we refuse values that are not printable ASCII, strings over
 * 255 characters (50 for BenchmarkType), a key given twice in one record,
 * numbers outside their field's range (negative ones among them; see
 * docs/accounting.md) and times before 2000-01-01T00:00:00Z or after
 * `options.nowSeconds` + one day (after 2100-01-01T00:00:00Z when the caller
 * gives no "now"); `EndTime: 0` stays "not ended".
 *
 * A bad record does not stop the others: each yields one `FormatError`
 * (`APEL_FIELD_INVALID`) whose `recordIndex` is the 0-based position of the
 * record among the message's non-blank records, and whose `field` is the wire
 * key, e.g. "record 2, field WallDuration: expected an integer (found 1.5)".
 *
 * @example
 * const { records, errors } = parseCloudMessage(body);
 * for (const e of errors) log.warn(e.message);
 * @throws FormatError `APEL_MESSAGE_INVALID` when the first line is not an
 *   `APEL-cloud-message` header
 */
export function parseCloudMessage(text: string, options: ApelDecodeOptions = {}): CloudMessage {
  const { records, errors } = parseTextMessage(text, CLOUD_MESSAGE_TYPE, CLOUD_FIELDS, timeWindowOf(options));
  return { records: records as unknown as CloudRecord[], errors };
}
