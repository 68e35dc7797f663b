import { describe, expect, it } from 'vitest';
import {
  parseAcceleratorMessage,
  parseApelMessage,
  parseCloudMessage,
  parseCloudSummaryMessage,
  parsePublicIpMessage,
  serializeAcceleratorMessage,
  serializeCloudMessage,
  serializePublicIpMessage,
  type AcceleratorRecord,
  type PublicIpRecord,
} from '../../../../src/formats/apel/index.js';

const CLOUD_HEADER = 'APEL-cloud-message: v0.4';
const SUMMARY_HEADER = 'APEL-cloud-summary-message: v0.4';
const NOW = Date.UTC(2026, 5, 15) / 1000;

function cloud(...extras: string[]): string {
  return `${CLOUD_HEADER}\n${extras.map((e, i) => `VMUUID: vm-${i}\nSiteName: S\n${e}`).join('%%\n')}`;
}

/** Record index and field of each error. */
function places(errors: readonly { recordIndex?: number; field?: string }[]): [number?, string?][] {
  return errors.map((e) => [e.recordIndex, e.field]);
}

describe('ranges of cloud record numbers', () => {
  it.each([
    ['WallDuration: 9007199254740991', 'WallDuration'],
    ['WallDuration: -1', 'WallDuration'],
    ['Memory: -5', 'Memory'],
    ['CpuCount: -2', 'CpuCount'],
    ['CpuCount: 1e9', 'CpuCount'],
    ['SuspendDuration: 788940001', 'SuspendDuration'],
    ['CpuDuration: 1099511627777', 'CpuDuration'],
    ['Disk: 536870913', 'Disk'],
    ['NetworkInbound: -1', 'NetworkInbound'],
    ['PublicIPCount: 65537', 'PublicIPCount'],
    ['Benchmark: 10000000', 'Benchmark'],
  ])('refuses %s by record index and field while its neighbours decode', (line, field) => {
    const { records, errors } = parseCloudMessage(cloud('WallDuration: 60\n', `${line}\n`, 'Memory: 2048\n'));
    expect(places(errors)).toEqual([[1, field]]);
    expect(errors[0]!.code).toBe('APEL_FIELD_INVALID');
    expect(records).toEqual([
      { vmUuid: 'vm-0', siteName: 'S', wallDuration: 60 },
      { vmUuid: 'vm-2', siteName: 'S', memory: 2048 },
    ]);
  });

  it('states the range it expected and the value it found', () => {
    const { errors } = parseCloudMessage(cloud('WallDuration: 9007199254740991\n'));
    expect(errors[0]!.message).toBe(
      'record 0, field WallDuration: expected an integer from 0 to 788940000 (found 9007199254740991)',
    );
  });

  it('accepts every bound itself', () => {
    const text = cloud(
      'WallDuration: 788940000\nCpuDuration: 1099511627776\nCpuCount: 65536\nMemory: 536870912\n' +
        'Disk: 0\nPublicIPCount: 65536\nNetworkOutbound: 1099511627776\nBenchmark: 9999999.999\n',
    );
    expect(parseCloudMessage(text).errors).toEqual([]);
  });
});

describe('window of cloud record times', () => {
  it.each([
    ['StartTime: 999999999999999'],
    ['StartTime: 946684799'],
    ['StartTime: -1'],
    ['EndTime: 4102444801'],
    ['RecordCreateTime: 1999-12-31T23:59:59Z'],
  ])('refuses %s without a "now", the static window ending at 2100-01-01', (line) => {
    const { records, errors } = parseCloudMessage(cloud('WallDuration: 1\n', `${line}\n`));
    expect(places(errors)).toEqual([[1, line.slice(0, line.indexOf(':'))]]);
    expect(records).toHaveLength(1);
  });

  it('keeps EndTime 0 as "not ended" and accepts 2000-01-01 exactly', () => {
    const { records, errors } = parseCloudMessage(cloud('StartTime: 946684800\nEndTime: 0\n'));
    expect(errors).toEqual([]);
    expect(records[0]).toMatchObject({ startTime: 946684800, endTime: 0 });
  });

  it('refuses a time more than one day after the caller\'s "now"', () => {
    const text = cloud(`StartTime: ${NOW + 86_400}\n`, `StartTime: ${NOW + 86_401}\n`);
    const { records, errors } = parseCloudMessage(text, { nowSeconds: NOW });
    expect(records.map((r) => r.vmUuid)).toEqual(['vm-0']);
    expect(places(errors)).toEqual([[1, 'StartTime']]);
    expect(errors[0]!.message).toContain('to 1781568000 (2026-06-16T00:00:00Z)');
  });

  it('passes "now" on from parseApelMessage', () => {
    const message = parseApelMessage(cloud(`EndTime: ${NOW + 2 * 86_400}\n`), { nowSeconds: NOW });
    expect(places(message.errors)).toEqual([[0, 'EndTime']]);
  });

  it('refuses to write a value it would refuse to read', () => {
    for (const extra of [{ wallDuration: 9007199254740991 }, { startTime: 5 }, { memory: -1 }]) {
      expect(() => serializeCloudMessage([{ vmUuid: 'a', siteName: 'S', ...extra }])).toThrow(
        expect.objectContaining({ code: 'APEL_FIELD_INVALID' }),
      );
    }
    expect(serializeCloudMessage([{ vmUuid: 'a', siteName: 'S', endTime: 0 }])).toContain('EndTime: 0');
  });
});

