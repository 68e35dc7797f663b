// A message published twice (a publisher retrying after a lost ack) counts its records once in the
// per-site counters, on every test backend, whether both copies are ingested in one batch or not.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudRecord } from '../../src/formats/apel/index.js';
import { FEB_1_2024, cloudMessage, cloudRecord, type CloudFields } from '../helpers/apel-fixtures.js';
import { TEST_DIALECTS } from '../helpers/test-stores.js';
import { injectWithToken, openTestHub } from '../helpers/test-hub.js';
import type { TestHub } from '../helpers/test-hub.js';

const TOPIC = '/v1/projects/accounting/topics/eu-egi-cloud-accounting:publish';

/** A cloud v0.4 message of `site` with one record per VM; `bad` adds a record the codec refuses. */
function vmsMessage(vms: string[], bad = false, site = 'SITE-A'): string {
  const records: (CloudRecord | CloudFields)[] = vms.map((vmUuid) =>
    cloudRecord({ vmUuid, siteName: site, memory: undefined, disk: undefined }),
  );
  if (bad) records.push({ VMUUID: 'vm-bad', SiteName: 'SITE-A', StartTime: FEB_1_2024, WallDuration: 1.5 });
  return cloudMessage(records);
}

describe.each(TEST_DIALECTS)('hub duplicate messages on %s', (dialect) => {
  let h: TestHub;
  let siteA: string;

  async function call(method: 'GET' | 'POST', url: string, token = h.adminToken, body?: unknown) {
    const res = await injectWithToken(h, method, url, token, body);
    expect(res.statusCode).toBe(200);
    return res.json() as Record<string, unknown>;
  }

  /** Publishes each text as one message with SITE-A's token (the AMS request a retry repeats). */
  async function publish(texts: string[], token = siteA) {
    const messages = texts.map((text) => ({ data: Buffer.from(text).toString('base64') }));
    await call('POST', TOPIC, token, { messages });
  }

  async function siteCounters() {
    const { sites } = (await call('GET', '/v1/accounting/sites')) as { sites: Record<string, unknown>[] };
    return sites.map((s) => ({
      site: s.site,
      cloudRecords: s.cloudRecords,
      recordsReceived: s.recordsReceived,
      recordsRejected: s.recordsRejected,
    }));
  }

  beforeEach(async () => {
    h = await openTestHub(dialect);
    siteA = await h.token('publisher', 'SITE-A');
  });
  afterEach(async () => h.dispose());

  it('counts the records of a message published twice once when both copies load in one batch', async () => {
    const text = vmsMessage(['vm-1', 'vm-2']);
    await publish([text]);
    await publish([text]);
    const totals = await h.app.hub.ingest!.drain();
    expect(await siteCounters()).toEqual([
      { site: 'SITE-A', cloudRecords: 2, recordsReceived: 2, recordsRejected: 0 },
    ]);
    // the copy in the same batch is not even read
    expect(totals).toMatchObject({ messages: 2, records: 2, rejected: 0 });
  });

  it('counts the records of a message published again after it was ingested once', async () => {
    const text = vmsMessage(['vm-1', 'vm-2']);
    await publish([text]);
    await h.app.hub.ingest!.drain();
    await publish([text]);
    expect(await h.app.hub.ingest!.drain()).toMatchObject({ messages: 1, rejected: 0 });
    expect(await siteCounters()).toEqual([
      { site: 'SITE-A', cloudRecords: 2, recordsReceived: 2, recordsRejected: 0 },
    ]);
  });

  it('lists and counts the rejects of a message published twice once', async () => {
    const text = vmsMessage(['vm-1'], true);
    await publish([text]);
    await h.app.hub.ingest!.drain();
    await publish([text, text]);
    await h.app.hub.ingest!.drain();
    expect(await siteCounters()).toEqual([
      { site: 'SITE-A', cloudRecords: 1, recordsReceived: 1, recordsRejected: 1 },
    ]);
    const { rejects } = (await call('GET', '/v1/accounting/rejects')) as { rejects: unknown[] };
    expect(rejects).toEqual([expect.objectContaining({ messageId: '0', code: 'APEL_FIELD_INVALID' })]);
  });

  it('counts a record refused for another site once when its message comes twice', async () => {
    await publish([vmsMessage(['vm-1'])]);
    await h.app.hub.ingest!.drain();
    const takeover = vmsMessage(['vm-1'], false, 'SITE-B');
    // an admin token may publish any site's records: the copies meet the key SITE-A holds
    await publish([takeover, takeover], h.adminToken);
    await h.app.hub.ingest!.drain();
    await publish([takeover], h.adminToken);
    await h.app.hub.ingest!.drain();
    expect(await siteCounters()).toEqual([
      { site: 'SITE-A', cloudRecords: 1, recordsReceived: 1, recordsRejected: 0 },
      { site: 'SITE-B', cloudRecords: 0, recordsReceived: 0, recordsRejected: 1 },
    ]);
    const { rejects } = (await call('GET', '/v1/accounting/rejects')) as { rejects: unknown[] };
    expect(rejects).toEqual([expect.objectContaining({ messageId: '1', code: 'HUB_RECORD_CONFLICT' })]);
  });

  it('still counts every record of messages whose bodies differ', async () => {
    await publish([vmsMessage(['vm-1', 'vm-2'])]);
    await h.app.hub.ingest!.drain();
    await publish([vmsMessage(['vm-2', 'vm-3']), vmsMessage(['vm-1', 'vm-2'])]);
    await h.app.hub.ingest!.drain();
    // vm-2 came in two different messages: both count, as before; the exact copy does not
    expect(await siteCounters()).toEqual([
      { site: 'SITE-A', cloudRecords: 3, recordsReceived: 4, recordsRejected: 0 },
    ]);
  });

  it('counts a message replayed from an earlier offset once', async () => {
    await publish([vmsMessage(['vm-1', 'vm-2']), vmsMessage(['vm-3'])]);
    await h.app.hub.ingest!.drain();
    const admin = { role: 'admin', tokenId: null, site: null } as const;
    await h.app.hub.messaging.modifyOffset('accounting', 'fedstack-ingest', 0, admin);
    expect(await h.app.hub.ingest!.drain()).toMatchObject({ messages: 2 });
    expect(await siteCounters()).toEqual([
      { site: 'SITE-A', cloudRecords: 3, recordsReceived: 3, recordsRejected: 0 },
    ]);
  });
});
