import { describe, expect, it } from 'vitest';
import {
  collectAll,
  createFloatingIp,
  listNetworks,
  listPorts,
  paginateFloatingIps,
  parseFloatingIp,
  parseFloatingIpList,
  parseFloatingIpResponse,
  parseNetworkList,
  parsePortList,
} from '../../../src/openstack/index.js';
import {
  expectBadResponse,
  recorded,
  startRecordedSite,
  thrown,
  withField,
} from '../../helpers/recorded-site.js';

describe('Neutron networks, ports and floating IPs, on recorded answers', () => {
  it('reads the seeded networks: one external, two project networks', () => {
    const raw = recorded('neutron', 'networks-list');
    const networks = parseNetworkList(raw);
    expect(networks.map((n) => [n.name, n.isExternal, n.isShared, n.status]).sort()).toEqual([
      ['fedcloud-net', false, false, 'ACTIVE'],
      ['public', true, false, 'ACTIVE'],
      ['vo-net', false, false, 'ACTIVE'],
    ]);
    const pub = networks.find((n) => n.name === 'public')!;
    const rawPub = raw.networks.find((n: { name: string }) => n.name === 'public');
    expect(pub).toEqual({ ...pub, id: rawPub.id, projectId: rawPub.project_id });
  });

  it('reads the port of a server with its fixed IP', () => {
    const raw = recorded('neutron', 'ports-list');
    expect(parsePortList(raw)).toEqual([
      {
        id: raw.ports[0].id,
        networkId: raw.ports[0].network_id,
        projectId: raw.ports[0].project_id,
        deviceId: raw.ports[0].device_id,
        deviceOwner: 'compute:nova',
        fixedIps: [
          { subnetId: raw.ports[0].fixed_ips[0].subnet_id, ipAddress: raw.ports[0].fixed_ips[0].ip_address },
        ],
        status: 'DOWN',
      },
    ]);
  });

  it('reads an unassociated floating IP from the list and from POST /v2.0/floatingips', () => {
    const raw = recorded('neutron', 'floatingips-list');
    const [fip] = parseFloatingIpList(raw);
    expect(fip).toEqual({
      id: raw.floatingips[0].id,
      floatingIpAddress: raw.floatingips[0].floating_ip_address,
      floatingNetworkId: raw.floatingips[0].floating_network_id,
      projectId: raw.floatingips[0].project_id,
      portId: undefined,
      fixedIpAddress: undefined,
      status: 'DOWN',
      createdAt: raw.floatingips[0].created_at,
      description: raw.floatingips[0].description,
      ipVersion: 4,
    });
    expect(parseFloatingIpResponse(recorded('neutron', 'floatingip-create'))).toEqual(fip);
  });

  it('lists and creates through the operations', async () => {
    const site = await startRecordedSite((method, path) => {
      if (path === '/9696/v2.0/networks') return { body: recorded('neutron', 'networks-list') };
      if (path === '/9696/v2.0/ports') return { body: recorded('neutron', 'ports-list') };
      if (path === '/9696/v2.0/floatingips' && method === 'GET')
        return { body: recorded('neutron', 'floatingips-list') };
      if (path === '/9696/v2.0/floatingips')
        return { status: 201, body: recorded('neutron', 'floatingip-create') };
      return undefined;
    });
    expect((await listNetworks(site.session)).filter((n) => n.isExternal).map((n) => n.name)).toEqual([
      'public',
    ]);
    expect((await listPorts(site.session, { device_id: 'x' }))[0]?.deviceOwner).toBe('compute:nova');
    const [fip] = await collectAll(paginateFloatingIps(site.session, { projectId: 'p' }));
    expect((await createFloatingIp(site.session, { floatingNetworkId: 'n' })).id).toBe(fip!.id);
  });
});

describe('Neutron answers missing a required field', () => {
  it('raises OPENSTACK_BAD_RESPONSE for a floating IP without id instead of the id "undefined"', async () => {
    const fip = withField(recorded('neutron', 'floatingips-list').floatingips[0], 'id');
    expectBadResponse(await thrown(() => parseFloatingIp(fip)), 'neutron', 'floatingip.id');
  });

  it.each([
    ['floatingips.0.floating_ip_address', 'floatingips[0].floating_ip_address'],
    ['floatingips.0.floating_network_id', 'floatingips[0].floating_network_id'],
  ])('names the field of a listed floating IP without %s', async (path, field) => {
    const body = withField(recorded('neutron', 'floatingips-list'), path);
    expectBadResponse(await thrown(() => parseFloatingIpList(body)), 'neutron', field);
  });

  it('needs the project of a floating IP under either spelling', async () => {
    const body = withField(recorded('neutron', 'floatingips-list'), 'floatingips.0.project_id');
    expect(parseFloatingIpList(body)[0]?.projectId).toBe(body.floatingips[0].tenant_id);
    withField(body, 'floatingips.0.tenant_id');
    expectBadResponse(
      await thrown(() => parseFloatingIpList(body)),
      'neutron',
      'floatingips[0].project_id|tenant_id',
    );
  });

  it('names networks, ports and fixed IPs without their ids', async () => {
    const net = withField(recorded('neutron', 'networks-list'), 'networks.2.id');
    expectBadResponse(await thrown(() => parseNetworkList(net)), 'neutron', 'networks[2].id');
    const port = withField(recorded('neutron', 'ports-list'), 'ports.0.network_id');
    expectBadResponse(await thrown(() => parsePortList(port)), 'neutron', 'ports[0].network_id');
    const fixed = withField(recorded('neutron', 'ports-list'), 'ports.0.fixed_ips.0.ip_address');
    expectBadResponse(
      await thrown(() => parsePortList(fixed)),
      'neutron',
      'ports[0].fixed_ips[0].ip_address',
    );
  });

  it('raises it from paginateFloatingIps with the request path', async () => {
    const site = await startRecordedSite((method, path) => {
      if (path === '/9696/v2.0/floatingips')
        return { body: withField(recorded('neutron', 'floatingips-list'), 'floatingips.0.id') };
      return undefined;
    });
    const error = await thrown(() => collectAll(paginateFloatingIps(site.session)));
    expectBadResponse(error, 'neutron', 'floatingips[0].id');
    expect((error as Error).message).toMatch(/^network: GET v2\.0\/floatingips: /);
  });
});
