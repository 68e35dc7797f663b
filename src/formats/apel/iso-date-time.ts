// ISO 8601 date-times, to and from epoch seconds or milliseconds (UTC): APEL's, and the one strict
// reader GLUE CreationTimes and AMS times use too.

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12); plain
// arithmetic so that years below 100 are not shifted the way Date.UTC shifts them.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function zoneOffsetSeconds(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const hours = Number(zone.slice(1, 3));
  const minutes = zone.length > 3 ? Number(zone.slice(-2)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 3600 + minutes * 60);
}

/**
 * Parses an ISO 8601 date-time `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH[:MM]]` whose every part is
 * real (no 30 February, no hour 24, no zone +99:00: `Date.parse` rolls some of those over instead
 * of refusing them) into epoch milliseconds (UTC), the fraction cut to milliseconds. Years 0000 to
 * 9999 (before 1970 negative). A value without a zone is taken as UTC, or refused when
 * `isZoneRequired`.
 * @returns epoch milliseconds, or `undefined` when the text is not such a date-time
 */
export function parseIsoDateTimeMs(text: string, isZoneRequired = false): number | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return undefined;
  const zone = m[8];
  if (zone === undefined && isZoneRequired) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const monthDays = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day < 1 || day > monthDays) return undefined;
  const offset = zoneOffsetSeconds(zone);
  if (offset === undefined) return undefined;
  const fractionMs = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  return seconds * 1000 + fractionMs;
}

/**
 * Parses an ISO 8601 date-time as {@link parseIsoDateTimeMs} does, into integer epoch seconds
 * (UTC), a fraction of a second dropped. A value without a zone is taken as UTC, or refused when
 * `isZoneRequired` (APEL's cloud datetime rule; StAR takes zoneless times as UTC).
 * @returns epoch seconds, or `undefined` when the text is not such a date-time
 */
export function parseIsoDateTime(text: string, isZoneRequired: boolean): number | undefined {
  const ms = parseIsoDateTimeMs(text, isZoneRequired);
  return ms === undefined ? undefined : Math.floor(ms / 1000);
}

/**
 * Formats integer epoch seconds as `YYYY-MM-DDTHH:MM:SS+00:00`, the spelling
 * cASO uses in StAR records.
 */
export function formatIsoDateTime(epochSeconds: number): string {
  return `${new Date(epochSeconds * 1000).toISOString().slice(0, 19)}+00:00`;
}