describe('ranges of cloud summary records', () => {
  function summary(...extras: string[]): string {
    return `${SUMMARY_HEADER}\n${extras.map((e) => `SiteName: S\n${e}`).join('%%\n')}`;
  }
  const GOOD = 'Month: 4\nYear: 2024\nNumberOfVMs: 1\n';

  it.each([
    ['Month: 5\nYear: 1999\nNumberOfVMs: 1\n', 'Year'],
    ['Month: 5\nYear: 2101\nNumberOfVMs: 1\n', 'Year'],
    ['Month: 5\nYear: 2024\nNumberOfVMs: 10000001\n', 'NumberOfVMs'],
    ['Month: 5\nYear: 2024\nNumberOfVMs: 1\nWallDuration: -3\n', 'WallDuration'],
    ['Month: 5\nYear: 2024\nNumberOfVMs: 1\nMemory: 9007199254740991\n', 'Memory'],
    ['Month: 5\nYear: 2024\nNumberOfVMs: 1\nEarliestStartTime: 12\n', 'EarliestStartTime'],
  ])('refuses %j by index and field, its neighbours read', (extra, field) => {
    const { records, errors } = parseCloudSummaryMessage(summary(GOOD, extra, GOOD));
    expect(places(errors)).toEqual([[1, field]]);
    expect(records).toHaveLength(2);
  });

  it('refuses a month after that of "now" + one day', () => {
    const { records, errors } = parseCloudSummaryMessage(
      summary('Month: 6\nYear: 2026\nNumberOfVMs: 1\n', 'Month: 7\nYear: 2026\nNumberOfVMs: 1\n'),
      { nowSeconds: NOW },
    );
    expect(records.map((r) => r.month)).toEqual([6]);
    expect(places(errors)).toEqual([[1, 'Month']]);
  });
});

describe('ranges of the JSON records', () => {
  const IP: PublicIpRecord = {
    measurementTime: 1685051946,
    siteName: 'S',
    cloudType: 't',
    localGroup: 'p',
    fqan: 'vo',
    ipVersion: 4,
    ipCount: 2,
  };
  const ipWire = (r: Partial<Record<string, unknown>>) => ({
    MeasurementTime: 1685051946,
    SiteName: 'S',
    CloudType: 't',
    LocalGroup: 'p',
    FQAN: 'vo',
    IPVersion: 4,
    IPCount: 2,
    ...r,
  });
  const envelope = (type: string, version: string, records: unknown[]) =>
    JSON.stringify({ Type: type, Version: version, UsageRecords: records });

  it.each([
    [{ MeasurementTime: 999999999999999 }, 'MeasurementTime'],
    [{ MeasurementTime: 0 }, 'MeasurementTime'],
    [{ IPCount: 65537 }, 'IPCount'],
  ])('refuses an IP record with %j by index and field', (change, field) => {
    const text = envelope('APEL Public IP message', '0.2', [
      ipWire({}),
      ipWire(change),
      ipWire({ IPCount: 3 }),
    ]);
    const { records, errors } = parsePublicIpMessage(text);
    expect(places(errors)).toEqual([[1, field]]);
    expect(records.map((r) => r.ipCount)).toEqual([2, 3]);
  });

  it('refuses an IP MeasurementTime more than a day after "now"', () => {
    const text = envelope('APEL Public IP message', '0.2', [ipWire({ MeasurementTime: NOW + 90_000 })]);
    expect(places(parsePublicIpMessage(text, { nowSeconds: NOW }).errors)).toEqual([[0, 'MeasurementTime']]);
    expect(parsePublicIpMessage(text).errors).toEqual([]);
  });

  it('refuses to write an IP record out of range', () => {
    expect(() => serializePublicIpMessage([{ ...IP, measurementTime: 12 }])).toThrow(
      expect.objectContaining({ code: 'APEL_FIELD_INVALID', field: 'MeasurementTime' }),
    );
  });

  const GPU: AcceleratorRecord = {
    measurementMonth: 6,
    measurementYear: 2026,
    associatedRecordType: 'cloud',
    associatedRecord: 'vm',
    fqan: 'vo',
    siteName: 'S',
    count: 1,
    availableDuration: 5000,
    type: 'GPU',
    cloudType: 't',
  };

  it.each([
    [{ availableDuration: 2_678_401 }, 'AvailableDuration'],
    [{ activeDuration: -1 }, 'ActiveDuration'],
    [{ count: 1025 }, 'Count'],
    [{ cores: 2 ** 24 + 1 }, 'Cores'],
    [{ measurementYear: 9999 }, 'MeasurementYear'],
    [{ measurementMonth: 7 }, 'MeasurementMonth'],
  ])('refuses an accelerator record with %j by index and field', (change, field) => {
    const good = (JSON.parse(serializeAcceleratorMessage([GPU])) as { UsageRecords: object[] })
      .UsageRecords[0];
    // the wire key of a domain key: the same name with a capital first letter
    const bad = {
      ...good,
      ...Object.fromEntries(Object.entries(change).map(([k, v]) => [k[0]!.toUpperCase() + k.slice(1), v])),
    };
    const text = envelope('APEL-accelerator-message', '0.1', [good, bad, good]);
    const { records, errors } = parseAcceleratorMessage(text, { nowSeconds: NOW });
    expect(places(errors)).toEqual([[1, field]]);
    expect(records).toEqual([GPU, GPU]);
  });
});
