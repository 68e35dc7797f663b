// Shared machinery of APEL's JSON messages (public IP, accelerator): envelope, field tables, Python-style output.
import { FormatError } from '../../errors.js';
import {
  describeTimeRange,
  STATIC_TIME_WINDOW,
  timeWindowOf,
  type ApelDecodeOptions,
  type TimeWindow,
} from './value-ranges.js';
import {
  checkReadString,
  describeFound,
  fieldProblemError,
  MAX_VALUE_LENGTH,
  type ValueProblem,
} from './wire-value.js';

/** One field of a JSON usage record. */
export interface JsonField {
  /** Key on the wire, e.g. `IPCount`. */
  readonly wire: string;
  /** Key of the domain object, e.g. `ipCount`. */
  readonly key: string;
  readonly kind: 'string' | 'integer' | 'number';
  readonly isRequired: boolean;
  /** Smallest accepted number (numbers only). */
  readonly min?: number;
  /** Largest accepted number (numbers only). */
  readonly max?: number;
  /** True for epoch seconds: the range is the decoder's window of times instead of min/max. */
  readonly isEpoch?: boolean;
  /** The only accepted values, when the field is an enumeration. */
  readonly values?: readonly (string | number)[];
  /** Longest accepted string; default 255. */
  readonly maxLength?: number;
}

/** A JSON message's envelope after the structural checks. */
export interface JsonEnvelope {
  readonly type: string;
  readonly version: string;
  readonly usageRecords: readonly unknown[];
}

/** Records read from a JSON message, plus one error per refused record. */
export interface JsonRecordsResult {
  readonly records: Record<string, unknown>[];
  readonly errors: FormatError[];
}

function invalidMessage(expected: string, found?: string): FormatError {
  return new FormatError('APEL_MESSAGE_INVALID', {}, expected, found);
}

/**
 * Parses the JSON text of an APEL JSON message and checks its envelope:
 * an object with string `Type` and `Version` and an array `UsageRecords`.
 * @throws FormatError `APEL_MESSAGE_INVALID` when it is not such JSON
 */
export function parseJsonEnvelope(text: string): JsonEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidMessage('a JSON document', error instanceof Error ? error.message : undefined);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidMessage('a JSON object with Type, Version and UsageRecords');
  }
  const { Type: type, Version: version, UsageRecords: usageRecords } = parsed as Record<string, unknown>;
  if (typeof type !== 'string') throw invalidMessage('a string "Type"');
  if (typeof version !== 'string') throw invalidMessage('a string "Version"');
  if (!Array.isArray(usageRecords)) throw invalidMessage('an array "UsageRecords"');
  return { type, version, usageRecords };
}

/**
 * Checks that an envelope has one of the accepted `Type` and `Version` spellings.
 * @throws FormatError `APEL_MESSAGE_INVALID` otherwise
 */
export function checkEnvelope(
  envelope: JsonEnvelope,
  types: readonly string[],
  versions: readonly string[],
): void {
  if (!types.includes(envelope.type)) {
    throw invalidMessage(
      `Type ${types.map((t) => JSON.stringify(t)).join(' or ')}`,
      describeFound(envelope.type),
    );
  }
  if (!versions.includes(envelope.version)) {
    throw invalidMessage(
      `Version ${versions.map((v) => JSON.stringify(v)).join(' or ')}`,
      describeFound(envelope.version),
    );
  }
}

/** A check of a whole record that passed the field rules (e.g. a month not in the future). */
export type JsonRecordCheck = (
  record: Record<string, unknown>,
  window: TimeWindow,
) => { readonly field: string; readonly problem: ValueProblem } | undefined;

function checkJsonValue(field: JsonField, value: unknown, window: TimeWindow): ValueProblem | undefined {
  if (field.kind === 'string') {
    if (typeof value !== 'string') return { expected: 'a string', found: describeJson(value) };
    const problem = checkReadString(value, field.maxLength ?? MAX_VALUE_LENGTH);
    if (problem) return problem;
  } else {
    const isValid = field.kind === 'integer' ? Number.isSafeInteger(value) : Number.isFinite(value);
    if (!isValid)
      return { expected: field.kind === 'integer' ? 'an integer' : 'a number', found: describeJson(value) };
    const n = value as number;
    if (field.isEpoch) {
      if (n < window.earliestSeconds || n > window.latestSeconds)
        return { expected: describeTimeRange(window, false), found: String(n) };
      return undefined;
    }
    if (field.min !== undefined && n < field.min)
      return { expected: `a number >= ${field.min}`, found: String(n) };
    if (field.max !== undefined && n > field.max)
      return { expected: `a number <= ${field.max}`, found: String(n) };
  }
  if (field.values && !field.values.includes(value as string | number)) {
    const list = field.values.map((v) => JSON.stringify(v)).join(', ');
    return { expected: `one of ${list}`, found: describeJson(value) };
  }
  return undefined;
}

function describeJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return describeFound(text);
}

