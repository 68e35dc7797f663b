// SQLite ingest with its prepare worker thread (the built modules: a thread cannot load TypeScript):
// batches prepared ahead, VMs numbered by the worker from what earlier commits taught it.
import { describe, expect, it } from 'vitest';
import { HubStore, migrateToLatest } from '../../dist/hub/index.js';
import { IngestConsumer } from '../../dist/hub/accounting/ingest-consumer.js';
import { MessagingService } from '../../dist/hub/messaging/messaging-service.js';
import { cloudMessage, startedVmRecord } from '../helpers/apel-fixtures.js';
import { sqliteStorePerTest } from '../helpers/test-stores.js';

const ADMIN = { tokenId: null, role: 'admin', site: null } as const;
const month = (m: number) => Date.UTC(2024, m - 1, 2) / 1000;

/** A cloud message of `vms` (uuid → month of the record), each VM's record cumulative to that month. */
function message(vms: [string, number][]) {
  const text = cloudMessage(
    vms.map(([uuid, m]) => startedVmRecord(uuid, month(1), month(m) - month(1) + 60)),
  );
  return { attributes: {}, data: Buffer.from(text).toString('base64') };
}

describe('SQLite ingest with the prepare worker', () => {
  const store = sqliteStorePerTest((at) => HubStore.open(at), migrateToLatest, 'fedstack-ingest-worker-');

  it('loads every record of every VM to its own VM over batches prepared ahead', async () => {
    const messaging = new MessagingService(store());
    // one message per batch: batch n+1 is prepared while batch n is written, and batch n+2 is
    // the first to learn the VMs batch n numbered
    const consumer = new IngestConsumer(store(), messaging, { batchMessages: 1 });
    await consumer.prepare();
    const plan: [string, number][][] = [
      [
        ['vm-a', 1],
        ['vm-b', 1],
      ],
      [
        ['vm-a', 2],
        ['vm-c', 2],
      ],
      [
        ['vm-a', 3],
        ['vm-b', 3],
        ['vm-c', 3],
      ],
      [
        ['vm-b', 4],
        ['vm-d', 4],
      ],
      [
        ['vm-a', 5],
        ['vm-d', 5],
      ],
    ];
    await messaging.publish('accounting', 'eu-egi-cloud-accounting', plan.map(message), ADMIN);
    const totals = await consumer.drain();
    await consumer.stop();
    expect(totals).toMatchObject({ messages: 5, records: 11, loaded: 11, rejected: 0 });
    const rows = store()
      .sqlite!.database.prepare(
        `select v.vm_uuid as vm, group_concat(c.measurement_month) as months,
                max(c.wall_duration) as wall
         from cloud_records c join cloud_vms v on v.id = c.vm_id group by v.vm_uuid order by v.vm_uuid`,
      )
      .all();
    expect(rows).toEqual([
      { vm: 'vm-a', months: '1,2,3,5', wall: month(5) - month(1) + 60 },
      { vm: 'vm-b', months: '1,3,4', wall: month(4) - month(1) + 60 },
      { vm: 'vm-c', months: '2,3', wall: month(3) - month(1) + 60 },
      { vm: 'vm-d', months: '4,5', wall: month(5) - month(1) + 60 },
    ]);
    expect(store().sqlite!.database.prepare('select count(*) as n from cloud_vms').get()).toEqual({ n: 4 });
  });
});
