import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/errors.js';
import {
  parseCloudMessage,
  serializeCloudMessage,
  type CloudRecord,
} from '../../../../src/formats/apel/index.js';
import { readApelFixture } from '../../../helpers/apel-fixtures.js';
import { thrownBy } from '../../../helpers/expect-rejection.js';

const HEADER = 'APEL-cloud-message: v0.4';

function record(vmUuid: string, extra = ''): string {
  return `VMUUID: ${vmUuid}\nSiteName: TEST-Site\nWallDuration: 60\n${extra}`;
}

function message(...records: string[]): string {
  return `${HEADER}\n${records.join('%%\n')}`;
}

describe('cloud message samples', () => {
  it("reads cASO's message and writes it back byte for byte", () => {
    const text = readApelFixture('caso-cloud-message-v0.4.txt');
    const { records, errors } = parseCloudMessage(text);
    expect(errors).toEqual([]);
    expect(records).toHaveLength(2);
    expect(records[1]).toEqual({
      cloudComputeService: 'Fake Cloud Service',
      cloudType: 'caso/5.2.2 (OpenStack)',
      cpuCount: 8,
      cpuDuration: 4147200,
      disk: 250,
      endTime: 1685051946,
      fqan: 'VO 2 FQAN',
      globalUserName: 'User DN',
      imageId: 'b39a8ed9-e15d-4b71-ada2-daf88efbac0a',
      localGroupId: '03b6a6c4-cf2b-48b9-82f1-69c52b9f30af',
      localUserId: 'a4519d7d-f60a-4908-9d63-7d9e17422188',
      machineName: 'VM Name 2',
      memory: 16,
      publicIpCount: 7,
      siteName: 'TEST-Site',
      startTime: 1684533546,
      status: 'completed',
      vmUuid: 'a53738e1-13eb-4047-800c-067d14ce3d22',
      wallDuration: 518400,
    });
    expect(serializeCloudMessage(records)).toBe(text);
  });

  it("reads APEL's full OpenStack record, NULL values as absent fields, and round-trips it", () => {
    const { records, errors } = parseCloudMessage(readApelFixture('apel-cloud-message-v0.4_openstack.txt'));
    expect(errors).toEqual([]);
    const [r] = records;
    expect(r).toMatchObject({
      vmUuid: '2012-08-14 14:00:01+0200 FZJ Accounting Test',
      fqan: '/ops/Role=NULL/Capability=NULL',
      cpuCount: 1.456,
      benchmark: 200,
      publicIpCount: 1,
      disk: 0,
    });
    for (const key of ['endTime', 'suspendDuration', 'networkType', 'networkInbound', 'storageRecordId']) {
      expect(r).not.toHaveProperty(key);
    }
    expect(parseCloudMessage(serializeCloudMessage(records))).toEqual({ records, errors: [] });
  });

  it('decodes, encodes and decodes every sample to the same records', () => {
    for (const name of ['caso-cloud-message-v0.4.txt', 'apel-cloud-message-v0.4_openstack.txt']) {
      const first = parseCloudMessage(readApelFixture(name));
      expect(parseCloudMessage(serializeCloudMessage(first.records)).records).toEqual(first.records);
    }
  });
});

describe("APEL's reading rules", () => {
  it('reads any version of the header, v0.2 records without the v0.4 fields included', () => {
    const { records } = parseCloudMessage(`APEL-cloud-message: v0.2\n${record('a')}`);
    expect(records).toEqual([{ vmUuid: 'a', siteName: 'TEST-Site', wallDuration: 60 }]);
  });

  it('refuses a message whose first line is not a cloud message header', () => {
    const error = thrownBy(
      () => parseCloudMessage(`APEL-summary-job-message: v0.2\n${record('a')}`),
      FormatError,
    );
    expect(error.code).toBe('APEL_MESSAGE_INVALID');
    expect(error.message).toContain('APEL-summary-job-message: v0.2');
  });

  it('trims the message and its lines, and reads CRLF line ends', () => {
    const text = `\n\n  ${HEADER}\r\n  VMUUID :  a \r\nSiteName:TEST-Site\r\n%%\r\n\n`;
    expect(parseCloudMessage(text).records).toEqual([{ vmUuid: 'a', siteName: 'TEST-Site' }]);
  });

  it('splits a line at its first colon only', () => {
    const { records } = parseCloudMessage(message(record('a', 'ImageId: https://appdb.example/vm:42\n')));
    expect(records[0]?.imageId).toBe('https://appdb.example/vm:42');
  });

  it('takes a trailing %% as optional and does not count blank records', () => {
    const { records, errors } = parseCloudMessage(
      `${HEADER}\n%%\n${record('a')}%%\n\n%%\n${record('b', 'Foo: 1\n')}%%\n`,
    );
    expect(records.map((r) => r.vmUuid)).toEqual(['a']);
    expect(errors.map((e) => e.recordIndex)).toEqual([1]);
  });

  it('reads none, null and empty values in any case as absent', () => {
    const { records } = parseCloudMessage(
      message(record('a', 'Status: NONE\nFQAN: null\nImageId:\nMemory: None\n')),
    );
    expect(records).toEqual([{ vmUuid: 'a', siteName: 'TEST-Site', wallDuration: 60 }]);
  });

  it('drops the keys APEL derives itself (UpdateTime, MeasurementTime, MeasurementMonth, MeasurementYear)', () => {
    const extra = 'UpdateTime: x\nMeasurementTime: 1\nMeasurementMonth: 2\nMeasurementYear: 2020\n';
    expect(parseCloudMessage(message(record('a', extra))).records).toEqual([
      { vmUuid: 'a', siteName: 'TEST-Site', wallDuration: 60 },
    ]);
  });

  it('converts ISO 8601 times with a zone to epoch seconds', () => {
    const extra =
      'StartTime: 2023-05-20T21:59:06Z\nEndTime: 2023-05-25T23:59:06+02:00\nRecordCreateTime: 1685051946\n';
    const [r] = parseCloudMessage(message(record('a', extra))).records;
    expect(r).toMatchObject({ startTime: 1684619946, endTime: 1685051946, recordCreateTime: 1685051946 });
  });

  it('reads EndTime 0 as 0, the way cASO marks a running VM', () => {
    expect(parseCloudMessage(message(record('a', 'EndTime: 0\n'))).records[0]?.endTime).toBe(0);
  });

  it('reads decimal CpuCount and Benchmark', () => {
    const [r] = parseCloudMessage(message(record('a', 'CpuCount: 0.5\nBenchmark: 1.2e1\n'))).records;
    expect(r).toMatchObject({ cpuCount: 0.5, benchmark: 12 });
  });
});

