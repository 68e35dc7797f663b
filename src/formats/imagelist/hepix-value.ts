// Value rules of HEPiX image lists: lenient readers, strict writers, and the errors both raise.
import { FormatError, type ErrorCode } from '../../errors.js';
import { parseIsoDateTimeMs } from '../apel/index.js';

/** Code of a list that cannot be read or written at all. */
export const IMAGE_LIST_INVALID: ErrorCode = 'IMAGE_LIST_INVALID';
/** Code of one image of a list with a missing or malformed field. */
export const IMAGE_INVALID: ErrorCode = 'IMAGE_INVALID';

/** Where a value sits: the list's name (`file`) and, for an image, its index in `hv:images`. */
export interface ValuePlace {
  readonly file: string;
  readonly recordIndex?: number;
}

/** A JSON object read from the wire. */
export type WireObject = Readonly<Record<string, unknown>>;

/** The error of `field` at `place`: list-level fields get {@link IMAGE_LIST_INVALID}, image fields {@link IMAGE_INVALID}. */
export function valueError(place: ValuePlace, field: string, expected: string, found?: unknown): FormatError {
  const code = place.recordIndex === undefined ? IMAGE_LIST_INVALID : IMAGE_INVALID;
  return new FormatError(code, { ...place, field }, expected, found === undefined ? undefined : show(found));
}

/** A short rendering of a found value for an error message. */
export function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** True for a JSON object (not an array, not null). */
export function isWireObject(value: unknown): value is WireObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a text field. A missing key is `undefined`; a required one raises.
 * @throws FormatError naming the field when it is not a string, or required and missing or empty
 */
export function readText(
  wire: WireObject,
  key: string,
  place: ValuePlace,
  isRequired = false,
): string | undefined {
  const value = wire[key];
  if (value === undefined) {
    if (isRequired) throw valueError(place, key, 'a value (the field is required)');
    return undefined;
  }
  // Some emitters write versions and ids as JSON numbers ("hv:version": 20150618211400); the
  // Python subscribers use the value as it is and format it with str(), so it is read as its text.
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== 'string') throw valueError(place, key, 'a string', value);
  if (isRequired && text.trim() === '') throw valueError(place, key, 'a non-empty string', value);
  return text;
}

/**
 * Reads a count (bytes, MB, cores): a non-negative safe integer.
 * @throws FormatError naming the field when the value is neither such a number nor its decimal text
 */
export function readCount(wire: WireObject, key: string, place: ValuePlace): number | undefined {
  const value = wire[key];
  if (value === undefined) return undefined;
  // AppDB writes every number as a JSON string ("hv:size": "121243136" in its lists) and the
  // subscribers convert with int() / to_i, so both a decimal string and a JSON number are read.
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string') {
    // AppDB leaves unset text as "" (sl:comments, dc:description in its lists); an empty count is
    // taken the same way, as not given, since every count is optional.
    if (value.trim() === '') return undefined;
    // Python's int() and Ruby's to_i ignore surrounding blanks, so they are trimmed here too.
    const text = value.trim();
    if (/^\d{1,16}$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  }
  throw valueError(place, key, 'a non-negative integer (or its decimal text)', value);
}

/**
 * Reads an ISO 8601 date-time.
 * @throws FormatError naming the field when the value is not one (or required and missing)
 */
export function readDate(
  wire: WireObject,
  key: string,
  place: ValuePlace,
  isRequired = false,
): Date | undefined {
  const value = wire[key];
  if (value === undefined) {
    if (isRequired) throw valueError(place, key, 'a value (the field is required)');
    return undefined;
  }
  // atrope parses list dates with dateutil.parser, which takes fractional seconds, numeric zone
  // offsets and zoneless times; those ISO 8601 forms are read too (zoneless as UTC, as
  // vmcatcher's lists are UTC), not dateutil's free-text forms.
  const ms = typeof value === 'string' ? parseIsoDateTimeMs(value.trim()) : undefined;
  if (ms === undefined)
    throw valueError(place, key, 'an ISO 8601 date-time such as 2015-06-18T21:14:00Z', value);
  return new Date(ms);
}

/** Formats a date the way HEPiX lists spell them: `YYYY-MM-DDTHH:MM:SSZ`. */
export function formatDate(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * Checks a date about to be written: a valid date with whole seconds, years 0000 to 9999.
 * @throws FormatError naming the field otherwise
 */
export function checkWriteDate(date: unknown, place: ValuePlace, key: string): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw valueError(place, key, 'a valid Date');
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw valueError(place, key, 'a year from 0000 to 9999', String(year));
  // the wire form has no fraction of a second: writing one would not read back equal
  if (date.getUTCMilliseconds() !== 0)
    throw valueError(place, key, 'a date with whole seconds', date.toISOString());
  return formatDate(date);
}

/**
 * Checks a text about to be written: a string, non-empty when `isRequired`.
 * @throws FormatError naming the field otherwise
 */
export function checkWriteText(value: unknown, place: ValuePlace, key: string, isRequired = false): string {
  if (typeof value !== 'string') throw valueError(place, key, 'a string', value);
  if (isRequired && value.trim() === '') throw valueError(place, key, 'a non-empty string', value);
  return value;
}

/**
 * Checks a count about to be written and spells it as AppDB does, as decimal text.
 * @throws FormatError naming the field when it is not a non-negative safe integer
 */
export function checkWriteCount(value: unknown, place: ValuePlace, key: string): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw valueError(place, key, 'a non-negative integer', value);
  }
  return String(value);
}
