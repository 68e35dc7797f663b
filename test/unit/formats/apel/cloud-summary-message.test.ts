import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/errors.js';
import {
  parseCloudSummaryMessage,
  serializeCloudSummaryMessage,
  type CloudSummaryRecord,
} from '../../../../src/formats/apel/index.js';
import { readApelFixture } from '../../../helpers/apel-fixtures.js';

const HEADER = 'APEL-cloud-summary-message: v0.4';

describe('cloud summary messages', () => {
  it("reads APEL's summary sample, None values as absent, and round-trips it", () => {
    const { records, errors } = parseCloudSummaryMessage(
      readApelFixture('apel-cloud-summary-message-v0.4.txt'),
    );
    expect(errors).toEqual([]);
    expect(records).toEqual([
      {
        siteName: 'CESNET',
        cloudComputeService: 'OpenNebula Service A',
        month: 10,
        year: 2011,
        globalUserName: '/DC=es/DC=irisgrid/O=cesga/CN=javier-lopez',
        vo: 'ops',
        voGroup: '/ops',
        voRole: 'Role=NULL',
        status: 'completed',
        cloudType: 'OpenNebula',
        imageId: "'scilin6'",
        earliestStartTime: 1318840264,
        latestStartTime: 1318840264,
        cpuCount: 4,
        networkInbound: 0,
        networkOutbound: 0,
        memory: 512,
        benchmarkType: 'Si2k',
        benchmark: 1006.3,
        numberOfVms: 1,
      },
    ]);
    expect(parseCloudSummaryMessage(serializeCloudSummaryMessage(records))).toEqual({ records, errors: [] });
  });

  it('keeps None, null and empty VO, VOGroup and VORole as literal text, as APEL does', () => {
    const text = `${HEADER}\nSiteName: S\nMonth: 1\nYear: 2024\nNumberOfVMs: 2\nVO: None\nVOGroup: null\nVORole:\nStatus: none\n`;
    const [r] = parseCloudSummaryMessage(text).records;
    expect(r).toEqual({
      siteName: 'S',
      month: 1,
      year: 2024,
      numberOfVms: 2,
      vo: 'None',
      voGroup: 'null',
      voRole: '',
    });
    expect(parseCloudSummaryMessage(serializeCloudSummaryMessage([r!])).records).toEqual([r]);
  });

  it('writes fields in APEL order with %% between records', () => {
    const records: CloudSummaryRecord[] = [
      { siteName: 'S', month: 2, year: 2024, numberOfVms: 3, vo: 'ops', wallDuration: 10 },
      { siteName: 'T', month: 3, year: 2024, numberOfVms: 1 },
    ];
    expect(serializeCloudSummaryMessage(records)).toBe(
      `${HEADER}\nSiteName: S\nMonth: 2\nYear: 2024\nVO: ops\nWallDuration: 10\nNumberOfVMs: 3\n%%\n` +
        'SiteName: T\nMonth: 3\nYear: 2024\nNumberOfVMs: 1\n',
    );
  });

  it('reports a missing NumberOfVMs and a month 13 by record index and field, keeping the valid record', () => {
    const text =
      `${HEADER}\nSiteName: S\nMonth: 1\nYear: 2024\n%%\n` +
      'SiteName: S\nMonth: 13\nYear: 2024\nNumberOfVMs: 1\n%%\n' +
      'SiteName: S\nMonth: 12\nYear: 2024\nNumberOfVMs: 1\n';
    const { records, errors } = parseCloudSummaryMessage(text);
    expect(records.map((r) => r.month)).toEqual([12]);
    expect(errors.map((e) => [e.recordIndex, e.field])).toEqual([
      [0, 'NumberOfVMs'],
      [1, 'Month'],
    ]);
  });

  it('refuses to write a month outside 1..12', () => {
    expect(() =>
      serializeCloudSummaryMessage([{ siteName: 'S', month: 0, year: 2024, numberOfVms: 1 }]),
    ).toThrow(FormatError);
  });

  it('refuses a cloud message header', () => {
    expect(() => parseCloudSummaryMessage('APEL-cloud-message: v0.4\nVMUUID: a\nSiteName: S\n')).toThrow(
      /APEL-cloud-summary-message/,
    );
  });
});