describe('malformed cloud records', () => {
  function parseMiddle(bad: string): ReturnType<typeof parseCloudMessage> {
    return parseCloudMessage(message(record('first'), bad, record('last')));
  }

  it('reports a record without VMUUID by index and field, and keeps the valid records', () => {
    const { records, errors } = parseMiddle('SiteName: TEST-Site\nWallDuration: 5\n');
    expect(records.map((r) => r.vmUuid)).toEqual(['first', 'last']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(FormatError);
    expect(errors[0]).toMatchObject({ code: 'APEL_FIELD_INVALID', recordIndex: 1, field: 'VMUUID' });
  });

  it('reports a datetime without a zone (cASO 4.x style) by index and field', () => {
    const { records, errors } = parseMiddle(record('mid', 'StartTime: 2023-05-21 23:11:40\n'));
    expect(records).toHaveLength(2);
    expect(errors[0]).toMatchObject({ recordIndex: 1, field: 'StartTime', found: '2023-05-21 23:11:40' });
  });

  it('reports a non-integer duration as "record 2, field WallDuration: expected an integer (found 1.5)"', () => {
    const { records, errors } = parseCloudMessage(
      message(record('a'), record('b'), 'VMUUID: c\nSiteName: S\nWallDuration: 1.5\n', record('d')),
    );
    expect(records.map((r) => r.vmUuid)).toEqual(['a', 'b', 'd']);
    expect(errors.map((e) => e.message)).toEqual([
      'record 2, field WallDuration: expected an integer (found 1.5)',
    ]);
  });

  it('reports an unknown key by index and name', () => {
    const { records, errors } = parseMiddle(record('mid', 'CPUCount: 2\n'));
    expect(records).toHaveLength(2);
    expect(errors[0]?.message).toBe('record 1, field CPUCount: expected a known field (unknown field)');
  });

  it('reports a non-ASCII value by index and field, naming the character', () => {
    const { records, errors } = parseMiddle(record('mid', 'MachineName: café\n'));
    expect(records).toHaveLength(2);
    expect(errors[0]).toMatchObject({ recordIndex: 1, field: 'MachineName', found: 'U+00E9 at offset 3' });
  });

  it('reports a NUL character in a value', () => {
    const { errors } = parseMiddle(record('mid', 'MachineName: a\u0000b\n'));
    expect(errors[0]).toMatchObject({ recordIndex: 1, field: 'MachineName', found: 'U+0000 at offset 1' });
  });

  it('reports strings longer than the database columns (255, BenchmarkType 50)', () => {
    const long = parseMiddle(record('mid', `ImageId: ${'x'.repeat(256)}\n`));
    expect(long.errors[0]).toMatchObject({
      recordIndex: 1,
      field: 'ImageId',
      expected: 'at most 255 characters',
    });
    const type = parseMiddle(record('mid', `BenchmarkType: ${'x'.repeat(51)}\n`));
    expect(type.errors[0]).toMatchObject({
      recordIndex: 1,
      field: 'BenchmarkType',
      expected: 'at most 50 characters',
    });
  });

  it('reports a key given twice', () => {
    const { errors } = parseMiddle(record('mid', 'Memory: 1\nMemory: 2\n'));
    expect(errors[0]).toMatchObject({ recordIndex: 1, field: 'Memory' });
  });

  it('reports a line without a colon', () => {
    const { records, errors } = parseMiddle(record('mid', 'just text\n'));
    expect(records).toHaveLength(2);
    expect(errors[0]?.message).toBe('record 1: expected a "Key: value" line (found just text)');
  });

  it('shows how a %% inside a value splits the record in two, both refused, and later records still read', () => {
    // cASO's key order puts SiteName and VMUUID after MachineName: the first
    // half lacks them, the second half starts with the rest of the value
    const broken = 'MachineName: web%%01\nSiteName: TEST-Site\nVMUUID: mid\n';
    const { records, errors } = parseMiddle(broken);
    expect(records.map((r) => r.vmUuid)).toEqual(['first', 'last']);
    expect(errors.map((e) => e.message)).toEqual([
      'record 1, field VMUUID: expected a value (the field is mandatory)',
      'record 2: expected a "Key: value" line (found 01)',
    ]);
  });

  it('reports integers beyond 2^53 and decimals like inf', () => {
    const { errors } = parseCloudMessage(
      message(record('a', 'Memory: 99999999999999999\n'), record('b', 'CpuCount: inf\n')),
    );
    expect(errors.map((e) => [e.recordIndex, e.field])).toEqual([
      [0, 'Memory'],
      [1, 'CpuCount'],
    ]);
  });
});

describe('writing cloud messages', () => {
  const base: CloudRecord = { vmUuid: 'a', siteName: 'TEST-Site' };

  function refusal(override: Record<string, unknown>, index = 1): FormatError {
    const records = [base, { ...base, ...override }] as CloudRecord[];
    const error = thrownBy(() => serializeCloudMessage(records), FormatError);
    expect(error.code).toBe('APEL_FIELD_INVALID');
    expect(error.recordIndex).toBe(index);
    return error;
  }

  it('writes keys sorted, absent fields left out, %% only between records', () => {
    const text = serializeCloudMessage([
      { ...base, wallDuration: 60, status: 'started', endTime: 0 },
      { vmUuid: 'b', siteName: 'S' },
    ]);
    expect(text).toBe(
      `${HEADER}\nEndTime: 0\nSiteName: TEST-Site\nStatus: started\nVMUUID: a\nWallDuration: 60\n%%\nSiteName: S\nVMUUID: b\n`,
    );
  });

  it('writes just the header for no records', () => {
    expect(serializeCloudMessage([])).toBe(`${HEADER}\n`);
  });

  it('refuses a value containing %%, naming record and field', () => {
    expect(refusal({ machineName: 'web%%01' }).field).toBe('MachineName');
  });

  it('refuses line breaks and non-ASCII characters', () => {
    expect(refusal({ machineName: 'a\nb' }).found).toBe('U+000A at offset 1');
    expect(refusal({ globalUserName: 'a\rb' }).field).toBe('GlobalUserName');
    expect(refusal({ machineName: 'café' }).found).toBe('U+00E9 at offset 3');
  });

  it('refuses strings over 255 characters and BenchmarkType over 50', () => {
    expect(refusal({ imageId: 'x'.repeat(256) }).field).toBe('ImageId');
    expect(refusal({ benchmarkType: 'x'.repeat(51) }).field).toBe('BenchmarkType');
    expect(() => serializeCloudMessage([{ ...base, benchmarkType: 'x'.repeat(50) }])).not.toThrow();
  });

  it('refuses non-integer, negative or unsafe integers for durations, sizes and times', () => {
    expect(refusal({ wallDuration: 1.5 }).message).toBe(
      'record 1, field WallDuration: expected an integer (found 1.5)',
    );
    expect(refusal({ memory: -1 }).field).toBe('Memory');
    expect(refusal({ startTime: 2 ** 53 }).field).toBe('StartTime');
  });

  it('refuses decimals that are not finite and non-negative', () => {
    expect(refusal({ cpuCount: Number.NaN }).field).toBe('CpuCount');
    expect(refusal({ benchmark: -1 }).field).toBe('Benchmark');
  });

  it('refuses values APEL would read back differently: null tokens, empty strings, edge spaces', () => {
    expect(refusal({ status: 'None' }).field).toBe('Status');
    expect(refusal({ fqan: '' }).field).toBe('FQAN');
    expect(refusal({ machineName: ' vm' }).field).toBe('MachineName');
  });

  it('refuses a record without VMUUID or SiteName', () => {
    expect(refusal({ vmUuid: undefined }).field).toBe('VMUUID');
    expect(refusal({ siteName: undefined }, 1).field).toBe('SiteName');
  });

  it('writes decimals as JavaScript prints them and reads them back equal', () => {
    const records: CloudRecord[] = [{ ...base, cpuCount: 0.5, benchmark: 10.25 }];
    const text = serializeCloudMessage(records);
    expect(text).toContain('CpuCount: 0.5\n');
    expect(parseCloudMessage(text).records).toEqual(records);
  });
});
