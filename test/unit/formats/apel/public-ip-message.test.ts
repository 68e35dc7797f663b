import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/errors.js';
import {
  parsePublicIpMessage,
  serializePublicIpMessage,
  type PublicIpRecord,
} from '../../../../src/formats/apel/index.js';
import { readApelFixture } from '../../../helpers/apel-fixtures.js';

const RECORD: PublicIpRecord = {
  measurementTime: 1685051946,
  siteName: 'TEST-Site',
  cloudType: 'fedstack',
  localUser: 'u1',
  globalUserName: 'user@egi.eu',
  localGroup: 'p1',
  fqan: 'vo.example.eu',
  ipVersion: 6,
  ipCount: 2,
};

function envelope(records: unknown[], type = 'APEL Public IP message', version = '0.2'): string {
  return JSON.stringify({ Type: type, Version: version, UsageRecords: records });
}

describe('public IP messages', () => {
  it("reads cASO's message, stray uuid included, and writes it back byte for byte", () => {
    const text = readApelFixture('caso-public-ip-message-v0.2.json');
    const { records, errors } = parsePublicIpMessage(text);
    expect(errors).toEqual([]);
    expect(records[0]).toEqual({
      siteName: 'TEST-Site',
      cloudType: 'caso/5.2.2 (OpenStack)',
      cloudComputeService: 'Fake Cloud Service',
      uuid: 'e3c5aeef-37b8-4332-ad9f-9d068f156dc2',
      localUser: 'a4519d7d-f60a-4908-9d63-7d9e17422188',
      globalUserName: 'User 1 DN',
      localGroup: '03b6a6c4-cf2b-48b9-82f1-69c52b9f30af',
      fqan: 'VO 1 FQAN',
      ipVersion: 4,
      ipCount: 10,
      measurementTime: 1685051946,
    });
    expect(serializePublicIpMessage(records)).toBe(text);
  });

  it('writes no uuid key unless the record has one', () => {
    const text = serializePublicIpMessage([RECORD]);
    expect(text).not.toContain('uuid');
    expect(
      text.startsWith('{"Type": "APEL Public IP message", "Version": "0.2", "UsageRecords": [{"SiteName": '),
    ).toBe(true);
    expect(parsePublicIpMessage(text).records).toEqual([RECORD]);
  });

  it('reads records without LocalUser and GlobalUserName, as cASO 5.2 sends them', () => {
    const { localUser: _u, globalUserName: _g, ...rest } = RECORD;
    expect(parsePublicIpMessage(serializePublicIpMessage([rest])).records).toEqual([rest]);
  });

  it("reads APEL PR #226's Version spelling v0.2", () => {
    const wire = JSON.parse(serializePublicIpMessage([RECORD])) as { UsageRecords: unknown[] };
    expect(parsePublicIpMessage(envelope(wire.UsageRecords, undefined, 'v0.2')).records).toEqual([RECORD]);
  });

  it('reports bad records by index and field and keeps the valid ones', () => {
    const good = (
      JSON.parse(serializePublicIpMessage([RECORD])) as { UsageRecords: Record<string, unknown>[] }
    ).UsageRecords[0]!;
    const text = envelope([
      good,
      { ...good, IPVersion: 5 },
      { ...good, IPCount: 1.5 },
      { ...good, Extra: 1 },
      { ...good, MeasurementTime: undefined },
      { ...good, FQAN: 'vö' },
      good,
    ]);
    const { records, errors } = parsePublicIpMessage(text);
    expect(records).toHaveLength(2);
    expect(errors.map((e) => [e.recordIndex, e.field])).toEqual([
      [1, 'IPVersion'],
      [2, 'IPCount'],
      [3, 'Extra'],
      [4, 'MeasurementTime'],
      [5, 'FQAN'],
    ]);
    expect(errors[1]?.message).toBe('record 2, field IPCount: expected an integer (found 1.5)');
  });

  it('throws APEL_MESSAGE_INVALID for bad JSON, another Type or Version, or no UsageRecords', () => {
    for (const text of [
      '{"Type": ',
      envelope([], 'APEL-accelerator-message'),
      envelope([], undefined, '0.3'),
      '{"Type": "APEL Public IP message", "Version": "0.2"}',
    ]) {
      expect(() => parsePublicIpMessage(text)).toThrow(
        expect.objectContaining({ code: 'APEL_MESSAGE_INVALID' }),
      );
    }
  });

  it('refuses to write an IP version other than 4 or 6, naming record and field', () => {
    try {
      serializePublicIpMessage([RECORD, { ...RECORD, ipVersion: 5 as 4 }]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FormatError);
      expect(error).toMatchObject({ code: 'APEL_FIELD_INVALID', recordIndex: 1, field: 'IPVersion' });
    }
  });
});
