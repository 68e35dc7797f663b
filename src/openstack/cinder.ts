// Cinder v3 operations: volumes (detail with changes-since, create, delete) and quotas.
import { deleteResource, pollUntil } from './resource-lifecycle.js';
import { parseApiTime } from './api-time.js';
import { paginate } from './pagination.js';
import { compareMicroversions, negotiateMicroversion } from './microversion.js';
import type { OpenStackSession } from './session.js';

/** A Cinder volume. */
export interface Volume {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly sizeGb: number;
  readonly projectId: string;
  readonly userId: string;
  readonly createdAt: string;
  readonly updatedAt: string | undefined;
  readonly volumeType: string | undefined;
  readonly attachedTo: readonly string[];
}

/** Parses a volume body (times are UTC without zone in Cinder's answers). */
export function parseVolume(raw: Record<string, unknown>): Volume {
  return {
    id: String(raw.id),
    name: String(raw.name ?? ''),
    status: String(raw.status),
    sizeGb: Number(raw.size ?? 0),
    projectId: String(raw['os-vol-tenant-attr:tenant_id'] ?? raw.project_id ?? ''),
    userId: String(raw.user_id ?? ''),
    createdAt: String(raw.created_at),
    updatedAt: typeof raw.updated_at === 'string' ? raw.updated_at : undefined,
    volumeType: typeof raw.volume_type === 'string' ? raw.volume_type : undefined,
    attachedTo: (Array.isArray(raw.attachments) ? raw.attachments : []).map((a: Record<string, unknown>) =>
      String(a.server_id),
    ),
  };
}

/** From this microversion Cinder filters volumes by `updated_at=gte:`; before it `changes-since` is ignored. */
const UPDATED_AT_FILTER_MICROVERSION = '3.60';

/**
 * Pages of `GET /volumes/detail`. With `changesSince`, only volumes updated
 * since then: filtered by the server at ≥ 3.60, by us on older sites (where
 * Cinder silently ignores `changes-since`).
 */
export async function* paginateVolumes(
  session: OpenStackSession,
  query: { changesSince?: string; allTenants?: boolean; projectId?: string } = {},
): AsyncGenerator<Volume[]> {
  const microversion = await negotiateMicroversion(session, 'volumev3', UPDATED_AT_FILTER_MICROVERSION);
  const serverFilters = compareMicroversions(microversion, UPDATED_AT_FILTER_MICROVERSION) >= 0;
  const sinceMs = query.changesSince ? Date.parse(query.changesSince) : undefined;
  const pages = paginate(
    session,
    {
      service: 'volumev3',
      method: 'GET',
      path: 'volumes/detail',
      microversion,
      query: {
        updated_at: serverFilters && query.changesSince ? `gte:${query.changesSince}` : undefined,
        all_tenants: query.allTenants ? 1 : undefined,
        project_id: query.projectId,
      },
    },
    { itemsKey: 'volumes', parse: parseVolume, limit: 200 },
  );
  for await (const page of pages) {
    yield serverFilters || sinceMs === undefined
      ? page
      : page.filter((v) => parseApiTime(v.updatedAt ?? v.createdAt) >= sinceMs);
  }
}

/** Reads one volume. */
export async function getVolume(session: OpenStackSession, volumeId: string): Promise<Volume> {
  const body = await session.json<{ volume: Record<string, unknown> }>({
    service: 'volumev3',
    method: 'GET',
    path: `volumes/${encodeURIComponent(volumeId)}`,
  });
  return parseVolume(body.volume);
}

/** Creates a volume of `sizeGb` GiB; returns it (status `creating`). */
export async function createVolume(
  session: OpenStackSession,
  input: { name: string; sizeGb: number },
): Promise<Volume> {
  const body = await session.json<{ volume: Record<string, unknown> }>({
    service: 'volumev3',
    method: 'POST',
    path: 'volumes',
    body: { volume: { name: input.name, size: input.sizeGb } },
  });
  return parseVolume(body.volume);
}

/** Deletes a volume (404 counts as gone). */
export function deleteVolume(session: OpenStackSession, volumeId: string): Promise<void> {
  return deleteResource(session, 'volumev3', `volumes/${encodeURIComponent(volumeId)}`, {
    retryOnConflict: true,
  });
}

/**
 * Polls a volume until its status is one of `statuses` (or gone, for `deleted`).
 * @throws OpenStackError `OPENSTACK_WAIT_TIMEOUT`.
 */
export function waitForVolume(
  session: OpenStackSession,
  volumeId: string,
  statuses: readonly string[],
  timeoutMs = 60_000,
): Promise<Volume | undefined> {
  return pollUntil({
    service: 'volumev3',
    path: `volumes/${volumeId}`,
    read: () => getVolume(session, volumeId),
    statusOf: (v) => v.status,
    isDone: (v) => statuses.includes(v.status),
    isFailed: (v) => v.status === 'error',
    isGoneDone: statuses.includes('deleted'),
    wanted: statuses,
    timeoutMs,
  });
}

/** Reads block-storage quotas of a project, with usage. */
export async function getVolumeQuotas(
  session: OpenStackSession,
  projectId: string,
): Promise<Record<string, { limit: number; inUse: number }>> {
  const body = await session.json<{ quota_set: Record<string, unknown> }>({
    service: 'volumev3',
    method: 'GET',
    path: `os-quota-sets/${encodeURIComponent(projectId)}`,
    query: { usage: 'true' },
  });
  const out: Record<string, { limit: number; inUse: number }> = {};
  for (const [k, v] of Object.entries(body.quota_set))
    if (v && typeof v === 'object')
      out[k] = {
        limit: Number((v as { limit: unknown }).limit),
        inUse: Number((v as { in_use: unknown }).in_use),
      };
  return out;
}
