import { describe, expect, it } from 'vitest';
import {
  collectAll,
  getServer,
  hasEmbeddedFlavor,
  listFlavors,
  paginateServers,
  parseComputeLimits,
  parseComputeQuotas,
  parseCreateServerResponse,
  parseExtraSpecsResponse,
  parseFlavorList,
  parseServer,
  parseServerList,
  parseServerResponse,
  parseTenantUsage,
  type Server,
} from '../../../src/openstack/index.js';
import {
  expectBadResponse,
  recorded,
  startRecordedSite,
  thrown,
  withField,
} from '../../helpers/recorded-site.js';

const byName = (servers: Server[], name: string) => servers.find((s) => s.name === name)!;

describe('Nova servers, on recorded answers', () => {
  it('reads an active, a shelved and a deleted server of GET /servers/detail at 2.47', () => {
    const raw = recorded('nova', 'servers-detail');
    const servers = parseServerList(raw);
    expect(servers.map((s) => s.name).sort()).toEqual([
      'fixture-rec-active',
      'fixture-rec-deleted',
      'fixture-rec-shelved',
    ]);
    const rawActive = raw.servers.find((s: { name: string }) => s.name === 'fixture-rec-active');
    const active = byName(servers, 'fixture-rec-active');
    expect(active).toMatchObject({
      id: rawActive.id,
      status: 'ACTIVE',
      projectId: rawActive.tenant_id,
      userId: rawActive.user_id,
      created: rawActive.created,
      updated: rawActive.updated,
      taskState: undefined,
      vmState: 'active',
      imageId: rawActive.image.id,
      terminatedAt: undefined,
      metadata: { purpose: 'fixture' },
    });
    expect(active.launchedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect(active.flavor).toEqual({
      id: undefined,
      name: 'm1.small',
      vcpus: 1,
      ramMb: 2048,
      diskGb: 10,
      ephemeralGb: 0,
      isPublic: true,
      extraSpecs: {},
    });
    expect(active.addresses).toEqual([
      { network: 'public', addr: rawActive.addresses.public[0].addr, version: 4, type: 'fixed' },
    ]);
    expect(active.addresses[0]!.addr).toMatch(/^203\.0\.113\.\d+$/);

    const shelved = byName(servers, 'fixture-rec-shelved');
    expect(shelved).toMatchObject({
      status: 'SHELVED_OFFLOADED',
      vmState: 'shelved_offloaded',
      addresses: [],
    });
    expect(hasEmbeddedFlavor(shelved.flavor) && shelved.flavor).toMatchObject({
      name: 'm1.large',
      vcpus: 4,
      ramMb: 8192,
      diskGb: 40,
      extraSpecs: { 'accounting:benchmark_type': 'HEPSPEC06', 'accounting:benchmark_value': '10.5' },
    });

    const deleted = byName(servers, 'fixture-rec-deleted');
    expect(deleted).toMatchObject({ status: 'DELETED', vmState: 'deleted' });
    expect(Date.parse(`${deleted.terminatedAt}Z`)).toBeGreaterThan(Date.parse(`${deleted.launchedAt}Z`));
  });

  it('reads the flavor reference of servers listed below microversion 2.47', () => {
    const raw = recorded('nova', 'servers-detail-2.1');
    const servers = parseServerList(raw);
    expect(servers).toHaveLength(3);
    for (const [i, s] of servers.entries()) {
      expect(hasEmbeddedFlavor(s.flavor)).toBe(false);
      expect(s.flavor).toEqual({ id: raw.servers[i].flavor.id });
    }
  });

  it('reads GET /servers/{id} and the id answered by POST /servers', () => {
    const server = parseServerResponse(recorded('nova', 'server-get'));
    expect(server.name).toBe('fixture-rec-active');
    expect(server.status).toBe('ACTIVE');
    expect(parseCreateServerResponse(recorded('nova', 'server-create'))).toBe(server.id);
  });

  it('lists the recorded servers through paginateServers and reads one through getServer', async () => {
    const site = await startRecordedSite((method, path) => {
      if (path === '/8774/v2.1') return { body: { version: { version: '2.96', status: 'CURRENT' } } };
      if (path === '/8774/v2.1/servers/detail') return { body: recorded('nova', 'servers-detail') };
      if (path.startsWith('/8774/v2.1/servers/')) return { body: recorded('nova', 'server-get') };
      return undefined;
    });
    const servers = (
      await collectAll(paginateServers(site.session, { changesSince: '2026-01-01T00:00:00Z' }))
    )
      .map((s) => s.status)
      .sort();
    expect(servers).toEqual(['ACTIVE', 'DELETED', 'SHELVED_OFFLOADED']);
    expect((await getServer(site.session, 'x')).name).toBe('fixture-rec-active');
  });
});

describe('Nova servers missing a required field', () => {
  const cases: [field: string, mutate: (body: ReturnType<typeof recorded>) => unknown, expected: string][] = [
    ['servers[1].id', (b) => withField(b, 'servers.1.id'), 'servers[1].id'],
    ['servers[0].status', (b) => withField(b, 'servers.0.status', null), 'servers[0].status'],
    ['servers[2].created', (b) => withField(b, 'servers.2.created', 'yesterday'), 'servers[2].created'],
    ['servers[0].user_id', (b) => withField(b, 'servers.0.user_id'), 'servers[0].user_id'],
    ['servers[0].tenant_id', (b) => withField(b, 'servers.0.tenant_id'), 'servers[0].tenant_id|project_id'],
    ['servers[0].flavor', (b) => withField(b, 'servers.0.flavor'), 'servers[0].flavor'],
    [
      'servers[0].flavor.vcpus',
      (b) => withField(b, 'servers.0.flavor.vcpus', '4'),
      'servers[0].flavor.vcpus',
    ],
    [
      'servers[2].addresses.public[0].addr',
      (b) => withField(b, 'servers.2.addresses.public.0.addr'),
      'servers[2].addresses.public[0].addr',
    ],
  ];

  it.each(cases)('raises OPENSTACK_BAD_RESPONSE naming nova and %s', async (_name, mutate, field) => {
    const body = recorded('nova', 'servers-detail');
    mutate(body);
    expectBadResponse(await thrown(() => parseServerList(body)), 'nova', field);
  });

  it('raises it from parseServer instead of producing the id "undefined"', async () => {
    const server = recorded('nova', 'server-get').server;
    delete server.id;
    const error = await thrown(() => parseServer(server));
    expectBadResponse(error, 'nova', 'server.id');
    expect((error as Error).message).toContain('expected a non-empty string, found nothing');
  });

  it('raises it from paginateServers with the request path and the field', async () => {
    const site = await startRecordedSite((method, path) => {
      if (path === '/8774/v2.1') return { body: { version: { version: '2.96', status: 'CURRENT' } } };
      if (path === '/8774/v2.1/servers/detail')
        return { body: withField(recorded('nova', 'servers-detail'), 'servers.1.id') };
      if (path.startsWith('/8774/v2.1/servers/'))
        return { body: withField(recorded('nova', 'server-get'), 'server.created') };
      return undefined;
    });
    const error = await thrown(() => collectAll(paginateServers(site.session)));
    expectBadResponse(error, 'nova', 'servers[1].id');
    expect((error as Error).message).toMatch(
      /^compute: GET servers\/detail: nova answer field servers\[1\]\.id/,
    );
    const one = await thrown(() => getServer(site.session, 'vm-1'));
    expectBadResponse(one, 'nova', 'server.created');
    expect((one as Error).message).toContain('GET servers/vm-1');
  });

  it('raises it when POST /servers answers no server id', async () => {
    const body = withField(recorded('nova', 'server-create'), 'server.id');
    expectBadResponse(await thrown(() => parseCreateServerResponse(body)), 'nova', 'server.id');
  });
});

describe('Nova flavors, usage, quotas and limits, on recorded answers', () => {
  it('reads the seeded flavors with their extra specs (GET /flavors/detail at 2.61)', () => {
    const raw = recorded('nova', 'flavors-detail');
    const flavors = parseFlavorList(raw);
    expect(flavors.map((f) => f.name).sort()).toEqual(['g1.a100', 'm1.large', 'm1.small']);
    const gpu = flavors.find((f) => f.name === 'g1.a100')!;
    expect(gpu).toEqual({
      id: raw.flavors.find((f: { name: string }) => f.name === 'g1.a100').id,
      name: 'g1.a100',
      vcpus: 8,
      ramMb: 32768,
      diskGb: 80,
      ephemeralGb: 0,
      isPublic: true,
      extraSpecs: {
        'Accelerator:Memory': '40',
        'Accelerator:Model': 'Tesla A100',
        'Accelerator:Number': '1',
        'Accelerator:Type': 'GPU',
        'Accelerator:Vendor': 'NVIDIA',
      },
    });
    expect(parseExtraSpecsResponse(recorded('nova', 'flavor-extra-specs'))).toEqual({
      'accounting:benchmark_type': 'HEPSPEC06',
      'accounting:benchmark_value': '10.5',
    });
  });

  it('lists flavors through listFlavors on the recorded answer', async () => {
    const site = await startRecordedSite((method, path) => {
      if (path === '/8774/v2.1') return { body: { version: { version: '2.96', status: 'CURRENT' } } };
      if (path === '/8774/v2.1/flavors/detail') return { body: recorded('nova', 'flavors-detail') };
      return undefined;
    });
    expect((await listFlavors(site.session)).find((f) => f.name === 'm1.large')?.extraSpecs).toEqual({
      'accounting:benchmark_type': 'HEPSPEC06',
      'accounting:benchmark_value': '10.5',
    });
  });

  it('raises OPENSTACK_BAD_RESPONSE for a flavor without id or vcpus', async () => {
    const noId = withField(recorded('nova', 'flavors-detail'), 'flavors.2.id');
    expectBadResponse(await thrown(() => parseFlavorList(noId)), 'nova', 'flavors[2].id');
    const noVcpus = withField(recorded('nova', 'flavors-detail'), 'flavors.0.vcpus');
    expectBadResponse(await thrown(() => parseFlavorList(noVcpus)), 'nova', 'flavors[0].vcpus');
  });

  it('reads the detailed tenant usage of the three servers', async () => {
    const raw = recorded('nova', 'tenant-usage');
    const usages = parseTenantUsage(raw, 'ignored');
    expect(usages.map((u) => [u.name, u.state, u.flavor, u.vcpus, u.memoryMb, u.localGb])).toEqual([
      ['fixture-rec-shelved', 'shelved_offloaded', 'm1.large', 4, 8192, 40],
      ['fixture-rec-deleted', 'terminated', 'm1.small', 1, 2048, 10],
      ['fixture-rec-active', 'active', 'm1.small', 1, 2048, 10],
    ]);
    expect(usages.map((u) => u.projectId)).toEqual(Array(3).fill(raw.tenant_usage.tenant_id));
    expect(usages[1]!.endedAt).toBe(raw.tenant_usage.server_usages[1].ended_at);
    expect(usages[0]!.endedAt).toBeUndefined();
    expect(usages.every((u) => u.hours > 0)).toBe(true);
    expect(parseTenantUsage({ tenant_usage: {} }, 'p1')).toEqual([]);
    const noId = withField(raw, 'tenant_usage.server_usages.2.instance_id');
    expectBadResponse(
      await thrown(() => parseTenantUsage(noId, 'p1')),
      'nova',
      'tenant_usage.server_usages[2].instance_id',
    );
  });

  it('reads quotas with usage and the absolute limits', async () => {
    const quotas = parseComputeQuotas(recorded('nova', 'quota-set-detail'));
    expect(quotas.cores).toEqual({ limit: 20, inUse: 5, reserved: 0 });
    expect(quotas.instances).toEqual({ limit: 10, inUse: 2, reserved: 0 });
    expect(quotas).not.toHaveProperty('id');
    const limits = parseComputeLimits(recorded('nova', 'limits'));
    expect(limits).toMatchObject({ maxTotalCores: 20, maxTotalInstances: 10, totalCoresUsed: 5 });
    const noLimit = withField(recorded('nova', 'quota-set-detail'), 'quota_set.cores.limit');
    expectBadResponse(await thrown(() => parseComputeQuotas(noLimit)), 'nova', 'quota_set.cores.limit');
    expectBadResponse(await thrown(() => parseComputeLimits({ limits: {} })), 'nova', 'limits.absolute');
  });
});

describe('Nova listing speed', () => {
  it('reads 10 000 servers in less time than decoding their JSON twice takes', () => {
    const one = recorded('nova', 'servers-detail').servers[2];
    const text = JSON.stringify({
      servers: Array.from({ length: 10_000 }, (_, i) => ({ ...one, id: `vm-${i}` })),
    });
    parseServerList({ servers: Array(1_000).fill(one) }); // warm up: measure the parser, not the compiler
    let started = performance.now();
    const body = JSON.parse(text);
    const decodeMs = performance.now() - started;
    started = performance.now();
    const servers = parseServerList(body);
    const parseMs = performance.now() - started;
    expect(servers).toHaveLength(10_000);
    expect(servers[9_999]!.id).toBe('vm-9999');
    // a bound relative to JSON.parse holds on a loaded machine too; a quadratic step would break it
    expect(parseMs).toBeLessThan(2 * decodeMs);
  });
});
