import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectAll,
  confirmResize,
  createFloatingIp,
  createServer,
  deleteFloatingIp,
  deleteServer,
  getComputeLimits,
  getComputeQuotas,
  getTenantUsage,
  hasEmbeddedFlavor,
  listFlavors,
  listNetworks,
  listPorts,
  paginateFloatingIps,
  paginateImages,
  paginateServers,
  resizeServer,
  shelveServer,
  waitForServer,
  computeMicroversion,
  type OpenStackSession,
} from '../../src/openstack/index.js';
import { adminInProject, adminSession } from '../helpers/sessions.js';
import { deleteAll } from '../helpers/cleanup.js';

describe('Nova and Neutron on the testbed', () => {
  let s: OpenStackSession;
  let flavors: Awaited<ReturnType<typeof listFlavors>>;
  let imageId: string;
  let networkId: string;
  const created: string[] = [];

  beforeAll(async () => {
    s = await adminInProject('site-a', 'vo');
    flavors = await listFlavors(s);
    const [image] = await collectAll(paginateImages(s, { name: 'Local Ubuntu 22.04' }));
    imageId = image!.id;
    networkId = (await listNetworks(s, { name: 'vo-net' }))[0]!.id;
  });

  afterAll(async () => {
    await deleteAll(created, (id) => deleteServer(s, id));
  });

  it('negotiates a compute microversion of at least 2.47', async () => {
    expect(Number((await computeMicroversion(s)).split('.')[1])).toBeGreaterThanOrEqual(47);
  });

  it('lists flavors with their extra specs (benchmark and accelerator)', () => {
    const large = flavors.find((f) => f.name === 'm1.large')!;
    expect(large.extraSpecs['accounting:benchmark_type']).toBe('HEPSPEC06');
    expect(large.extraSpecs['accounting:benchmark_value']).toBe('10.5');
    const gpu = flavors.find((f) => f.name === 'g1.a100')!;
    expect(gpu).toMatchObject({ vcpus: 8, ramMb: 32768 });
    expect(gpu.extraSpecs).toMatchObject({
      'Accelerator:Type': 'GPU',
      'Accelerator:Number': '1',
      'Accelerator:Vendor': 'NVIDIA',
    });
  });

  it('creates a server without network, sees it deleted through changes-since and in tenant usage', async () => {
    const since = new Date(Date.now() - 5_000).toISOString();
    const flavor = flavors.find((f) => f.name === 'm1.large')!;
    const id = await createServer(s, {
      name: 'it-compute-1',
      flavorId: flavor.id!,
      imageId,
      networks: 'none',
    });
    created.push(id);
    const active = await waitForServer(s, id, ['ACTIVE']);
    expect(
      active && hasEmbeddedFlavor(active.flavor) && active.flavor.extraSpecs['accounting:benchmark_value'],
    ).toBe('10.5');
    await deleteServer(s, id);
    await waitForServer(s, id, ['DELETED']);
    const seen = [];
    for await (const page of paginateServers(s, { changesSince: since })) seen.push(...page);
    const deleted = seen.find((v) => v.id === id);
    expect(deleted?.status).toBe('DELETED');
    expect(deleted?.terminatedAt).toBeDefined();
    // Nova's compute service finishes a delete after the API reports it, and the usage query
    // skips an instance whose records are mid-change: read until the line appears (at most 20 s)
    const usageLine = async () => {
      const usage = await getTenantUsage(
        s,
        await s.projectId(),
        new Date(Date.parse(since) - 60_000),
        new Date(Date.now() + 60_000),
      );
      return usage.find((u) => u.instanceId === id && u.state === 'terminated');
    };
    let line = await usageLine();
    for (let tries = 0; line === undefined && tries < 20; tries++) {
      await new Promise((r) => setTimeout(r, 1000));
      line = await usageLine();
    }
    expect(line).toMatchObject({ vcpus: 4, memoryMb: 8192, state: 'terminated' });
  });

  it('resizes and shelves a server, and embeds the new flavor at 2.47', async () => {
    const small = flavors.find((f) => f.name === 'm1.small')!;
    const gpu = flavors.find((f) => f.name === 'g1.a100')!;
    const id = await createServer(s, {
      name: 'it-compute-2',
      flavorId: small.id!,
      imageId,
      networks: 'none',
    });
    created.push(id);
    await waitForServer(s, id, ['ACTIVE']);
    await resizeServer(s, id, gpu.id!);
    await waitForServer(s, id, ['VERIFY_RESIZE']);
    await confirmResize(s, id);
    const resized = await waitForServer(s, id, ['ACTIVE']);
    expect(
      resized && hasEmbeddedFlavor(resized.flavor) && resized.flavor.extraSpecs['Accelerator:Model'],
    ).toBe('Tesla A100');
    await shelveServer(s, id);
    const shelved = await waitForServer(s, id, ['SHELVED', 'SHELVED_OFFLOADED']);
    expect(shelved?.status).toMatch(/^SHELVED/);
  });

  it('pages through servers with a small page size', async () => {
    const pages = [];
    for await (const page of paginateServers(s, {}, { limit: 1 })) pages.push(page);
    expect(pages.length).toBeGreaterThanOrEqual(created.length);
    expect(pages.every((p) => p.length <= 1)).toBe(true);
  });

  it('reads compute quotas with usage and absolute limits', async () => {
    const quotas = await getComputeQuotas(s, await s.projectId());
    expect(quotas.cores!.limit).toBeGreaterThan(0);
    expect(quotas.instances!.inUse).toBeGreaterThanOrEqual(0);
    const limits = await getComputeLimits(s);
    expect(limits.maxTotalCores).toBe(quotas.cores!.limit);
  });

  it('associates a floating IP to a server and lists it for its project only', async () => {
    const small = flavors.find((f) => f.name === 'm1.small')!;
    const id = await createServer(s, { name: 'it-fip', flavorId: small.id!, imageId, networks: [networkId] });
    created.push(id);
    await waitForServer(s, id, ['ACTIVE']);
    const [port] = await listPorts(s, { device_id: id });
    const pub = (await listNetworks(s, { 'router:external': 'true' }))[0]!;
    const fip = await createFloatingIp(s, { floatingNetworkId: pub.id, portId: port!.id });
    try {
      expect(fip.portId).toBe(port!.id);
      const mine = await collectAll(paginateFloatingIps(s, { projectId: await s.projectId() }));
      expect(mine.map((f) => f.id)).toContain(fip.id);
      const other = await collectAll(
        paginateFloatingIps(adminSession('site-a'), { projectId: 'no-such-project' }),
      );
      expect(other).toEqual([]);
      // Nova shows the floating address in the server once Neutron notified it
      let floating = 0;
      for (let i = 0; i < 40 && floating === 0; i++) {
        const [page] = await collectAll(paginateServers(s, { name: '^it-fip$' })).then((l) => [
          l.filter((v) => v.id === id),
        ]);
        floating = page![0]?.addresses.filter((a) => a.type === 'floating').length ?? 0;
        if (!floating) await new Promise((r) => setTimeout(r, 500));
      }
      expect(floating).toBe(1);
    } finally {
      await deleteFloatingIp(s, fip.id);
    }
  });
});
