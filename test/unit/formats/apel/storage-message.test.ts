import { describe, expect, it } from 'vitest';
import {
  MAX_STAR_CAPACITY_BYTES,
  parseStorageMessage,
  serializeStorageMessage,
  STAR_NAMESPACE,
  type StorageRecord,
} from '../../../../src/formats/apel/index.js';
import { readApelFixture } from '../../../helpers/apel-fixtures.js';

const RECORD: StorageRecord = {
  recordId: 'vol-1/2024-05',
  createTime: 1717200000,
  storageSystem: 'cinder',
  site: 'TEST-Site',
  startTime: 1714521600,
  endTime: 1717200000,
  resourceCapacityUsed: 10n * 2n ** 30n,
};

function document(records: string): string {
  return `<sr:StorageUsageRecords xmlns:sr="${STAR_NAMESPACE}">${records}</sr:StorageUsageRecords>`;
}

function recordXml(inner: string): string {
  return (
    '<sr:StorageUsageRecord><sr:RecordIdentity sr:createTime="2024-06-01T00:00:00Z" sr:recordId="r" />' +
    `<sr:StorageSystem>s</sr:StorageSystem><sr:StartTime>2024-05-01T00:00:00</sr:StartTime>${inner}` +
    '</sr:StorageUsageRecord>'
  );
}

