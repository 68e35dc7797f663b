// The hub client's edges on a stub server: which calls are sent again, odd answers, secrets kept out of errors.
import { describe, expect, it } from 'vitest';
import { HubClient, HubClientError } from '../../../src/hub-client/index.js';
import { publishToAms } from '../../../src/site/index.js';
import { rejectionOf } from '../../helpers/expect-rejection.js';
import { useStubServers, type StubHandler } from '../../helpers/stub-server.js';

const TOKEN = 'secret-hub-token-1234';
const stub = useStubServers();

const unavailable: StubHandler = (_req, res) =>
  res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance');

describe('the hub client over HTTP', () => {
  it('sends an AMS publish once, also when the answer is a transient 503', async () => {
    const server = await stub(unavailable);
    const hub = new HubClient({ url: server.url, token: TOKEN });
    const error = await rejectionOf(hub.ams.publish('p', 't', [{ data: 'x' }]), HubClientError);
    expect(server.requests).toHaveLength(1);
    expect(error).toMatchObject({
      code: 'AMS_ERROR',
      status: 503,
      attempts: 1,
      bodyText: 'down for maintenance',
    });
    expect(error.hubCode).toBeUndefined();
  });

  it('sends a GLUE publish (PUT) again after a transient 503, and reads the answer that follows', async () => {
    const server = await stub((req, res, count) => {
      if (count === 1) return unavailable(req, res, count);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ site: 'S', shares: 1, expires_at: '2030-01-01T00:00:00.000Z', state: 'ok' }));
    });
    const hub = new HubClient({ url: server.url, token: TOKEN });
    expect(await hub.infosys.publishGlue('S', '{}')).toMatchObject({ site: 'S', shares: 1 });
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'PUT /v1/site/S/glue',
      'PUT /v1/site/S/glue',
    ]);
    expect(server.requests[1]!.headers['x-api-key']).toBe(TOKEN);
  });

  it('keeps a path prefix of the base URL and encodes path segments and queries', async () => {
    const server = await stub((_req, res) => res.end('[]'));
    const hub = new HubClient({ url: `${server.url}/hub/` });
    await hub.infosys.voImages('SITE A', 'vo/x', { vo_name: 'a b', only_egi_images: false });
    await hub.accounting.summaries({ site: ['A', 'B'], group_by: ['site', 'month'], to: '2024-02' });
    expect(server.requests.map((r) => r.url)).toEqual([
      '/hub/v1/site/SITE%20A/vo%2Fx/images?vo_name=a+b&only_egi_images=false',
      '/hub/v1/accounting/summaries?site=A%2CB&group_by=site%2Cmonth&to=2024-02&format=json',
    ]);
    expect(server.requests[0]!.headers['x-api-key']).toBeUndefined();
  });

  it('keeps the token out of an error even when the remote echoes it', async () => {
    const server = await stub((_req, res) =>
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'HUB_UNAUTHENTICATED', message: `unknown token ${TOKEN}` } })),
    );
    const hub = new HubClient({ url: server.url, token: TOKEN });
    const error = await rejectionOf(hub.accounting.sites(), HubClientError);
    expect(error).toMatchObject({ code: 'HUB_UNAUTHENTICATED', hubMessage: 'unknown token [redacted]' });
    expect(error.cause).toBeUndefined();
    expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain(TOKEN);
  });

  it('refuses an answer that is not JSON, and a publish answer without one id per message', async () => {
    const server = await stub((req, res) =>
      res.end(req.url!.includes(':publish') ? JSON.stringify({ messageIds: ['1'] }) : '<html>'),
    );
    const hub = new HubClient({ url: server.url, token: TOKEN });
    expect(await rejectionOf(hub.infosys.sites(), HubClientError)).toMatchObject({
      code: 'HTTP_REQUEST_FAILED',
      kind: 'response',
      status: 200,
      message: `hub ${server.url}: GET /v1/sites answered with a body that is not JSON`,
    });
    expect(
      await rejectionOf(hub.ams.publish('p', 't', [{ data: 'a' }, { data: 'b' }]), HubClientError),
    ).toMatchObject({
      code: 'AMS_ERROR',
      kind: 'response',
      summary: 'did not return one message id per message',
    });
  });

  it('names an unreachable hub without its credentials, and refuses a URL that is not http(s)', async () => {
    const hub = new HubClient({ url: 'http://user:pw@127.0.0.1:1', token: TOKEN });
    const error = await rejectionOf(hub.infosys.vos(), HubClientError);
    expect(error).toMatchObject({
      code: 'HTTP_REQUEST_FAILED',
      kind: 'refused',
      hubUrl: 'http://127.0.0.1:1',
    });
    expect(error.message).not.toContain('pw');
    const down = await rejectionOf(
      new HubClient({ url: 'http://127.0.0.1:1' }).ams.listTopics('p'),
      HubClientError,
    );
    expect(down).toMatchObject({ code: 'HTTP_REQUEST_FAILED', kind: 'network' });
    expect(() => new HubClient({ url: 'ftp://hub.example.org' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });

  it('rejects with the abort reason when the caller aborts', async () => {
    const server = await stub(() => undefined); // never answers
    const hub = new HubClient({ url: server.url });
    const controller = new AbortController();
    const pending = hub.infosys.sites({}, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 50);
    await expect(pending).rejects.toThrow('stop');
  });
});

describe('publishToAms on the hub client', () => {
  it('keeps the AMS URL shape, x-api-key and base64 data, and AMS_ERROR naming the URL', async () => {
    const bodies: string[] = [];
    const server = await stub((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        bodies.push(text);
        if (bodies.length === 1) return res.end(JSON.stringify({ messageIds: ['7'] }));
        res.writeHead(502).end('bad gateway');
      });
    });
    const dest = { url: `${server.url}/`, project: 'acc', topic: 'eu-egi', token: TOKEN };
    expect(await publishToAms(dest, [{ data: 'hello', attributes: { empaid: 'e1' } }])).toEqual(['7']);
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      url: '/v1/projects/acc/topics/eu-egi:publish',
    });
    expect(server.requests[0]!.headers['x-api-key']).toBe(TOKEN);
    expect(JSON.parse(bodies[0]!)).toEqual({
      messages: [{ attributes: { empaid: 'e1' }, data: Buffer.from('hello').toString('base64') }],
    });
    await expect(publishToAms(dest, [{ data: 'x' }])).rejects.toMatchObject({
      code: 'AMS_ERROR',
      message: `AMS ${server.url}/v1/projects/acc/topics/eu-egi:publish answered 502: bad gateway`,
    });
    expect(server.requests).toHaveLength(2); // the 502 was not sent again
  });
});
