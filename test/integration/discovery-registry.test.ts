// Discovery without GOCDB takes the site's gocdb_id from the hub registry, so cloud-info-api consumers keep the site.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { testbedRoot } from '../helpers/testbed.js';
import { injectWithToken, openTestHub, type TestHub } from '../helpers/test-hub.js';

describe('discovery with --no-gocdb of a site registered in the hub', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-discovery-registry-'));
  let h: TestHub;
  let hub: string;
  let site: string;
  let endpoint: string;
  let configFile: string;
  let tokenFile: string;

  beforeAll(async () => {
    const config = parse(readFileSync(path.join(testbedRoot(), 'site-a', 'site.yaml'), 'utf8')) as Record<
      string,
      unknown
    > & {
      gocdb: string;
      endpoint: string;
      credentials: Record<string, unknown>;
    };
    site = config.gocdb;
    endpoint = config.endpoint;
    writeFileSync(
      path.join(dir, 'site-a.password'),
      readFileSync(path.join(testbedRoot(), 'site-a', 'admin-password')),
    );
    const { gocdb_id: _id, ...rest } = config;
    configFile = path.join(dir, 'site-a.yaml');
    writeFileSync(
      configFile,
      stringify({ ...rest, credentials: { ...config.credentials, password_file: 'site-a.password' } }),
    );
    h = await openTestHub('sqlite', { ingest: false });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    hub = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    tokenFile = path.join(dir, 'site.token');
    writeFileSync(tokenFile, `${await h.token('publisher', site)}\n`);
  });
  afterAll(async () => h?.dispose());

  const discover = () =>
    runCli(
      [
        'site',
        'discovery',
        '--config',
        configFile,
        '--no-gocdb',
        '--publish',
        hub,
        '--token-file',
        tokenFile,
        '--output',
        path.join(dir, 'out.json'),
        '--log-level',
        'silent',
      ],
      { timeoutMs: 180_000 },
    );
  const listed = async () => (await (await fetch(`${hub}/sites/`)).json()) as { id: string; name: string }[];

  it('publishes no gocdb_id while the site is not registered, and the registry key once it is', async () => {
    const before = await discover();
    expect(before.code, before.stderr).toBe(0);
    const unregistered = JSON.parse(readFileSync(path.join(dir, 'out.json'), 'utf8')) as {
      CloudComputingService: { OtherInfo?: Record<string, unknown> }[];
    };
    expect(unregistered.CloudComputingService[0]!.OtherInfo?.gocdb_id).toBeUndefined();

    expect(
      (await injectWithToken(h, 'PUT', `/v1/registry/sites/${site}`, h.adminToken, { country: 'Spain' }))
        .statusCode,
    ).toBe(201);
    // written as GOCDB often has it: without /v3 and with the port, so the lookup must normalise
    const nova = await injectWithToken(h, 'POST', `/v1/registry/sites/${site}/endpoints`, h.adminToken, {
      serviceType: 'org.openstack.nova',
      hostname: new URL(endpoint).hostname,
      url: endpoint.replace(/\/v3\/?$/, ''),
    });
    expect(nova.statusCode).toBe(201);
    const key = nova.json().primaryKey as string;

    const after = await discover();
    expect(after.code, after.stderr).toBe(0);
    const registered = JSON.parse(readFileSync(path.join(dir, 'out.json'), 'utf8')) as {
      CloudComputingService: { OtherInfo?: Record<string, unknown> }[];
    };
    expect(registered.CloudComputingService[0]!.OtherInfo?.gocdb_id).toBe(key);
    // cloud-info-api's site id is the service's gocdb_id
    expect(await listed()).toEqual([expect.objectContaining({ id: key, name: site })]);
  });
});
