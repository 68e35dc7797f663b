// Codec of the APEL public IP message (JSON, "APEL Public IP message" v0.2) as cASO sends it.
import type { FormatError } from '../../errors.js';
import {
  encodeJsonMessage,
  parseJsonEnvelope,
  readJsonEnvelope,
  type JsonField,
  type JsonMessageKind,
} from './json-message.js';
import { PUBLIC_IP_MESSAGE_TYPE, PUBLIC_IP_MESSAGE_VERSION } from './types.js';
import { MAX_IP_COUNT, type ApelDecodeOptions } from './value-ranges.js';

/**
 * A snapshot of how many public (floating) IPs one user of one project holds,
 * per IP version, at `measurementTime` (epoch seconds, UTC). APEL keeps the
 * last snapshot of each month.
 */
export interface PublicIpRecord {
  readonly measurementTime: number;
  readonly siteName: string;
  readonly cloudType: string;
  readonly cloudComputeService?: string;
  /**
   * cASO's random per-record id (its lowercase `uuid` key). Not part of the
   * EGI spec; written only when given.
   */
  readonly uuid?: string;
  /** Keystone user id; EGI's spec requires it, cASO 5.2 leaves it out (§1.9). */
  readonly localUser?: string;
  /** User name; EGI's spec requires it, cASO 5.2 leaves it out (§1.9). */
  readonly globalUserName?: string;
  /** Keystone project id. */
  readonly localGroup: string;
  readonly fqan: string;
  readonly ipVersion: 4 | 6;
  /** Number of addresses held, 0..65,536. */
  readonly ipCount: number;
}

/** Field table of the public IP record, in the order cASO writes the keys. */
export const PUBLIC_IP_FIELDS: readonly JsonField[] = [
  { wire: 'SiteName', key: 'siteName', kind: 'string', isRequired: true },
  { wire: 'CloudType', key: 'cloudType', kind: 'string', isRequired: true },
  { wire: 'CloudComputeService', key: 'cloudComputeService', kind: 'string', isRequired: false },
  // Lenient: cASO adds a lowercase random `uuid` to every record although
  // neither EGI's spec nor APEL PR #226 has it; we read it rather than refuse
  // every record cASO sends.
  { wire: 'uuid', key: 'uuid', kind: 'string', isRequired: false },
  // Lenient: cASO 5.2 never sets the user (§1.9), so real messages lack these.
  { wire: 'LocalUser', key: 'localUser', kind: 'string', isRequired: false },
  { wire: 'GlobalUserName', key: 'globalUserName', kind: 'string', isRequired: false },
  { wire: 'LocalGroup', key: 'localGroup', kind: 'string', isRequired: true },
  { wire: 'FQAN', key: 'fqan', kind: 'string', isRequired: true },
  { wire: 'IPVersion', key: 'ipVersion', kind: 'integer', isRequired: true, values: [4, 6] },
  { wire: 'IPCount', key: 'ipCount', kind: 'integer', isRequired: true, min: 0, max: MAX_IP_COUNT },
  { wire: 'MeasurementTime', key: 'measurementTime', kind: 'integer', isRequired: true, isEpoch: true },
];

/** @internal the kind {@link readJsonEnvelope} reads; "v0.2" is the spelling of APEL PR #226 */
export const PUBLIC_IP_MESSAGE: JsonMessageKind = {
  types: [PUBLIC_IP_MESSAGE_TYPE],
  versions: [PUBLIC_IP_MESSAGE_VERSION, `v${PUBLIC_IP_MESSAGE_VERSION}`],
  fields: PUBLIC_IP_FIELDS,
};

/** Records read from a public IP message, and one error per refused record. */
export interface PublicIpMessage {
  readonly records: PublicIpRecord[];
  readonly errors: FormatError[];
}

/**
 * Writes an APEL public IP message v0.2 the way cASO does:
 * `{"Type": "APEL Public IP message", "Version": "0.2", "UsageRecords": [...]}`.
 *
 * @example
 * serializePublicIpMessage([{ measurementTime: 1685051946, siteName: 'TEST-Site', cloudType: 'fedstack',
 *   localGroup: '03b6a6c4', fqan: 'vo.example.eu', ipVersion: 4, ipCount: 2 }]);
 * @throws FormatError `APEL_FIELD_INVALID` naming record index and field, for a
 *   missing required field, a string that is not printable ASCII or longer than
 *   255 characters, an IPVersion other than 4 or 6, an IPCount that is not an
 *   integer 0..65,536, or a MeasurementTime that is not integer epoch seconds
 *   from 2000-01-01 to 2100-01-01
 */
export function serializePublicIpMessage(records: readonly PublicIpRecord[]): string {
  return encodeJsonMessage(PUBLIC_IP_MESSAGE_TYPE, PUBLIC_IP_MESSAGE_VERSION, records, PUBLIC_IP_FIELDS);
}

/**
 * Reads a public IP message: `Type` "APEL Public IP message" and `Version`
 * "0.2" (cASO) or "v0.2" (the spelling of APEL PR #226, accepted too). Each
 * bad record yields one `FormatError` naming its 0-based index in
 * `UsageRecords` and the field; the others are returned. A MeasurementTime
 * before 2000-01-01 or after `options.nowSeconds` + one day (2100-01-01
 * without it) refuses its record.
 * @throws FormatError `APEL_MESSAGE_INVALID` when the text is not such a JSON message
 */
export function parsePublicIpMessage(text: string, options: ApelDecodeOptions = {}): PublicIpMessage {
  return readJsonEnvelope<PublicIpRecord>(parseJsonEnvelope(text), PUBLIC_IP_MESSAGE, options);
}
