// Neutron v2 operations: networks, ports, floating IPs.
import { deleteResource } from './resource-lifecycle.js';
import { paginate, collectAll } from './pagination.js';
import type { OpenStackSession } from './session.js';

/** A Neutron network. */
export interface Network {
  readonly id: string;
  readonly name: string;
  readonly projectId: string;
  readonly isExternal: boolean;
  readonly isShared: boolean;
  readonly status: string;
}

/** A Neutron port. */
export interface Port {
  readonly id: string;
  readonly networkId: string;
  readonly projectId: string;
  readonly deviceId: string;
  readonly deviceOwner: string;
  readonly fixedIps: readonly { readonly subnetId: string; readonly ipAddress: string }[];
  readonly status: string;
}

/** A floating IP. */
export interface FloatingIp {
  readonly id: string;
  readonly floatingIpAddress: string;
  readonly floatingNetworkId: string;
  readonly projectId: string;
  readonly portId: string | undefined;
  readonly fixedIpAddress: string | undefined;
  readonly status: string;
  readonly createdAt: string | undefined;
  /** 4 or 6, from the address. */
  readonly ipVersion: 4 | 6;
}

function parseNetwork(raw: Record<string, unknown>): Network {
  return {
    id: String(raw.id),
    name: String(raw.name ?? ''),
    projectId: String(raw.project_id ?? raw.tenant_id ?? ''),
    isExternal: raw['router:external'] === true,
    isShared: raw.shared === true,
    status: String(raw.status ?? ''),
  };
}

function parsePort(raw: Record<string, unknown>): Port {
  return {
    id: String(raw.id),
    networkId: String(raw.network_id),
    projectId: String(raw.project_id ?? raw.tenant_id ?? ''),
    deviceId: String(raw.device_id ?? ''),
    deviceOwner: String(raw.device_owner ?? ''),
    fixedIps: (Array.isArray(raw.fixed_ips) ? raw.fixed_ips : []).map((f: Record<string, unknown>) => ({
      subnetId: String(f.subnet_id),
      ipAddress: String(f.ip_address),
    })),
    status: String(raw.status ?? ''),
  };
}

/** Parses a floating IP body. */
export function parseFloatingIp(raw: Record<string, unknown>): FloatingIp {
  const address = String(raw.floating_ip_address);
  return {
    id: String(raw.id),
    floatingIpAddress: address,
    floatingNetworkId: String(raw.floating_network_id),
    projectId: String(raw.project_id ?? raw.tenant_id ?? ''),
    portId: typeof raw.port_id === 'string' ? raw.port_id : undefined,
    fixedIpAddress: typeof raw.fixed_ip_address === 'string' ? raw.fixed_ip_address : undefined,
    status: String(raw.status ?? ''),
    createdAt: typeof raw.created_at === 'string' ? raw.created_at : undefined,
    ipVersion: address.includes(':') ? 6 : 4,
  };
}

/** Lists networks, filtered by Neutron query parameters (e.g. `{ 'router:external': 'true' }`). */
export function listNetworks(
  session: OpenStackSession,
  query: Record<string, string | undefined> = {},
): Promise<Network[]> {
  return collectAll(
    paginate(
      session,
      { service: 'network', method: 'GET', path: 'v2.0/networks', query },
      { itemsKey: 'networks', parse: parseNetwork },
    ),
  );
}

/** Lists ports, e.g. of one server (`{ device_id }`). */
export function listPorts(
  session: OpenStackSession,
  query: Record<string, string | undefined> = {},
): Promise<Port[]> {
  return collectAll(
    paginate(
      session,
      { service: 'network', method: 'GET', path: 'v2.0/ports', query },
      { itemsKey: 'ports', parse: parsePort },
    ),
  );
}

/**
 * Pages of floating IPs, filtered by project (always pass `project_id` for
 * per-project accounting: an admin token otherwise sees the whole cloud).
 */
export function paginateFloatingIps(
  session: OpenStackSession,
  query: { projectId?: string; portId?: string } = {},
): AsyncGenerator<FloatingIp[]> {
  return paginate(
    session,
    {
      service: 'network',
      method: 'GET',
      path: 'v2.0/floatingips',
      query: { project_id: query.projectId, port_id: query.portId },
    },
    { itemsKey: 'floatingips', parse: parseFloatingIp, limit: 500 },
  );
}

/** Allocates a floating IP from an external network, optionally associated to a port. */
export async function createFloatingIp(
  session: OpenStackSession,
  input: { floatingNetworkId: string; projectId?: string; portId?: string },
): Promise<FloatingIp> {
  const body = await session.json<{ floatingip: Record<string, unknown> }>({
    service: 'network',
    method: 'POST',
    path: 'v2.0/floatingips',
    body: {
      floatingip: {
        floating_network_id: input.floatingNetworkId,
        ...(input.projectId ? { project_id: input.projectId } : {}),
        ...(input.portId ? { port_id: input.portId } : {}),
      },
    },
  });
  return parseFloatingIp(body.floatingip);
}

/** Associates (port id) or disassociates (null) a floating IP. */
export async function updateFloatingIp(
  session: OpenStackSession,
  id: string,
  portId: string | null,
): Promise<FloatingIp> {
  const body = await session.json<{ floatingip: Record<string, unknown> }>({
    service: 'network',
    method: 'PUT',
    path: `v2.0/floatingips/${encodeURIComponent(id)}`,
    body: { floatingip: { port_id: portId } },
  });
  return parseFloatingIp(body.floatingip);
}

/** Releases a floating IP (404 counts as gone). */
export function deleteFloatingIp(session: OpenStackSession, id: string): Promise<void> {
  return deleteResource(session, 'network', `v2.0/floatingips/${encodeURIComponent(id)}`);
}
