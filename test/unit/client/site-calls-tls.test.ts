// A site whose Keystone and Nova have a certificate of a CA outside Node's roots (as IGTF CAs are):
// refused with a line naming the roots it was checked against, and listed once ca_path names the
// CA directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientConfig } from '../../../src/client/client-config.js';
import type { ClientSite } from '../../../src/client/client-sites.js';
import { callSites } from '../../../src/client/site-calls.js';
import { collectAll, paginateServers } from '../../../src/openstack/index.js';
import { createTestTlsHost } from '../../helpers/openssl-ca.js';

function fakeJwt(): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ iss: 'https://idp.example.org', sub: 'u', exp: Date.now() / 1000 + 3600 })}.x`;
}

describe('a site with a grid CA certificate', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-client-tls-'));
  let server: Server;
  let base = '';

  beforeAll(async () => {
    const host = createTestTlsHost(dir);
    server = createServer({ key: host.key, cert: host.cert }, (req, res) => {
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      const expires_at = new Date(Date.now() + 3_600_000).toISOString();
      req.resume();
      req.on('end', () => {
        if (req.url?.includes('/OS-FEDERATION/'))
          return json(201, { token: { expires_at, user: { id: 'u' } } }, { 'x-subject-token': 'unscoped' });
        if (req.url === '/v3/auth/tokens')
          return json(
            201,
            {
              token: {
                expires_at,
                user: { id: 'u' },
                project: { id: 'p', name: 'vo' },
                catalog: [
                  { type: 'compute', endpoints: [{ interface: 'public', url: `${base}/compute/v2.1` }] },
                ],
              },
            },
            { 'x-subject-token': 'scoped' },
          );
        if (req.url === '/compute/v2.1' || req.url === '/compute/v2.1/')
          return json(200, { version: { version: '2.90', status: 'CURRENT' } });
        if (req.url?.startsWith('/compute/v2.1/servers/detail')) return json(200, { servers: [] });
        json(404, {});
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = {
    timeoutMs: 5_000,
    concurrency: 2,
    cacheDir: path.join(dir, 'cache'),
  } as unknown as ClientConfig;
  const ctx = {
    config,
    accessToken: { token: fakeJwt(), source: 'option' as const },
    claims: { entitlements: [] },
  };
  const site = (caPath?: string): ClientSite => ({
    name: 'GRID-SITE',
    endpoint: `${base}/v3`,
    identityProvider: 'egi.eu',
    projects: { vo: 'p' },
    state: 'configured',
    ...(caPath ? { caPath } : {}),
  });
  const list = (s: ClientSite) =>
    callSites(ctx, [s], 'vo', async (session) => collectAll(paginateServers(session)));

  it('is refused with Node’s roots, naming them and how to give others', async () => {
    const [outcome] = await list(site());
    expect(outcome).toMatchObject({ ok: false, site: 'GRID-SITE' });
    expect(outcome!.error).toMatch(
      /^GRID-SITE: .*(certificate|CERT).*checked against Node's built-in roots( and NODE_EXTRA_CA_CERTS=\S+)?; ca_path/,
    );
  });

  it('is listed with ca_path naming the CA directory', async () => {
    const [outcome] = await list(site(path.join(dir, 'certificates')));
    expect(outcome).toMatchObject({ ok: true, value: [], logins: 1 });
  });
});
