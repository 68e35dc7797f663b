// Reading one value of a line-based APEL record in place, with APEL's typing rules (§2.1).
import { parseIsoDateTime } from './iso-date-time.js';
import { KIND_FLOAT, KIND_INT, KIND_STRING, type TextField } from './text-field.js';

/** Why a value was refused; a class so that one `instanceof` tells it from a value. */
export class ReadProblem {
  constructor(
    readonly expected: string,
    readonly found?: string,
  ) {}
}

/** Python's `str.strip()` set restricted to ASCII: space, \t \n \v \f \r and \x1c-\x1f. */
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || (c >= 28 && c <= 31);
}

/** {@link isSpace} without the line feed, for trimming inside one line. */
export function isInlineSpace(c: number): boolean {
  return c !== 10 && isSpace(c);
}

/**
 * True when the text holds a character no value may hold: non-ASCII (SSM
 * reads bodies as ASCII) or NUL (PostgreSQL text refuses it). Native scans,
 * measured over ten times faster than a regular expression; only when this
 * finds something are the values checked one by one to name the culprit.
 */
export function hasForbiddenCharacters(text: string): boolean {
  return Buffer.byteLength(text, 'utf8') !== text.length || text.indexOf('\0') !== -1;
}

function forbiddenAt(text: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0 || c > 0x7f) return i;
  }
  return -1;
}

/** True when text[from, to) is "", "none" or "null" in any case, APEL's NULL; compared in place. */
export function isNullTokenAt(text: string, from: number, to: number): boolean {
  if (from === to) return true;
  // | 32 lower-cases an ASCII letter
  if (to - from !== 4 || (text.charCodeAt(from) | 32) !== 110 /* n */) return false;
  const c1 = text.charCodeAt(from + 1) | 32;
  const c2 = text.charCodeAt(from + 2) | 32;
  const c3 = text.charCodeAt(from + 3) | 32;
  return (
    (c1 === 111 && c2 === 110 && c3 === 101) /* one */ || (c1 === 117 && c2 === 108 && c3 === 108)
  ); /* ull */
}

/**
 * Python `int()` on text[from, to): optional sign, decimal digits (its "_"
 * separators are refused).
 * @returns the value, or NaN when it is not a safe integer
 */
export function readInteger(text: string, from: number, to: number): number {
  let i = from;
  const first = text.charCodeAt(i);
  const isNegative = first === 45; /* - */
  if (isNegative || first === 43 /* + */) i++;
  if (i === to) return NaN;
  if (to - i > 15) return readLongInteger(text.slice(from, to));
  let n = 0;
  for (; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return isNegative ? 0 - n : n;
}

function readLongInteger(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) return NaN;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : NaN;
}

/**
 * Python `float()` on text[from, to) in plain decimal notation: [sign] digits
 * [. digits] [e [sign] digits]. Python's inf, nan and "_" separators are
 * refused (no database column holds the first two).
 * @returns the value, or NaN when refused
 */
export function readDecimal(text: string, from: number, to: number): number {
  let i = from;
  const first = text.charCodeAt(i);
  if (first === 45 /* - */ || first === 43 /* + */) i++;
  const intFrom = i;
  while (i < to && isDigit(text.charCodeAt(i))) i++;
  let digits = i - intFrom;
  if (i < to && text.charCodeAt(i) === 46 /* . */) {
    const fracFrom = ++i;
    while (i < to && isDigit(text.charCodeAt(i))) i++;
    digits += i - fracFrom;
  }
  if (digits === 0) return NaN;
  if (i < to && (text.charCodeAt(i) | 32) === 101 /* e */) {
    i++;
    const sign = text.charCodeAt(i);
    if (sign === 45 || sign === 43) i++;
    const expFrom = i;
    while (i < to && isDigit(text.charCodeAt(i))) i++;
    if (i === expFrom) return NaN;
  }
  if (i !== to) return NaN;
  const value = Number(text.slice(from, to));
  return Number.isFinite(value) ? value : NaN;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Reads the trimmed, non-null value text[from, to) of `field`.
 * @returns the string or number, or a {@link ReadProblem}
 */
export function readValue(
  text: string,
  from: number,
  to: number,
  field: TextField,
  hasForbidden: boolean,
): string | number | ReadProblem {
  if (hasForbidden) {
    const bad = forbiddenAt(text, from, to);
    if (bad !== -1) {
      const hex = text.charCodeAt(bad).toString(16).toUpperCase().padStart(4, '0');
      return new ReadProblem('ASCII text without NUL', `U+${hex} at offset ${bad - from}`);
    }
  }
  let n: number;
  switch (field.kind) {
    case KIND_STRING:
      if (to - from > field.maxLength) {
        return new ReadProblem(`at most ${field.maxLength} characters`, `${to - from} characters`);
      }
      return text.slice(from, to);
    case KIND_INT:
      n = readInteger(text, from, to);
      return Number.isNaN(n) ? new ReadProblem('an integer', text.slice(from, to)) : n;
    case KIND_FLOAT:
      n = readDecimal(text, from, to);
      return Number.isNaN(n) ? new ReadProblem('a decimal number', text.slice(from, to)) : n;
    default:
      n = readInteger(text, from, to);
      if (Number.isNaN(n)) n = parseIsoDateTime(text.slice(from, to), true) ?? NaN;
      return Number.isNaN(n)
        ? new ReadProblem('integer epoch seconds or an ISO 8601 date-time with a zone', text.slice(from, to))
        : n;
  }
}
