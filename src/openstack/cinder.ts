// Cinder v3 operations: volumes (detail with changes-since, create, delete) and quotas.
import { deleteResource, pollUntil } from './resource-lifecycle.js';
import { parseApiTime } from './api-time.js';
import { compareMicroversions, negotiateMicroversion } from './microversion.js';
import type { OpenStackSession } from './session.js';
import {
  optionalString,
  parseOptionalItems,
  readObject,
  requireNumber,
  requireString,
  requireTime,
  type BodyPlace,
  type ResponseSource,
} from './parse-response.js';
import {
  paginateItems,
  parseListBody,
  parseQuotaSetBody,
  parseWrappedBody,
  serviceSources,
} from './response-bodies.js';

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

const cinder = serviceSources('volumev3', 'cinder');
const VOLUME_LIST = cinder('GET', 'volumes/detail');

function parseAttachment(raw: unknown, place: BodyPlace): string {
  return requireString(readObject(raw, place), 'server_id', place);
}

/**
 * Parses a volume (an item of `GET /volumes/detail` or the `volume` of one); times are UTC
 * without zone in Cinder's answers. The project is only there for admins
 * (`os-vol-tenant-attr:tenant_id`), so it may be ''.
 * @throws OpenStackResponseError `OPENSTACK_BAD_RESPONSE` without id, status, size, user or creation time.
 */
export function parseVolume(
  raw: unknown,
  place: BodyPlace = { source: cinder('GET', 'volumes/{volume_id}'), at: 'volume' },
): Volume {
  const o = readObject(raw, place);
  return {
    id: requireString(o, 'id', place),
    name: String(o.name ?? ''),
    status: requireString(o, 'status', place),
    sizeGb: requireNumber(o, 'size', place),
    projectId: String(o['os-vol-tenant-attr:tenant_id'] ?? o.project_id ?? ''),
    userId: requireString(o, 'user_id', place),
    createdAt: requireTime(o, 'created_at', place),
    updatedAt: optionalString(o.updated_at),
    volumeType: optionalString(o.volume_type),
    attachedTo: parseOptionalItems(o, 'attachments', place, parseAttachment),
  };
}

/** Parses the body of `GET /volumes/detail` (one page). */
export function parseVolumeList(body: unknown, source: ResponseSource = VOLUME_LIST): Volume[] {
  return parseListBody(body, source, 'volumes', parseVolume);
}

/** Parses the body of `GET /volumes/{id}` or `POST /volumes`. */
export function parseVolumeResponse(
  body: unknown,
  source: ResponseSource = cinder('GET', 'volumes/{volume_id}'),
): Volume {
  return parseWrappedBody(body, source, 'volume', parseVolume);
}

/** Parses the body of `GET /os-quota-sets/{project_id}?usage=true`: each quota with its usage. */
export function parseVolumeQuotas(
  body: unknown,
  source: ResponseSource = cinder('GET', 'os-quota-sets/{project_id}'),
): Record<string, { limit: number; inUse: number }> {
  return parseQuotaSetBody(body, source, (q, place) => ({
    limit: requireNumber(q, 'limit', place),
    inUse: requireNumber(q, 'in_use', place),
  }));
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
  const pages = paginateItems(
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
    { itemsKey: 'volumes', source: VOLUME_LIST, parseOne: parseVolume, limit: 200 },
  );
  for await (const page of pages) {
    yield serverFilters || sinceMs === undefined
      ? page
      : page.filter((v) => parseApiTime(v.updatedAt ?? v.createdAt) >= sinceMs);
  }
}

/** Reads one volume. */
export async function getVolume(session: OpenStackSession, volumeId: string): Promise<Volume> {
  const path = `volumes/${encodeURIComponent(volumeId)}`;
  const body = await session.json({ service: 'volumev3', method: 'GET', path });
  return parseVolumeResponse(body, cinder('GET', path));
}

/** Creates a volume of `sizeGb` GiB; returns it (status `creating`). */
export async function createVolume(
  session: OpenStackSession,
  input: { name: string; sizeGb: number },
): Promise<Volume> {
  const body = await session.json({
    service: 'volumev3',
    method: 'POST',
    path: 'volumes',
    body: { volume: { name: input.name, size: input.sizeGb } },
  });
  return parseVolumeResponse(body, cinder('POST', 'volumes'));
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
  const path = `os-quota-sets/${encodeURIComponent(projectId)}`;
  const body = await session.json({ service: 'volumev3', method: 'GET', path, query: { usage: 'true' } });
  return parseVolumeQuotas(body, cinder('GET', path));
}
