// Hand-written scanner for the line-based APEL messages, following APEL's RecordFactory rules (§2.1); bench/apel-codec.js measures it.
import { FormatError } from '../../errors.js';
import {
  KIND_DATETIME,
  KIND_IGNORED,
  KIND_INT,
  type TextField,
  type TextFieldTable,
  type TextSlots,
} from './text-field.js';
import {
  ReadProblem,
  hasForbiddenCharacters,
  isInlineSpace,
  isNullTokenAt,
  isSpace,
  readValue,
} from './text-value-reader.js';
import { describeTimeRange, type TimeWindow } from './value-ranges.js';
import { describeFound } from './wire-value.js';

/** A problem a record-level check found in a record that passed the field rules. */
export interface RecordProblem {
  /** Wire name of the field at fault. */
  readonly field: string;
  readonly expected: string;
  readonly found?: string;
}

/** Records read from a message, plus one error per record that could not be read. */
export interface TextMessageResult {
  readonly records: Record<string, unknown>[];
  readonly errors: FormatError[];
}

const RECORD_START = 31;

/** What one parse learns and reuses: the order keys came in, a scratch number. */
class ScanState {
  /** predicted[bit of the previous key, or RECORD_START] = the key that followed it last time. */
  readonly predicted: (TextField | undefined)[] = new Array<TextField | undefined>(32).fill(undefined);
  /** Values of the record being read, by field bit; cleared after each record. */
  readonly slots: TextSlots = new Array<string | number | undefined>(32).fill(undefined);
  /** Value of the last integer read by {@link scanInteger}. */
  integer = 0;
  /** Smallest and largest accepted number by field bit: the field's range, or the window for times. */
  readonly minimums = new Float64Array(32);
  readonly maximums = new Float64Array(32);

  constructor(
    readonly table: TextFieldTable,
    readonly hasForbidden: boolean,
    readonly window: TimeWindow,
  ) {
    for (const field of table.fields) {
      const isTime = field.kind === KIND_DATETIME;
      this.minimums[field.bit] = isTime ? window.earliestSeconds : field.min;
      this.maximums[field.bit] = isTime ? window.latestSeconds : field.max;
    }
  }
}

/**
 * Reads a line-based APEL message (`<messageType>: <version>` header, records
 * of `Key: value` lines separated by `%%`) into plain objects keyed by the
 * domain keys of `table`. Record indexes in errors are 0-based and count the
 * non-blank records of the message. Numbers outside their field's range and
 * times outside `window` refuse their record. `check`, when given, runs on
 * each record that passed the field rules and may refuse it. Leading blank
 * lines and spaces before the header are skipped (APEL strips the message).
 * @throws FormatError `APEL_MESSAGE_INVALID` when the first line is not a header of `messageType`
 */
export function parseTextMessage(
  text: string,
  messageType: string,
  table: TextFieldTable,
  window: TimeWindow,
  check?: (record: Record<string, unknown>, window: TimeWindow) => RecordProblem | undefined,
): TextMessageResult {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  let headerEnd = text.indexOf('\n', start);
  if (headerEnd === -1 || headerEnd > end) headerEnd = end;
  checkHeader(text.slice(start, headerEnd), messageType);

  const state = new ScanState(table, hasForbiddenCharacters(text), window);
  const records: Record<string, unknown>[] = [];
  const errors: FormatError[] = [];
  let pos = headerEnd + 1;
  let index = 0;
  while (pos < end) {
    // APEL splits on every "%%", not only on "%%" lines
    let chunkEnd = text.indexOf('%%', pos);
    if (chunkEnd === -1 || chunkEnd > end) chunkEnd = end;
    const outcome = parseRecord(text, pos, chunkEnd, state, index);
    state.slots.fill(undefined);
    pos = chunkEnd + 2;
    if (outcome === undefined) continue; // blank chunk, e.g. after a trailing "%%"
    const problem =
      outcome instanceof FormatError || check === undefined ? undefined : check(outcome, window);
    if (outcome instanceof FormatError) errors.push(outcome);
    else if (problem) errors.push(fieldError(index, problem.field, problem.expected, problem.found));
    else records.push(outcome);
    index++;
  }
  return { records, errors };
}

function checkHeader(line: string, messageType: string): void {
  const colon = line.indexOf(':');
  const type = colon === -1 ? '' : line.slice(0, colon).trim();
  // any version is read: APEL maps every version of a type to the same record class
  if (type !== messageType) {
    throw new FormatError(
      'APEL_MESSAGE_INVALID',
      {},
      `a first line "${messageType}: <version>"`,
      describeFound(line.trim()),
    );
  }
}

function fieldError(index: number, field: string | undefined, expected: string, found?: string): FormatError {
  return new FormatError('APEL_FIELD_INVALID', { recordIndex: index, field }, expected, found);
}

