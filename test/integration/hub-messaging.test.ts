// AMS-compatible messaging of the hub over real HTTP, on every test backend: flows, errors, auth, durability.
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildHub } from '../../src/hub/app.js';
import { HubStore } from '../../src/hub/store/hub-store.js';
import { TEST_DIALECTS } from '../helpers/test-stores.js';
import { openTestHub } from '../helpers/test-hub.js';
import type { TestHub } from '../helpers/test-hub.js';

/** The parts of AMS answers the tests look at. */
interface AmsBody {
  receivedMessages: { ackId: string; message: { messageId: string; data: string } }[];
  error: { code: number; message: string; status: string };
  [key: string]: unknown;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const P = '/v1/projects/acc';

describe.each(TEST_DIALECTS)('hub AMS messaging on %s', (dialect) => {
  let h: TestHub;
  let base: string;

  async function ams(method: string, path: string, body?: unknown, token: string | null = h.adminToken) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers['x-api-key'] = token;
    const res = await fetch(base + path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as AmsBody };
  }

  async function setup(ackDeadlineSeconds = 10) {
    expect((await ams('PUT', `${P}/topics/t1`)).status).toBe(200);
    const sub = await ams('PUT', `${P}/subscriptions/s1`, {
      topic: 'projects/acc/topics/t1',
      ackDeadlineSeconds,
    });
    expect(sub.status).toBe(200);
  }

  async function publish(n: number, token = h.adminToken) {
    const messages = Array.from({ length: n }, (_, i) => ({
      attributes: { empaid: `e${i}` },
      data: b64(`m${i}`),
    }));
    return ams('POST', `${P}/topics/t1:publish`, { messages }, token);
  }

  beforeEach(async () => {
    h = await openTestHub(dialect, { ingest: false });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  });
  afterEach(async () => h.dispose());

  it('creates topics and subscriptions and shows them with AMS full names', async () => {
    await setup(30);
    expect((await ams('GET', `${P}/topics/t1`)).json).toEqual({ name: '/projects/acc/topics/t1' });
    expect((await ams('GET', `${P}/topics`)).json.topics).toEqual([{ name: '/projects/acc/topics/t1' }]);
    expect((await ams('GET', `${P}/subscriptions/s1`)).json).toEqual({
      name: '/projects/acc/subscriptions/s1',
      topic: '/projects/acc/topics/t1',
      ackDeadlineSeconds: 30,
    });
    expect((await ams('PUT', `${P}/topics/t1`)).json.error).toEqual({
      code: 409,
      message: 'Topic already exists',
      status: 'ALREADY_EXISTS',
    });
  });

  it('publishes with string message ids and pulls data, attributes, publishTime and ack ids', async () => {
    await setup();
    expect((await publish(3)).json).toEqual({ messageIds: ['0', '1', '2'] });
    const pulled = await ams('POST', `${P}/subscriptions/s1:pull`, {
      maxMessages: '2',
      returnImmediately: 'true',
    });
    expect(pulled.json.receivedMessages).toEqual([
      {
        ackId: 'projects/acc/subscriptions/s1:0',
        message: {
          messageId: '0',
          attributes: { empaid: 'e0' },
          data: b64('m0'),
          publishTime: new Date(h.clock.now).toISOString(),
        },
      },
      {
        ackId: 'projects/acc/subscriptions/s1:1',
        message: {
          messageId: '1',
          attributes: { empaid: 'e1' },
          data: b64('m1'),
          publishTime: new Date(h.clock.now).toISOString(),
        },
      },
    ]);
  });

  it('redelivers unacknowledged messages and acknowledges cumulatively up to the highest ack id', async () => {
    await setup();
    await publish(4);
    const first = await ams('POST', `${P}/subscriptions/s1:pull`, { maxMessages: '3' });
    const again = await ams('POST', `${P}/subscriptions/s1:pull`, { maxMessages: '3' });
    expect(again.json.receivedMessages.map((m) => m.message.messageId)).toEqual(['0', '1', '2']);
    const ack = await ams('POST', `${P}/subscriptions/s1:acknowledge`, {
      ackIds: [first.json.receivedMessages[1]!.ackId],
    });
    expect(ack).toEqual({ status: 200, json: {} });
    expect((await ams('GET', `${P}/subscriptions/s1:offsets`)).json).toEqual({ max: 4, min: 0, current: 2 });
    const rest = await ams('POST', `${P}/subscriptions/s1:pull`, { maxMessages: '10' });
    expect(rest.json.receivedMessages.map((m) => m.message.messageId)).toEqual(['2', '3']);
  });

  it('answers 408 to an acknowledgement after the ack deadline and keeps the cursor', async () => {
    await setup(10);
    await publish(1);
    const pulled = await ams('POST', `${P}/subscriptions/s1:pull`, {});
    h.clock.now += 11_000;
    const ack = await ams('POST', `${P}/subscriptions/s1:acknowledge`, {
      ackIds: [pulled.json.receivedMessages[0]!.ackId],
    });
    expect(ack).toEqual({
      status: 408,
      json: { error: { code: 408, message: 'ack timeout', status: 'TIMEOUT' } },
    });
    expect((await ams('GET', `${P}/subscriptions/s1:offsets`)).json.current).toBe(0);
  });

  it('refuses an ack id of another subscription and one outside the pulled window', async () => {
    await setup();
    await publish(2);
    await ams('POST', `${P}/subscriptions/s1:pull`, { maxMessages: '1' });
    const foreign = await ams('POST', `${P}/subscriptions/s1:acknowledge`, {
      ackIds: ['projects/acc/subscriptions/other:0'],
    });
    expect(foreign.json.error).toMatchObject({ code: 400, message: 'Invalid ack id' });
    const beyond = await ams('POST', `${P}/subscriptions/s1:acknowledge`, {
      ackIds: ['projects/acc/subscriptions/s1:1'],
    });
    expect(beyond.json.error).toMatchObject({ code: 400, message: 'wrong ack' });
  });

  it('replays from an earlier offset with modifyOffset and refuses one out of bounds', async () => {
    await setup();
    await publish(3);
    const pulled = await ams('POST', `${P}/subscriptions/s1:pull`, { maxMessages: '3' });
    await ams('POST', `${P}/subscriptions/s1:acknowledge`, {
      ackIds: [pulled.json.receivedMessages[2]!.ackId],
    });
    expect((await ams('POST', `${P}/subscriptions/s1:modifyOffset`, { offset: 1 })).status).toBe(200);
    const replay = await ams('POST', `${P}/subscriptions/s1:pull`, { maxMessages: '5' });
    expect(replay.json.receivedMessages.map((m) => m.message.messageId)).toEqual(['1', '2']);
    const out = await ams('POST', `${P}/subscriptions/s1:modifyOffset`, { offset: 9 });
    expect(out.json.error).toEqual({
      code: 400,
      message: 'Offset out of bounds',
      status: 'INVALID_ARGUMENT',
    });
  });

  it('changes the ack deadline within 0-600 and refuses 601', async () => {
    await setup();
    expect(
      (await ams('POST', `${P}/subscriptions/s1:modifyAckDeadline`, { ackDeadlineSeconds: 600 })).status,
    ).toBe(200);
    expect((await ams('GET', `${P}/subscriptions/s1`)).json.ackDeadlineSeconds).toBe(600);
    const bad = await ams('POST', `${P}/subscriptions/s1:modifyAckDeadline`, { ackDeadlineSeconds: 601 });
    expect(bad.status).toBe(400);
    expect(bad.json.error.status).toBe('INVALID_ARGUMENT');
  });

  it('refuses data over 1 MiB with "Message size is too large" and stores nothing', async () => {
    await setup();
    const big = Buffer.alloc(1024 * 1024 + 1, 65).toString('base64');
    const res = await ams('POST', `${P}/topics/t1:publish`, {
      messages: [{ data: b64('ok') }, { data: big }],
    });
    expect(res).toEqual({
      status: 413,
      json: { error: { code: 413, message: 'Message size is too large', status: 'INVALID_ARGUMENT' } },
    });
    expect((await ams('GET', `${P}/subscriptions/s1:offsets`)).json.max).toBe(0);
  });

  it('refuses a request without a token or with an unknown token with AMS 401 and stores nothing', async () => {
    await setup();
    const none = await publish(1, null as unknown as string);
    expect(none).toEqual({
      status: 401,
      json: { error: { code: 401, message: 'Unauthorized', status: 'UNAUTHORIZED' } },
    });
    expect((await publish(1, 'fsh_not-a-token')).status).toBe(401);
    expect((await ams('GET', `${P}/subscriptions/s1:offsets`)).json.max).toBe(0);
  });

  it('accepts the token in the ?key= query parameter', async () => {
    await setup();
    const res = await fetch(`${base}${P}/topics/t1?key=${encodeURIComponent(h.adminToken)}`);
    expect(res.status).toBe(200);
  });

  it('refuses malformed JSON, data that is not base64 and a missing messages list, storing nothing', async () => {
    await setup();
    expect((await ams('POST', `${P}/topics/t1:publish`, '{"messages": [')).json.error).toEqual({
      code: 400,
      message: 'Invalid Request Body',
      status: 'BAD_REQUEST',
    });
    const notBase64 = await ams('POST', `${P}/topics/t1:publish`, { messages: [{ data: 'not base64!' }] });
    expect(notBase64.json.error).toEqual({
      code: 400,
      message: 'Invalid Message Arguments: messages[0].data is not base64',
      status: 'INVALID_ARGUMENT',
    });
    const empty = await ams('POST', `${P}/topics/t1:publish`, {
      messages: [{ data: b64('ok') }, { data: '' }],
    });
    expect(empty.json.error.message).toBe('Invalid Message Arguments: messages[1].data must not be empty');
    expect((await ams('POST', `${P}/topics/t1:publish`, { msgs: [] })).status).toBe(400);
    expect((await ams('GET', `${P}/subscriptions/s1:offsets`)).json.max).toBe(0);
  });

  it('answers 404 in AMS shape for a missing topic, subscription or action', async () => {
    expect((await ams('GET', `${P}/topics/nope`)).json.error).toEqual({
      code: 404,
      message: "Topic doesn't exist",
      status: 'NOT_FOUND',
    });
    expect((await ams('POST', `${P}/subscriptions/nope:pull`, {})).json.error.message).toBe(
      "Subscription doesn't exist",
    );
    expect((await ams('POST', `${P}/topics/t1:explode`, {})).status).toBe(404);
  });

  it('lets a publisher publish but not create topics, and a consumer pull its own subscription but not publish', async () => {
    await setup();
    const publisher = await h.token('publisher', 'SITE-A');
    const consumer = await h.token('consumer');
    expect((await ams('PUT', `${P}/topics/t2`, undefined, publisher)).status).toBe(403);
    const own = await ams('PUT', `${P}/subscriptions/c1`, { topic: 'projects/acc/topics/t1' }, consumer);
    expect(own.status).toBe(200);
    expect((await publish(1, publisher)).status).toBe(200);
    const forbidden = { code: 403, message: 'Access to this resource is forbidden', status: 'FORBIDDEN' };
    expect((await publish(1, consumer)).json.error).toEqual(forbidden);
    expect(
      (await ams('POST', `${P}/subscriptions/c1:pull`, {}, consumer)).json.receivedMessages,
    ).toHaveLength(1);
    // s1 is the admin's: admin-only
    expect((await ams('POST', `${P}/subscriptions/s1:pull`, {}, consumer)).json.error).toEqual(forbidden);
    expect((await ams('POST', `${P}/subscriptions/c1:pull`, {}, publisher)).status).toBe(403);
  });

  it("refuses a consumer moving the hub's ingest cursor, so the queued messages still load", async () => {
    await h.dispose();
    h = await openTestHub(dialect, { ingest: { autoStart: false } });
    const consumer = await h.token('consumer');
    const acc = '/v1/projects/accounting';
    const inject = (method: 'POST' | 'GET', url: string, token: string, payload?: unknown) =>
      h.app.inject({ method, url, headers: { 'x-api-key': token }, ...(payload ? { payload } : {}) });
    const published = await inject('POST', `${acc}/topics/eu-egi-cloud-accounting:publish`, h.adminToken, {
      messages: [{ data: b64('a') }, { data: b64('b') }],
    });
    expect(published.statusCode).toBe(200);
    const moved = await inject('POST', `${acc}/subscriptions/fedstack-ingest:modifyOffset`, consumer, {
      offset: 2,
    });
    expect(moved.statusCode).toBe(403);
    expect(moved.json()).toEqual({
      error: { code: 403, message: 'Access to this resource is forbidden', status: 'FORBIDDEN' },
    });
    expect((await h.app.hub.ingest!.drain()).messages).toBe(2);
  });

  it('waits for a publish when returnImmediately is "false"', async () => {
    await setup();
    const pull = ams('POST', `${P}/subscriptions/s1:pull`, { returnImmediately: 'false' });
    await new Promise((r) => setTimeout(r, 50));
    await publish(1);
    expect((await pull).json.receivedMessages).toHaveLength(1);
  });

  it('has published messages committed when publish returns (a second connection reads them after a restart)', async () => {
    await setup();
    await publish(2);
    await h.app.close();
    const second = HubStore.open(h.store.location);
    try {
      const app = await buildHub({ store: second, adminToken: h.adminToken, ingest: false });
      const res = await app.inject({
        method: 'POST',
        url: `${P}/subscriptions/s1:pull`,
        headers: { 'x-api-key': h.adminToken },
        payload: { maxMessages: '5' },
      });
      const data = (res.json() as AmsBody).receivedMessages.map((m) =>
        Buffer.from(m.message.data, 'base64').toString(),
      );
      expect(data).toEqual(['m0', 'm1']);
      await app.close();
    } finally {
      await second.close();
    }
  });
});
