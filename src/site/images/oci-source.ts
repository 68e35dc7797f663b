/**
 * Registry (OCI) image sources, e.g. registry.egi.eu (Harbor): the repositories of a Harbor
 * project (or one repository), their tags through the OCI distribution API (`/v2/<name>/tags/list`,
 * paged by `Link`), each tag's manifest (its digest checked against the bytes) and the disk image
 * layer of that manifest, read into the same {@link ImageList} model as a HEPiX list. Credentials:
 * none, a username and password (HTTP Basic, and for the token service), or a token sent as
 * Bearer; a `WWW-Authenticate: Bearer realm=…` challenge is answered with the registry's token
 * service, as Harbor and the distribution registry ask.
 * @module
 */
import { createHash } from 'node:crypto';
import {
  OCI_MANIFEST_MEDIA_TYPES,
  OCI_TITLE_ANNOTATION,
  diskFormatOfFileName,
  diskImageLayerOf,
  nextLinkOf,
  parseAuthChallenges,
  parseOciManifest,
} from '../../formats/oci/index.js';
import type { ImageList, SourceImage } from '../../formats/imagelist/index.js';
import { HttpError, type HttpClient } from '../../http/index.js';
import { describeError } from '../../errors.js';
import { readSecret } from '../site-config.js';
import type { OciSourceConfig } from './images-config.js';

/** How requests to a registry authenticate. */
export type OciCredentials =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'bearer'; readonly token: string };

/** Options of {@link listOciSource} and {@link ociBlobDownload}. */
export interface OciSourceOptions {
  readonly httpClient: HttpClient;
  /** The site YAML, which `password_file` and `token_file` are relative to. */
  readonly configFile: string;
  /** Index of the source in `images.sources` (for the key paths of secret errors). */
  readonly index: number;
  readonly signal?: AbortSignal;
  /** Time limit of each request, ms; default 60 000. */
  readonly timeoutMs?: number;
  /** @internal Environment the secret references are read from. */
  readonly env?: NodeJS.ProcessEnv;
}

/** What listing a registry source gave: the list, and every problem (any of which holds the source). */
export interface OciListing {
  readonly list: ImageList;
  readonly problems: readonly string[];
}

/** Where and how to download an image's disk layer (for `fetchToCache`). */
export interface OciBlobDownload {
  readonly url: string;
  /** `Authorization` for the blob, when the registry asks for one; never log it. */
  readonly headers: Readonly<Record<string, string>>;
}

/** A registry source never expires by date (the registry is read again every run). */
const NEVER = new Date('2499-12-31T22:00:00Z');
const MAX_PAGES = 1000;
const MAX_MANIFEST_BYTES = 4 * 2 ** 20;
const MAX_JSON_BYTES = 16 * 2 ** 20;
/** Tags cosign and ORAS attach to an artefact (signatures, attestations, SBOMs): never images. */
const ACCESSORY_TAG = /^sha256-[0-9a-f]{64}(?:\.[a-z]+)?$/;

/** The credentials of a source: a password (with its username), else a token, else none. */
export function ociCredentialsOf(
  source: OciSourceConfig,
  options: Pick<OciSourceOptions, 'configFile' | 'index' | 'env'>,
): OciCredentials {
  const where = { file: options.configFile, path: `images.sources[${options.index}]` };
  if (source.passwordEnv !== undefined || source.passwordFile !== undefined)
    return {
      kind: 'basic',
      username: source.username ?? '',
      password: readSecret(source, 'password', where, options.env),
    };
  if (source.tokenEnv !== undefined || source.tokenFile !== undefined)
    return { kind: 'bearer', token: readSecret(source, 'token', where, options.env) };
  return { kind: 'anonymous' };
}

