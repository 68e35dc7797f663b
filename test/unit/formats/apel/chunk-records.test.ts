import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/errors.js';
import {
  chunkRecords,
  parseCloudMessage,
  serializeCloudMessage,
  type CloudRecord,
} from '../../../../src/formats/apel/index.js';

function records(n: number, machineName = 'vm'): CloudRecord[] {
  return Array.from({ length: n }, (_, i) => ({ vmUuid: `vm-${i}`, siteName: 'S', machineName }));
}

describe('chunkRecords', () => {
  it('puts at most 100 records in a message by default, keeping their order', () => {
    const messages = chunkRecords(records(250), serializeCloudMessage);
    expect(messages.map((m) => parseCloudMessage(m).records.length)).toEqual([100, 100, 50]);
    expect(messages.flatMap((m) => parseCloudMessage(m).records.map((r) => r.vmUuid))).toEqual(
      records(250).map((r) => r.vmUuid),
    );
  });

  it('splits a batch further when it is over the byte limit', () => {
    const big = records(10, 'x'.repeat(200));
    const maxBytes = 1000;
    const messages = chunkRecords(big, serializeCloudMessage, { maxRecords: 10, maxBytes });
    expect(messages.length).toBeGreaterThan(2);
    for (const m of messages) expect(Buffer.byteLength(m)).toBeLessThanOrEqual(maxBytes);
    expect(messages.flatMap((m) => parseCloudMessage(m).records)).toEqual(big);
  });

  it('throws APEL_RECORD_TOO_LARGE naming a record that alone exceeds the byte limit', () => {
    const input = [...records(3), { vmUuid: 'big', siteName: 'S', machineName: 'x'.repeat(250) }];
    try {
      chunkRecords(input, serializeCloudMessage, { maxBytes: 200 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FormatError);
      expect(error).toMatchObject({ code: 'APEL_RECORD_TOO_LARGE', recordIndex: 3 });
    }
  });

  it('reports a serializer error with the index of the record in the whole input', () => {
    const input = [...records(150), { vmUuid: 'bad', siteName: 'S', wallDuration: 1.5 }];
    expect(() => chunkRecords(input, serializeCloudMessage)).toThrow(
      expect.objectContaining({ recordIndex: 150, field: 'WallDuration' }),
    );
  });

  it('returns no message for no records', () => {
    expect(chunkRecords([], serializeCloudMessage)).toEqual([]);
  });
});
