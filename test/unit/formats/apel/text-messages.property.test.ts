// Property tests of the line-based APEL codecs (cloud and cloud summary messages): generated
// records round-trip, one bad field refuses only its record, and no input makes the reader throw
// anything but APEL_MESSAGE_INVALID or return a value outside its field's range.
import { describe, expect, it } from 'vitest';
import {
  parseCloudMessage,
  parseCloudSummaryMessage,
  serializeCloudMessage,
  serializeCloudSummaryMessage,
  type CloudRecord,
  type CloudSummaryRecord,
} from '../../../../src/formats/apel/index.js';
import { CLOUD_FIELDS } from '../../../../src/formats/apel/cloud-record.js';
import { CLOUD_SUMMARY_FIELDS } from '../../../../src/formats/apel/cloud-summary-message.js';
import {
  KIND_DATETIME,
  KIND_FLOAT,
  KIND_IGNORED,
  KIND_INT,
  KIND_STRING,
  type TextField,
  type TextFieldTable,
} from '../../../../src/formats/apel/text-field.js';
import {
  EARLIEST_EPOCH_SECONDS,
  LATEST_STATIC_EPOCH_SECONDS,
} from '../../../../src/formats/apel/value-ranges.js';
import { readApelFixture } from '../../../helpers/apel-fixtures.js';
import { fc } from '../../../helpers/fuzz.js';
import {
  apelText,
  decimalUpTo,
  expectRecordErrors,
  mutationOf,
  randomTextOf,
  readOrFormatError,
} from '../../../helpers/fuzz-inputs.js';

function integerIn(min: number, max: number): fc.Arbitrary<number> {
  const any = fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number);
  return fc.oneof(fc.constantFrom(min, max), any);
}

/** A valid value of `field`, as the writer takes it and the reader gives it back. */
function validValue(field: TextField): fc.Arbitrary<string | number> {
  switch (field.kind) {
    case KIND_STRING:
      return field.isLiteral ? fc.oneof(apelText, fc.constantFrom('', 'None', 'null')) : apelText;
    case KIND_INT:
      return integerIn(field.min, field.max);
    case KIND_FLOAT:
      return decimalUpTo(field.max);
    default: {
      const time = integerIn(EARLIEST_EPOCH_SECONDS, LATEST_STATIC_EPOCH_SECONDS);
      return field.isZeroAllowed ? fc.oneof(fc.constant(0), time) : time;
    }
  }
}

/** A number outside the range of a numeric field, as wire text. */
function outOfRange(field: TextField): fc.Arbitrary<string> {
  const isTime = field.kind === KIND_DATETIME;
  const min = isTime ? EARLIEST_EPOCH_SECONDS : field.min;
  const max = isTime ? LATEST_STATIC_EPOCH_SECONDS : field.max;
  const below = fc
    .bigInt({ min: -(10n ** 15n), max: BigInt(min) - 1n })
    .filter((n) => !(field.isZeroAllowed && n === 0n));
  const above = fc.bigInt({
    min: BigInt(Math.floor(max)) + 1n,
    max: BigInt(Math.floor(Math.max(max * 4, 10 ** 15))),
  });
  const decimal = fc.double({ min: max * (1 + 1e-9), max: max * 1e6, noNaN: true }).map(String);
  return fc.oneof(below.map(String), above.map(String), ...(field.kind === KIND_FLOAT ? [decimal] : []));
}

function recordOf(table: TextFieldTable, required: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of table.fields) if (field.kind !== KIND_IGNORED) model[field.key] = validValue(field);
  return fc.record(model, { requiredKeys: required as string[] });
}

const cloudRecord = recordOf(CLOUD_FIELDS, ['vmUuid', 'siteName']) as unknown as fc.Arbitrary<CloudRecord>;

const summaryRecord = recordOf(CLOUD_SUMMARY_FIELDS, ['siteName', 'numberOfVms']).chain((r) =>
  // month fields: any month of 2000..2099 (the static window ends at 2100-01)
  fc
    .record({ year: fc.integer({ min: 2000, max: 2099 }), month: fc.integer({ min: 1, max: 12 }) })
    .map((m) => ({ ...r, ...m }) as unknown as CloudSummaryRecord),
);

const numericFields = (table: TextFieldTable) =>
  table.fields.filter((f) => f.kind === KIND_INT || f.kind === KIND_FLOAT || f.kind === KIND_DATETIME);

/** The message with field `wire` of record `index` set to `value` (the line replaced or added). */
function withField(text: string, index: number, wire: string, value: string): string {
  const headerEnd = text.indexOf('\n') + 1;
  const chunks = text.slice(headerEnd).split('%%\n');
  const lines = chunks[index]!.split('\n').filter((l) => l !== '' && !l.startsWith(`${wire}: `));
  chunks[index] = `${lines.join('\n')}\n${wire}: ${value}\n`;
  return text.slice(0, headerEnd) + chunks.join('%%\n');
}

/** `text` without the characters that end a line for APEL (\n, \r, \v, \f, \x1c-\x1f) and without `%%`. */
function oneLine(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.charCodeAt(0);
    if (!(code === 10 || code === 13 || code === 11 || code === 12 || (code >= 28 && code <= 31))) out += c;
  }
  return out.replace(/%%/g, '');
}

