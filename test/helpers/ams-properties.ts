// Property tests of the AMS routes, shared by the SQLite unit suite and the PostgreSQL integration suite.
import { expect } from 'vitest';
import { fc } from './fuzz.js';
import type { HubApp } from '../../src/hub/app.js';

/** What a property needs: a hub and tokens of each role. */
export interface AmsTarget {
  readonly app: HubApp;
  readonly adminToken: string;
  readonly consumerToken: string;
  readonly publisherToken: string;
}

/** One answer of the hub. */
export interface AmsAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** Sends one request (a string payload is sent as is, anything else as JSON). */
export async function send(
  target: Pick<AmsTarget, 'app' | 'adminToken'>,
  method: string,
  url: string,
  payload?: unknown,
  token: string = target.adminToken,
): Promise<AmsAnswer> {
  const res = await target.app.inject({
    method: method as 'GET',
    url,
    headers: { 'x-api-key': token, 'content-type': 'application/json' },
    ...(payload === undefined
      ? {}
      : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
  });
  let body: unknown = res.body;
  try {
    body = res.body === '' ? {} : JSON.parse(res.body);
  } catch {
    // left as text: the shape check below reports it
  }
  return { status: res.statusCode, body };
}

/** Never a 5xx; every error is `{error:{code,message,status}}` with code equal to the HTTP status. */
export function expectAmsShape(answer: AmsAnswer, what: string): void {
  expect(answer.status, what).toBeLessThan(500);
  if (answer.status < 400) return;
  expect(answer.body, what).toEqual({
    error: { code: answer.status, message: expect.any(String), status: expect.stringMatching(/^[A-Z_]+$/) },
  });
}

/** Every byte of the UTF-8 form percent-encoded, so any string can be a path segment. */
export function encodeSegment(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Text of any code points, lone surrogates included. */
const anyText = (maxLength: number) => fc.string({ unit: 'binary', maxLength });

/** A message AMS accepts. */
export const validMessage = fc.record(
  {
    data: fc.uint8Array({ minLength: 1, maxLength: 48 }).map(b64),
    attributes: fc.dictionary(anyText(12), anyText(24), { maxKeys: 4 }),
  },
  { requiredKeys: ['data'] },
);

/** A message of any shape: valid, or with odd data and attributes, or not an object at all. */
const anyMessage = fc.oneof(
  validMessage,
  fc.record(
    {
      data: fc.oneof(anyText(16), fc.constant(''), fc.constant('YQ'), fc.jsonValue({ maxDepth: 2 })),
      attributes: fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.dictionary(anyText(8), fc.jsonValue({ maxDepth: 1 })),
      ),
      messageId: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A publish body of any shape, or text that may not be JSON at all. */
export const anyPublishBody = fc.oneof(
  fc.record({ messages: fc.array(anyMessage, { maxLength: 5 }) }),
  fc.record({ messages: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 3 }),
  anyText(40),
);

/** An integer or any other JSON value, as a generated field of a body. */
const anyField = fc.oneof(
  fc.integer(),
  fc.integer({ min: -5, max: 20 }),
  fc.double(),
  fc.constantFrom(1e300, -0, Number.MAX_SAFE_INTEGER + 2),
  anyText(12),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Bodies of `:pull`, `:acknowledge`, `:modifyOffset`, `:modifyAckDeadline` and subscription create. */
export const anySubscriptionRequest = fc.oneof(
  fc.record({
    action: fc.constant(':pull'),
    body: fc.record({ maxMessages: anyField, returnImmediately: anyField }, { requiredKeys: [] }),
  }),
  fc.record({
    action: fc.constant(':acknowledge'),
    body: fc.record(
      {
        ackIds: fc.oneof(
          fc.array(
            fc.oneof(
              anyText(30),
              fc.nat().map((n) => `projects/p/subscriptions/s:${n}`),
            ),
          ),
          anyField,
        ),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    action: fc.constant(':modifyOffset'),
    body: fc.record({ offset: anyField }, { requiredKeys: [] }),
  }),
  fc.record({
    action: fc.constant(':modifyAckDeadline'),
    body: fc.record({ ackDeadlineSeconds: anyField }, { requiredKeys: [] }),
  }),
  fc.record({
    action: fc.constant(''),
    body: fc.record(
      {
        topic: fc.oneof(
          fc.constant('projects/p/topics/t'),
          fc.constant('/projects/p/topics/none'),
          anyText(30),
          anyField,
        ),
        ackDeadlineSeconds: anyField,
        pushConfig: fc.oneof(fc.constant({}), fc.jsonValue({ maxDepth: 1 })),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({ action: fc.constantFrom(':pull', ':acknowledge', ':modifyOffset', ''), body: anyText(30) }),
);

/** The topic of the generic properties; the caller creates it with subscription `s` on it. */
export const FUZZ_PROJECT = 'p';

async function storedCount(target: AmsTarget): Promise<unknown> {
  return (await send(target, 'GET', `/v1/projects/${FUZZ_PROJECT}/subscriptions/s:offsets`)).body;
}

/** Creates topic `t` and subscription `s` in project `p`. */
export async function prepareFuzzTopic(target: AmsTarget): Promise<void> {
  expect((await send(target, 'PUT', '/v1/projects/p/topics/t')).status).toBe(200);
  expect(
    (await send(target, 'PUT', '/v1/projects/p/subscriptions/s', { topic: 'projects/p/topics/t' })).status,
  ).toBe(200);
}

/** Any publish body: never a 5xx, AMS-shaped errors, and a refused publish stores nothing. */
export async function checkPublishBodies(target: AmsTarget, numRuns?: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(anyPublishBody, fc.boolean(), async (body, asPublisher) => {
      const before = await storedCount(target);
      const token = asPublisher ? target.publisherToken : target.adminToken;
      const answer = await send(target, 'POST', '/v1/projects/p/topics/t:publish', body, token);
      expectAmsShape(answer, JSON.stringify(body));
      const after = (await storedCount(target)) as { max: number };
      if (answer.status !== 200) {
        expect(after).toEqual(before);
      } else {
        // accepted only when every message carries non-empty base64 data
        for (const m of (body as { messages: { data: unknown }[] }).messages) {
          expect(typeof m.data === 'string' && m.data.replace(/\r?\n/g, '') !== '').toBe(true);
          expect(Buffer.from(m.data as string, 'base64').length).toBeGreaterThan(0);
        }
        const ids = (answer.body as { messageIds: string[] }).messageIds;
        expect(after.max).toBe((before as { max: number }).max + ids.length);
      }
    }),
    numRuns === undefined ? {} : { numRuns },
  );
}

let runCounter = 0;

/**
 * Valid messages published in batches (with refused publishes between them) are pulled back exactly
 * once, in order, with their data and attributes, whatever the pull sizes.
 */
export async function checkPublishPullOrder(target: AmsTarget, numRuns?: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(validMessage, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }),
      fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 }),
      async (batches, pullSizes) => {
        const n = ++runCounter;
        const base = `/v1/projects/order/topics/t${n}`;
        expect((await send(target, 'PUT', base)).status).toBe(200);
        const sub = `/v1/projects/order/subscriptions/s${n}`;
        expect(
          (await send(target, 'PUT', sub, { topic: `projects/order/topics/t${n}` }, target.consumerToken))
            .status,
        ).toBe(200);
        const published: { data: string; attributes: Record<string, string> }[] = [];
        for (const batch of batches) {
          const ok = await send(
            target,
            'POST',
            `${base}:publish`,
            { messages: batch },
            target.publisherToken,
          );
          expect(ok.status).toBe(200);
          published.push(...batch.map((m) => ({ data: m.data, attributes: m.attributes ?? {} })));
          const refused = await send(target, 'POST', `${base}:publish`, {
            messages: [...batch, { data: '' }],
          });
          expect(refused.status).toBe(400);
        }
        const received: { data: string; attributes: Record<string, string> }[] = [];
        for (let i = 0; received.length < published.length && i < published.length + 2; i++) {
          const size = pullSizes[i % pullSizes.length]!;
          const pulled = await send(
            target,
            'POST',
            `${sub}:pull`,
            { maxMessages: String(size) },
            target.consumerToken,
          );
          const messages = (
            pulled.body as { receivedMessages: { ackId: string; message: (typeof received)[0] }[] }
          ).receivedMessages;
          expect(messages.length).toBeLessThanOrEqual(size);
          if (messages.length === 0) break;
          received.push(...messages.map((m) => ({ data: m.message.data, attributes: m.message.attributes })));
          const ack = await send(
            target,
            'POST',
            `${sub}:acknowledge`,
            { ackIds: [messages.at(-1)!.ackId] },
            target.consumerToken,
          );
          expect(ack.status).toBe(200);
        }
        expect(received).toEqual(published);
        const rest = await send(target, 'POST', `${sub}:pull`, { maxMessages: '10' }, target.consumerToken);
        expect(rest.body).toEqual({ receivedMessages: [] });
      },
    ),
    numRuns === undefined ? {} : { numRuns },
  );
}

/** Any subscription request body, from an admin or a consumer: never a 5xx, AMS-shaped errors. */
export async function checkSubscriptionBodies(target: AmsTarget, numRuns?: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      anySubscriptionRequest,
      fc.boolean(),
      fc.constantFrom('s', 'c', 'new'),
      async (req, asConsumer, name) => {
        const token = asConsumer ? target.consumerToken : target.adminToken;
        const method = req.action === '' ? 'PUT' : 'POST';
        const url = `/v1/projects/p/subscriptions/${name}${req.action}`;
        expectAmsShape(
          await send(target, method, url, req.body, token),
          `${method} ${url} ${JSON.stringify(req.body)}`,
        );
        if (req.action === '' && name === 'new')
          await send(target, 'DELETE', '/v1/projects/p/subscriptions/new');
      },
    ),
    numRuns === undefined ? {} : { numRuns },
  );
}

const anyName = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/),
  fc.constantFrom('p', 't', 's', 'fedstack-ingest'),
  anyText(20),
  fc.string({ minLength: 150, maxLength: 260, unit: fc.constantFrom('a', '_', '-', '.') }),
);
const anyAction = fc.oneof(
  fc.constant(''),
  fc.constantFrom(
    ':publish',
    ':pull',
    ':acknowledge',
    ':offsets',
    ':timeToOffset',
    ':modifyOffset',
    ':x',
    ':',
  ),
  anyText(10).map((a) => `:${a}`),
);

/** Any project, topic or subscription name and action in the path, any method: AMS shapes only. */
export async function checkPathNames(target: AmsTarget, numRuns?: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      anyName,
      anyName,
      anyAction,
      fc.constantFrom('topics', 'subscriptions'),
      fc.constantFrom('GET', 'PUT', 'POST', 'DELETE'),
      fc.boolean(),
      async (project, name, action, kind, method, asConsumer) => {
        const url = `/v1/projects/${encodeSegment(project)}/${kind}/${encodeSegment(name + action)}`;
        const token = asConsumer ? target.consumerToken : target.adminToken;
        expectAmsShape(
          await send(target, method, url, method === 'GET' ? undefined : {}, token),
          `${method} ${url}`,
        );
      },
    ),
    numRuns === undefined ? {} : { numRuns },
  );
}

