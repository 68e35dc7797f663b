// Neutron v2 operations: networks, ports, floating IPs.
import { deleteResource } from './resource-lifecycle.js';
import { collectAll } from './pagination.js';
import type { OpenStackSession, ServiceRequest } from './session.js';
import {
  optionalString,
  parseOptionalItems,
  readObject,
  requireString,
  requireStringOf,
  type BodyPlace,
  type ResponseSource,
} from './parse-response.js';
import {
  paginateItems,
  parseListBody,
  parseWrappedBody,
  serviceSources,
  type ItemParser,
} from './response-bodies.js';

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
  readonly description: string | undefined;
  /** 4 or 6, from the address. */
  readonly ipVersion: 4 | 6;
}

const neutron = serviceSources('network', 'neutron');
const NETWORK_LIST = neutron('GET', 'v2.0/networks');
const PORT_LIST = neutron('GET', 'v2.0/ports');
const FLOATING_IP_LIST = neutron('GET', 'v2.0/floatingips');

/** Parses a network (an item of `GET /v2.0/networks`). */
export function parseNetwork(
  raw: unknown,
  place: BodyPlace = { source: neutron('GET', 'v2.0/networks/{network_id}'), at: 'network' },
): Network {
  const o = readObject(raw, place);
  return {
    id: requireString(o, 'id', place),
    name: String(o.name ?? ''),
    projectId: String(o.project_id ?? o.tenant_id ?? ''),
    isExternal: o['router:external'] === true,
    isShared: o.shared === true,
    status: String(o.status ?? ''),
  };
}

/** Parses the body of `GET /v2.0/networks` (one page). */
export function parseNetworkList(body: unknown, source: ResponseSource = NETWORK_LIST): Network[] {
  return parseListBody(body, source, 'networks', parseNetwork);
}

function parseFixedIp(raw: unknown, place: BodyPlace): Port['fixedIps'][number] {
  const f = readObject(raw, place);
  return { subnetId: requireString(f, 'subnet_id', place), ipAddress: requireString(f, 'ip_address', place) };
}

/** Parses a port (an item of `GET /v2.0/ports`). */
export function parsePort(
  raw: unknown,
  place: BodyPlace = { source: neutron('GET', 'v2.0/ports/{port_id}'), at: 'port' },
): Port {
  const o = readObject(raw, place);
  return {
    id: requireString(o, 'id', place),
    networkId: requireString(o, 'network_id', place),
    projectId: String(o.project_id ?? o.tenant_id ?? ''),
    deviceId: String(o.device_id ?? ''),
    deviceOwner: String(o.device_owner ?? ''),
    fixedIps: parseOptionalItems(o, 'fixed_ips', place, parseFixedIp),
    status: String(o.status ?? ''),
  };
}

/** Parses the body of `GET /v2.0/ports` (one page). */
export function parsePortList(body: unknown, source: ResponseSource = PORT_LIST): Port[] {
  return parseListBody(body, source, 'ports', parsePort);
}

/**
 * Parses a floating IP (an item of `GET /v2.0/floatingips` or the `floatingip` of one).
 * @throws OpenStackResponseError `OPENSTACK_BAD_RESPONSE` without id, address, network or project.
 */
export function parseFloatingIp(
  raw: unknown,
  place: BodyPlace = { source: neutron('GET', 'v2.0/floatingips/{floatingip_id}'), at: 'floatingip' },
): FloatingIp {
  const o = readObject(raw, place);
  const address = requireString(o, 'floating_ip_address', place);
  return {
    id: requireString(o, 'id', place),
    floatingIpAddress: address,
    floatingNetworkId: requireString(o, 'floating_network_id', place),
    projectId: requireStringOf(o, ['project_id', 'tenant_id'], place),
    portId: optionalString(o.port_id),
    fixedIpAddress: optionalString(o.fixed_ip_address),
    status: String(o.status ?? ''),
    createdAt: optionalString(o.created_at),
    description: optionalString(o.description),
    ipVersion: address.includes(':') ? 6 : 4,
  };
}

