// Glance v2 operations: images (list, get, create, streaming upload/download, JSON-patch, delete) and members.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { deleteResource } from './resource-lifecycle.js';
import type { OpenStackSession } from './session.js';
import {
  readObject,
  requireOneOf,
  requireString,
  requireTime,
  type BodyPlace,
  type ResponseSource,
} from './parse-response.js';
import { paginateItems, parseListBody, serviceSources } from './response-bodies.js';

/** A Glance image; `properties` holds every non-core attribute (e.g. `os_distro`, `vmcatcher_event_ad_mpuri`). */
export interface Image {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly visibility: string;
  readonly owner: string | undefined;
  readonly diskFormat: string | undefined;
  readonly containerFormat: string | undefined;
  readonly sizeBytes: number | undefined;
  readonly checksum: string | undefined;
  readonly osHashAlgo: string | undefined;
  readonly osHashValue: string | undefined;
  readonly minRamMb: number;
  readonly minDiskGb: number;
  readonly tags: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly properties: Readonly<Record<string, string>>;
}

/** An image member (project the image is shared with). */
export interface ImageMember {
  readonly imageId: string;
  readonly memberId: string;
  readonly status: 'pending' | 'accepted' | 'rejected';
}

const CORE = new Set([
  'id',
  'name',
  'status',
  'visibility',
  'owner',
  'disk_format',
  'container_format',
  'size',
  'virtual_size',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'min_ram',
  'min_disk',
  'tags',
  'created_at',
  'updated_at',
  'protected',
  'self',
  'file',
  'schema',
  'locations',
  'direct_url',
  'os_hidden',
  'stores',
]);

const glance = serviceSources('image', 'glance');
const IMAGE_LIST = glance('GET', 'v2/images');

/**
 * Parses a Glance v2 image (the body of `GET /v2/images/{id}` or an item of the list).
 * @throws OpenStackResponseError `OPENSTACK_BAD_RESPONSE` without id, status, visibility or times.
 */
export function parseImage(
  raw: unknown,
  place: BodyPlace = { source: glance('GET', 'v2/images/{image_id}'), at: '' },
): Image {
  const o = readObject(raw, place);
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(o))
    if (!CORE.has(k) && v !== null && v !== undefined) properties[k] = String(v);
  const opt = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    id: requireString(o, 'id', place),
    // Glance allows images without a name (`null`)
    name: typeof o.name === 'string' ? o.name : '',
    status: requireString(o, 'status', place),
    visibility: requireString(o, 'visibility', place),
    owner: opt(o.owner),
    diskFormat: opt(o.disk_format),
    containerFormat: opt(o.container_format),
    sizeBytes: typeof o.size === 'number' ? o.size : undefined,
    checksum: opt(o.checksum),
    osHashAlgo: opt(o.os_hash_algo),
    osHashValue: opt(o.os_hash_value),
    minRamMb: Number(o.min_ram ?? 0),
    minDiskGb: Number(o.min_disk ?? 0),
    tags: Array.isArray(o.tags) ? o.tags.map(String) : [],
    createdAt: requireTime(o, 'created_at', place),
    updatedAt: requireTime(o, 'updated_at', place),
    properties,
  };
}

/** Parses the body of `GET /v2/images` (one page). */
export function parseImageList(body: unknown, source: ResponseSource = IMAGE_LIST): Image[] {
  return parseListBody(body, source, 'images', parseImage);
}

/** Filters of {@link paginateImages}, passed as Glance query parameters (`visibility`, `owner`, `status`, `name`, properties). */
export type ImageQuery = Record<string, string | undefined>;

/**
 * Pages of `GET /v2/images` with filters.
 * @example for await (const page of paginateImages(s, { visibility: 'all', os_distro: 'ubuntu' })) …
 */
export function paginateImages(
  session: OpenStackSession,
  query: ImageQuery = {},
  limit = 100,
): AsyncGenerator<Image[]> {
  return paginateItems(
    session,
    { service: 'image', method: 'GET', path: 'v2/images', query },
    { itemsKey: 'images', source: IMAGE_LIST, parseOne: parseImage, limit },
  );
}

/** Reads one image. */
export async function getImage(session: OpenStackSession, imageId: string): Promise<Image> {
  const path = `v2/images/${encodeURIComponent(imageId)}`;
  return parseImage(await session.json({ service: 'image', method: 'GET', path }), {
    source: glance('GET', path),
    at: '',
  });
}

/** Input of {@link createImage}: core fields plus any string properties. */
export interface CreateImageInput {
  name: string;
  diskFormat: string;
  containerFormat?: string;
  visibility?: 'public' | 'private' | 'shared' | 'community';
  minRamMb?: number;
  minDiskGb?: number;
  tags?: string[];
  properties?: Record<string, string>;
}

/** Creates an image record (status `queued`); upload data with {@link uploadImageData}. */
export async function createImage(session: OpenStackSession, input: CreateImageInput): Promise<Image> {
  const body = {
    name: input.name,
    disk_format: input.diskFormat,
    container_format: input.containerFormat ?? 'bare',
    visibility: input.visibility ?? 'private',
    ...(input.minRamMb !== undefined ? { min_ram: input.minRamMb } : {}),
    ...(input.minDiskGb !== undefined ? { min_disk: input.minDiskGb } : {}),
    ...(input.tags ? { tags: input.tags } : {}),
    ...input.properties,
  };
  return parseImage(await session.json({ service: 'image', method: 'POST', path: 'v2/images', body }), {
    source: glance('POST', 'v2/images'),
    at: '',
  });
}

/**
 * Streams image data to Glance (`PUT /v2/images/{id}/file`) without holding it
 * in memory. The stream is sent once; a failure is not retried.
 */