/** Any query string on the AMS GET routes: AMS shapes only. */
export async function checkQueryStrings(target: AmsTarget, numRuns?: number): Promise<void> {
  const routes = [
    '/v1/projects/p/topics',
    '/v1/projects/p/topics/t',
    '/v1/projects/p/subscriptions',
    '/v1/projects/p/subscriptions/s',
    '/v1/projects/p/subscriptions/s:offsets',
    '/v1/projects/p/subscriptions/s:timeToOffset',
    '/v1/projects/p/topics/t/subscriptions',
  ];
  const key = fc.oneof(
    fc.constantFrom('time', 'key', 'pageSize', 'pageToken', '__proto__', 'constructor'),
    anyText(8),
  );
  const value = fc.oneof(
    fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'Invalid' : d.toISOString())),
    fc.constantFrom('2024-02-30T00:00:00Z', '1969-07-20T20:17:40.000Z', '+275760-09-13T00:00:00.000Z', ''),
    anyText(20),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...routes),
      fc.array(fc.tuple(key, value), { maxLength: 4 }),
      async (route, pairs) => {
        const query = pairs.map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`).join('&');
        const url = `${route}?${query}`;
        expectAmsShape(await send(target, 'GET', url), url);
      },
    ),
    numRuns === undefined ? {} : { numRuns },
  );
}
