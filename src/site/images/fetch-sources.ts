/**
 * Fetching the image lists of a site's sources: each list read from its URL (with the source's
 * token as HTTP Basic `<token>:x-oauth-basic`, as AppDB takes it) or its file, its S/MIME
 * signature verified against the CAs of `images.ca_path`, its endorser checked, and its HEPiX
 * JSON read. A source that fails is reported and never stops the others.
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describeError } from '../../errors.js';
import {
  decideListTrust,
  parseImageList,
  type ImageList,
  type LastAcceptedList,
} from '../../formats/imagelist/index.js';
import { parseTrustedCas, verifySmime, type CaFile } from '../../formats/smime/index.js';
import { HttpClient } from '../../http/index.js';
import { silentLogger, type Logger } from '../../log.js';
import { redactUrl } from '../../redact-url.js';
import { readSecret, secretFilePath } from '../site-config.js';
import {
  DEFAULT_CA_PATH,
  type HepixSourceConfig,
  type ImageSourceConfig,
  type ImagesConfig,
  type OciSourceConfig,
} from './images-config.js';
import { listContentDigest } from './sync-state.js';
import { listOciSource } from './oci-source.js';
import type { SourceFetch } from './sync-plan.js';

/** What fetching one source gave. */
export interface SourceFetchResult {
  readonly sourceId: string;
  /** Fetched, verified, endorsed and not expired in this run: the list may drive deletions. */
  readonly trusted: boolean;
  /** The list, when it could be read (also when not trusted). */
  readonly list?: ImageList;
  /** Everything that went wrong; any entry holds the source (nothing of it is deleted). */
  readonly problems: readonly string[];
  /** The main reason the source is not trusted, when it is not. */
  readonly reason?: string;
  /** Digest of the verified list content (`listContentDigest`), when it was verified. */
  readonly contentDigest?: string;
  /** What was odd about a trusted list (an unchanged `hv:version` with other content). */
  readonly warnings?: readonly string[];
}

/** Options of {@link fetchImageSources}. */
export interface FetchSourcesOptions {
  /** The site YAML, which `file:` sources and `token_file` are relative to. */
  readonly configFile: string;
  readonly now: Date;
  readonly signal?: AbortSignal;
  /** Time limit of each list request, ms; default 60 000. */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
  /** Default: a client trusting the CAs of `images.ca_path`. */
  readonly httpClient?: HttpClient;
  /** What was accepted last from a source (its `hv:version`, content digest), to refuse a rollback. */
  readonly lastAccepted?: (sourceId: string) => LastAcceptedList | undefined;
  /** @internal Environment the token references are read from. */
  readonly env?: NodeJS.ProcessEnv;
}

const MAX_LIST_BYTES = 64 * 2 ** 20;

