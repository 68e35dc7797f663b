import { describe, expect, it } from 'vitest';
import type { CloudRecord } from '../../../../src/formats/apel/index.js';
import { BatchBuilder } from '../../../../src/hub/accounting/prepare-batch.js';
import { CLOUD_ROW, monthOf } from '../../../../src/hub/accounting/record-rows.js';
import {
  FEB_1_2024 as FEB_1,
  MAR_1_2024 as LOAD,
  cloudFields,
  cloudMessage,
  ingestMessage,
} from '../../../helpers/apel-fixtures.js';

const VM: CloudRecord = {
  vmUuid: 'vm-1',
  siteName: 'SITE-A',
  fqan: 'vo1',
  status: 'started',
  startTime: FEB_1,
  wallDuration: 100,
};

describe('BatchBuilder', () => {
  it('keeps only the newest version of a VM-month seen twice in a batch', () => {
    const b = new BatchBuilder(LOAD);
    b.add(ingestMessage(cloudMessage([{ ...VM, wallDuration: 500 }]), 0));
    b.add(ingestMessage(cloudMessage([VM]), 1));
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
    b.add(ingestMessage(cloudMessage([{ ...VM, wallDuration: 500 }, VM])));
    const batch = b.finish();
    expect(batch.cloud.map((e) => e[13])).toEqual([500, 100]);
    expect(batch.superseded).toBe(0);
  });

  it('rejects a record of another site than the token with its index and the SiteName field', () => {
    const b = new BatchBuilder(LOAD + 7);
    b.add(ingestMessage(cloudMessage([VM, { ...VM, vmUuid: 'vm-2', siteName: 'SITE-B' }])));
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
    b.add(ingestMessage(cloudMessage([VM, { ...VM, siteName: 'SITE-B' }]), 0, null));
    const batch = b.finish();
    expect(batch.cloud.map((e) => e[CLOUD_ROW.site])).toEqual(['SITE-A']);
    expect(batch.rejects[0]).toMatchObject({ code: 'HUB_RECORD_CONFLICT', record_index: 1, field: 'VMUUID' });
  });

  it('rejects a whole message that is not APEL, with no record index', () => {
    const b = new BatchBuilder(LOAD);
    b.add(ingestMessage('GET / HTTP/1.1'));
    expect(b.finish().rejects).toEqual([
      expect.objectContaining({ code: 'APEL_MESSAGE_INVALID', record_index: null, record_kind: null }),
    ]);
  });

  it('keeps the valid records of a message whose other record breaks a field rule', () => {
    const b = new BatchBuilder(LOAD);
    b.add(ingestMessage(cloudMessage([cloudFields(VM, { WallDuration: '1.5' }), { ...VM, vmUuid: 'vm-2' }])));
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
      ingestMessage(
        cloudMessage([
          VM,
          { ...VM, vmUuid: 'vm-2' },
          { ...VM, vmUuid: 'vm-3', status: 'completed', endTime: FEB_1 + 9 },
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
