import { afterEach, describe, expect, it } from 'vitest';
import {
  OpenStackError,
  OpenStackSession,
  collectAll,
  paginate,
  normalizeKeystoneUrl,
  redactUrl,
  selectEndpoint,
  parseCatalog,
} from '../../../src/openstack/index.js';
import { extractServerMessage } from '../../../src/openstack/transport.js';
import { startStub, tokenBody } from '../../helpers/stub-server.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

function session(url: string, timeoutMs = 2_000, renewBeforeMs = 0): OpenStackSession {
  return new OpenStackSession({
    authUrl: `${url}/identity/v3/`,
    auth: { kind: 'password', username: 'user', password: 'pw' },
    scope: { projectId: 'p1' },
    timeoutMs,
    renewBeforeMs,
  });
}

describe('Keystone URL handling', () => {
  it('normalises every usual spelling to one …/v3 URL', () => {
    for (const u of [
      'https://k.example.org:5000',
      'https://k.example.org:5000/',
      'https://k.example.org:5000/v3',
      'https://k.example.org:5000/v3/',
      'https://k.example.org:5000/v3/v3',
      'https://k.example.org:5000/v2.0',
    ])
      expect(normalizeKeystoneUrl(u)).toBe('https://k.example.org:5000/v3');
    expect(normalizeKeystoneUrl('https://k.example.org/identity/v3/')).toBe(
      'https://k.example.org/identity/v3',
    );
  });

  it('drops query values and credentials from URLs shown in errors', () => {
    expect(redactUrl('https://u:p@h/x?token=abc&limit=1')).toBe('https://h/x?token=…&limit=…');
  });
});

describe('catalog', () => {
  const catalog = parseCatalog([
    {
      type: 'compute',
      endpoints: [
        { interface: 'public', region_id: 'A', url: 'https://a/compute/' },
        { interface: 'internal', region_id: 'A', url: 'https://internal-a/compute' },
        { interface: 'public', region_id: 'B', url: 'https://b/compute' },
      ],
    },
    {
      type: 'block-storage',
      endpoints: [{ interface: 'public', region_id: 'A', url: 'https://a/volume/v3/p' }],
    },
  ]);

  it('chooses by service type, interface and region', () => {
    expect(selectEndpoint(catalog, 'compute', 'public', 'B')).toBe('https://b/compute');
    expect(selectEndpoint(catalog, 'compute', 'internal', 'A')).toBe('https://internal-a/compute');
    expect(selectEndpoint(catalog, 'volumev3', 'public', 'A')).toBe('https://a/volume/v3/p');
  });

  it('names what it looked for and what exists when no endpoint matches', () => {
    expect(() => selectEndpoint(catalog, 'image', 'public', 'A')).toThrow(
      /no public endpoint for service image in region A .*compute\/public\/A/,
    );
  });
});