// One record: text[from, to) between two separators; undefined for a blank
// chunk. One loop on purpose: it is the hot path of hub ingest.
function parseRecord(
  text: string,
  from: number,
  to: number,
  state: ScanState,
  index: number,
): Record<string, unknown> | FormatError | undefined {
  const slots = state.slots;
  let isBlank = true;
  let seen = 0;
  let present = 0;
  let previous = RECORD_START;
  let pos = from;
  while (pos < to) {
    if (isSpace(text.charCodeAt(pos))) {
      pos++; // blank lines and indentation
      continue;
    }
    isBlank = false;
    // Most keys are the key that followed the previous key in the record
    // before. Cutting out the text where that key would be and comparing with
    // === (a native compare) measured fastest: faster than a loop over the
    // characters, startsWith, or lastIndexOf(key, pos) === pos.
    let field = state.predicted[previous];
    let colon = field === undefined ? -1 : pos + field.wire.length;
    if (
      field === undefined ||
      text.charCodeAt(colon) !== 58 /* : */ ||
      text.slice(pos, colon) !== field.wire
    ) {
      colon = text.indexOf(':', pos);
      if (colon === -1 || colon >= to) return lineError(text, pos, to, index);
      let keyEnd = colon;
      while (keyEnd > pos && isInlineSpace(text.charCodeAt(keyEnd - 1))) keyEnd--;
      const key = text.slice(pos, keyEnd);
      field = state.table.byWire.get(key);
      if (field === undefined) {
        if (key.includes('\n')) return lineError(text, pos, to, index);
        return fieldError(index, key, 'a known field (unknown field)');
      }
      state.predicted[previous] = field;
    }
    previous = field.bit;
    const bit = 1 << field.bit;
    if ((seen & bit) !== 0) return fieldError(index, field.wire, 'the field once (found it twice)');
    seen |= bit;
    let v = colon + 1;
    while (v < to && isInlineSpace(text.charCodeAt(v))) v++;
    // fast path for integers and epoch times: digits up to the end of the line
    if (field.kind === KIND_INT || field.kind === KIND_DATETIME) {
      const after = scanInteger(text, v, to, state);
      if (after !== -1) {
        const n = state.integer;
        // plain comparisons: this runs for every number of every record
        if (n < state.minimums[field.bit]! || n > state.maximums[field.bit]!) {
          if (n !== 0 || !field.isZeroAllowed) return rangeError(index, field, state, String(n));
        }
        slots[field.bit] = n;
        present |= bit;
        pos = after + 1; // past the line feed
        continue;
      }
    }
    let e = text.indexOf('\n', v);
    if (e === -1 || e > to) e = to;
    pos = e + 1; // past the line feed
    while (e > v && isInlineSpace(text.charCodeAt(e - 1))) e--;
    if (field.kind === KIND_IGNORED || (!field.isLiteral && isNullTokenAt(text, v, e))) continue;
    const value = readValue(text, v, e, field, state.hasForbidden);
    if (value instanceof ReadProblem) {
      const found = value.found === undefined ? undefined : describeFound(value.found);
      return fieldError(index, field.wire, value.expected, found);
    }
    if (
      typeof value === 'number' &&
      (value < state.minimums[field.bit]! || value > state.maximums[field.bit]!) &&
      (value !== 0 || !field.isZeroAllowed)
    ) {
      return rangeError(index, field, state, describeFound(text.slice(v, e)));
    }
    slots[field.bit] = value;
    present |= bit;
  }
  if (isBlank) return undefined;
  const mandatory = state.table.mandatoryMask;
  if ((present & mandatory) !== mandatory) {
    const missing = state.table.fields.find((f) => f.isMandatory && (present & (1 << f.bit)) === 0)!;
    return fieldError(index, missing.wire, 'a value (the field is mandatory)');
  }
  return state.table.build(slots) as Record<string, unknown>;
}

function rangeError(index: number, field: TextField, state: ScanState, found: string): FormatError {
  const expected =
    field.kind === KIND_DATETIME
      ? describeTimeRange(state.window, field.isZeroAllowed)
      : `${field.kind === KIND_INT ? 'an integer' : 'a number'} from ${field.min} to ${field.max}`;
  return fieldError(index, field.wire, expected, found);
}

function lineError(text: string, pos: number, to: number, index: number): FormatError {
  let lineEnd = text.indexOf('\n', pos);
  if (lineEnd === -1 || lineEnd > to) lineEnd = to;
  return fieldError(index, undefined, 'a "Key: value" line', describeFound(text.slice(pos, lineEnd).trim()));
}

// Up to 15 digits (with an optional "-") then only spaces to the end of the
// line: stores the value in state.integer and returns the line end; else -1,
// and the general path reads the value (and reports any problem).
function scanInteger(text: string, from: number, to: number, state: ScanState): number {
  let i = from;
  const isNegative = text.charCodeAt(i) === 45; /* - */
  if (isNegative) i++;
  const digitsFrom = i;
  let n = 0;
  for (; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  if (i === digitsFrom || i - digitsFrom > 15) return -1;
  while (i < to && isInlineSpace(text.charCodeAt(i))) i++;
  if (i < to && text.charCodeAt(i) !== 10) return -1;
  state.integer = isNegative ? 0 - n : n;
  return i;
}