describe('StAR storage messages', () => {
  it("reads cASO's StAR message and writes it back byte for byte, its oversized capacities included", () => {
    const text = readApelFixture('caso-storage-star-message.xml');
    const { records, errors } = parseStorageMessage(text);
    expect(errors).toEqual([]);
    expect(records[0]).toEqual({
      recordId: '99cf5d02-a573-46a1-b90d-0f7327126876',
      createTime: 1685051946,
      storageSystem: 'Fake Cloud Service',
      site: 'TEST-Site',
      localUser: '63296dcd-b652-4039-b274-aaa70f9d57e5',
      localGroup: '313c6f62-e05f-4ec7-b0f2-256612db18f5',
      userIdentity: 'd4e547e6f298fe34389@foobar.eu',
      group: 'VO 1 FQAN',
      startTime: 1684619946,
      endTime: 1685051946,
      resourceCapacityUsed: 345876451382054092800n,
    });
    expect(serializeStorageMessage(records)).toBe(text);
  });

  it('round-trips every optional element, group attributes and XML special characters', () => {
    const full: StorageRecord = {
      ...RECORD,
      storageShare: 'fast & "big" <ssd>',
      storageMedia: 'disk',
      storageClass: 'replicated',
      fileCount: 12,
      directoryPath: "/vol/o'brien",
      localUser: 'u',
      group: 'vo.example.eu',
      groupAttributes: [
        { attributeType: 'role', value: 'admin' },
        { attributeType: 'subgroup', value: 'a&b' },
      ],
      logicalCapacityUsed: 5n,
      resourceCapacityAllocated: 20n * 2n ** 30n,
    };
    const text = serializeStorageMessage([RECORD, full]);
    expect(text).toContain('<sr:StorageShare>fast &amp; &quot;big&quot; &lt;ssd&gt;</sr:StorageShare>');
    expect(parseStorageMessage(text)).toEqual({ records: [RECORD, full], errors: [] });
  });

  it('takes a time without a zone as UTC', () => {
    const text = document(
      recordXml(
        '<sr:EndTime>2024-06-01T00:00:00</sr:EndTime><sr:ResourceCapacityUsed>1</sr:ResourceCapacityUsed>',
      ),
    );
    expect(parseStorageMessage(text).records[0]).toMatchObject({
      startTime: 1714521600,
      endTime: 1717200000,
    });
  });

  it('reads a single StorageUsageRecord root and another namespace prefix', () => {
    const inner = serializeStorageMessage([RECORD])
      .replace(/^<sr:StorageUsageRecords[^>]*><sr:StorageUsageRecord>/, '')
      .replace('</sr:StorageUsageRecord></sr:StorageUsageRecords>', '')
      .replaceAll('sr:', 'star:');
    const single = `<star:StorageUsageRecord xmlns:star="${STAR_NAMESPACE}">${inner}</star:StorageUsageRecord>`;
    expect(parseStorageMessage(single).records).toEqual([RECORD]);
  });

  it('reports a missing mandatory element, a bad time and an unknown element by index and field', () => {
    const end = '<sr:EndTime>2024-06-01T00:00:00Z</sr:EndTime>';
    const used = '<sr:ResourceCapacityUsed>7</sr:ResourceCapacityUsed>';
    const text = document(
      recordXml(end) +
        recordXml(`${end}${used}`) +
        recordXml(`<sr:EndTime>yesterday</sr:EndTime>${used}`) +
        recordXml(`${end}${used}<sr:Colour>blue</sr:Colour>`) +
        recordXml(`${end}<sr:ResourceCapacityUsed>-1</sr:ResourceCapacityUsed>`),
    );
    const { records, errors } = parseStorageMessage(text);
    expect(records).toHaveLength(1);
    expect(errors.map((e) => [e.recordIndex, e.field])).toEqual([
      [0, 'ResourceCapacityUsed'],
      [2, 'EndTime'],
      [3, 'Colour'],
      [4, 'ResourceCapacityUsed'],
    ]);
  });

  it('throws APEL_MESSAGE_INVALID for malformed XML, a foreign namespace or a DOCTYPE', () => {
    const bad = [
      '<sr:StorageUsageRecords xmlns:sr="x"><sr:StorageUsageRecord></sr:StorageUsageRecords>',
      '<sr:StorageUsageRecords xmlns:sr="urn:other"></sr:StorageUsageRecords>',
      `<!DOCTYPE x [<!ENTITY a "b">]>${document('')}`,
    ];
    for (const text of bad) {
      expect(() => parseStorageMessage(text)).toThrow(
        expect.objectContaining({ code: 'APEL_MESSAGE_INVALID' }),
      );
    }
  });

  it('refuses to write a record without ResourceCapacityUsed or with a fractional capacity', () => {
    const { resourceCapacityUsed: _, ...missing } = RECORD;
    expect(() => serializeStorageMessage([missing as StorageRecord])).toThrow(
      expect.objectContaining({ recordIndex: 0, field: 'ResourceCapacityUsed' }),
    );
    expect(() =>
      serializeStorageMessage([RECORD, { ...RECORD, resourceCapacityUsed: 1.5 as unknown as bigint }]),
    ).toThrow(expect.objectContaining({ recordIndex: 1, field: 'ResourceCapacityUsed' }));
  });
});

describe('StAR capacities', () => {
  it('reads capacities above 2^64 exactly, digit for digit', () => {
    const { records } = parseStorageMessage(readApelFixture('caso-storage-star-message.xml'));
    expect(records.map((r) => r.resourceCapacityUsed.toString())).toEqual([
      '345876451382054092800',
      '131128086582054092800',
    ]);
  });

  it('refuses a capacity of more than 30 digits by record and field, keeping its neighbour', () => {
    const end = '<sr:EndTime>2024-06-01T00:00:00</sr:EndTime>';
    const text = document(
      recordXml(`${end}<sr:ResourceCapacityUsed>${'9'.repeat(31)}</sr:ResourceCapacityUsed>`) +
        recordXml(`${end}<sr:ResourceCapacityUsed>${'9'.repeat(30)}</sr:ResourceCapacityUsed>`),
    );
    const { records, errors } = parseStorageMessage(text);
    expect(errors).toEqual([expect.objectContaining({ recordIndex: 0, field: 'ResourceCapacityUsed' })]);
    expect(records.map((r) => r.resourceCapacityUsed)).toEqual([MAX_STAR_CAPACITY_BYTES]);
  });
});
