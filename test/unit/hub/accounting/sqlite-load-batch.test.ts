// SQLite loading of packed cloud entries (worker-prepared batches) matches loading the entries themselves.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareSqliteBatch } from '../../../../src/hub/accounting/batch-prepare-worker.js';
import type { IngestMessage, PreparedBatch } from '../../../../src/hub/accounting/ingest-batch.js';
import type { LoadOutcome } from '../../../../src/hub/accounting/load-batch.js';
import { packCloudEntries } from '../../../../src/hub/accounting/packed-cloud.js';
import { loadBatchSqlite } from '../../../../src/hub/accounting/sqlite-load-batch.js';
import type { CloudRecord } from '../../../../src/formats/apel/index.js';
import {
  FEB_1_2024 as FEB_1,
  MAR_1_2024 as LOAD,
  cloudMessage,
  ingestMessage,
} from '../../../helpers/apel-fixtures.js';
import { openTestStore } from '../../../helpers/test-stores.js';
import type { TestStore } from '../../../helpers/test-stores.js';

const vm = (uuid: string, site: string, wall: number, fqan = 'vo1'): CloudRecord => ({
  vmUuid: uuid,
  siteName: site,
  fqan,
  status: 'started',
  startTime: FEB_1,
  wallDuration: wall,
});

/** Two batches: the second brings newer, older, cross-site and refused records. */
const BATCHES: IngestMessage[][] = [
  [ingestMessage(cloudMessage([vm('vm-1', 'SITE-A', 100), vm('vm-2', 'SITE-A', 50, 'vo2')]), 0, 'SITE-A')],
  [
    ingestMessage(
      cloudMessage([vm('vm-1', 'SITE-B', 500), vm('vm-2', 'SITE-A', 10, 'vo2'), vm('vm-3', 'SITE-B', 1)]),
      1,
      null,
    ),
    ingestMessage(
      cloudMessage([vm('vm-1', 'SITE-A', 200), { VMUUID: 'bad' }, vm('vm-1', 'SITE-A', 150)]),
      2,
      'SITE-A',
    ),
  ],
];

/**
 * Loads every batch into `t`, packed or not, and returns the outcomes and the tables. Without
 * `isCacheKept` the id caches start empty for each batch, as after a restart of the hub.
 */
function loadAll(t: TestStore, isPacked: boolean, isCacheKept = true) {
  const sqlite = t.store.sqlite!;
  const known = { groupIds: new Map<string, number>(), vmIds: new Map<string, number>() };
  const outcomes: Omit<LoadOutcome, 'newIds'>[] = [];
  BATCHES.forEach((messages, i) => {
    const prepared = prepareSqliteBatch(messages, LOAD + i);
    const batch: PreparedBatch = isPacked
      ? { ...prepared, cloud: [], packedCloud: packCloudEntries(prepared.cloud) }
      : prepared;
    const outcome = sqlite.database.transaction(() =>
      loadBatchSqlite(t.store.db, sqlite, batch, known, LOAD + i),
    )();
    if (isCacheKept) {
      for (const [k, id] of outcome.newIds.groupIds) known.groupIds.set(k, id);
      for (const [k, id] of outcome.newIds.vmIds) known.vmIds.set(k, id);
    }
    const { newIds: _, ...counts } = outcome;
    outcomes.push(counts);
  });
  const table = (name: string) => sqlite.database.prepare(`select * from ${name} order by 1`).all();
  return {
    outcomes,
    cloud: table('cloud_records'),
    rejects: table('accounting_rejects'),
    vms: table('cloud_vms'),
    groups: table('cloud_record_groups'),
    sites: table('accounting_sites'),
    byUuid: sqlite.database
      .prepare(
        `select v.vm_uuid, c.measurement_month, c.site_name, c.wall_duration
         from cloud_records c join cloud_vms v on v.id = c.vm_id order by 1, 2`,
      )
      .all(),
  };
}