export async function uploadImageData(
  session: OpenStackSession,
  imageId: string,
  data: Readable | ReadableStream<Uint8Array>,
  options: { sizeBytes?: number; timeoutMs?: number } = {},
): Promise<void> {
  const body = data instanceof Readable ? (Readable.toWeb(data) as ReadableStream<Uint8Array>) : data;
  await session.send({
    service: 'image',
    method: 'PUT',
    path: `v2/images/${encodeURIComponent(imageId)}/file`,
    headers: {
      'Content-Type': 'application/octet-stream',
      ...(options.sizeBytes !== undefined ? { 'Content-Length': String(options.sizeBytes) } : {}),
    },
    body,
    timeoutMs: options.timeoutMs ?? 3_600_000,
  });
}

/** Opens a stream of the image data (`GET /v2/images/{id}/file`); the caller consumes it. */
export async function downloadImageData(
  session: OpenStackSession,
  imageId: string,
  options: { timeoutMs?: number } = {},
): Promise<Readable> {
  const res = await session.send({
    service: 'image',
    method: 'GET',
    path: `v2/images/${encodeURIComponent(imageId)}/file`,
    headers: { Accept: 'application/octet-stream' },
    timeoutMs: options.timeoutMs ?? 3_600_000,
  });
  if (!res.body) return Readable.from([]);
  return Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
}

/** One operation of a Glance JSON patch. */
export type ImagePatchOp =
  { op: 'add' | 'replace'; path: string; value: unknown } | { op: 'remove'; path: string };

/**
 * Updates image attributes with a JSON patch (`application/openstack-images-v2.1-json-patch`).
 * @example await patchImage(s, id, [{ op: 'add', path: '/os_version', value: '24.04' }])
 */
export async function patchImage(
  session: OpenStackSession,
  imageId: string,
  ops: readonly ImagePatchOp[],
): Promise<Image> {
  const path = `v2/images/${encodeURIComponent(imageId)}`;
  const body = await session.json({
    service: 'image',
    method: 'PATCH',
    path,
    headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch' },
    body: JSON.stringify(ops),
    idempotent: true,
  });
  return parseImage(body, { source: glance('PATCH', path), at: '' });
}

/** Sets string properties (add or replace each). */
export function setImageProperties(
  session: OpenStackSession,
  image: Image,
  properties: Record<string, string>,
): Promise<Image> {
  const ops = Object.entries(properties).map(([k, value]) => ({
    op: k in image.properties ? ('replace' as const) : ('add' as const),
    path: `/${k}`,
    value,
  }));
  return patchImage(session, image.id, ops);
}

/** Deletes an image (404 counts as gone). */
export function deleteImage(session: OpenStackSession, imageId: string): Promise<void> {
  return deleteResource(session, 'image', `v2/images/${encodeURIComponent(imageId)}`);
}

/** Parses an image member (the body of `POST`/`PUT …/members…` or an item of the list). */
export function parseImageMember(
  raw: unknown,
  place: BodyPlace = { source: glance('GET', 'v2/images/{image_id}/members/{member_id}'), at: '' },
): ImageMember {
  const o = readObject(raw, place);
  return {
    imageId: requireString(o, 'image_id', place),
    memberId: requireString(o, 'member_id', place),
    status: requireOneOf(o, 'status', ['pending', 'accepted', 'rejected'], place),
  };
}

/** Parses the body of `GET /v2/images/{id}/members`. */
export function parseImageMemberList(
  body: unknown,
  source: ResponseSource = glance('GET', 'v2/images/{image_id}/members'),
): ImageMember[] {
  return parseListBody(body, source, 'members', parseImageMember);
}

/** Shares an image with a project (the image must have visibility `shared`). */
export async function addImageMember(
  session: OpenStackSession,
  imageId: string,
  projectId: string,
): Promise<ImageMember> {
  const path = `v2/images/${encodeURIComponent(imageId)}/members`;
  const body = await session.json({ service: 'image', method: 'POST', path, body: { member: projectId } });
  return parseImageMember(body, { source: glance('POST', path), at: '' });
}

/** Sets a membership's status; called by the member project (`accepted` to see the image in lists). */
export async function updateImageMember(
  session: OpenStackSession,
  imageId: string,
  projectId: string,
  status: 'accepted' | 'rejected' | 'pending',
): Promise<ImageMember> {
  const path = `v2/images/${encodeURIComponent(imageId)}/members/${encodeURIComponent(projectId)}`;
  const body = await session.json({ service: 'image', method: 'PUT', path, body: { status } });
  return parseImageMember(body, { source: glance('PUT', path), at: '' });
}

/** Lists the members of an image. */
export async function listImageMembers(session: OpenStackSession, imageId: string): Promise<ImageMember[]> {
  const path = `v2/images/${encodeURIComponent(imageId)}/members`;
  const body = await session.json({ service: 'image', method: 'GET', path });
  return parseImageMemberList(body, glance('GET', path));
}

/** Removes a project from an image's members (404 counts as gone). */
export function deleteImageMember(
  session: OpenStackSession,
  imageId: string,
  projectId: string,
): Promise<void> {
  return deleteResource(
    session,
    'image',
    `v2/images/${encodeURIComponent(imageId)}/members/${encodeURIComponent(projectId)}`,
  );
}

/**
 * Deactivates an image (`POST /v2/images/{id}/actions/deactivate`): its data can no longer be
 * downloaded or booted, but the record stays; for an image that could not be deleted.
 */
export async function deactivateImage(session: OpenStackSession, imageId: string): Promise<void> {
  await session.send({
    service: 'image',
    method: 'POST',
    path: `v2/images/${encodeURIComponent(imageId)}/actions/deactivate`,
  });
}