/** Parses the body of `GET /v2.0/floatingips` (one page). */
export function parseFloatingIpList(body: unknown, source: ResponseSource = FLOATING_IP_LIST): FloatingIp[] {
  return parseListBody(body, source, 'floatingips', parseFloatingIp);
}

/** Parses the body of `POST /v2.0/floatingips` or `PUT`/`GET /v2.0/floatingips/{id}`. */
export function parseFloatingIpResponse(
  body: unknown,
  source: ResponseSource = neutron('GET', 'v2.0/floatingips/{floatingip_id}'),
): FloatingIp {
  return parseWrappedBody(body, source, 'floatingip', parseFloatingIp);
}

/** Every item of the collection `GET /v2.0/<itemsKey>` that matches the Neutron query parameters. */
function listAll<T>(
  session: OpenStackSession,
  itemsKey: string,
  query: Record<string, string | undefined>,
  source: ResponseSource,
  parseOne: ItemParser<T>,
): Promise<T[]> {
  const request: ServiceRequest = { service: 'network', method: 'GET', path: `v2.0/${itemsKey}`, query };
  return collectAll(paginateItems(session, request, { itemsKey, source, parseOne }));
}

/** Lists networks, filtered by Neutron query parameters (e.g. `{ 'router:external': 'true' }`). */
export function listNetworks(
  session: OpenStackSession,
  query: Record<string, string | undefined> = {},
): Promise<Network[]> {
  return listAll(session, 'networks', query, NETWORK_LIST, parseNetwork);
}

/** Lists ports, e.g. of one server (`{ device_id }`). */
export function listPorts(
  session: OpenStackSession,
  query: Record<string, string | undefined> = {},
): Promise<Port[]> {
  return listAll(session, 'ports', query, PORT_LIST, parsePort);
}

/**
 * Pages of floating IPs, filtered by project (always pass `project_id` for
 * per-project accounting: an admin token otherwise sees the whole cloud).
 */
export function paginateFloatingIps(
  session: OpenStackSession,
  query: { projectId?: string; portId?: string } = {},
): AsyncGenerator<FloatingIp[]> {
  return paginateItems(
    session,
    {
      service: 'network',
      method: 'GET',
      path: 'v2.0/floatingips',
      query: { project_id: query.projectId, port_id: query.portId },
    },
    { itemsKey: 'floatingips', source: FLOATING_IP_LIST, parseOne: parseFloatingIp, limit: 500 },
  );
}

/** Allocates a floating IP from an external network, optionally associated to a port. */
export async function createFloatingIp(
  session: OpenStackSession,
  input: { floatingNetworkId: string; projectId?: string; portId?: string; description?: string },
): Promise<FloatingIp> {
  const body = await session.json({
    service: 'network',
    method: 'POST',
    path: 'v2.0/floatingips',
    body: {
      floatingip: {
        floating_network_id: input.floatingNetworkId,
        ...(input.projectId ? { project_id: input.projectId } : {}),
        ...(input.portId ? { port_id: input.portId } : {}),
        ...(input.description ? { description: input.description } : {}),
      },
    },
  });
  return parseFloatingIpResponse(body, neutron('POST', 'v2.0/floatingips'));
}

/** Associates (port id) or disassociates (null) a floating IP. */
export async function updateFloatingIp(
  session: OpenStackSession,
  id: string,
  portId: string | null,
): Promise<FloatingIp> {
  const path = `v2.0/floatingips/${encodeURIComponent(id)}`;
  const body = await session.json({
    service: 'network',
    method: 'PUT',
    path,
    body: { floatingip: { port_id: portId } },
  });
  return parseFloatingIpResponse(body, neutron('PUT', path));
}

/** Releases a floating IP (404 counts as gone). */
export function deleteFloatingIp(session: OpenStackSession, id: string): Promise<void> {
  return deleteResource(session, 'network', `v2.0/floatingips/${encodeURIComponent(id)}`);
}