describe('loadBatchSqlite', () => {
  let packed: TestStore;
  let plain: TestStore;
  beforeEach(async () => {
    packed = await openTestStore('sqlite');
    plain = await openTestStore('sqlite');
  });
  afterEach(async () => {
    await packed.dispose();
    await plain.dispose();
  });

  it('loads packed cloud entries to the same rows, rejects and outcomes as the entries themselves', () => {
    const fromPacked = loadAll(packed, true);
    const fromPlain = loadAll(plain, false);
    expect(fromPlain.outcomes).toEqual([
      { loaded: 2, superseded: 0, rejected: 0 },
      { loaded: 2, superseded: 2, rejected: 2 },
    ]);
    expect(fromPlain.cloud).toHaveLength(3);
    expect(fromPacked).toEqual(fromPlain);
  });

  it('loads VMs numbered before the id caches knew them, as after a restart', () => {
    const restarted = loadAll(packed, true, false);
    const running = loadAll(plain, true);
    expect(restarted.outcomes).toEqual(running.outcomes);
    expect(restarted.byUuid).toEqual(running.byUuid);
    expect(restarted.byUuid.map((r) => (r as { vm_uuid: string }).vm_uuid)).toEqual(['vm-1', 'vm-2', 'vm-3']);
    expect(restarted.vms).toHaveLength(3);
  });

  it('tells newer, older and cross-site rows apart in full chunks and in the rest', () => {
    const sqlite = packed.store.sqlite!;
    const known = { groupIds: new Map<string, number>(), vmIds: new Map<string, number>() };
    const load = (messages: IngestMessage[], now: number) =>
      sqlite.database.transaction(() =>
        loadBatchSqlite(packed.store.db, sqlite, prepareSqliteBatch(messages, now), known, now),
      )();
    const ids = Array.from({ length: 40 }, (_, k) => k);
    const first = load(
      [ingestMessage(cloudMessage(ids.map((k) => vm(`vm-${k}`, 'SITE-A', 100))), 0, 'SITE-A')],
      LOAD,
    );
    for (const [k, id] of first.newIds.vmIds) known.vmIds.set(k, id);
    for (const [k, id] of first.newIds.groupIds) known.groupIds.set(k, id);
    // 40 rows: two chunks of 16, then 8 one by one; by k % 4: newer, older, another site's, new
    const second = load(
      [
        ingestMessage(
          cloudMessage(
            ids.map((k) =>
              k % 4 === 0
                ? vm(`vm-${k}`, 'SITE-A', 200)
                : k % 4 === 1
                  ? vm(`vm-${k}`, 'SITE-A', 50)
                  : k % 4 === 2
                    ? vm(`vm-${k}`, 'SITE-B', 300)
                    : vm(`new-${k}`, 'SITE-B', 1),
            ),
          ),
          1,
          null,
        ),
      ],
      LOAD + 1,
    );
    expect(first).toMatchObject({ loaded: 40, superseded: 0, rejected: 0 });
    expect(second).toMatchObject({ loaded: 20, superseded: 10, rejected: 10 });
    const rejects = sqlite.database
      .prepare('select record_index, code, reason from accounting_rejects order by id')
      .all() as { record_index: number; code: string; reason: string }[];
    expect(rejects.map((r) => r.record_index)).toEqual(ids.filter((k) => k % 4 === 2));
    expect(rejects.every((r) => r.code === 'HUB_RECORD_CONFLICT')).toBe(true);
    expect(rejects[0]!.reason).toBe('VMUUID vm-2 is already held by another site');
    const walls = sqlite.database
      .prepare(
        `select v.vm_uuid, c.site_name, c.wall_duration from cloud_records c
         join cloud_vms v on v.id = c.vm_id where v.vm_uuid in ('vm-4', 'vm-5', 'vm-6', 'new-7') order by 1`,
      )
      .all();
    expect(walls).toEqual([
      { vm_uuid: 'new-7', site_name: 'SITE-B', wall_duration: 1 },
      { vm_uuid: 'vm-4', site_name: 'SITE-A', wall_duration: 200 },
      { vm_uuid: 'vm-5', site_name: 'SITE-A', wall_duration: 100 },
      { vm_uuid: 'vm-6', site_name: 'SITE-A', wall_duration: 100 },
    ]);
  });
});
