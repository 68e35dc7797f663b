/**
 * Nova (compute) answers: the wire bodies of servers, flavors, usage, quotas and limits read
 * into our types. Pure; the operations in nova.ts send the requests.
 * @module
 */
import {
  fieldPlace,
  optionalString,
  parseItems,
  parseOptionalItems,
  readObject,
  requireNumber,
  requireObject,
  requireString,
  requireStringOf,
  requireText,
  requireTime,
  type BodyPlace,
  type ResponseSource,
} from './parse-response.js';
import { parseListBody, parseQuotaSetBody, parseWrappedBody, serviceSources } from './response-bodies.js';

/** A flavor as embedded in a server (≥ 2.47) or listed. */
export interface Flavor {
  readonly id: string | undefined;
  readonly name: string;
  readonly vcpus: number;
  /** MiB. */
  readonly ramMb: number;
  /** GiB of the root disk. */
  readonly diskGb: number;
  readonly ephemeralGb: number;
  readonly isPublic: boolean;
  readonly extraSpecs: Readonly<Record<string, string>>;
}

/** One address of a server. */
export interface ServerAddress {
  readonly network: string;
  readonly addr: string;
  readonly version: 4 | 6;
  readonly type: 'fixed' | 'floating' | undefined;
}

/** A Nova server (also a deleted one, seen through `changes-since`). */
export interface Server {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly projectId: string;
  readonly userId: string;
  readonly created: string;
  readonly updated: string;
  readonly launchedAt: string | undefined;
  readonly terminatedAt: string | undefined;
  readonly taskState: string | undefined;
  readonly vmState: string | undefined;
  readonly imageId: string | undefined;
  /** Embedded flavor (≥ 2.47) or only `{ id }` at older microversions. */
  readonly flavor: Flavor | { readonly id: string };
  readonly addresses: readonly ServerAddress[];
  readonly metadata: Readonly<Record<string, string>>;
  /** Why the server is in ERROR (Nova's `fault.message`), when Nova says. */
  readonly faultMessage: string | undefined;
}

/** One server's line of os-simple-tenant-usage. */
export interface ServerUsage {
  readonly instanceId: string;
  readonly name: string;
  readonly state: string;
  readonly flavor: string;
  readonly vcpus: number;
  readonly memoryMb: number;
  readonly localGb: number;
  readonly hours: number;
  readonly startedAt: string;
  readonly endedAt: string | undefined;
  readonly projectId: string;
}

/** A quota and, when asked for, its usage. */
export interface QuotaItem {
  readonly limit: number;
  readonly inUse: number | undefined;
  readonly reserved: number | undefined;
}

/** @internal the source of a Nova answer, for parse errors */
export const novaSource = serviceSources('compute', 'nova');
const nova = novaSource;
const SERVER_LIST = nova('GET', 'servers/detail');
const FLAVOR_LIST = nova('GET', 'flavors/detail');

function parseSpecs(raw: unknown): Record<string, string> {
  const specs: Record<string, string> = {};
  if (raw && typeof raw === 'object') for (const [k, v] of Object.entries(raw)) specs[k] = String(v);
  return specs;
}

/** Parses a flavor of `GET /flavors/detail` (or `GET /flavors/{id}`); id, name and sizes are required. */
export function parseFlavor(
  raw: unknown,
  place: BodyPlace = { source: nova('GET', 'flavors/{flavor_id}'), at: 'flavor' },
): Flavor {
  const o = readObject(raw, place);
  return {
    id: requireString(o, 'id', place),
    name: requireText(o, 'name', place),
    vcpus: requireNumber(o, 'vcpus', place),
    ramMb: requireNumber(o, 'ram', place),
    diskGb: requireNumber(o, 'disk', place),
    ephemeralGb: Number(o['OS-FLV-EXT-DATA:ephemeral'] ?? o.ephemeral ?? 0),
    isPublic: o['os-flavor-access:is_public'] !== false,
    extraSpecs: parseSpecs(o.extra_specs),
  };
}