/** Reads the CA certificates of a CA directory (hashed `*.0`, `*.pem`, `*.crt` files), or of one bundle file. */
export async function readTrustedCas(caPath: string): Promise<ReturnType<typeof parseTrustedCas>> {
  let names: string[];
  try {
    names = (await readdir(caPath)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
    return parseTrustedCas([{ name: path.basename(caPath), text: await readFile(caPath, 'utf8') }]);
  }
  const files: CaFile[] = [];
  for (const name of names.filter((n) => /\.(?:\d+|pem|crt|cer)$/i.test(n)))
    files.push({ name, text: await readFile(path.join(caPath, name), 'utf8') });
  return parseTrustedCas(files);
}

/** The Basic credentials AppDB and vmcaster take for a private list: `<token>:x-oauth-basic`. */
export function appdbAuthorization(token: string): string {
  return `Basic ${Buffer.from(`${token}:x-oauth-basic`).toString('base64')}`;
}

/**
 * The trust anchors of TLS connections to sources: `ca_path` (relative to the site YAML). The
 * default grid CA directory counts only where it exists, so a site without IGTF CAs reaches
 * public HTTPS registries and lists with the system's roots; a `ca_path` given explicitly must exist.
 */
export function tlsCaPathOf(configFile: string, images: ImagesConfig): string | undefined {
  const caPath = secretFilePath({ file: configFile }, images.caPath);
  return images.caPath === DEFAULT_CA_PATH && !existsSync(caPath) ? undefined : caPath;
}

/** The `Authorization` header of a source with a token reference, else none. */
function authHeaders(
  source: ImageSourceConfig,
  index: number,
  options: FetchSourcesOptions,
): Record<string, string> {
  if (source.tokenEnv === undefined && source.tokenFile === undefined) return {};
  const token = readSecret(
    source,
    'token',
    { file: options.configFile, path: `images.sources[${index}]` },
    options.env,
  );
  return { Authorization: appdbAuthorization(token) };
}

async function readListText(
  source: HepixSourceConfig,
  index: number,
  options: FetchSourcesOptions,
  client: HttpClient,
): Promise<{ text: string; where: string }> {
  if (source.location.kind === 'file') {
    const file = secretFilePath({ file: options.configFile }, source.location.path);
    return { text: await readFile(file, { encoding: 'utf8', signal: options.signal }), where: file };
  }
  const res = await client.request({
    method: 'GET',
    url: source.location.url,
    headers: {
      Accept: 'application/pkcs7-mime, application/json, */*',
      ...authHeaders(source, index, options),
    },
    timeoutMs: options.timeoutMs ?? 60_000,
    signal: options.signal,
    redirect: 'follow',
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.byteLength > MAX_LIST_BYTES)
    throw new Error(`the list is larger than ${MAX_LIST_BYTES} bytes (${bytes.byteLength})`);
  return { text: new TextDecoder().decode(bytes), where: redactUrl(source.location.url) };
}

/** An unsigned list is plain JSON; a signed one is a MIME document (headers first). */
function isUnsignedJson(text: string): boolean {
  return text.trimStart().startsWith('{');
}

async function fetchHepix(
  source: HepixSourceConfig,
  index: number,
  options: FetchSourcesOptions,
  client: HttpClient,
  trustedCas: () => Promise<ReturnType<typeof parseTrustedCas>>,
): Promise<SourceFetchResult> {
  const sourceId = source.name;
  const { text, where } = await readListText(source, index, options, client);
  if (isUnsignedJson(text)) {
    const { list, problems } = parseImageList(text, { source: where, now: options.now });
    const reason = `${where}: the list is not signed`;
    return {
      sourceId,
      trusted: false,
      list,
      problems: [reason, ...problems.map((p) => p.message)],
      reason,
    };
  }
  const verification = await verifySmime(text, where, { trustedCas: await trustedCas(), now: options.now });
  if (verification.kind === 'rejected') {
    const reason = `${where}: signature refused (${verification.reason}): ${verification.message}`;
    return { sourceId, trusted: false, problems: [reason], reason };
  }
  const { list, problems } = parseImageList(verification.text, { source: where, now: options.now });
  // without a configured endorser, the list's own endorser (still checked against the signer)
  const expected = source.endorser ?? list.endorser;
  if (expected === undefined) {
    const reason = `${where}: no endorser is configured and the list names none (hv:endorser)`;
    return { sourceId, trusted: false, list, problems: [reason], reason };
  }
  const contentDigest = listContentDigest(verification.text);
  const last = options.lastAccepted?.(sourceId);
  const trust = decideListTrust({
    verification,
    list,
    expected,
    now: options.now,
    contentDigest,
    ...(last ? { last } : {}),
  });
  if (trust.kind === 'refused')
    return { sourceId, trusted: false, list, problems: [trust.message], reason: trust.message };
  // an image that cannot be read might be one that is still wanted: the source is held
  const imageProblems = problems.map((p) => p.message);
  for (const warning of trust.warnings) options.logger?.warn({ source: sourceId }, warning);
  return imageProblems.length > 0
    ? { sourceId, trusted: false, list, problems: imageProblems, reason: imageProblems[0] }
    : { sourceId, trusted: true, list, problems: [], contentDigest, warnings: trust.warnings };
}

/**
 * A registry source: trusted when every repository and tag could be listed and every matching
 * tag's manifest read, its digest checked and its disk layer found (content addressed; no
 * signature is checked). The registry's TLS is the client's (the CAs of `images.ca_path`).
 */
async function fetchOci(
  source: OciSourceConfig,
  index: number,
  options: FetchSourcesOptions,
  client: HttpClient,
): Promise<SourceFetchResult> {
  const { list, problems } = await listOciSource(source, {
    httpClient: client,
    configFile: options.configFile,
    index,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    env: options.env,
  });
  return problems.length > 0
    ? { sourceId: source.name, trusted: false, list, problems, reason: problems[0] }
    : { sourceId: source.name, trusted: true, list, problems: [] };
}

/**
 * Fetches every configured source, in order. Disabled sources are not fetched (their result has
 * `reason: 'disabled'`). Registry (OCI) sources are listed through the distribution API
 * ({@link listOciSource}). Every error ends in the source's result, never in a throw.
 * @example const results = await fetchImageSources(config.images, { configFile: config.file, now: new Date(clock()) });
 */
export async function fetchImageSources(
  images: ImagesConfig,
  options: FetchSourcesOptions,
): Promise<SourceFetchResult[]> {
  const logger = options.logger ?? silentLogger;
  // a relative ca_path is relative to the site YAML, like every path in it
  const caPath = secretFilePath({ file: options.configFile }, images.caPath);
  const client =
    options.httpClient ??
    new HttpClient({
      caPath: tlsCaPathOf(options.configFile, images),
      timeoutMs: options.timeoutMs ?? 60_000,
      logger,
      logName: 'image-list',
    });
  let cas: Promise<ReturnType<typeof parseTrustedCas>> | undefined;
  const trustedCas = () => (cas ??= readTrustedCas(caPath));
  const results: SourceFetchResult[] = [];
  for (const [index, source] of images.sources.entries()) {
    if (!source.isEnabled) {
      results.push({ sourceId: source.name, trusted: false, problems: [], reason: 'disabled' });
      continue;
    }
    try {
      options.signal?.throwIfAborted();
      const result =
        source.kind === 'oci'
          ? await fetchOci(source, index, options, client)
          : await fetchHepix(source, index, options, client, trustedCas);
      if (!result.trusted)
        logger.warn({ source: source.name, reason: result.reason }, 'image list not trusted');
      results.push(result);
    } catch (error) {
      const reason = `cannot read the list: ${describeError(error)}`;
      logger.warn({ source: source.name, reason }, 'image list not fetched');
      results.push({ sourceId: source.name, trusted: false, problems: [reason], reason });
    }
  }
  return results;
}

/** The planner's view of the fetched sources, in config order. */
export function toSourceFetches(images: ImagesConfig, results: readonly SourceFetchResult[]): SourceFetch[] {
  return images.sources.map((source) => {
    const r = results.find((x) => x.sourceId === source.name);
    return {
      source,
      isTrusted: r?.trusted ?? false,
      ...(r?.list ? { list: r.list } : {}),
      problems: r ? r.problems : ['not fetched'],
    };
  });
}
