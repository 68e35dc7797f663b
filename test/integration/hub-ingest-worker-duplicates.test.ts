// SQLite ingest with its prepare worker thread (the built modules: a thread cannot load TypeScript):
// a message published twice counts its records once, also when the copy's batch was prepared ahead.
import { describe, expect, it } from 'vitest';
import { HubStore, migrateToLatest } from '../../dist/hub/index.js';
import { IngestConsumer } from '../../dist/hub/accounting/ingest-consumer.js';
import { MessagingService } from '../../dist/hub/messaging/messaging-service.js';
import { FEB_1_2024, cloudMessage, startedVmRecord } from '../helpers/apel-fixtures.js';
import { sqliteStorePerTest } from '../helpers/test-stores.js';

const ADMIN = { tokenId: null, role: 'admin', site: null } as const;

/** A cloud message of SITE-A with one record per VM. */
function message(vms: string[]) {
  const text = cloudMessage(vms.map((vm) => startedVmRecord(vm, FEB_1_2024, 60)));
  return { attributes: {}, data: Buffer.from(text).toString('base64') };
}

describe('SQLite ingest with the prepare worker, a message published twice', () => {
  const store = sqliteStorePerTest((at) => HubStore.open(at), migrateToLatest, 'fedstack-ingest-worker-');

  async function ingest(messages: ReturnType<typeof message>[], batchMessages: number) {
    const messaging = new MessagingService(store());
    const consumer = new IngestConsumer(store(), messaging, { batchMessages });
    await consumer.prepare();
    await messaging.publish('accounting', 'eu-egi-cloud-accounting', messages, ADMIN);
    const totals = await consumer.drain();
    await consumer.stop();
    return totals;
  }

  const received = () =>
    store().sqlite!.database.prepare('select site_name, records_received from accounting_sites').all();

  it('counts the copies once when each is a batch of its own, prepared ahead of the one before', async () => {
    const m = message(['vm-a', 'vm-b']);
    const totals = await ingest([m, message(['vm-c']), m, m], 1);
    expect(totals).toMatchObject({ messages: 4, rejected: 0 });
    expect(received()).toEqual([{ site_name: 'SITE-A', records_received: 3 }]);
  });

  it('counts the copies once when they come in one batch', async () => {
    const m = message(['vm-a', 'vm-b']);
    const totals = await ingest([m, m, message(['vm-c'])], 50);
    expect(totals).toMatchObject({ messages: 3, records: 3, rejected: 0 });
    expect(received()).toEqual([{ site_name: 'SITE-A', records_received: 3 }]);
  });
});
