// Packing cloud records as they are prepared gives the packing of the entries they would have been.
import { describe, expect, it } from 'vitest';
import { prepareSqliteBatch } from '../../../../src/hub/accounting/batch-prepare-worker.js';
import type { MessageRef } from '../../../../src/hub/accounting/ingest-batch.js';
import {
  CloudPacker,
  StringTableBuilder,
  packCloudEntries,
  unpackStrings,
} from '../../../../src/hub/accounting/packed-cloud.js';
import { cloudEntry } from '../../../../src/hub/accounting/record-rows.js';
import type { CloudRecord } from '../../../../src/formats/apel/index.js';
import {
  FEB_1_2024 as FEB_1,
  MAR_1_2024 as LOAD,
  cloudMessage,
  ingestMessage,
} from '../../../helpers/apel-fixtures.js';

const FULL: CloudRecord = {
  vmUuid: 'vm-full',
  siteName: 'SITE-A',
  machineName: 'host-1',
  localUserId: 'u1',
  localGroupId: 'g1',
  globalUserName: 'user@example.eu',
  fqan: '/vo1/Role=NULL/Capability=NULL',
  status: 'completed',
  startTime: FEB_1,
  endTime: FEB_1 + 3600,
  suspendDuration: 5,
  wallDuration: 3600,
  cpuDuration: 7200,
  cpuCount: 2,
  networkType: 'eth',
  networkInbound: 10,
  networkOutbound: 20,
  publicIpCount: 1,
  memory: 4096,
  disk: 40,
  benchmarkType: 'HEPSPEC',
  benchmark: 10.5,
  storageRecordId: 'st-1',
  imageId: 'img-1',
  cloudType: 'OpenStack',
  cloudComputeService: 'nova',
};

describe('CloudPacker', () => {
  it('packs prepared records as packCloudEntries packs their entries', () => {
    const messages = [
      ingestMessage(
        cloudMessage([FULL, { vmUuid: 'vm-2', siteName: 'SITE-A', startTime: FEB_1, wallDuration: 1 }]),
        0,
        'SITE-A',
      ),
      ingestMessage(
        cloudMessage([
          { vmUuid: 'vm-3', siteName: 'SITE-B', status: 'started', startTime: FEB_1, wallDuration: 9 },
          { VMUUID: 'bad' },
          { ...FULL, vmUuid: 'vm-4', wallDuration: 60 },
        ]),
        1,
        null,
      ),
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
