// Nova (compute) operations: servers, flavors, usage, quotas, limits, microversions.
import { deleteResource, pollUntil } from './resource-lifecycle.js';
import { paginate, collectAll } from './pagination.js';
import type { OpenStackSession } from './session.js';
import { compareMicroversions, negotiateMicroversion } from './microversion.js';

/** The Nova microversion that embeds the flavor (with extra specs) in the server. */
export const EMBEDDED_FLAVOR_MICROVERSION = '2.47';

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

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function parseSpecs(raw: unknown): Record<string, string> {
  const specs: Record<string, string> = {};
  if (raw && typeof raw === 'object') for (const [k, v] of Object.entries(raw)) specs[k] = String(v);
  return specs;
}

/** Parses a flavor (list form or the form embedded in a server). */
export function parseFlavor(raw: Record<string, unknown>): Flavor {
  return {
    id: str(raw.id),
    name: String(raw.name ?? raw.original_name ?? ''),
    vcpus: Number(raw.vcpus ?? 0),
    ramMb: Number(raw.ram ?? 0),
    diskGb: Number(raw.disk ?? 0),
    ephemeralGb: Number(raw['OS-FLV-EXT-DATA:ephemeral'] ?? raw.ephemeral ?? 0),
    isPublic: raw['os-flavor-access:is_public'] !== false,
    extraSpecs: parseSpecs(raw.extra_specs),
  };
}

/** True when the server's flavor is the full embedded form. */
export function hasEmbeddedFlavor(flavor: Server['flavor']): flavor is Flavor {
  return 'vcpus' in flavor;
}

/** Parses a server body. */
export function parseServer(raw: Record<string, unknown>): Server {
  const addresses: ServerAddress[] = [];
  for (const [network, list] of Object.entries(
    (raw.addresses ?? {}) as Record<string, Record<string, unknown>[]>,
  )) {
    for (const a of list) {
      const type = a['OS-EXT-IPS:type'];
      addresses.push({
        network,
        addr: String(a.addr),
        version: a.version === 6 ? 6 : 4,
        type: type === 'fixed' || type === 'floating' ? type : undefined,
      });
    }
  }
  const flavorRaw = (raw.flavor ?? {}) as Record<string, unknown>;
  const image = raw.image;
  return {
    id: String(raw.id),
    name: String(raw.name ?? ''),
    status: String(raw.status ?? 'UNKNOWN'),
    projectId: String(raw.tenant_id ?? raw.project_id ?? ''),
    userId: String(raw.user_id ?? ''),
    created: String(raw.created),
    updated: String(raw.updated ?? raw.created),
    launchedAt: str(raw['OS-SRV-USG:launched_at']),
    terminatedAt: str(raw['OS-SRV-USG:terminated_at']),
    taskState: str(raw['OS-EXT-STS:task_state']),
    vmState: str(raw['OS-EXT-STS:vm_state']),
    imageId: image && typeof image === 'object' ? str((image as { id?: unknown }).id) : undefined,
    flavor: 'vcpus' in flavorRaw ? parseFlavor(flavorRaw) : { id: String(flavorRaw.id ?? '') },
    addresses,
    metadata: parseSpecs(raw.metadata),
  };
}

/** The compute microversion to use: the wanted one, capped at what the site supports. */
export function computeMicroversion(
  session: OpenStackSession,
  wanted = EMBEDDED_FLAVOR_MICROVERSION,
): Promise<string> {
  return negotiateMicroversion(session, 'compute', wanted);
}

/** Query of {@link paginateServers}. */
export interface ServerQuery {
  /** ISO time: servers changed since then, deleted ones included. */
  changesSince?: string;
  /** List only deleted servers (admin). */
  deleted?: boolean;
  allTenants?: boolean;
  projectId?: string;
  name?: string;
  status?: string;
}

/**
 * Pages of `GET /servers/detail` at the negotiated microversion (≥ 2.47 embeds
 * flavors). With `changesSince`, deleted servers are included.
 * @example for await (const page of paginateServers(s, { changesSince: '2026-01-01T00:00:00Z' })) …
 */
export async function* paginateServers(
  session: OpenStackSession,
  query: ServerQuery = {},
  options: { limit?: number } = {},
): AsyncGenerator<Server[], void, undefined> {
  const microversion = await computeMicroversion(session);
  yield* paginate(
    session,
    {
      service: 'compute',
      method: 'GET',
      path: 'servers/detail',
      microversion,
      query: {
        'changes-since': query.changesSince,
        deleted: query.deleted ? true : undefined,
        all_tenants: query.allTenants ? 1 : undefined,
        project_id: query.projectId,
        name: query.name,
        status: query.status,
      },
    },
    { itemsKey: 'servers', parse: parseServer, limit: options.limit ?? 200 },
  );
}

