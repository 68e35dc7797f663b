// Collects a whole SiteSnapshot: every VO share with bounded concurrency, compute versions, GOCDB id, TLS issuer.
import { describeError } from '../../errors.js';
import type { ShareSnapshot, SiteSnapshot, SnapshotVersions } from '../../formats/glue/index.js';
import { silentLogger, type Logger } from '../../log.js';
import { redactUrl } from '../../redact-url.js';
import { maxMicroversion, type OpenStackSession } from '../../openstack/index.js';
import type { CredentialsConfig, SiteConfig } from '../site-config.js';
import { collectShare } from './collect-share.js';
import { lookupGocdbId } from './gocdb-lookup.js';
import { mapWithConcurrency } from '../../map-with-concurrency.js';
import type { FlavorSelection } from './snapshot-mapping.js';
import { readTlsIssuer } from './tls-issuer.js';

/** Options of {@link collectSiteSnapshot}. */
export interface CollectSiteOptions {
  readonly logger?: Logger;
  /** Per-request time limit, ms; default the config's `timeout_seconds`. */
  readonly timeoutMs?: number;
  /** Shares collected at the same time; default 4. */
  readonly shareConcurrency?: number;
  readonly flavorSelection?: FlavorSelection;
  readonly signal?: AbortSignal;
  /** The GOCDB service id to publish; when absent it is looked up in GOCDB. */
  readonly gocdbId?: string;
  /** GOCDB PI URL to look ids up in, or `false` to skip the lookup. */
  readonly gocdbUrl?: string | false;
  /**
   * The hub the document goes to: without GOCDB (`gocdbUrl: false`) the id is looked up in the
   * hub's registry (its GOCDB-compatible read interface), so consumers that drop a service
   * without `gocdb_id` (cloud-info-api) still list a site registered only in the hub.
   */
  readonly registryUrl?: string;
}

// keystoneauth plugin names, as cloud-info-provider published them in Endpoint.Authentication
const AUTH_NAMES: Record<CredentialsConfig['type'], string> = {
  password: 'v3password',
  application_credential: 'v3applicationcredential',
  token: 'v3token',
  oidc: 'v3oidcaccesstoken',
};

async function readVersions(
  session: OpenStackSession | undefined,
  logger: Logger,
): Promise<SnapshotVersions> {
  if (!session) return {};
  try {
    const max = await maxMicroversion(session, 'compute');
    // microversions exist only on the v2.1 compute API
    return max ? { computeApi: '2.1', computeMaxMicroversion: max } : {};
  } catch (error) {
    logger.warn({ error: describeError(error) }, 'cannot read the compute API versions');
    return {};
  }
}

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

async function resolveGocdbId(
  config: SiteConfig,
  options: CollectSiteOptions,
  logger: Logger,
): Promise<string | undefined> {
  const configured = options.gocdbId ?? config.gocdbId;
  if (configured !== undefined) return configured;
  const fromRegistry = options.gocdbUrl === false;
  if (fromRegistry && options.registryUrl === undefined) return undefined;
  const gocdbUrl = fromRegistry
    ? new URL('gocdbpi/public/', withSlash(options.registryUrl!)).href
    : options.gocdbUrl;
  const source = fromRegistry ? 'the hub registry' : 'GOCDB';
  try {
    const id = await lookupGocdbId(config.endpoint, {
      gocdbUrl,
      siteName: config.gocdb,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
    if (!id)
      logger.warn(
        { endpoint: redactUrl(config.endpoint) },
        `no org.openstack.nova service of ${source} has this endpoint URL`,
      );
    return id;
  } catch (error) {
    logger.warn({ error: describeError(error) }, `${source} lookup failed; the document has no gocdb_id`);
    return undefined;
  }
}

/**
 * Collects what a site offers to each of its VOs into a {@link SiteSnapshot}. Shares are
 * collected in parallel (at most `shareConcurrency` at once), each on its own project-scoped
 * session; one failing share is recorded in its health and never stops the others.
 * @example const snapshot = await collectSiteSnapshot(loadSiteConfig('site.yaml'), { gocdbUrl: false });
 */
export async function collectSiteSnapshot(
  config: SiteConfig,
  options: CollectSiteOptions = {},
): Promise<SiteSnapshot> {
  const logger = options.logger ?? silentLogger;
  const [collected, gocdbId, issuerCa] = await Promise.all([
    mapWithConcurrency(config.vos, options.shareConcurrency ?? 4, (_vo, i) =>
      collectShare(config, i, {
        logger,
        timeoutMs: options.timeoutMs,
        flavorSelection: options.flavorSelection,
        signal: options.signal,
      }),
    ),
    resolveGocdbId(config, options, logger),
    readTlsIssuer(config.endpoint, options.timeoutMs),
  ]);
  const shares: ShareSnapshot[] = [];
  let working: OpenStackSession | undefined;
  for (const [i, result] of collected.entries()) {
    if (result.status === 'fulfilled') {
      shares.push(result.value.share);
      if (result.value.share.health !== 'critical') working ??= result.value.session;
    } else {
      const vo = config.vos[i]!;
      shares.push({
        vo: vo.name,
        projectId: vo.auth.projectId,
        images: [],
        flavors: [],
        quotas: {},
        serversByStatus: {},
        health: 'critical',
        healthInfo: describeError(result.reason),
      });
    }
  }
  const snapshot: SiteSnapshot = {
    siteName: config.gocdb,
    gocdbId,
    endpointUrl: config.endpoint,
    region: config.region,
    authMethod: config.credentials ? AUTH_NAMES[config.credentials.type] : undefined,
    versions: await readVersions(working, logger),
    issuerCa,
    shares,
  };
  return Object.fromEntries(Object.entries(snapshot).filter(([, v]) => v !== undefined)) as SiteSnapshot;
}