/**
 * Turns the wire records of a JSON message into domain objects. Missing
 * required fields, values of the wrong type or range (epoch times outside
 * `window`), unknown keys and records `check` refuses each refuse their
 * record with one `FormatError` (`APEL_FIELD_INVALID`) naming its 0-based
 * index in `UsageRecords` and the wire field; `null` counts as absent.
 */
export function decodeJsonRecords(
  usageRecords: readonly unknown[],
  fields: readonly JsonField[],
  window: TimeWindow,
  check?: JsonRecordCheck,
): JsonRecordsResult {
  const byWire = new Map(fields.map((f) => [f.wire, f]));
  const records: Record<string, unknown>[] = [];
  const errors: FormatError[] = [];
  usageRecords.forEach((raw, index) => {
    const outcome = decodeJsonRecord(raw, index, fields, byWire, window);
    const refusal =
      outcome instanceof FormatError || check === undefined ? undefined : check(outcome, window);
    if (outcome instanceof FormatError) errors.push(outcome);
    else if (refusal) errors.push(fieldProblemError(index, refusal.field, refusal.problem));
    else records.push(outcome);
  });
  return { records, errors };
}

function decodeJsonRecord(
  raw: unknown,
  index: number,
  fields: readonly JsonField[],
  byWire: ReadonlyMap<string, JsonField>,
  window: TimeWindow,
): Record<string, unknown> | FormatError {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return new FormatError('APEL_FIELD_INVALID', { recordIndex: index }, 'a JSON object', describeJson(raw));
  }
  const wire = raw as Record<string, unknown>;
  for (const key of Object.keys(wire)) {
    if (!byWire.has(key)) {
      return new FormatError(
        'APEL_FIELD_INVALID',
        { recordIndex: index, field: key },
        'a known field (unknown field)',
      );
    }
  }
  const record: Record<string, unknown> = {};
  for (const field of fields) {
    const value = wire[field.wire];
    const problem = checkField(field, value, window);
    if (problem) return fieldProblemError(index, field.wire, problem);
    if (value !== undefined && value !== null) record[field.key] = value;
  }
  return record;
}

function checkField(field: JsonField, value: unknown, window: TimeWindow): ValueProblem | undefined {
  if (value === undefined || value === null) {
    return field.isRequired ? { expected: 'a value (the field is required)' } : undefined;
  }
  return checkJsonValue(field, value, window);
}

/** What one JSON message kind reads: its `Type` and `Version` spellings, its fields and its record check. */
export interface JsonMessageKind {
  readonly types: readonly string[];
  readonly versions: readonly string[];
  readonly fields: readonly JsonField[];
  readonly check?: JsonRecordCheck;
}

/**
 * Reads the records of an envelope of one message kind: {@link checkEnvelope}, then
 * {@link decodeJsonRecords} in the window of times of `options`; `R` is the kind's record type.
 * @throws FormatError `APEL_MESSAGE_INVALID` when the envelope's `Type` or `Version` is not the kind's
 */
export function readJsonEnvelope<R>(
  envelope: JsonEnvelope,
  kind: JsonMessageKind,
  options: ApelDecodeOptions,
): { records: R[]; errors: FormatError[] } {
  checkEnvelope(envelope, kind.types, kind.versions);
  const { records, errors } = decodeJsonRecords(
    envelope.usageRecords,
    kind.fields,
    timeWindowOf(options),
    kind.check,
  );
  return { records: records as unknown as R[], errors };
}

/**
 * Writes a JSON message the way Python's `json.dumps` lays it out (cASO's
 * output): `{"Type": …, "Version": …, "UsageRecords": [{…}, {…}]}` with
 * `", "` and `": "` separators and record keys in `fields` order; absent
 * (`undefined` or `null`) values are left out.
 * Writers have no clock: epoch times must lie in the static window
 * (2000-01-01 to 2100-01-01), and `check` runs with that window too.
 * @throws FormatError `APEL_FIELD_INVALID` naming record index and wire field
 *   of a missing required field, a value of the wrong type or range, or a
 *   record `check` refuses
 */
export function encodeJsonMessage(
  type: string,
  version: string,
  records: readonly object[],
  fields: readonly JsonField[],
  check?: JsonRecordCheck,
): string {
  const parts = records.map((record, index) => {
    const text = encodeJsonRecord(record as Record<string, unknown>, index, fields);
    const refusal = check?.(record as Record<string, unknown>, STATIC_TIME_WINDOW);
    if (refusal) throw fieldProblemError(index, refusal.field, refusal.problem);
    return text;
  });
  return `{"Type": ${JSON.stringify(type)}, "Version": ${JSON.stringify(version)}, "UsageRecords": [${parts.join(', ')}]}`;
}

function encodeJsonRecord(
  record: Record<string, unknown>,
  index: number,
  fields: readonly JsonField[],
): string {
  const members: string[] = [];
  for (const field of fields) {
    const value = record[field.key];
    const problem = checkField(field, value, STATIC_TIME_WINDOW);
    if (problem) throw fieldProblemError(index, field.wire, problem);
    if (value !== undefined && value !== null) members.push(`"${field.wire}": ${JSON.stringify(value)}`);
  }
  return `{${members.join(', ')}}`;
}
