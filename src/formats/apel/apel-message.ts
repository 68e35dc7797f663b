// Reads any APEL message, detecting its kind: StAR XML, JSON (public IP, accelerator) or a text header.
import { FormatError } from '../../errors.js';
import { ACCELERATOR_MESSAGE, isAcceleratorType, type AcceleratorRecord } from './accelerator-message.js';
import { parseCloudMessage } from './cloud-message.js';
import type { CloudRecord } from './cloud-record.js';
import { parseCloudSummaryMessage, type CloudSummaryRecord } from './cloud-summary-message.js';
import { parseJsonEnvelope, readJsonEnvelope } from './json-message.js';
import { PUBLIC_IP_MESSAGE, type PublicIpRecord } from './public-ip-message.js';
import { parseStorageMessage } from './storage-message.js';
import type { StorageRecord } from './storage-record.js';
import { isSpace } from './text-value-reader.js';
import type { ApelDecodeOptions } from './value-ranges.js';
import { describeFound } from './wire-value.js';
import { CLOUD_MESSAGE_TYPE, CLOUD_SUMMARY_MESSAGE_TYPE, PUBLIC_IP_MESSAGE_TYPE } from './types.js';

/** The records of one APEL message of a known kind, and one error per refused record. */
export type ParsedApelMessage =
  | { readonly kind: 'cloud'; readonly records: CloudRecord[]; readonly errors: FormatError[] }
  | { readonly kind: 'ip'; readonly records: PublicIpRecord[]; readonly errors: FormatError[] }
  | { readonly kind: 'accelerator'; readonly records: AcceleratorRecord[]; readonly errors: FormatError[] }
  | { readonly kind: 'storage'; readonly records: StorageRecord[]; readonly errors: FormatError[] }
  | {
      readonly kind: 'cloud-summary';
      readonly records: CloudSummaryRecord[];
      readonly errors: FormatError[];
    };

/** The kinds of APEL message {@link parseApelMessage} reads. */
export type ApelMessageKind = ParsedApelMessage['kind'];

/**
 * Reads an APEL message of any kind we know, the way APEL's loader routes
 * them: text starting with `<` is StAR XML; with `{`, JSON routed by its
 * `Type`; anything else is routed by the type in its header line
 * (`APEL-cloud-message` or `APEL-cloud-summary-message`), blank lines before
 * it skipped. `options.nowSeconds` bounds the times of every record kind but
 * StAR (see the decoders).
 *
 * @example
 * const message = parseApelMessage(body);
 * if (message.kind === 'cloud') store(message.records);
 * @throws FormatError `APEL_MESSAGE_INVALID` when the kind is unknown or the
 *   message cannot be read at all
 */
export function parseApelMessage(text: string, options: ApelDecodeOptions = {}): ParsedApelMessage {
  const first = text.trimStart().charAt(0);
  if (first === '<') return { kind: 'storage', ...parseStorageMessage(text) };
  if (first === '{') {
    const envelope = parseJsonEnvelope(text);
    if (envelope.type === PUBLIC_IP_MESSAGE_TYPE)
      return { kind: 'ip', ...readJsonEnvelope<PublicIpRecord>(envelope, PUBLIC_IP_MESSAGE, options) };
    if (isAcceleratorType(envelope.type))
      return {
        kind: 'accelerator',
        ...readJsonEnvelope<AcceleratorRecord>(envelope, ACCELERATOR_MESSAGE, options),
      };
    throw new FormatError(
      'APEL_MESSAGE_INVALID',
      {},
      'a known JSON message Type',
      describeFound(envelope.type),
    );
  }
  // the header is the first line after the whitespace APEL strips (the text decoders skip it too)
  let start = 0;
  while (start < text.length && isSpace(text.charCodeAt(start))) start++;
  const lineEnd = text.indexOf('\n', start);
  const header = (lineEnd === -1 ? text.slice(start) : text.slice(start, lineEnd)).trim();
  const type = header.slice(0, Math.max(header.indexOf(':'), 0)).trim();
  if (type === CLOUD_MESSAGE_TYPE) return { kind: 'cloud', ...parseCloudMessage(text, options) };
  if (type === CLOUD_SUMMARY_MESSAGE_TYPE)
    return { kind: 'cloud-summary', ...parseCloudSummaryMessage(text, options) };
  throw new FormatError('APEL_MESSAGE_INVALID', {}, 'a known APEL message header', describeFound(header));
}
