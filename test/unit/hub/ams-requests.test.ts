// AMS request checks: long names, publish bodies, offsets, times and query strings, all answered in AMS's shape.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseZuluTime } from '../../../src/hub/messaging/ams-values.js';
import { send } from '../../helpers/ams-properties.js';
import { openTestHub } from '../../helpers/test-hub.js';
import type { TestHub } from '../../helpers/test-hub.js';

const P = '/v1/projects/acc';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

interface AmsBody {
  error: { code: number; message: string; status: string };
  [key: string]: unknown;
}

describe('AMS requests (inject, SQLite)', () => {
  let h: TestHub;
  beforeEach(async () => {
    h = await openTestHub('sqlite', { ingest: false });
    await ams('PUT', `${P}/topics/t1`);
    await ams('PUT', `${P}/subscriptions/s1`, { topic: 'projects/acc/topics/t1' });
  });
  afterEach(async () => h.dispose());

  async function ams(method: string, url: string, payload?: unknown, token = h.adminToken) {
    const answer = await send(h, method, url, payload, token);
    return { status: answer.status, json: answer.body as AmsBody };
  }

  const stored = async () => (await ams('GET', `${P}/subscriptions/s1:offsets`)).json.max;

  it('accepts names of up to 200 characters and refuses longer ones with AMS 400, not 414', async () => {
    for (const n of [101, 150, 200]) {
      const name = 'a'.repeat(n);
      expect((await ams('PUT', `${P}/topics/${name}`)).status, `topic of ${n}`).toBe(200);
      const sub = await ams('PUT', `${P}/subscriptions/${name}`, { topic: `projects/acc/topics/${name}` });
      expect(sub.status).toBe(200);
      expect(
        (await ams('POST', `${P}/subscriptions/${name}:modifyAckDeadline`, { ackDeadlineSeconds: 5 })).status,
      ).toBe(200);
      expect((await ams('GET', `/v1/projects/${name}/topics`)).status).toBe(200);
    }
    for (const n of [201, 5000]) {
      expect((await ams('PUT', `${P}/topics/${'a'.repeat(n)}`)).json.error).toEqual({
        code: 400,
        message: 'Invalid Topic name',
        status: 'INVALID_ARGUMENT',
      });
      expect((await ams('GET', `/v1/projects/${'p'.repeat(n)}/topics`)).json.error.message).toBe(
        'Invalid Project name',
      );
    }
  });

  it.each([
    ['empty data', { messages: [{ data: '' }] }, 'messages[0].data must not be empty'],
    ['data of line breaks only', { messages: [{ data: '\n' }] }, 'messages[0].data must not be empty'],
    ['missing data', { messages: [{ attributes: {} }] }, 'messages[0].data must be a base64 string'],
    ['numeric data', { messages: [{ data: 12 }] }, 'messages[0].data must be a base64 string'],
    [
      'invalid base64',
      { messages: [{ data: b64('ok') }, { data: 'not base64!' }] },
      'messages[1].data is not base64',
    ],
    ['unpadded base64', { messages: [{ data: 'YQ' }] }, 'messages[0].data is not base64'],
    ['a message that is a string', { messages: ['aGk='] }, 'messages[0] must be an object'],
    ['a null message', { messages: [null] }, 'messages[0] must be an object'],
    ['missing messages', {}, 'messages is missing'],
    ['messages not a list', { messages: { data: 'aGk=' } }, 'messages must be a list'],
    ['no messages', { messages: [] }, 'messages must not be empty'],
    ['a body that is a list', [{ data: 'aGk=' }], 'body must be an object with "messages"'],
    [
      'attributes as a list',
      { messages: [{ data: 'aGk=', attributes: ['a'] }] },
      'messages[0].attributes must be an object of strings',
    ],
    [
      'a numeric attribute',
      { messages: [{ data: 'aGk=', attributes: { n: 1 } }] },
      'messages[0].attributes["n"] must be a string',
    ],
    [
      'too many attributes',
      {
        messages: [
          {
            data: 'aGk=',
            attributes: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, 'v'])),
          },
        ],
      },
      'messages[0].attributes has more than 100 attributes',
    ],
    [
      'huge attributes',
      { messages: [{ data: 'aGk=', attributes: { big: 'x'.repeat(70_000) } }] },
      'messages[0].attributes exceed 65536 bytes',
    ],
    [
      'too many messages',
      { messages: Array.from({ length: 1001 }, () => ({ data: 'aGk=' })) },
      'messages has more than 1000 messages; publish them in several requests',
    ],
  ])(
    'refuses a publish with %s in AMS 400 naming the field, storing nothing',
    async (_what, body, problem) => {
      const res = await ams('POST', `${P}/topics/t1:publish`, body);
      expect(res).toEqual({
        status: 400,
        json: {
          error: { code: 400, message: `Invalid Message Arguments: ${problem}`, status: 'INVALID_ARGUMENT' },
        },
      });
      expect(await stored()).toBe(0);
    },
  );

  it('accepts base64 wrapped over lines and stores it without the line breaks', async () => {
    const data = b64('x'.repeat(100));
    const wrapped = `${data.slice(0, 76)}\r\n${data.slice(76)}`;
    expect((await ams('POST', `${P}/topics/t1:publish`, { messages: [{ data: wrapped }] })).status).toBe(200);
    const pulled = await ams('POST', `${P}/subscriptions/s1:pull`, {});
    expect((pulled.json.receivedMessages as { message: { data: string } }[])[0]!.message.data).toBe(data);
  });

  it.each([
    ['a negative offset', { offset: -1 }, 'Offset out of bounds'],
    ['an offset past the end', { offset: 1 }, 'Offset out of bounds'],
    ['a huge offset', { offset: 1e300 }, 'Invalid Offset Arguments'],
    ['a fractional offset', { offset: 0.5 }, 'Invalid Offset Arguments'],
    ['an offset as text', { offset: '0' }, 'Invalid Offset Arguments'],
    ['no offset', {}, 'Invalid Offset Arguments'],
  ])('refuses :modifyOffset with %s and keeps the cursor', async (_what, body, message) => {
    const res = await ams('POST', `${P}/subscriptions/s1:modifyOffset`, body);
    expect(res).toEqual({ status: 400, json: { error: { code: 400, message, status: 'INVALID_ARGUMENT' } } });
    expect((await ams('GET', `${P}/subscriptions/s1:offsets`)).json).toEqual({ max: 0, min: 0, current: 0 });
  });

  it.each([
    '2024-02-30T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '10000-01-01T00:00:00Z',
    '+275760-09-13T00:00:00.000Z',
    '2024-01-01T00:00:00+01:00Z',
    'Tue, 01 Jan 2024 00:00:00 GMT Z',
    '1Z',
    '',
  ])('refuses :timeToOffset at %j with AMS 400', async (time) => {
    const res = await ams('GET', `${P}/subscriptions/s1:timeToOffset?time=${encodeURIComponent(time)}`);
    expect(res.json.error).toEqual({
      code: 400,
      message: 'Time is not in valid Zulu format.',
      status: 'INVALID_ARGUMENT',
    });
  });

  it('answers :timeToOffset for times before 1970 and in year 9999', async () => {
    await ams('POST', `${P}/topics/t1:publish`, { messages: [{ data: 'aGk=' }] });
    const early = await ams('GET', `${P}/subscriptions/s1:timeToOffset?time=0001-01-01T00:00:00.000Z`);
    expect(early).toEqual({ status: 200, json: { offset: 0 } });
    const late = await ams('GET', `${P}/subscriptions/s1:timeToOffset?time=9999-12-31T23:59:59.999Z`);
    expect(late.json.error).toMatchObject({ code: 409, status: 'CONFLICT' });
  });

  it('returns about 16 MiB of data per pull at most, the rest on the next pulls', async () => {
    const big = Buffer.alloc(1024 * 1024, 66).toString('base64');
    const messages = Array.from({ length: 20 }, () => ({ data: big }));
    expect((await ams('POST', `${P}/topics/t1:publish`, { messages })).status).toBe(200);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const pulled = await ams('POST', `${P}/subscriptions/s1:pull`, { maxMessages: '1000' });
      const received = pulled.json.receivedMessages as { ackId: string; message: { messageId: string } }[];
      expect(received.length * big.length).toBeLessThanOrEqual(16 * 1024 * 1024);
      ids.push(...received.map((m) => m.message.messageId));
      if (received.length > 0) {
        await ams('POST', `${P}/subscriptions/s1:acknowledge`, { ackIds: [received.at(-1)!.ackId] });
      }
    }
    expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });

  it('refuses an acknowledgement of more than 1,000 ack ids', async () => {
    const ackIds = Array.from({ length: 1001 }, () => 'projects/acc/subscriptions/s1:0');
    const res = await ams('POST', `${P}/subscriptions/s1:acknowledge`, { ackIds });
    expect(res.json.error).toEqual({
      code: 400,
      message: 'Invalid ack parameter',
      status: 'INVALID_ARGUMENT',
    });
  });

  it('refuses unknown and repeated query parameters by name, and keeps ?key= working', async () => {
    const unknown = await ams('GET', `${P}/subscriptions/s1?details=true`);
    expect(unknown.json.error).toEqual({
      code: 400,
      message: expect.stringMatching(/"details" is not known/),
      status: 'INVALID_ARGUMENT',
    });
    const twice = await ams('GET', `${P}/subscriptions/s1:timeToOffset?time=a&time=b`);
    expect(twice.json.error).toMatchObject({
      code: 400,
      message: expect.stringMatching(/"time" is given more than once/),
    });
    const res = await h.app.inject({
      method: 'GET',
      url: `${P}/topics?key=${encodeURIComponent(h.adminToken)}&pageSize=10`,
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('parseZuluTime', () => {
  it('reads AMS times to the millisecond, before 1970 too', () => {
    expect(parseZuluTime('2024-03-01T00:00:00Z')).toBe(Date.UTC(2024, 2, 1));
    expect(parseZuluTime('2024-03-01T00:00:00.123456789Z')).toBe(Date.UTC(2024, 2, 1) + 123);
    // years 0-99 stay years 0-99 (Date.UTC would read 50 as 1950)
    expect(parseZuluTime('0050-01-01T00:00:00Z')).toBe(new Date('0050-01-01T00:00:00Z').getTime());
    expect(parseZuluTime('1969-12-31T23:59:59.999Z')).toBe(-1);
  });
});
