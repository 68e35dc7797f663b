import { describe, expect, it } from 'vitest';
import { BatchBuilder } from '../../../../src/hub/accounting/prepare-batch.js';
import type { IngestMessage } from '../../../../src/hub/accounting/ingest-batch.js';
import { CLOUD_ROW, monthOf } from '../../../../src/hub/accounting/record-rows.js';

const FEB_1 = Date.UTC(2024, 1, 1) / 1000;
/** Load time of the batches: after the records' times (a load time limits how late they may be). */
const LOAD = Date.UTC(2024, 2, 1) / 1000;

function cloud(records: Record<string, string | number>[]): string {
  const body = records
    .map((r) =>
      Object.entries(r)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n'),
    )
    .join('\n%%\n');
  return Buffer.from(`APEL-cloud-message: v0.4\n${body}\n`).toString('base64');
}

function message(data: string, offset = 0, publisherSite: string | null = 'SITE-A'): IngestMessage {
  return { project: 'accounting', topic: 't', offset, data, publisherSite };
}

const VM = {
  VMUUID: 'vm-1',
  SiteName: 'SITE-A',
  FQAN: 'vo1',
  Status: 'started',
  StartTime: FEB_1,
  WallDuration: 100,
};

describe('BatchBuilder', () => {
  it('keeps only the newest version of a VM-month seen twice in a batch', () => {
    const b = new BatchBuilder(LOAD);
    b.add(message(cloud([{ ...VM, WallDuration: 500 }]), 0));
    b.add(message(cloud([VM]), 1));
    const batch = b.finish();
    expect(batch.cloud).toHaveLength(1);
    expect(batch.cloud[0]![13]).toBe(500);
    expect(batch.superseded).toBe(1);
    expect(batch.sites.get('SITE-A')).toMatchObject({
      received: 2,
      rejected: 0,
      lastMeasurementTime: FEB_1 + 500,
    });
  });

  it('leaves duplicate VM-months to the database when deduplication is off (SQLite)', () => {
    const b = new BatchBuilder(LOAD, { isDedupeNeeded: false });
    b.add(message(cloud([{ ...VM, WallDuration: 500 }, VM])));
    const batch = b.finish();
    expect(batch.cloud.map((e) => e[13])).toEqual([500, 100]);
    expect(batch.superseded).toBe(0);
  });

  it('rejects a record of another site than the token with its index and the SiteName field', () => {
    const b = new BatchBuilder(LOAD + 7);
    b.add(message(cloud([VM, { ...VM, VMUUID: 'vm-2', SiteName: 'SITE-B' }])));
    const batch = b.finish();
    expect(batch.cloud).toHaveLength(1);
    expect(batch.rejects).toEqual([
      expect.objectContaining({
        code: 'HUB_SITE_MISMATCH',
        record_index: 1,
        field: 'SiteName',
        publisher_site: 'SITE-A',
        record_site: 'SITE-B',
        message_id: '0',
        rejected_at: LOAD + 7,
      }),
    ]);
  });

  it('rejects a second site claiming a VM-month already in the batch (admin-published)', () => {
    const b = new BatchBuilder(LOAD);
    b.add(message(cloud([VM, { ...VM, SiteName: 'SITE-B' }]), 0, null));
    const batch = b.finish();
    expect(batch.cloud.map((e) => e[CLOUD_ROW.site])).toEqual(['SITE-A']);
    expect(batch.rejects[0]).toMatchObject({ code: 'HUB_RECORD_CONFLICT', record_index: 1, field: 'VMUUID' });
  });

  it('rejects a whole message that is not APEL, with no record index', () => {
    const b = new BatchBuilder(LOAD);
    b.add(message(Buffer.from('GET / HTTP/1.1').toString('base64')));
    expect(b.finish().rejects).toEqual([
      expect.objectContaining({ code: 'APEL_MESSAGE_INVALID', record_index: null, record_kind: null }),
    ]);
  });

  it('keeps the valid records of a message whose other record breaks a field rule', () => {
    const b = new BatchBuilder(LOAD);
    b.add(
      message(
        cloud([
          { ...VM, WallDuration: '1.5' },
          { ...VM, VMUUID: 'vm-2' },
        ]),
      ),
    );
    const batch = b.finish();
    expect(batch.cloud.map((e) => e[CLOUD_ROW.vmId])).toEqual(['vm-2']);
    expect(batch.rejects[0]).toMatchObject({
      code: 'APEL_FIELD_INVALID',
      record_index: 0,
      field: 'WallDuration',
    });
    expect(batch.records).toBe(2);
  });

  it('registers one group for records that share every grouping field', () => {
    const b = new BatchBuilder(LOAD);
    b.add(
      message(
        cloud([
          VM,
          { ...VM, VMUUID: 'vm-2' },
          { ...VM, VMUUID: 'vm-3', Status: 'completed', EndTime: FEB_1 + 9 },
        ]),
      ),
    );
    const batch = b.finish();
    expect(batch.groups.size).toBe(2);
    const [group] = batch.groups.values();
    expect(group).toMatchObject({
      site_name: 'SITE-A',
      vo: 'vo1',
      vo_group: 'None',
      vo_role: 'None',
      cloud_compute_service: 'None',
      benchmark_type: 'None',
      benchmark: 0,
      cpu_count: 0,
    });
  });
});

describe('monthOf', () => {
  it('gives the UTC month and year of an epoch time, like Date', () => {
    for (const t of [0, 951782400, 951868799, 1709251199, 1709251200, 4102444800, 1234567890]) {
      const d = new Date(t * 1000);
      expect(monthOf(t)).toEqual({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1 });
    }
  });
});
