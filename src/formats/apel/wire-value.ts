// Value rules shared by the APEL codecs: which strings and numbers survive APEL, SSM and the database.
import { FormatError } from '../../errors.js';

/** Longest string APEL's database keeps (VARCHAR(255) columns). */
export const MAX_VALUE_LENGTH = 255;

/** Longest BenchmarkType APEL's database keeps (VARCHAR(50)). */
export const MAX_BENCHMARK_TYPE_LENGTH = 50;

/** What was wrong with one value: what we expected and, when useful, what we found. */
export interface ValueProblem {
  readonly expected: string;
  readonly found?: string;
}

/** The `APEL_FIELD_INVALID` error of one field of the record at `index`: what was wrong with its value. */
export function fieldProblemError(index: number, field: string, problem: ValueProblem): FormatError {
  return new FormatError(
    'APEL_FIELD_INVALID',
    { recordIndex: index, field },
    problem.expected,
    problem.found,
  );
}

// SSM reads the body as ASCII (a non-ASCII byte crashes the sender) and the
// text format is line based, so only printable ASCII may appear in a value.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Shortens a found value for an error message and makes unprintable characters visible. */
export function describeFound(text: string): string {
  const short = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return PRINTABLE_ASCII.test(short) ? short : JSON.stringify(short);
}

function firstUnprintable(value: string): ValueProblem {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) {
      const hex = code.toString(16).toUpperCase().padStart(4, '0');
      return { expected: 'printable ASCII text', found: `U+${hex} at offset ${i}` };
    }
  }
  return { expected: 'printable ASCII text' };
}

/**
 * Checks a string read from a JSON or XML message: printable ASCII and at most
 * `maxLength` characters.
 * @returns the problem, or `undefined` when the value is acceptable
 */
export function checkReadString(value: string, maxLength: number): ValueProblem | undefined {
  if (value.length > maxLength) {
    return { expected: `at most ${maxLength} characters`, found: `${value.length} characters` };
  }
  if (!PRINTABLE_ASCII.test(value)) return firstUnprintable(value);
  return undefined;
}

/**
 * Checks a string about to be written into an APEL message, so that APEL reads
 * back exactly the same value: a string of printable ASCII (no line breaks),
 * at most `maxLength` characters, without the record separator `%%`, without
 * leading or trailing spaces and, unless `isLiteral`, not empty and not one of
 * APEL's null tokens (`none`, `null`, any case).
 * @returns the problem, or `undefined` when the value is safe to write
 */
export function checkWriteString(
  value: unknown,
  maxLength: number,
  isLiteral = false,
): ValueProblem | undefined {
  if (typeof value !== 'string') return { expected: 'a string', found: typeof value };
  // one pass over the characters for the usual, valid case; the slow path
  // below only runs to describe a problem
  const n = value.length;
  let isSuspect = n > maxLength || (n === 0 && !isLiteral);
  let previous = 0;
  for (let i = 0; i < n && !isSuspect; i++) {
    const c = value.charCodeAt(i);
    isSuspect = c < 0x20 || c > 0x7e || (c === 37 && previous === 37);
    previous = c;
  }
  if (!isSuspect && n > 0) isSuspect = value.charCodeAt(0) === 32 || previous === 32;
  if (!isSuspect && n === 4 && !isLiteral) isSuspect = isNullToken(value);
  return isSuspect ? describeWriteProblem(value, maxLength, isLiteral) : undefined;
}

function describeWriteProblem(
  value: string,
  maxLength: number,
  isLiteral: boolean,
): ValueProblem | undefined {
  const problem = checkReadString(value, maxLength);
  if (problem) return problem;
  if (value.includes('%%')) {
    return { expected: 'a value without "%%" (the APEL record separator)', found: describeFound(value) };
  }
  if (value.startsWith(' ') || value.endsWith(' ')) {
    return { expected: 'a value without leading or trailing spaces', found: JSON.stringify(value) };
  }
  if (!isLiteral && isNullToken(value)) {
    return {
      expected: 'a value other than "", "none" or "null" (APEL reads those as absent)',
      found: JSON.stringify(value),
    };
  }
  return undefined;
}

/** True for the values APEL reads as NULL: the empty string, `none` and `null` in any case. */
export function isNullToken(value: string): boolean {
  if (value.length === 0) return true;
  if (value.length !== 4) return false;
  const lower = value.toLowerCase();
  return lower === 'none' || lower === 'null';
}

/**
 * Checks an integer about to be written (durations, counts, sizes, epoch
 * seconds): a safe integer from `min` to `max`.
 * @returns the problem, or `undefined` when the value is safe to write
 */
export function checkWriteInteger(
  value: unknown,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): ValueProblem | undefined {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    return { expected: 'an integer', found: describeNumber(value) };
  }
  if (value < min || value > max)
    return { expected: `an integer from ${min} to ${max}`, found: String(value) };
  return undefined;
}

/**
 * Checks a decimal number about to be written (CpuCount, Benchmark, Count):
 * finite, from `min` to `max`.
 * @returns the problem, or `undefined` when the value is safe to write
 */
export function checkWriteNumber(value: unknown, min = 0, max = Number.MAX_VALUE): ValueProblem | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return { expected: 'a finite number', found: describeNumber(value) };
  }
  if (value < min || value > max) return { expected: `a number from ${min} to ${max}`, found: String(value) };
  return undefined;
}

function describeNumber(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value;
}