/** Reads one server. */
export async function getServer(session: OpenStackSession, serverId: string): Promise<Server> {
  const microversion = await computeMicroversion(session);
  const body = await session.json<{ server: Record<string, unknown> }>({
    service: 'compute',
    method: 'GET',
    path: `servers/${encodeURIComponent(serverId)}`,
    microversion,
  });
  return parseServer(body.server);
}

/** Input of {@link createServer}. */
export interface CreateServerInput {
  name: string;
  flavorId: string;
  imageId: string;
  /** Network ids to attach, or `none` for no network. */
  networks: readonly string[] | 'none' | 'auto';
  metadata?: Record<string, string>;
  /** Create this many identical servers in one request (`min_count`/`max_count`). */
  count?: number;
}

/** Creates a server (or `count` servers); returns the id of the (first) one. Use {@link waitForServer} for ACTIVE. */
export async function createServer(session: OpenStackSession, input: CreateServerInput): Promise<string> {
  const microversion = await computeMicroversion(session, '2.37'); // 2.37: `networks` may be none/auto
  const networks =
    typeof input.networks === 'string' ? input.networks : input.networks.map((uuid) => ({ uuid }));
  const body = await session.json<{ server?: { id: string }; reservation_id?: string }>({
    service: 'compute',
    method: 'POST',
    path: 'servers',
    microversion,
    body: {
      server: {
        name: input.name,
        flavorRef: input.flavorId,
        imageRef: input.imageId,
        networks,
        ...(input.metadata ? { metadata: input.metadata } : {}),
        ...(input.count ? { min_count: input.count, max_count: input.count } : {}),
      },
    },
  });
  return body.server?.id ?? body.reservation_id ?? '';
}

/** Sets compute quotas of a project (admin), e.g. `{ instances: 100, cores: 200 }`. */
export async function setComputeQuotas(
  session: OpenStackSession,
  projectId: string,
  quotas: Record<string, number>,
): Promise<void> {
  await session.send({
    service: 'compute',
    method: 'PUT',
    path: `os-quota-sets/${encodeURIComponent(projectId)}`,
    body: { quota_set: quotas },
  });
}

/** Deletes a server (404 counts as gone). */
export function deleteServer(session: OpenStackSession, serverId: string): Promise<void> {
  return deleteResource(session, 'compute', `servers/${encodeURIComponent(serverId)}`, {
    retryOnConflict: true,
  });
}

async function serverAction(
  session: OpenStackSession,
  serverId: string,
  action: Record<string, unknown>,
): Promise<void> {
  await session.send({
    service: 'compute',
    method: 'POST',
    path: `servers/${encodeURIComponent(serverId)}/action`,
    body: action,
    // a conflict means "another task runs": the action was not taken, so sending again is safe
    retryOnConflict: true,
    idempotent: true,
  });
}

/** Resizes a server to another flavor (then wait for VERIFY_RESIZE and {@link confirmResize}). */
export function resizeServer(session: OpenStackSession, serverId: string, flavorId: string): Promise<void> {
  return serverAction(session, serverId, { resize: { flavorRef: flavorId } });
}

/** Confirms a pending resize. */
export function confirmResize(session: OpenStackSession, serverId: string): Promise<void> {
  return serverAction(session, serverId, { confirmResize: null });
}

/** Shelves a server. */
export function shelveServer(session: OpenStackSession, serverId: string): Promise<void> {
  return serverAction(session, serverId, { shelve: null });
}

/** Unshelves a server. */
export function unshelveServer(session: OpenStackSession, serverId: string): Promise<void> {
  return serverAction(session, serverId, { unshelve: null });
}

/** Stops a server. */
export function stopServer(session: OpenStackSession, serverId: string): Promise<void> {
  return serverAction(session, serverId, { 'os-stop': null });
}

/**
 * Polls a server until its status is one of `statuses` with no task running
 * (or it is gone, when `DELETED` is wanted); fails fast on ERROR.
 * @throws OpenStackError `OPENSTACK_WAIT_TIMEOUT` after `timeoutMs`.
 */
