// Property tests of the StAR XML reader: whatever the text, it returns records and per-record
// errors naming their index, or throws APEL_MESSAGE_INVALID for a document it cannot read at all.
import { describe, expect, it } from 'vitest';
import { parseStorageMessage, STAR_NAMESPACE } from '../../../../src/formats/apel/index.js';
import { readApelFixture } from '../../../helpers/apel-fixtures.js';
import { fc } from '../../../helpers/fuzz.js';
import {
  expectRecordErrors,
  mutationOf,
  randomTextOf,
  readOrFormatError,
} from '../../../helpers/fuzz-inputs.js';

const SAMPLE = readApelFixture('caso-storage-star-message.xml');

// Elements and values of StAR records, to build documents that get past the envelope checks.
const element = fc.constantFrom(
  'RecordIdentity',
  'StorageSystem',
  'Site',
  'StartTime',
  'EndTime',
  'ResourceCapacityUsed',
  'LogicalCapacityUsed',
  'FileCount',
  'SubjectIdentity',
  'Group',
  'GroupAttribute',
  'Unknown',
);
const value = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    '2024-05-01T00:00:00Z',
    '2024-02-30T00:00:00',
    '-1',
    '1e30',
    '999999999999999999999999999999',
  ),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
);
const recordXml = fc
  .array(fc.tuple(element, value), { maxLength: 8 })
  .map(
    (parts) =>
      `<sr:StorageUsageRecord>${parts.map(([name, v]) => `<sr:${name}>${v.replace(/[<&]/g, '')}</sr:${name}>`).join('')}</sr:StorageUsageRecord>`,
  );
const documentXml = fc
  .array(recordXml, { maxLength: 4 })
  .map(
    (rs) => `<sr:StorageUsageRecords xmlns:sr="${STAR_NAMESPACE}">${rs.join('')}</sr:StorageUsageRecords>`,
  );

describe('StAR storage messages (properties)', () => {
  it('reads mutated samples, generated documents and random text without throwing anything but APEL_MESSAGE_INVALID', () => {
    fc.assert(
      fc.property(fc.oneof(mutationOf([SAMPLE]), randomTextOf([SAMPLE]), documentXml), (text) => {
        const result = readOrFormatError(() => parseStorageMessage(text), 'APEL_MESSAGE_INVALID');
        if (result !== undefined) expectRecordErrors(result.errors);
      }),
    );
  });

  it('refuses a document nested thousands of elements deep as a whole, without a stack overflow', () => {
    const deep = `${'<sr:X>'.repeat(5000)}${'</sr:X>'.repeat(5000)}`;
    const text = `<sr:StorageUsageRecords xmlns:sr="${STAR_NAMESPACE}"><sr:StorageUsageRecord>${deep}</sr:StorageUsageRecord></sr:StorageUsageRecords>`;
    expect(() => parseStorageMessage(text)).toThrow(
      expect.objectContaining({ code: 'APEL_MESSAGE_INVALID' }),
    );
  });
});