describe('request pipeline', () => {
  it('follows a redirect on the same host and refuses one to another host, keeping the token home', async () => {
    const other = await startStub((_req, res) => res.writeHead(200).end('{}'));
    const stub = await startStub((req, res) => {
      if (req.url!.endsWith('/auth/tokens'))
        return res.writeHead(201, { 'X-Subject-Token': 'tok-1' }).end(tokenBody(stub.url));
      if (req.url!.endsWith('/moved')) return res.writeHead(301, { Location: '/compute/v2.1/here' }).end();
      if (req.url!.endsWith('/away')) return res.writeHead(302, { Location: `${other.url}/steal` }).end();
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"at":"here"}');
    });
    close = async () => {
      await stub.close();
      await other.close();
    };
    const s = session(stub.url);
    expect(await s.json({ service: 'compute', method: 'GET', path: 'moved' })).toEqual({ at: 'here' });
    const error = (await s
      .json({ service: 'compute', method: 'GET', path: 'away' })
      .catch((e) => e)) as OpenStackError;
    expect(error).toBeInstanceOf(OpenStackError);
    expect(error.message).toContain(`refused to follow a redirect to ${other.url}`);
    expect(other.requests).toHaveLength(0);
  });

  it('retries a GET after 503 and honours Retry-After', async () => {
    const stub = await startStub((req, res, n) => {
      if (req.url!.endsWith('/auth/tokens')) {
        res
          .writeHead(201, { 'X-Subject-Token': 'tok-1', 'Content-Type': 'application/json' })
          .end(tokenBody(stub.url));
      } else if (n === 2) {
        res.writeHead(503, { 'Retry-After': '0' }).end('busy');
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
      }
    });
    close = stub.close;
    const s = session(stub.url);
    expect(await s.json({ service: 'compute', method: 'GET', path: 'x' })).toEqual({ ok: true });
    expect(stub.requests.filter((r) => r.url.endsWith('/x'))).toHaveLength(2);
    expect(stub.requests[0]!.url).toBe('/identity/v3/auth/tokens');
  });

  it('never retries a POST after a 503', async () => {
    const stub = await startStub((req, res) => {
      if (req.url!.endsWith('/auth/tokens'))
        res.writeHead(201, { 'X-Subject-Token': 't' }).end(tokenBody(stub.url));
      else
        res
          .writeHead(503, { 'x-openstack-request-id': 'req-9' })
          .end('{"computeFault":{"message":"down for maintenance"}}');
    });
    close = stub.close;
    const error = (await session(stub.url)
      .json({ service: 'compute', method: 'POST', path: 'servers', body: {} })
      .catch((e) => e)) as OpenStackError;
    expect(error).toBeInstanceOf(OpenStackError);
    expect(error).toMatchObject({
      status: 503,
      requestId: 'req-9',
      attempts: 1,
      serverMessage: 'down for maintenance',
      fault: 'server',
      service: 'compute',
      method: 'POST',
    });
    expect(error.message).toContain('down for maintenance');
    expect(stub.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/servers'))).toHaveLength(1);
  });

  it('stops waiting for a retry as soon as the caller aborts', async () => {
    const stub = await startStub((req, res) => {
      if (req.url!.endsWith('/auth/tokens'))
        return res.writeHead(201, { 'X-Subject-Token': 't' }).end(tokenBody(stub.url));
      res.writeHead(503, { 'Retry-After': '5' }).end('busy');
    });
    close = stub.close;
    const controller = new AbortController();
    const reason = new Error('the caller gave up');
    setTimeout(() => controller.abort(reason), 200);
    const started = Date.now();
    const error = await session(stub.url)
      .json({ service: 'compute', method: 'GET', path: 'x', signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('gives up within the timeout when a service never answers', async () => {
    const stub = await startStub((req, res) => {
      if (req.url!.endsWith('/auth/tokens'))
        res.writeHead(201, { 'X-Subject-Token': 't' }).end(tokenBody(stub.url));
      // otherwise: never answer
    });
    close = stub.close;
    const started = Date.now();
    const s = new OpenStackSession({
      authUrl: `${stub.url}/identity/v3`,
      auth: { kind: 'token', token: 'x' },
      timeoutMs: 300,
    });
    const error = (await s
      .json({ service: 'compute', method: 'POST', path: 'slow' })
      .catch((e) => e)) as OpenStackError;
    expect(error.code).toBe('OPENSTACK_NETWORK');
    expect(error.message).toContain('no answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('renews the token when it comes within the renewal margin of expires_at', async () => {
    let tokens = 0;
    const stub = await startStub((req, res) => {
      if (req.url!.endsWith('/auth/tokens')) {
        tokens++;
        const expires = new Date(Date.now() + 1_000).toISOString(); // shorter than the 5 s margin
        return res.writeHead(201, { 'X-Subject-Token': `tok-${tokens}` }).end(tokenBody(stub.url, expires));
      }
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(`{"token":"${req.headers['x-auth-token']}"}`);
    });
    close = stub.close;
    const s = session(stub.url, 2_000, 5_000);
    expect((await s.json<{ token: string }>({ service: 'compute', method: 'GET', path: 'a' })).token).toBe(
      'tok-1',
    );
    expect((await s.json<{ token: string }>({ service: 'compute', method: 'GET', path: 'b' })).token).toBe(
      'tok-1',
    );
    await new Promise((r) => setTimeout(r, 600)); // past half of its life: renewed before it expires
    expect((await s.json<{ token: string }>({ service: 'compute', method: 'GET', path: 'c' })).token).toBe(
      'tok-2',
    );
  });

  it('authenticates again once after a 401 and repeats the request', async () => {
    let tokens = 0;
    const stub = await startStub((req, res) => {
      if (req.url!.endsWith('/auth/tokens')) {
        tokens++;
        return res.writeHead(201, { 'X-Subject-Token': `tok-${tokens}` }).end(tokenBody(stub.url));
      }
      if (req.headers['x-auth-token'] === 'tok-1')
        return res.writeHead(401).end('{"error":{"message":"revoked"}}');
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(`{"token":"${req.headers['x-auth-token']}"}`);
    });
    close = stub.close;
    expect(
      (await session(stub.url).json<{ token: string }>({ service: 'compute', method: 'GET', path: 'a' }))
        .token,
    ).toBe('tok-2');
    expect(tokens).toBe(2);
  });

  it('sends refused credentials to Keystone only once, also with an endpoint override', async () => {
    const stub = await startStub((_req, res) =>
      res
        .writeHead(401, { 'Content-Type': 'application/json' })
        .end('{"error":{"code":401,"message":"The request you have made requires authentication."}}'),
    );
    close = stub.close;
    const s = new OpenStackSession({
      authUrl: `${stub.url}/identity/v3`,
      auth: { kind: 'password', username: 'user', password: 'wrong' },
      endpointOverrides: { compute: `${stub.url}/compute/v2.1` },
    });
    const error = (await s
      .json({ service: 'compute', method: 'GET', path: 'a' })
      .catch((e) => e)) as OpenStackError;
    expect(error.code).toBe('OPENSTACK_AUTH');
    expect(stub.requests.filter((r) => r.url.endsWith('/auth/tokens'))).toHaveLength(1);
  });

  it('names the service when an answer body stops arriving within the timeout', async () => {
    const stub = await startStub((req, res) => {
      if (req.url!.endsWith('/auth/tokens'))
        return res.writeHead(201, { 'X-Subject-Token': 't' }).end(tokenBody(stub.url));
      res.writeHead(200, { 'Content-Type': 'application/json' }).write('{"servers": ['); // and no more
    });
    close = stub.close;
    const error = (await session(stub.url, 300)
      .json({ service: 'compute', method: 'GET', path: 'servers/detail' })
      .catch((e) => e)) as OpenStackError;
    expect(error).toBeInstanceOf(OpenStackError);
    expect(error).toMatchObject({ code: 'OPENSTACK_NETWORK', service: 'compute', status: 200 });
    expect(error.message).toContain('no complete answer within 300 ms');
  });

  it('leaves query values out of the error for an answer that is not JSON', async () => {
    const stub = await startStub((req, res) => {
      if (req.url!.endsWith('/auth/tokens'))
        return res.writeHead(201, { 'X-Subject-Token': 't' }).end(tokenBody(stub.url));
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>login page</html>');
    });
    close = stub.close;
    const error = (await session(stub.url)
      .json({ service: 'compute', method: 'GET', path: 'x', query: { marker: 'private-value' } })
      .catch((e) => e)) as OpenStackError;
    expect(error.code).toBe('OPENSTACK_BAD_RESPONSE');
    expect(error.url).toMatch(/\/compute\/v2\.1\/x\?marker=…$/);
    expect(error.message).not.toContain('private-value');
  });

  it('names Keystone when the token answer is not JSON (an SSO page in front of it)', async () => {
    const stub = await startStub((_req, res) =>
      res.writeHead(201, { 'X-Subject-Token': 't', 'Content-Type': 'text/html' }).end('<html>sign in</html>'),
    );
    close = stub.close;
    const error = (await session(stub.url)
      .token()
      .catch((e) => e)) as OpenStackError;
    expect(error).toBeInstanceOf(OpenStackError);
    expect(error).toMatchObject({ code: 'OPENSTACK_BAD_RESPONSE', service: 'identity', status: 201 });
    expect(error.message).toContain('the token answer is not JSON');
  });

  it('follows next links against its own endpoint and stops when a marker repeats', async () => {
    const stub = await startStub((req, res) => {
      if (req.url!.endsWith('/auth/tokens'))
        return res.writeHead(201, { 'X-Subject-Token': 't' }).end(tokenBody(stub.url));
      const marker = new URL(req.url!, 'http://x').searchParams.get('marker');
      const page = marker === null ? 1 : marker === 'a' ? 2 : 3;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          servers: [{ id: `s${page}` }],
          // an internal host name in the link, and a loop back to marker b at the end
          servers_links: [
            {
              rel: 'next',
              href: `http://internal:8774/v2.1/servers/detail?marker=${page === 1 ? 'a' : 'b'}`,
            },
          ],
        }),
      );
    });
    close = stub.close;
    const all = await collectAll(
      paginate(
        session(stub.url),
        { service: 'compute', method: 'GET', path: 'servers/detail' },
        { itemsKey: 'servers', parse: (r) => r.id },
      ),
    );
    expect(all).toEqual(['s1', 's2', 's3']);
  });
});

describe('server messages', () => {
  it('reads the message of Nova, Neutron, Keystone and HTML error bodies', () => {
    expect(
      extractServerMessage('{"itemNotFound":{"code":404,"message":"Flavor x could not be found."}}'),
    ).toBe('Flavor x could not be found.');
    expect(extractServerMessage('{"NeutronError":{"type":"X","message":"Quota exceeded"}}')).toBe(
      'Quota exceeded',
    );
    expect(
      extractServerMessage(
        '{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}',
      ),
    ).toBe('The request you have made requires authentication.');
    expect(extractServerMessage('<html><body><h1>502 Bad Gateway</h1></body></html>')).toBe(
      '502 Bad Gateway',
    );
  });
});
