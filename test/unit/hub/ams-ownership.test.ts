// Who may use an AMS subscription: the hub's ingest cursor is admin-only, a consumer uses only its own.
import { afterEach, describe, expect, it } from 'vitest';
import { IngestConsumer } from '../../../src/hub/accounting/ingest-consumer.js';
import { migrateToLatest, rollbackTo } from '../../../src/hub/store/hub-migrator.js';
import { findSubscription, insertSubscription } from '../../../src/hub/store/messaging-queries.js';
import { openTestHub } from '../../helpers/test-hub.js';
import type { TestHub } from '../../helpers/test-hub.js';
import { openTestStore } from '../../helpers/test-stores.js';
import type { TestStore } from '../../helpers/test-stores.js';

const ACC = '/v1/projects/accounting';
const INGEST = `${ACC}/subscriptions/fedstack-ingest`;
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const FORBIDDEN = { code: 403, message: 'Access to this resource is forbidden', status: 'FORBIDDEN' };

interface AmsBody {
  error: { code: number; message: string; status: string };
  receivedMessages: { ackId: string; message: { messageId: string } }[];
  subscriptions: unknown[];
  [key: string]: unknown;
}

describe('AMS subscription ownership (inject, SQLite)', () => {
  let h: TestHub | undefined;
  let t: TestStore | undefined;
  afterEach(async () => {
    await h?.dispose();
    await t?.dispose();
    h = t = undefined;
  });

  async function ams(method: string, url: string, token: string, payload?: unknown) {
    const res = await h!.app.inject({
      method: method as 'GET',
      url,
      headers: { 'x-api-key': token, 'content-type': 'application/json' },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
    return { status: res.statusCode, json: (res.body ? res.json() : {}) as AmsBody };
  }

  async function publishAccounting(n: number) {
    const messages = Array.from({ length: n }, (_, i) => ({ data: b64(`not APEL ${i}`) }));
    const res = await ams('POST', `${ACC}/topics/eu-egi-cloud-accounting:publish`, h!.adminToken, {
      messages,
    });
    expect(res.status).toBe(200);
  }

  it('refuses a consumer moving, pulling, acking, deleting or reading the ingest subscription, and ingest still loads', async () => {
    h = await openTestHub('sqlite', { ingest: { autoStart: false } });
    const consumer = await h.token('consumer');
    await publishAccounting(3);
    const attempts: [string, string, unknown?][] = [
      ['POST', `${INGEST}:modifyOffset`, { offset: 3 }],
      ['POST', `${INGEST}:pull`, { maxMessages: '10' }],
      ['POST', `${INGEST}:acknowledge`, { ackIds: ['projects/accounting/subscriptions/fedstack-ingest:2'] }],
      ['POST', `${INGEST}:modifyAckDeadline`, { ackDeadlineSeconds: 0 }],
      ['DELETE', INGEST],
      ['GET', INGEST],
      ['GET', `${INGEST}:offsets`],
      ['GET', `${INGEST}:timeToOffset?time=2030-01-01T00:00:00.000Z`],
      ['PUT', INGEST, { topic: 'projects/accounting/topics/eu-egi-cloud-accounting' }],
    ];
    for (const [method, url, body] of attempts) {
      const res = await ams(method, url, consumer, body);
      if (method === 'PUT') expect(res.status, url).toBe(409);
      else expect({ url, ...res }).toEqual({ url, status: 403, json: { error: FORBIDDEN } });
    }
    expect((await h.app.hub.ingest!.drain()).messages).toBe(3);
  });

  it('protects the ingest subscription under its configured name', async () => {
    h = await openTestHub('sqlite', { ingest: { autoStart: false, subscription: 'acct-cursor' } });
    const consumer = await h.token('consumer');
    await publishAccounting(2);
    const moved = await ams('POST', `${ACC}/subscriptions/acct-cursor:modifyOffset`, consumer, { offset: 2 });
    expect(moved.json.error).toEqual(FORBIDDEN);
    expect((await h.app.hub.ingest!.drain()).messages).toBe(2);
    expect((await ams('GET', `${ACC}/subscriptions/acct-cursor`, h.adminToken)).status).toBe(200);
  });

  it('lets a consumer create, pull, acknowledge, replay and delete its own subscription', async () => {
    h = await openTestHub('sqlite', { ingest: { autoStart: false } });
    const consumer = await h.token('consumer');
    const mine = `${ACC}/subscriptions/mine`;
    expect(
      (await ams('PUT', mine, consumer, { topic: 'projects/accounting/topics/eu-egi-cloud-accounting' }))
        .status,
    ).toBe(200);
    await publishAccounting(2);
    const pulled = await ams('POST', `${mine}:pull`, consumer, { maxMessages: '5' });
    expect(pulled.json.receivedMessages.map((m) => m.message.messageId)).toEqual(['0', '1']);
    const ack = await ams('POST', `${mine}:acknowledge`, consumer, {
      ackIds: [pulled.json.receivedMessages[1]!.ackId],
    });
    expect(ack.status).toBe(200);
    expect((await ams('POST', `${mine}:modifyOffset`, consumer, { offset: 0 })).status).toBe(200);
    expect((await ams('GET', `${mine}:offsets`, consumer)).json).toEqual({ max: 2, min: 0, current: 0 });
    expect((await ams('DELETE', mine, consumer)).status).toBe(200);
    // the hub's cursor never moved
    expect((await h.app.hub.ingest!.drain()).messages).toBe(2);
  });

  it("refuses a consumer another consumer's subscription and lists only its own", async () => {
    h = await openTestHub('sqlite', { ingest: { autoStart: false } });
    const alice = await h.token('consumer');
    const bob = await h.token('consumer');
    const topic = { topic: 'projects/accounting/topics/eu-egi-cloud-accounting' };
    expect((await ams('PUT', `${ACC}/subscriptions/alice`, alice, topic)).status).toBe(200);
    await publishAccounting(1);
    for (const [method, url, body] of [
      ['POST', `${ACC}/subscriptions/alice:pull`, {}],
      ['POST', `${ACC}/subscriptions/alice:modifyOffset`, { offset: 1 }],
      ['DELETE', `${ACC}/subscriptions/alice`, undefined],
      ['GET', `${ACC}/subscriptions/alice`, undefined],
    ] as const) {
      expect((await ams(method, url, bob, body)).json.error, url).toEqual(FORBIDDEN);
    }
    const names = async (token: string) =>
      ((await ams('GET', `${ACC}/subscriptions`, token)).json.subscriptions as { name: string }[]).map(
        (s) => s.name,
      );
    expect(await names(alice)).toEqual(['/projects/accounting/subscriptions/alice']);
    expect(await names(bob)).toEqual([]);
    expect(await names(h.adminToken)).toEqual([
      '/projects/accounting/subscriptions/alice',
      '/projects/accounting/subscriptions/fedstack-ingest',
    ]);
    const onTopic = await ams('GET', `${ACC}/topics/eu-egi-cloud-accounting/subscriptions`, bob);
    expect(onTopic.json).toEqual({ subscriptions: [] });
    const pulled = await ams('POST', `${ACC}/subscriptions/alice:pull`, alice, {});
    expect(pulled.json.receivedMessages).toHaveLength(1);
  });

  it('refuses a publisher creating or using subscriptions', async () => {
    h = await openTestHub('sqlite', { ingest: { autoStart: false } });
    const publisher = await h.token('publisher', 'SITE-A');
    const topic = { topic: 'projects/accounting/topics/eu-egi-cloud-accounting' };
    expect((await ams('PUT', `${ACC}/subscriptions/p`, publisher, topic)).json.error).toEqual(FORBIDDEN);
    expect((await ams('GET', INGEST, publisher)).json.error).toEqual(FORBIDDEN);
  });

  it('keeps subscriptions an admin creates admin-only', async () => {
    h = await openTestHub('sqlite', { ingest: false });
    const consumer = await h.token('consumer');
    await ams('PUT', '/v1/projects/p/topics/t', h.adminToken);
    await ams('PUT', '/v1/projects/p/subscriptions/ops', h.adminToken, { topic: 'projects/p/topics/t' });
    expect((await ams('POST', '/v1/projects/p/subscriptions/ops:pull', consumer, {})).json.error).toEqual(
      FORBIDDEN,
    );
  });

  it('takes its subscription name back from a consumer that created it before the hub did', async () => {
    h = await openTestHub('sqlite', { ingest: false });
    const consumer = await h.token('consumer');
    await ams('PUT', '/v1/projects/other/topics/t', h.adminToken);
    const squat = { topic: 'projects/other/topics/t' };
    expect(
      (await ams('PUT', '/v1/projects/other/subscriptions/fedstack-ingest', consumer, squat)).status,
    ).toBe(200);
    const ingest = new IngestConsumer(h.app.hub.store, h.app.hub.messaging, {
      sources: [{ project: 'other', topic: 't' }],
    });
    await ingest.prepare();
    const moved = await ams(
      'POST',
      '/v1/projects/other/subscriptions/fedstack-ingest:modifyOffset',
      consumer,
      {
        offset: 0,
      },
    );
    expect(moved.json.error).toEqual(FORBIDDEN);
    const row = await findSubscription(h.app.hub.store.db, 'other', 'fedstack-ingest');
    expect(row?.owner_token_id).toBeNull();
  });

  it('leaves the cursor of the hub subscription alone when the hub prepares it again', async () => {
    t = await openTestStore('sqlite');
    const row = {
      project: 'p',
      name: 'cursor',
      topic_project: 'p',
      topic_name: 't',
      ack_deadline_seconds: 10,
      current_offset: 5,
      pending_until: null,
      pending_since_ms: null,
      created_at: 0,
    };
    expect(await insertSubscription(t.store.db, row)).toBe(true);
    expect(await insertSubscription(t.store.db, { ...row, current_offset: 0 })).toBe(false);
    expect(Number((await findSubscription(t.store.db, 'p', 'cursor'))?.current_offset)).toBe(5);
  });

  it('makes subscriptions that existed before owners were recorded admin-only', async () => {
    t = await openTestStore('sqlite');
    await rollbackTo(t.store, 11);
    await t.store.db
      .insertInto('ams_subscriptions')
      .values({
        project: 'p',
        name: 'old',
        topic_project: 'p',
        topic_name: 't',
        ack_deadline_seconds: 10,
        current_offset: 0,
        pending_until: null,
        pending_since_ms: null,
        created_at: 0,
      } as never)
      .execute();
    await migrateToLatest(t.store);
    expect((await findSubscription(t.store.db, 'p', 'old'))?.owner_token_id).toBeNull();
  });
});