export function waitForServer(
  session: OpenStackSession,
  serverId: string,
  statuses: readonly string[],
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<Server | undefined> {
  return pollUntil({
    service: 'compute',
    path: `servers/${serverId}`,
    read: () => getServer(session, serverId),
    statusOf: (s) => s.status,
    isDone: (s) => statuses.includes(s.status) && !s.taskState,
    isFailed: (s) => s.status === 'ERROR' && !statuses.includes('ERROR'),
    isGoneDone: statuses.includes('DELETED'),
    wanted: statuses,
    timeoutMs: options.timeoutMs ?? 120_000,
    intervalMs: options.intervalMs,
  });
}

/** Lists flavors visible to the project (public and private), with their extra specs. */
export async function listFlavors(
  session: OpenStackSession,
  options: { isPublic?: 'true' | 'false' | 'none' } = {},
): Promise<Flavor[]> {
  const microversion = await computeMicroversion(session, '2.61'); // 2.61: extra_specs in the list
  const flavors = await collectAll(
    paginate(
      session,
      {
        service: 'compute',
        method: 'GET',
        path: 'flavors/detail',
        microversion,
        query: { is_public: options.isPublic ?? 'none' },
      },
      { itemsKey: 'flavors', parse: parseFlavor },
    ),
  );
  if (compareMicroversions(microversion, '2.61') >= 0) return flavors;
  // older sites: one extra-specs call per flavor (flavors are few)
  return Promise.all(
    flavors.map(async (f) => ({ ...f, extraSpecs: f.id ? await getFlavorExtraSpecs(session, f.id) : {} })),
  );
}

/** Reads a flavor's extra specs. */
export async function getFlavorExtraSpecs(
  session: OpenStackSession,
  flavorId: string,
): Promise<Record<string, string>> {
  const body = await session.json<{ extra_specs: Record<string, unknown> }>({
    service: 'compute',
    method: 'GET',
    path: `flavors/${encodeURIComponent(flavorId)}/os-extra_specs`,
  });
  return parseSpecs(body.extra_specs);
}

/**
 * Reads os-simple-tenant-usage of one project for [start, end), following
 * pages at microversion ≥ 2.40.
 */
export async function getTenantUsage(
  session: OpenStackSession,
  projectId: string,
  start: Date,
  end: Date,
): Promise<ServerUsage[]> {
  const microversion = await computeMicroversion(session, '2.40');
  const iso = (d: Date) => d.toISOString().replace('Z', '');
  const out: ServerUsage[] = [];
  let marker: string | undefined;
  for (;;) {
    const body = await session.json<{ tenant_usage: { server_usages?: Record<string, unknown>[] } }>({
      service: 'compute',
      method: 'GET',
      path: `os-simple-tenant-usage/${encodeURIComponent(projectId)}`,
      microversion,
      query: { start: iso(start), end: iso(end), detailed: 1, limit: 1000, marker },
    });
    const usages = body.tenant_usage?.server_usages ?? [];
    for (const u of usages) {
      out.push({
        instanceId: String(u.instance_id),
        name: String(u.name ?? ''),
        state: String(u.state ?? ''),
        flavor: String(u.flavor ?? ''),
        vcpus: Number(u.vcpus ?? 0),
        memoryMb: Number(u.memory_mb ?? 0),
        localGb: Number(u.local_gb ?? 0),
        hours: Number(u.hours ?? 0),
        startedAt: String(u.started_at),
        endedAt: str(u.ended_at),
        projectId: String(u.tenant_id ?? projectId),
      });
    }
    if (compareMicroversions(microversion, '2.40') < 0 || usages.length < 1000) return out;
    marker = String(usages[usages.length - 1]!.instance_id);
  }
}

/** Reads the compute quotas of a project, with usage. */
export async function getComputeQuotas(
  session: OpenStackSession,
  projectId: string,
): Promise<Record<string, QuotaItem>> {
  const body = await session.json<{ quota_set: Record<string, unknown> }>({
    service: 'compute',
    method: 'GET',
    path: `os-quota-sets/${encodeURIComponent(projectId)}/detail`,
  });
  const out: Record<string, QuotaItem> = {};
  for (const [k, v] of Object.entries(body.quota_set)) {
    if (v && typeof v === 'object') {
      const q = v as Record<string, unknown>;
      out[k] = { limit: Number(q.limit), inUse: Number(q.in_use), reserved: Number(q.reserved ?? 0) };
    }
  }
  return out;
}

/** Reads the absolute limits (`GET /limits`) of the scoped project. */
export async function getComputeLimits(session: OpenStackSession): Promise<Record<string, number>> {
  const body = await session.json<{ limits: { absolute: Record<string, unknown> } }>({
    service: 'compute',
    method: 'GET',
    path: 'limits',
  });
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(body.limits.absolute)) if (typeof v === 'number') out[k] = v;
  return out;
}