/** Every property of a decoded record is a field of the table, within that field's rules. */
function expectWithinRules(record: Record<string, unknown>, table: TextFieldTable): void {
  for (const field of table.fields) {
    const value = record[field.key];
    if (value === undefined) {
      expect(field.isMandatory).toBe(false);
      continue;
    }
    if (field.kind === KIND_STRING) {
      expect(typeof value).toBe('string');
      expect((value as string).length).toBeLessThanOrEqual(field.maxLength);
      expect(value).toMatch(/^[\x20-\x7e]*$/);
    } else if (field.kind === KIND_DATETIME) {
      if (!(field.isZeroAllowed && value === 0)) {
        expect(value).toBeGreaterThanOrEqual(EARLIEST_EPOCH_SECONDS);
        expect(value).toBeLessThanOrEqual(LATEST_STATIC_EPOCH_SECONDS);
      }
    } else {
      expect(value).toBeGreaterThanOrEqual(field.min);
      expect(value).toBeLessThanOrEqual(field.max);
    }
  }
  const known = new Set(table.fields.map((f) => f.key));
  for (const key of Object.keys(record)) expect(known.has(key)).toBe(true);
}

const suites = [
  {
    name: 'cloud messages',
    table: CLOUD_FIELDS,
    record: cloudRecord as fc.Arbitrary<object>,
    serialize: (records: object[]) => serializeCloudMessage(records as CloudRecord[]),
    parse: (text: string) => parseCloudMessage(text),
    samples: [
      readApelFixture('caso-cloud-message-v0.4.txt'),
      readApelFixture('apel-cloud-message-v0.4_openstack.txt'),
    ],
  },
  {
    name: 'cloud summary messages',
    table: CLOUD_SUMMARY_FIELDS,
    record: summaryRecord as fc.Arbitrary<object>,
    serialize: (records: object[]) => serializeCloudSummaryMessage(records as CloudSummaryRecord[]),
    parse: (text: string) => parseCloudSummaryMessage(text),
    samples: [readApelFixture('apel-cloud-summary-message-v0.4.txt')],
  },
];

describe.each(suites)('$name (properties)', ({ table, record, serialize, parse, samples }) => {
  const records = fc.array(record, { minLength: 1, maxLength: 6 });

  it('reads back every generated valid message unchanged', () => {
    fc.assert(
      fc.property(records, (rs) => {
        expect(parse(serialize(rs))).toEqual({ records: rs, errors: [] });
      }),
    );
  });

  it('refuses only the record whose number is out of range, naming index and field', () => {
    const numeric = numericFields(table);
    const bad = fc
      .tuple(records, fc.nat(), fc.constantFrom(...numeric))
      .chain(([rs, i, field]) =>
        outOfRange(field).map((value) => ({ rs, index: i % rs.length, field, value })),
      );
    fc.assert(
      fc.property(bad, ({ rs, index, field, value }) => {
        const result = parse(withField(serialize(rs), index, field.wire, value));
        expect(result.errors.map((e) => [e.recordIndex, e.field, e.code])).toEqual([
          [index, field.wire, 'APEL_FIELD_INVALID'],
        ]);
        expect(result.records).toEqual(rs.filter((_, i) => i !== index));
      }),
    );
  });

  it('reads a record with one field set to random text either whole or as one error naming it', () => {
    const fields = table.fields.filter((f) => f.kind !== KIND_IGNORED);
    const value = fc.oneof(fc.stringMatching(/^[ -~]{0,20}$/), fc.string({ maxLength: 12 }));
    const changed = fc
      .tuple(records, fc.nat(), fc.constantFrom(...fields), value)
      .map(([rs, i, field, v]) => ({
        rs,
        index: i % rs.length,
        field,
        value: oneLine(v),
      }));
    fc.assert(
      fc.property(changed, ({ rs, index, field, value }) => {
        const result = parse(withField(serialize(rs), index, field.wire, value));
        expectRecordErrors(result.errors);
        expect(result.errors.length).toBeLessThanOrEqual(1);
        if (result.errors.length === 1) {
          // a Year of 2100 is in range, but its months after January are refused as Month
          const named = field.wire === 'Year' ? ['Year', 'Month'] : [field.wire];
          expect(result.errors[0]!.recordIndex).toBe(index);
          expect(named).toContain(result.errors[0]!.field);
          expect(result.records).toEqual(rs.filter((_, i) => i !== index));
        } else {
          expect(result.records).toHaveLength(rs.length);
          result.records.forEach((r, i) => {
            if (i !== index) expect(r).toEqual(rs[i]);
          });
        }
        for (const r of result.records) expectWithinRules(r as unknown as Record<string, unknown>, table);
      }),
    );
  });

  it('reads mutated samples and random text without throwing anything but APEL_MESSAGE_INVALID', () => {
    fc.assert(
      fc.property(fc.oneof(mutationOf(samples), randomTextOf(samples)), (text) => {
        const result = readOrFormatError(() => parse(text), 'APEL_MESSAGE_INVALID');
        if (result === undefined) return;
        expectRecordErrors(result.errors);
        for (const r of result.records) expectWithinRules(r as unknown as Record<string, unknown>, table);
      }),
    );
  });
});
