// Nova (compute) operations: servers, flavors, usage, quotas, limits, microversions.
import { deleteResource, pollUntil } from './resource-lifecycle.js';
import { OpenStackError, isOpenStackStatus } from './openstack-error.js';
import { collectAll } from './pagination.js';
import type { OpenStackSession } from './session.js';
import { compareMicroversions, negotiateMicroversion } from './microversion.js';
import {
  novaSource as nova,
  parseComputeLimits,
  parseComputeQuotas,
  parseCreateServerResponse,
  parseExtraSpecsResponse,
  parseFlavor,
  parseServer,
  parseServerResponse,
  parseTenantUsage,
  type Flavor,
  type Server,
  type ServerUsage,
  type QuotaItem,
} from './nova-responses.js';
import { paginateItems } from './response-bodies.js';

/** The Nova microversion that embeds the flavor (with extra specs) in the server. */
export const EMBEDDED_FLAVOR_MICROVERSION = '2.47';

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
  yield* paginateItems(
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
    {
      itemsKey: 'servers',
      source: nova('GET', 'servers/detail'),
      parseOne: parseServer,
      limit: options.limit ?? 200,
    },
  );
}

/** Reads one server. */
export async function getServer(session: OpenStackSession, serverId: string): Promise<Server> {
  const microversion = await computeMicroversion(session);
  const path = `servers/${encodeURIComponent(serverId)}`;
  const body = await session.json({ service: 'compute', method: 'GET', path, microversion });
  return parseServerResponse(body, nova('GET', path));
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
  /** A Nova keypair of the user (see {@link ensureKeypair}). */
  keyName?: string;
  /** cloud-init user data, as written (sent base64-encoded). */
  userData?: string | Buffer;
}

/** Creates a server (or `count` servers); returns the id of the (first) one. Use {@link waitForServer} for ACTIVE. */
export async function createServer(session: OpenStackSession, input: CreateServerInput): Promise<string> {
  const microversion = await computeMicroversion(session, '2.37'); // 2.37: `networks` may be none/auto
  const networks =
    typeof input.networks === 'string' ? input.networks : input.networks.map((uuid) => ({ uuid }));
  const body = await session.json({
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
        ...(input.keyName ? { key_name: input.keyName } : {}),
        ...(input.userData !== undefined
          ? { user_data: Buffer.from(input.userData).toString('base64') }
          : {}),
      },
    },
  });
  return parseCreateServerResponse(body);
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

/** Starts a stopped server. */
export function startServer(session: OpenStackSession, serverId: string): Promise<void> {
  return serverAction(session, serverId, { 'os-start': null });
}

/**
 * Makes sure the user has a keypair `name` with `publicKey` (keypairs belong to the user, not the
 * project); creates it when missing.
 * @throws OpenStackError `OPENSTACK_HTTP` when a keypair of that name holds another key.
 */
export async function ensureKeypair(
  session: OpenStackSession,
  name: string,
  publicKey: string,
): Promise<void> {
  const path = `os-keypairs/${encodeURIComponent(name)}`;
  try {
    const body = (await session.json({ service: 'compute', method: 'GET', path })) as {
      keypair?: { public_key?: string };
    };
    if (body.keypair?.public_key?.trim() === publicKey.trim()) return;
    throw new OpenStackError(
      'OPENSTACK_HTTP',
      { service: 'compute', method: 'GET', url: path, attempts: 1, status: 409 },
      `keypair ${name} exists with another public key`,
    );
  } catch (error) {
    if (!isOpenStackStatus(error, 404)) throw error;
  }
  await session.json({
    service: 'compute',
    method: 'POST',
    path: 'os-keypairs',
    body: { keypair: { name, public_key: publicKey.trim() } },
  });
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
    statusOf: (s) => (s.faultMessage ? `${s.status} (${s.faultMessage})` : s.status),
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
    paginateItems(
      session,
      {
        service: 'compute',
        method: 'GET',
        path: 'flavors/detail',
        microversion,
        query: { is_public: options.isPublic ?? 'none' },
      },
      { itemsKey: 'flavors', source: nova('GET', 'flavors/detail'), parseOne: parseFlavor },
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
  const path = `flavors/${encodeURIComponent(flavorId)}/os-extra_specs`;
  const body = await session.json({ service: 'compute', method: 'GET', path });
  return parseExtraSpecsResponse(body, nova('GET', path));
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
  const path = `os-simple-tenant-usage/${encodeURIComponent(projectId)}`;
  for (;;) {
    const body = await session.json({
      service: 'compute',
      method: 'GET',
      path,
      microversion,
      query: { start: iso(start), end: iso(end), detailed: 1, limit: 1000, marker },
    });
    const usages = parseTenantUsage(body, projectId, nova('GET', path));
    out.push(...usages);
    if (compareMicroversions(microversion, '2.40') < 0 || usages.length < 1000) return out;
    marker = usages[usages.length - 1]!.instanceId;
  }
}

/** Reads the compute quotas of a project, with usage. */
export async function getComputeQuotas(
  session: OpenStackSession,
  projectId: string,
): Promise<Record<string, QuotaItem>> {
  const path = `os-quota-sets/${encodeURIComponent(projectId)}/detail`;
  const body = await session.json({ service: 'compute', method: 'GET', path });
  return parseComputeQuotas(body, nova('GET', path));
}

/** Reads the absolute limits (`GET /limits`) of the scoped project. */
export async function getComputeLimits(session: OpenStackSession): Promise<Record<string, number>> {
  const body = await session.json({ service: 'compute', method: 'GET', path: 'limits' });
  return parseComputeLimits(body);
}
