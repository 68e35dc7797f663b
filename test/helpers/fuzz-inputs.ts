// Generated inputs shared by the codec property tests: random text and bytes, edits of real samples.
import { expect } from 'vitest';
import { FormatError, type ErrorCode, type FedstackError } from '../../src/errors.js';
import { fc } from './fuzz.js';

/** One edit of a text: insert a string, delete a span, or repeat a span, at fractions of its length. */
type Edit =
  | { readonly kind: 'insert'; readonly at: number; readonly text: string }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'repeat'; readonly at: number; readonly length: number };

// Text that breaks line, record and markup structure more often than uniform characters would.
const STRUCTURAL = fc.constantFrom(
  '\n',
  '%%',
  ':',
  ' ',
  '\r\n',
  '{',
  '}',
  '[',
  ']',
  '"',
  ',',
  '<',
  '>',
  '/',
  '-',
  '0',
  '9',
);

const editArbitrary: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    text: fc.oneof(STRUCTURAL, fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 4 })),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.integer({ min: 1, max: 40 }),
  }),
  fc.record({
    kind: fc.constant('repeat' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.integer({ min: 1, max: 200 }),
  }),
);

function applyEdit(text: string, edit: Edit): string {
  const at = Math.floor(edit.at * text.length);
  switch (edit.kind) {
    case 'insert':
      return text.slice(0, at) + edit.text + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + edit.length);
    case 'repeat':
      return (
        text.slice(0, at + edit.length) + text.slice(at, at + edit.length) + text.slice(at + edit.length)
      );
  }
}

/** A sample with 1 to 6 random edits. */
export function mutationOf(samples: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...samples), fc.array(editArbitrary, { minLength: 1, maxLength: 6 }))
    .map(([sample, edits]) => edits.reduce(applyEdit, sample));
}

/** Random text: any UTF-16 string, random bytes read as UTF-8 or Latin-1, a sample's prefix and junk. */
export function randomTextOf(samples: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('utf8')),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    fc
      .tuple(
        fc.constantFrom(...samples),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.string({ maxLength: 50 }),
      )
      .map(([sample, cut, junk]) => sample.slice(0, Math.floor(cut * sample.length)) + junk),
  );
}

/**
 * Runs `read`; a throw must be a FormatError with `code` (the whole message unreadable), anything
 * else fails the property. Returns what `read` returned, or undefined after such a throw.
 */
export function readOrFormatError<T>(read: () => T, code: ErrorCode): T | undefined {
  try {
    return read();
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FedstackError).code).toBe(code);
    return undefined;
  }
}

/** Every per-record error is an APEL_FIELD_INVALID FormatError naming a record index below `count`, indexes increasing. */
export function expectRecordErrors(errors: readonly FormatError[], count = Number.MAX_SAFE_INTEGER): void {
  let previous = -1;
  for (const e of errors) {
    expect(e).toBeInstanceOf(FormatError);
    expect(e.code).toBe('APEL_FIELD_INVALID');
    expect(Number.isInteger(e.recordIndex)).toBe(true);
    expect(e.recordIndex!).toBeGreaterThan(previous);
    expect(e.recordIndex!).toBeLessThan(count);
    previous = e.recordIndex!;
  }
}

/** Printable ASCII a writer accepts and a reader gives back unchanged: no edge spaces, no `%%`, no null token. */
export const apelText: fc.Arbitrary<string> = fc
  .stringMatching(/^[!-~](?:[ -~]{0,30}[!-~])?$/)
  .filter((s) => !s.includes('%%') && !/^(none|null)$/i.test(s));

/** A finite decimal from 0 to `max`, never -0 (which reads back as 0). */
export function decimalUpTo(max: number): fc.Arbitrary<number> {
  return fc.double({ min: 0, max, noNaN: true, noDefaultInfinity: true }).map((n) => n + 0);
}