/** Parses the flavor embedded in a server at microversion ≥ 2.47 (no id, `original_name`). */
function parseEmbeddedFlavor(o: Record<string, unknown>, place: BodyPlace): Flavor {
  return {
    id: optionalString(o.id),
    name: requireText(o, 'original_name', place),
    vcpus: requireNumber(o, 'vcpus', place),
    ramMb: requireNumber(o, 'ram', place),
    diskGb: requireNumber(o, 'disk', place),
    ephemeralGb: Number(o.ephemeral ?? 0),
    isPublic: true,
    extraSpecs: parseSpecs(o.extra_specs),
  };
}

/** Parses the body of `GET /flavors/detail`. */
export function parseFlavorList(body: unknown, source: ResponseSource = FLAVOR_LIST): Flavor[] {
  return parseListBody(body, source, 'flavors', parseFlavor);
}

/** Parses the body of `GET /flavors/{id}/os-extra_specs`. */
export function parseExtraSpecsResponse(
  body: unknown,
  source: ResponseSource = nova('GET', 'flavors/{flavor_id}/os-extra_specs'),
): Record<string, string> {
  return parseWrappedBody(body, source, 'extra_specs', parseSpecs);
}

/** True when the server's flavor is the full embedded form. */
export function hasEmbeddedFlavor(flavor: Server['flavor']): flavor is Flavor {
  return 'vcpus' in flavor;
}

function parseAddress(network: string, raw: unknown, place: BodyPlace): ServerAddress {
  const a = readObject(raw, place);
  const type = a['OS-EXT-IPS:type'];
  return {
    network,
    addr: requireString(a, 'addr', place),
    version: a.version === 6 ? 6 : 4,
    type: type === 'fixed' || type === 'floating' ? type : undefined,
  };
}

function parseAddresses(o: Record<string, unknown>, place: BodyPlace): ServerAddress[] {
  if (o.addresses === undefined || o.addresses === null) return [];
  const byNetwork = requireObject(o, 'addresses', place);
  const networksPlace = fieldPlace(place, 'addresses');
  const addresses: ServerAddress[] = [];
  for (const network of Object.keys(byNetwork))
    for (const address of parseItems(byNetwork, network, networksPlace, (raw, p) =>
      parseAddress(network, raw, p),
    ))
      addresses.push(address);
  return addresses;
}

function parseServerFlavor(o: Record<string, unknown>, place: BodyPlace): Server['flavor'] {
  const flavor = requireObject(o, 'flavor', place);
  const flavorPlace = fieldPlace(place, 'flavor');
  if ('vcpus' in flavor || 'original_name' in flavor) return parseEmbeddedFlavor(flavor, flavorPlace);
  return { id: requireString(flavor, 'id', flavorPlace) };
}

/**
 * Parses a server (an item of `GET /servers/detail` or the `server` of `GET /servers/{id}`);
 * also a deleted one, seen through `changes-since`.
 * @throws OpenStackResponseError `OPENSTACK_BAD_RESPONSE` without id, name, status, project,
 *   user, creation time or flavor.
 */
export function parseServer(
  raw: unknown,
  place: BodyPlace = { source: nova('GET', 'servers/{server_id}'), at: 'server' },
): Server {
  const o = readObject(raw, place);
  const id = requireString(o, 'id', place);
  const created = requireTime(o, 'created', place);
  const image = o.image;
  return {
    id,
    name: requireText(o, 'name', place),
    status: requireString(o, 'status', place),
    projectId: requireStringOf(o, ['tenant_id', 'project_id'], place),
    userId: requireString(o, 'user_id', place),
    created,
    updated: optionalString(o.updated) ?? created,
    launchedAt: optionalString(o['OS-SRV-USG:launched_at']),
    terminatedAt: optionalString(o['OS-SRV-USG:terminated_at']),
    taskState: optionalString(o['OS-EXT-STS:task_state']),
    vmState: optionalString(o['OS-EXT-STS:vm_state']),
    // a server booted from a volume has `image: ""`
    imageId: image && typeof image === 'object' ? optionalString((image as { id?: unknown }).id) : undefined,
    flavor: parseServerFlavor(o, place),
    addresses: parseAddresses(o, place),
    metadata: parseSpecs(o.metadata),
    faultMessage:
      o.fault && typeof o.fault === 'object'
        ? optionalString((o.fault as { message?: unknown }).message)
        : undefined,
  };
}

