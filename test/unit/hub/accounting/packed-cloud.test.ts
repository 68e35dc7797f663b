// Packing cloud records as they are prepared gives the packing of the entries they would have been.
import { describe, expect, it } from 'vitest';
import { prepareSqliteBatch } from '../../../../src/hub/accounting/batch-prepare-worker.js';
import type { IngestMessage, MessageRef } from '../../../../src/hub/accounting/ingest-batch.js';
import {
  CloudPacker,
  StringTableBuilder,
  packCloudEntries,
  unpackStrings,
} from '../../../../src/hub/accounting/packed-cloud.js';
import { cloudEntry } from '../../../../src/hub/accounting/record-rows.js';
import type { CloudRecord } from '../../../../src/formats/apel/index.js';

const FEB_1 = Date.UTC(2024, 1, 1) / 1000;
/** Load time of the batches: after the records' times (a load time limits how late they may be). */
const LOAD = Date.UTC(2024, 2, 1) / 1000;

function cloud(offset: number, publisherSite: string | null, records: Record<string, string | number>[]) {
  const body = records
    .map((r) =>
      Object.entries(r)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n'),
    )
    .join('\n%%\n');
  const data = Buffer.from(`APEL-cloud-message: v0.4\n${body}\n`).toString('base64');
  return { project: 'accounting', topic: 't', offset, data, publisherSite } satisfies IngestMessage;
}

const FULL = {
  VMUUID: 'vm-full',
  SiteName: 'SITE-A',
  MachineName: 'host-1',
  LocalUserId: 'u1',
  LocalGroupId: 'g1',
  GlobalUserName: 'user@example.eu',
  FQAN: '/vo1/Role=NULL/Capability=NULL',
  Status: 'completed',
  StartTime: FEB_1,
  EndTime: FEB_1 + 3600,
  SuspendDuration: 5,
  WallDuration: 3600,
  CpuDuration: 7200,
  CpuCount: 2,
  NetworkType: 'eth',
  NetworkInbound: 10,
  NetworkOutbound: 20,
  PublicIPCount: 1,
  Memory: 4096,
  Disk: 40,
  BenchmarkType: 'HEPSPEC',
  Benchmark: 10.5,
  StorageRecordId: 'st-1',
  ImageId: 'img-1',
  CloudType: 'OpenStack',
  CloudComputeService: 'nova',
};

describe('CloudPacker', () => {
  it('packs prepared records as packCloudEntries packs their entries', () => {
    const messages = [
      cloud(0, 'SITE-A', [FULL, { VMUUID: 'vm-2', SiteName: 'SITE-A', StartTime: FEB_1, WallDuration: 1 }]),
      cloud(1, null, [
        { VMUUID: 'vm-3', SiteName: 'SITE-B', Status: 'started', StartTime: FEB_1, WallDuration: 9 },
        { VMUUID: 'bad' },
        { ...FULL, VMUUID: 'vm-4', WallDuration: 60 },
      ]),
    ];
    const listed = prepareSqliteBatch(messages, LOAD);
    const packed = prepareSqliteBatch(messages, LOAD, true);
    const { cloud: entries, ...listedRest } = listed;
    const { cloud: none, packedCloud, ...packedRest } = packed;
    expect(entries.length).toBe(4);
    expect(none).toEqual([]);
    expect(packedRest).toEqual(listedRest);
    expect(packedCloud).toEqual(packCloudEntries(entries));
  });

  it('grows past its capacity', () => {
    const message: MessageRef = {
      project: 'p',
      topic: 't',
      messageId: '7',
      offset: 7,
      publisherSite: null,
      source: 'p/t#7',
    };
    const records: CloudRecord[] = [1, 2, 3, 4, 5].map(
      (n) => ({ vmUuid: `vm-${n}`, siteName: n < 3 ? 'S1' : 'S2', wallDuration: n }) as CloudRecord,
    );
    const packer = new CloudPacker(1);
    const entries = records.map((r, i) => {
      packer.add(r, FEB_1 + i, 2024, 2, 'g', message, i, LOAD);
      return cloudEntry(r, FEB_1 + i, 2024, 2, 'g', message, i, LOAD);
    });
    expect(packer.size).toBe(5);
    expect(packer.finish()).toEqual(packCloudEntries(entries));
  });
});

describe('StringTableBuilder', () => {
  it('gives back every string by index across the pieces it joins', () => {
    const table = new StringTableBuilder();
    // 20,000 strings of 30 characters: several pieces, and more than the initial offset capacity
    const added = Array.from({ length: 20_000 }, (_, i) => `s${String(i).padStart(29, '0')}`);
    const indexes = added.map((s) => table.add(s));
    expect(indexes).toEqual(added.map((_, i) => i));
    const { text, stringEnds } = table.finish();
    expect(text).toBe(added.join(''));
    expect(unpackStrings({ text, stringEnds } as Parameters<typeof unpackStrings>[0])).toEqual(added);
  });

  it('finishes empty', () => {
    const { text, stringEnds } = new StringTableBuilder().finish();
    expect(text).toBe('');
    expect(stringEnds.length).toBe(0);
  });
});