function basicOf(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** The digest of `bytes` as `sha256:<hex>`. */
function sha256Of(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function boundedBytes(res: Response, limit: number, what: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.byteLength > limit) throw new Error(`${what} is larger than ${limit} bytes`);
  return bytes;
}

/**
 * One registry with its credentials: requests to `/v2/…` that answer an auth challenge by getting
 * a token from the registry's token service (kept per scope for the run) and trying once more.
 */
export class OciRegistry {
  readonly baseUrl: URL;
  readonly #credentials: OciCredentials;
  readonly #options: Pick<OciSourceOptions, 'httpClient' | 'signal' | 'timeoutMs'>;
  readonly #tokens = new Map<string, string>();

  constructor(
    baseUrl: string,
    credentials: OciCredentials,
    options: Pick<OciSourceOptions, 'httpClient' | 'signal' | 'timeoutMs'>,
  ) {
    this.baseUrl = new URL(baseUrl.replace(/\/*$/, '/'));
    this.#credentials = credentials;
    this.#options = options;
  }

  /** `host[:port]` of the registry, as OCI references name it. */
  get host(): string {
    return this.baseUrl.host;
  }

  #headersFor(scope: string): Record<string, string> {
    const token = this.#tokens.get(scope);
    if (token !== undefined) return { Authorization: `Bearer ${token}` };
    const c = this.#credentials;
    if (c.kind === 'basic') return { Authorization: basicOf(c.username, c.password) };
    if (c.kind === 'bearer') return { Authorization: `Bearer ${c.token}` };
    return {};
  }

  async #send(
    method: string,
    url: URL,
    headers: Record<string, string>,
    scope: string,
    redirect: 'same-origin' | 'manual' = 'same-origin',
  ): Promise<{ res: Response; headers: Record<string, string> }> {
    const request = (h: Record<string, string>) =>
      this.#options.httpClient.request({
        method,
        url,
        headers: h,
        redirect,
        timeoutMs: this.#options.timeoutMs ?? 60_000,
        signal: this.#options.signal,
      });
    const first = { ...headers, ...this.#headersFor(scope) };
    try {
      return { res: await request(first), headers: first };
    } catch (error) {
      if (!(error instanceof HttpError) || error.status !== 401 || this.#credentials.kind === 'bearer')
        throw error;
      const challenge = parseAuthChallenges(error.headers?.get('www-authenticate')).find(
        (c) => c.scheme === 'bearer' && c.params.realm,
      );
      if (challenge === undefined || this.#tokens.has(scope)) throw error;
      const token = await this.#token(challenge.params, scope);
      this.#tokens.set(scope, token);
      const second = { ...headers, Authorization: `Bearer ${token}` };
      return { res: await request(second), headers: second };
    }
  }

  /** A token of the registry's token service for `scope` (the challenge's own scope when it names one). */
  async #token(params: Readonly<Record<string, string>>, scope: string): Promise<string> {
    const realm = new URL(params.realm!, this.baseUrl);
    if (this.baseUrl.protocol === 'https:' && realm.protocol !== 'https:')
      throw new Error(`the registry's token service ${realm.origin} is not HTTPS; no credentials sent to it`);
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', params.scope ?? scope);
    const c = this.#credentials;
    const res = await this.#options.httpClient.request({
      method: 'GET',
      url: realm,
      headers: {
        Accept: 'application/json',
        ...(c.kind === 'basic' ? { Authorization: basicOf(c.username, c.password) } : {}),
      },
      timeoutMs: this.#options.timeoutMs ?? 60_000,
      signal: this.#options.signal,
    });
    const body = JSON.parse(new TextDecoder().decode(await boundedBytes(res, 1 << 20, 'the token'))) as {
      token?: unknown;
      access_token?: unknown;
    };
    const token = typeof body.token === 'string' ? body.token : body.access_token;
    if (typeof token !== 'string' || token === '')
      throw new Error(`the token service ${realm.origin} gave no token`);
    return token;
  }

  /** GET `path` (relative to the registry) with auth for `scope`; resolves with a 2xx/3xx response. */
  async get(path: string, scope: string, accept: string): Promise<Response> {
    return (await this.#send('GET', new URL(path, this.baseUrl), { Accept: accept }, scope)).res;
  }

  /** Every tag of `repository` (`/v2/<name>/tags/list`, following `Link: <…>; rel="next"`). */
  async tags(repository: string, pageSize = 100): Promise<string[]> {
    const scope = `repository:${repository}:pull`;
    const tags: string[] = [];
    let next: URL | undefined = new URL(`v2/${repository}/tags/list?n=${pageSize}`, this.baseUrl);
    for (let page = 0; next !== undefined; page++) {
      if (page >= MAX_PAGES) throw new Error(`more than ${MAX_PAGES} pages of tags`);
      const res = await this.get(next.pathname + next.search, scope, 'application/json');
      const body = JSON.parse(
        new TextDecoder().decode(await boundedBytes(res, MAX_JSON_BYTES, 'the tag list')),
      ) as { tags?: unknown };
      if (body.tags !== null && body.tags !== undefined && !Array.isArray(body.tags))
        throw new Error(`the tag list of ${repository} has no tags array`);
      for (const t of (body.tags ?? []) as unknown[]) if (typeof t === 'string') tags.push(t);
      const link = nextLinkOf(res.headers.get('link'));
      next = link === undefined ? undefined : new URL(link, next);
      if (next !== undefined && next.origin !== this.baseUrl.origin)
        throw new Error(`the tag list links to another origin (${next.origin})`);
    }
    return tags;
  }

  /**
   * The headers that authorise a GET of `path` for `scope`, checked with a HEAD request (a redirect
   * to the blob store counts as success: it is not followed).
   */
  async authorisedHeaders(path: string, scope: string): Promise<Record<string, string>> {
    const { res, headers } = await this.#send('HEAD', new URL(path, this.baseUrl), {}, scope, 'manual');
    await res.body?.cancel();
    return Object.fromEntries(Object.entries(headers).filter(([k]) => k === 'Authorization'));
  }
}

/** The Harbor API of a source: `api_url`, else `<registry>/api/v2.0`. */
function harborApiOf(source: OciSourceConfig): URL {
  return new URL((source.apiUrl ?? `${source.registry.replace(/\/+$/, '')}/api/v2.0`).replace(/\/*$/, '/'));
}

/**
 * The repositories of a Harbor project (`GET <api>/projects/<project>/repositories`, paged by
 * `Link`), as `<project>/<name>`.
 */
async function harborRepositories(
  source: OciSourceConfig,
  project: string,
  credentials: OciCredentials,
  options: OciSourceOptions,
): Promise<string[]> {
  const api = harborApiOf(source);
  const auth: Record<string, string> =
    credentials.kind === 'basic'
      ? { Authorization: basicOf(credentials.username, credentials.password) }
      : credentials.kind === 'bearer'
        ? { Authorization: `Bearer ${credentials.token}` }
        : {};
  const names: string[] = [];
  let next: URL | undefined = new URL(
    `projects/${encodeURIComponent(project)}/repositories?page=1&page_size=100`,
    api,
  );
  for (let page = 0; next !== undefined; page++) {
    if (page >= MAX_PAGES) throw new Error(`more than ${MAX_PAGES} pages of repositories`);
    const res = await options.httpClient.request({
      method: 'GET',
      url: next,
      headers: { Accept: 'application/json', ...auth },
      timeoutMs: options.timeoutMs ?? 60_000,
      signal: options.signal,
    });
    const body = JSON.parse(
      new TextDecoder().decode(await boundedBytes(res, MAX_JSON_BYTES, 'the repository list')),
    ) as unknown;
    if (!Array.isArray(body)) throw new Error(`the repositories of project ${project} are not a list`);
    for (const r of body as { name?: unknown }[])
      if (typeof r?.name === 'string') names.push(r.name.includes('/') ? r.name : `${project}/${r.name}`);
    const link = nextLinkOf(res.headers.get('link'));
    next = link === undefined ? undefined : new URL(link, next);
    if (next !== undefined && next.origin !== api.origin)
      throw new Error(`the repository list links to another origin (${next.origin})`);
  }
  return names.sort();
}

/** The annotations of a tag as atrope merges them: the manifest's, then the disk layer's. */
function imageOf(
  registry: OciRegistry,
  repository: string,
  tag: string,
  manifestDigest: string,
  annotations: Readonly<Record<string, string>>,
  layer: { digest: string; size: number; mediaType: string },
): SourceImage {
  const ref = `${repository}:${tag}`;
  const reference = `${registry.host}/${ref}`;
  const format =
    annotations['org.openstack.glance.disk_format']?.toLowerCase() ??
    diskFormatOfFileName(annotations[OCI_TITLE_ANNOTATION]);
  const os = {
    distro: annotations['org.openstack.glance.os_distro'],
    version: annotations['org.openstack.glance.os_version'],
    arch: annotations['org.openstack.glance.architecture'],
    family: annotations['org.openstack.glance.os_type'],
  };
  return {
    id: reference,
    title: ref,
    ...(annotations['eu.egi.cloud.description'] !== undefined
      ? { description: annotations['eu.egi.cloud.description'] }
      : {}),
    location: { kind: 'oci', scheme: 'docker', reference },
    hash: { algorithm: 'sha256', value: layer.digest.slice('sha256:'.length) },
    sizeBytes: layer.size,
    ...(format !== undefined ? { format } : {}),
    os: Object.fromEntries(Object.entries(os).filter(([, v]) => v !== undefined)),
    version: tag,
    marketplaceUri: `docker://${reference}`,
    attributes: {
      ...annotations,
      'eu.egi.cloud.image_ref': ref,
      'oci.manifest_digest': manifestDigest,
      'oci.layer_media_type': layer.mediaType,
    },
  };
}

/**
 * One tag: its manifest (Accept: OCI image manifest, Docker v2 schema 2), the digest of the bytes
 * checked against `Docker-Content-Digest`, and its disk image layer.
 * @returns the image, or why the tag cannot be one
 */
async function tagImage(
  registry: OciRegistry,
  repository: string,
  tag: string,
): Promise<SourceImage | string> {
  const where = `${registry.host}/${repository}:${tag}`;
  const res = await registry.get(
    `v2/${repository}/manifests/${encodeURIComponent(tag)}`,
    `repository:${repository}:pull`,
    OCI_MANIFEST_MEDIA_TYPES.join(', '),
  );
  const bytes = await boundedBytes(res, MAX_MANIFEST_BYTES, `the manifest of ${where}`);
  const digest = sha256Of(bytes);
  const claimed = res.headers.get('docker-content-digest');
  if (claimed !== null && claimed.trim().toLowerCase() !== digest)
    return `${where}: the manifest's digest is ${digest}, the registry says ${claimed}`;
  const parsed = parseOciManifest(new TextDecoder().decode(bytes), res.headers.get('content-type'));
  if (parsed.kind === 'invalid') return `${where}: ${parsed.message}`;
  const layer = diskImageLayerOf(parsed.manifest);
  if (layer === undefined) return `${where}: the manifest has no layer (no disk image)`;
  return imageOf(
    registry,
    repository,
    tag,
    digest,
    { ...parsed.manifest.annotations, ...layer.annotations },
    layer,
  );
}

/**
 * Lists the images of a registry source: for each repository (the source's `repository`, or every
 * repository of its Harbor `project`), each tag that matches `tag_pattern` (cosign/ORAS accessory
 * tags `sha256-<hex>.sig` left out) becomes one image: id and marketplace URI
 * `docker://<host>/<repository>:<tag>`-based, the version its tag, the hash the disk layer's
 * sha256 digest. A tag whose manifest cannot be read or checked is a problem (which holds the
 * source, so nothing of it is pruned); the other tags are still listed.
 * @throws Error, HttpError when the repositories or tags cannot be listed at all.
 * @example const { list, problems } = await listOciSource(source, { httpClient, configFile, index: 0 });
 */
export async function listOciSource(source: OciSourceConfig, options: OciSourceOptions): Promise<OciListing> {
  const credentials = ociCredentialsOf(source, options);
  const registry = new OciRegistry(source.registry, credentials, options);
  const repositories =
    source.repository !== undefined
      ? [source.repository]
      : await harborRepositories(source, source.project!, credentials, options);
  const pattern = source.tagPattern === undefined ? undefined : new RegExp(source.tagPattern);
  const images: SourceImage[] = [];
  const problems: string[] = [];
  for (const repository of repositories) {
    options.signal?.throwIfAborted();
    const tags = (await registry.tags(repository))
      .filter((t) => !ACCESSORY_TAG.test(t) && (pattern === undefined || pattern.test(t)))
      .sort();
    for (const tag of tags) {
      try {
        const image = await tagImage(registry, repository, tag);
        if (typeof image === 'string') problems.push(image);
        else images.push(image);
      } catch (error) {
        problems.push(`${registry.host}/${repository}:${tag}: ${describeError(error)}`);
      }
    }
  }
  const id = `docker://${registry.host}/${source.repository ?? source.project}`;
  return {
    list: {
      id,
      title: source.name,
      source: source.registry,
      expiresAt: NEVER,
      uri: id,
      images,
      attributes: {
        registry: source.registry,
        ...(source.repository !== undefined ? { repository: source.repository } : {}),
        ...(source.project !== undefined ? { project: source.project } : {}),
      },
    },
    problems,
  };
}

/** `<repository>` of an image's `docker://<host>/<repository>:<tag>` reference. */
function repositoryOf(image: SourceImage, host: string): string {
  if (image.location.kind !== 'oci') throw new Error(`${image.id} is not a registry image`);
  const ref = image.location.reference.replace(/@sha256:[0-9a-f]{64}$/, '');
  if (!ref.startsWith(`${host}/`))
    throw new Error(`${image.location.reference} is not on the registry ${host}`);
  return ref.slice(host.length + 1).replace(/:[^/:]+$/, '');
}

/**
 * The URL of an image's disk layer (`<registry>/v2/<repository>/blobs/sha256:<hex>`) and the
 * headers that authorise its download (a fresh token of the registry's token service when it asks
 * for one), for `fetchToCache` with `{ algorithm: 'sha256', hex }`.
 * @throws HttpError when the registry refuses the credentials or has no such blob.
 */
export async function ociBlobDownload(
  source: OciSourceConfig,
  image: SourceImage,
  options: OciSourceOptions,
): Promise<OciBlobDownload> {
  const registry = new OciRegistry(source.registry, ociCredentialsOf(source, options), options);
  const repository = repositoryOf(image, registry.host);
  const path = `v2/${repository}/blobs/sha256:${image.hash.value}`;
  const headers = await registry.authorisedHeaders(path, `repository:${repository}:pull`);
  return { url: new URL(path, registry.baseUrl).toString(), headers };
}
