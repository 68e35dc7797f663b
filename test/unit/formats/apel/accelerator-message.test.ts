import { describe, expect, it } from 'vitest';
import {
  parseAcceleratorMessage,
  serializeAcceleratorMessage,
  type AcceleratorRecord,
} from '../../../../src/formats/apel/index.js';
import { readApelFixture } from '../../../helpers/apel-fixtures.js';

const RECORD: AcceleratorRecord = {
  measurementMonth: 6,
  measurementYear: 2022,
  associatedRecordType: 'cloud',
  associatedRecord: 'vm-1',
  fqan: 'vo.example.eu',
  siteName: 'TEST-Site',
  count: 0.5,
  availableDuration: 3600,
  type: 'GPU',
  cloudType: 'fedstack',
};

describe('accelerator messages', () => {
  it("reads cASO's message and writes it back byte for byte", () => {
    const text = readApelFixture('caso-accelerator-message-v0.1.json');
    const { records, errors } = parseAcceleratorMessage(text);
    expect(errors).toEqual([]);
    expect(records[1]).toEqual({
      siteName: 'TEST-Site',
      cloudType: 'caso/5.2.2 (OpenStack)',
      cloudComputeService: 'Fake Cloud Service',
      associatedRecord: '99cf5d02-a573-46a1-b90d-0f7327126876',
      globalUserName: 'd4e547e6f298fe34389@foobar.eu',
      fqan: 'VO 1 FQAN',
      count: 30,
      availableDuration: 5000,
      measurementMonth: 2,
      measurementYear: 2022,
      associatedRecordType: 'cloud',
      type: 'GPU',
      model: 'Foobar A300',
      activeDuration: 5000,
    });
    expect(serializeAcceleratorMessage(records)).toBe(text);
  });

  it('round-trips fractional counts and the optional fields', () => {
    const full: AcceleratorRecord = {
      ...RECORD,
      cores: 6912,
      benchmarkType: 'gflops',
      benchmark: 19.5,
      model: 'A100',
    };
    expect(parseAcceleratorMessage(serializeAcceleratorMessage([RECORD, full])).records).toEqual([
      RECORD,
      full,
    ]);
  });

  it("reads APEL PR #322's Type spelling with a capital A", () => {
    const text = serializeAcceleratorMessage([RECORD]).replace(
      'APEL-accelerator-message',
      'APEL-Accelerator-message',
    );
    expect(parseAcceleratorMessage(text).records).toEqual([RECORD]);
  });

  it('reports a month 13, an unknown Type and a negative duration by index and field', () => {
    const wire = JSON.parse(serializeAcceleratorMessage([RECORD])) as {
      UsageRecords: Record<string, unknown>[];
    };
    const good = wire.UsageRecords[0]!;
    const text = JSON.stringify({
      ...wire,
      UsageRecords: [
        { ...good, MeasurementMonth: 13 },
        good,
        { ...good, Type: 'TPU' },
        { ...good, AvailableDuration: -1 },
      ],
    });
    const { records, errors } = parseAcceleratorMessage(text);
    expect(records).toEqual([RECORD]);
    expect(errors.map((e) => [e.recordIndex, e.field])).toEqual([
      [0, 'MeasurementMonth'],
      [2, 'Type'],
      [3, 'AvailableDuration'],
    ]);
    expect(errors[1]?.message).toBe(
      'record 2, field Type: expected one of "GPU", "FPGA", "Other" (found "TPU")',
    );
  });

  it('refuses to write a record of an unknown accelerator type', () => {
    expect(() => serializeAcceleratorMessage([{ ...RECORD, type: 'TPU' as 'GPU' }])).toThrow(
      expect.objectContaining({ code: 'APEL_FIELD_INVALID', recordIndex: 0, field: 'Type' }),
    );
  });
});
