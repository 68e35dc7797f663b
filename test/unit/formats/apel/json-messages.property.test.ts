// Property tests of the JSON APEL codecs (public IP and accelerator messages): generated records
// round-trip, one bad field refuses only its record, and no input makes the reader throw anything
// but APEL_MESSAGE_INVALID.
import { describe, expect, it } from 'vitest';
import {
  parseAcceleratorMessage,
  parsePublicIpMessage,
  serializeAcceleratorMessage,
  serializePublicIpMessage,
  type AcceleratorRecord,
  type PublicIpRecord,
} from '../../../../src/formats/apel/index.js';
import { ACCELERATOR_FIELDS } from '../../../../src/formats/apel/accelerator-message.js';
import type { JsonField } from '../../../../src/formats/apel/json-message.js';
import { PUBLIC_IP_FIELDS } from '../../../../src/formats/apel/public-ip-message.js';
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

function rangeOf(field: JsonField): [number, number] {
  return field.isEpoch
    ? [EARLIEST_EPOCH_SECONDS, LATEST_STATIC_EPOCH_SECONDS]
    : [field.min ?? 0, field.max ?? Number.MAX_SAFE_INTEGER];
}

function validValue(field: JsonField): fc.Arbitrary<unknown> {
  if (field.values) return fc.constantFrom(...field.values);
  if (field.kind === 'string') return apelText;
  const [min, max] = rangeOf(field);
  if (field.kind === 'number') return decimalUpTo(max);
  return fc.oneof(fc.constantFrom(min, max), fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number));
}

function outOfRange(field: JsonField): fc.Arbitrary<number> {
  const [min, max] = rangeOf(field);
  return fc.oneof(
    fc.bigInt({ min: -(10n ** 15n), max: BigInt(min) - 1n }).map(Number),
    fc.bigInt({ min: BigInt(Math.floor(max)) + 1n, max: 10n ** 15n }).map(Number),
  );
}

function recordOf(fields: readonly JsonField[]): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of fields) model[field.key] = validValue(field);
  return fc.record(model, { requiredKeys: fields.filter((f) => f.isRequired).map((f) => f.key) });
}

// accelerator months: any month of 2000..2099 (the static window ends at 2100-01)
const acceleratorRecord = recordOf(ACCELERATOR_FIELDS).chain((r) =>
  fc
    .record({
      measurementYear: fc.integer({ min: 2000, max: 2099 }),
      measurementMonth: fc.integer({ min: 1, max: 12 }),
    })
    .map((m) => ({ ...r, ...m })),
);

const suites = [
  {
    name: 'public IP messages',
    fields: PUBLIC_IP_FIELDS,
    record: recordOf(PUBLIC_IP_FIELDS),
    serialize: (rs: object[]) => serializePublicIpMessage(rs as PublicIpRecord[]),
    parse: (text: string) => parsePublicIpMessage(text),
    sample: readApelFixture('caso-public-ip-message-v0.2.json'),
  },
  {
    name: 'accelerator messages',
    fields: ACCELERATOR_FIELDS,
    record: acceleratorRecord,
    serialize: (rs: object[]) => serializeAcceleratorMessage(rs as AcceleratorRecord[]),
    parse: (text: string) => parseAcceleratorMessage(text),
    sample: readApelFixture('caso-accelerator-message-v0.1.json'),
  },
];

/** The message text with wire field `wire` of record `index` set to `value` (undefined: removed). */
function withField(text: string, index: number, wire: string, value: unknown): string {
  const message = JSON.parse(text) as { UsageRecords: Record<string, unknown>[] };
  const record = message.UsageRecords[index]!;
  if (value === undefined) delete record[wire];
  else record[wire] = value;
  return JSON.stringify(message);
}

describe.each(suites)('$name (properties)', ({ fields, record, serialize, parse, sample }) => {
  const records = fc.array(record, { minLength: 1, maxLength: 6 });

  it('reads back every generated valid message unchanged', () => {
    fc.assert(
      fc.property(records, (rs) => {
        expect(parse(serialize(rs))).toEqual({ records: rs, errors: [] });
      }),
    );
  });

  it('refuses only the record whose number is out of range, naming index and field', () => {
    const numeric = fields.filter((f) => f.kind !== 'string' && !f.values);
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

  it('reads a record with one field set to any JSON value either whole or as one error naming it', () => {
    const wires = [...fields.map((f) => f.wire), 'Unknown', '__proto__', 'constructor'];
    const changed = fc
      .tuple(
        records,
        fc.nat(),
        fc.constantFrom(...wires),
        fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }),
      )
      .map(([rs, i, wire, value]) => ({ rs, index: i % rs.length, wire, value }));
    fc.assert(
      fc.property(changed, ({ rs, index, wire, value }) => {
        const result = parse(withField(serialize(rs), index, wire, value));
        expectRecordErrors(result.errors, rs.length);
        expect(result.errors.length).toBeLessThanOrEqual(1);
        if (result.errors.length === 1) {
          expect(result.errors[0]!.recordIndex).toBe(index);
          // a month in range may still be refused as in the future when the year moves
          const named = wire === 'MeasurementYear' ? [wire, 'MeasurementMonth'] : [wire];
          expect(named).toContain(result.errors[0]!.field);
          expect(result.records).toEqual(rs.filter((_, i) => i !== index));
        } else {
          expect(result.records).toHaveLength(rs.length);
          result.records.forEach((r, i) => {
            if (i !== index) expect(r).toEqual(rs[i]);
          });
        }
      }),
    );
  });

  it('reads any text, mutated samples and JSON of any shape without throwing anything but APEL_MESSAGE_INVALID', () => {
    const envelopes = fc
      .record({
        Type: fc.oneof(fc.constantFrom('APEL Public IP message', 'APEL-accelerator-message'), fc.string()),
        Version: fc.oneof(fc.constantFrom('0.1', '0.2', 'v0.2'), fc.string()),
        UsageRecords: fc.array(fc.oneof(record, fc.jsonValue({ maxDepth: 2 })), { maxLength: 5 }),
      })
      .map((m) => JSON.stringify(m));
    const input = fc.oneof(mutationOf([sample]), randomTextOf([sample]), envelopes, fc.json({ maxDepth: 3 }));
    fc.assert(
      fc.property(input, (text) => {
        const result = readOrFormatError(() => parse(text), 'APEL_MESSAGE_INVALID');
        if (result === undefined) return;
        const count = (JSON.parse(text) as { UsageRecords: unknown[] }).UsageRecords.length;
        expectRecordErrors(result.errors, count);
        expect(result.records.length + result.errors.length).toBe(count);
      }),
    );
  });
});
