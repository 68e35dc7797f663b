// The hub serving TLS with client certificates (a CA directory of hashed files, as IGTF's), and
// AMS's authx509 exchange: a registered host certificate gets a publisher token of its site.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHub, type HubApp } from '../../src/hub/app.js';
import { loadCaCertificates } from '../../src/http/index.js';
import {
  createTestPki,
  createTestTlsHost,
  type TestCredentials,
  type TestPki,
} from '../helpers/openssl-ca.js';
import { openTestStore, type TestStore } from '../helpers/test-stores.js';

const HOST_DN = '/DC=org/DC=example/CN=accounting.site-a.example';

describe('the hub over TLS, and authx509', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-authx509-'));
  let pki: TestPki;
  let registered: TestCredentials;
  let unregistered: TestCredentials;
  let store: TestStore;
  let app: HubApp;
  let base: string;
  let serverCa: string;

  beforeAll(async () => {
    const tlsHost = createTestTlsHost(dir);
    serverCa = loadCaCertificates(tlsHost.caDir).join('\n');
    pki = createTestPki('/DC=org/DC=example/CN=Site Host CA');
    registered = pki.issue('registered', HOST_DN);
    unregistered = pki.issue('unregistered', '/DC=org/DC=example/CN=other.example');
    // the client CA directory, IGTF style: <hash>.0
    const clientCas = path.join(dir, 'client-cas');
    mkdirSync(clientCas);
    const hash = execFileSync('openssl', ['x509', '-hash', '-noout', '-in', pki.ca.certificatePath])
      .toString()
      .trim();
    writeFileSync(path.join(clientCas, `${hash}.0`), pki.ca.certificate);
    store = await openTestStore('sqlite');
    app = await buildHub({
      store: store.store,
      adminToken: 'admin-token-authx509',
      ingest: false,
      tls: {
        certificatePem: tlsHost.cert.toString(),
        privateKeyPem: tlsHost.key.toString(),
        clientCaPems: loadCaCertificates(clientCas),
      },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await app.hub.registry.putSite('SITE-A', {
      certificationStatus: 'Certified',
      productionStatus: 'Production',
      extensions: {},
    });
    // registered in RFC 2253 form: the DN forms are compared as DNs, not as text
    await app.hub.registry.addEndpoint('SITE-A', {
      serviceType: 'eu.egi.cloud.accounting',
      hostname: 'accounting.site-a.example',
      hostDn: 'CN=accounting.site-a.example,DC=example,DC=org',
      isMonitored: false,
      isInProduction: true,
      extensions: {},
    });
  });
  afterAll(async () => {
    await app?.close();
    await store?.dispose();
    pki?.remove();
  });

  const get = async (url: string, client?: TestCredentials, headers: Record<string, string> = {}) => {
    const dispatcher = new Agent({
      connect: { ca: serverCa, ...(client ? { cert: client.certificate, key: client.privateKey } : {}) },
    });
    try {
      const res = await request(`${base}${url}`, { dispatcher, headers });
      return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
    } finally {
      await dispatcher.close();
    }
  };
  const AUTHX509 = '/v1/service-types/ams/hosts/msg.argo.example:authx509';

  it('serves the API over TLS to clients with and without a certificate', async () => {
    expect(await get('/v1/status')).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await get('/v1/status', unregistered)).status).toBe(200);
  });

  it('exchanges a registered host certificate (DN registered in RFC 2253 form) for a publisher token of its site', async () => {
    const first = await get(AUTHX509, registered);
    expect(first.status).toBe(200);
    const token = first.body.token as string;
    expect(token).toMatch(/^fsh_/);
    const caller = await app.hub.auth.authenticate(token);
    expect(caller).toMatchObject({ role: 'publisher', site: 'SITE-A' });
    // a second exchange revokes the first token
    const second = await get(AUTHX509, registered);
    expect(await app.hub.auth.authenticate(second.body.token as string)).toMatchObject({ site: 'SITE-A' });
    expect(await app.hub.auth.authenticate(token)).toBeUndefined();
  });

  it('answers in AMS’s error shape without a certificate, or with one no accounting endpoint has', async () => {
    const none = await get(AUTHX509);
    expect(none.status).toBe(401);
    expect(none.body).toEqual({
      error: { code: 401, message: 'no client certificate was presented', status: 'UNAUTHORIZED' },
    });
    const other = await get(AUTHX509, unregistered);
    expect(other.status).toBe(403);
    expect(other.body.error).toMatchObject({
      code: 403,
      message:
        'the certificate /DC=org/DC=example/CN=other.example is not the HOSTDN of any registered eu.egi.cloud.accounting endpoint',
    });
  });
});