/** Parses the body of `GET /servers/detail` (one page). */
export function parseServerList(body: unknown, source: ResponseSource = SERVER_LIST): Server[] {
  return parseListBody(body, source, 'servers', parseServer);
}

/** Parses the body of `GET /servers/{id}`. */
export function parseServerResponse(
  body: unknown,
  source: ResponseSource = nova('GET', 'servers/{server_id}'),
): Server {
  return parseWrappedBody(body, source, 'server', parseServer);
}

/** Parses the body of `POST /servers`: the id of the (first) server created. */
export function parseCreateServerResponse(
  body: unknown,
  source: ResponseSource = nova('POST', 'servers'),
): string {
  const place = { source, at: '' };
  const o = readObject(body, place);
  // with return_reservation_id Nova answers only the reservation of a multi-create
  if (o.server === undefined && typeof o.reservation_id === 'string') return o.reservation_id;
  return requireString(requireObject(o, 'server', place), 'id', { source, at: 'server' });
}

function parseServerUsage(raw: unknown, place: BodyPlace, projectId: string): ServerUsage {
  const u = readObject(raw, place);
  return {
    instanceId: requireString(u, 'instance_id', place),
    name: String(u.name ?? ''),
    state: String(u.state ?? ''),
    flavor: String(u.flavor ?? ''),
    vcpus: Number(u.vcpus ?? 0),
    memoryMb: Number(u.memory_mb ?? 0),
    localGb: Number(u.local_gb ?? 0),
    hours: Number(u.hours ?? 0),
    startedAt: requireTime(u, 'started_at', place),
    endedAt: optionalString(u.ended_at),
    projectId: String(u.tenant_id ?? projectId),
  };
}

/**
 * Parses the body of `GET /os-simple-tenant-usage/{project_id}?detailed=1` (one page); a
 * project without usage answers an empty `tenant_usage`.
 */
export function parseTenantUsage(
  body: unknown,
  projectId: string,
  source: ResponseSource = nova('GET', 'os-simple-tenant-usage/{project_id}'),
): ServerUsage[] {
  return parseWrappedBody(body, source, 'tenant_usage', (usage, place) =>
    parseOptionalItems(usage, 'server_usages', place, (raw, p) => parseServerUsage(raw, p, projectId)),
  );
}

/** Parses the body of `GET /os-quota-sets/{project_id}/detail`: each quota with its usage. */
export function parseComputeQuotas(
  body: unknown,
  source: ResponseSource = nova('GET', 'os-quota-sets/{project_id}/detail'),
): Record<string, QuotaItem> {
  return parseQuotaSetBody(body, source, (q, place) => ({
    limit: requireNumber(q, 'limit', place),
    inUse: requireNumber(q, 'in_use', place),
    reserved: Number(q.reserved ?? 0),
  }));
}

/** Parses the body of `GET /limits`: the absolute limits. */
export function parseComputeLimits(
  body: unknown,
  source: ResponseSource = nova('GET', 'limits'),
): Record<string, number> {
  return parseWrappedBody(body, source, 'limits', (limits, place) => {
    const absolute = requireObject(limits, 'absolute', place);
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(absolute)) if (typeof v === 'number') out[k] = v;
    return out;
  });
}
