// Checks and shapes of AMS values: base64 data, ack deadlines, the subscription view.
import type { SubscriptionRow } from '../store/messaging-queries.js';
import { AMS_ERRORS } from './ams-error.js';
import { subscriptionFullName, topicFullName } from './ams-names.js';

/** AMS bounds for ackDeadlineSeconds. */
export const MAX_ACK_DEADLINE_SECONDS = 600;

/** A subscription as the AMS API shows it. */
export interface SubscriptionView {
  readonly name: string;
  readonly topic: string;
  readonly ackDeadlineSeconds: number;
}

/**
 * True for canonical, padded standard base64 (what AMS requires of `data`). Decoding and encoding
 * again is native and about four times faster than a regular expression over a 1 MB message.
 */
export function isBase64(data: string): boolean {
  return data.length % 4 === 0 && Buffer.from(data, 'base64').toString('base64') === data;
}

/** Bytes a valid base64 string decodes to, without decoding it. */
export function decodedLength(base64: string): number {
  const pad = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - pad;
}

/**
 * Checks an ack deadline (integer seconds, 0-600).
 * @throws AmsError 400 naming `what` (as "Invalid <what> Arguments").
 */
export function checkDeadline(seconds: number, what: string): void {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_ACK_DEADLINE_SECONDS) {
    throw AMS_ERRORS.invalidArguments(what);
  }
}

/** The AMS view of a stored subscription. */
export function subscriptionView(row: SubscriptionRow): SubscriptionView {
  return {
    name: subscriptionFullName(row.project, row.name),
    topic: topicFullName(row.topic_project, row.topic_name),
    ackDeadlineSeconds: row.ack_deadline_seconds,
  };
}

const ZULU_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/**
 * Reads a `:timeToOffset` time, `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (AMS parses it with Go's
 * time.Parse, which refuses impossible dates), as epoch milliseconds; years 0000-9999, so times
 * before 1970 are negative. Returns undefined for anything else: unlike `Date.parse`, no other
 * formats, no rolling 2024-02-30 over into March, no six-digit years.
 */
export function parseZuluTime(text: string): number | undefined {
  const m = ZULU_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3)));
  const isExact =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return isExact ? date.getTime() : undefined;
}
