// Runs discovery for one site config file or a directory of them: collect, build GLUE, publish; never throws per site.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { FedstackError, describeError } from '../../errors.js';
import { buildGlueDocument, type GlueDocument, type SiteSnapshot } from '../../formats/glue/index.js';
import { silentLogger, type Logger } from '../../log.js';
import { redactUrlsInText } from '../../redact-url.js';
import { loadSiteConfig } from '../site-config.js';
import { assertCredentialsReadable } from '../site-session.js';
import { collectSiteSnapshot, type CollectSiteOptions } from './collect-site-snapshot.js';
import { mapWithConcurrency, withDeadline } from '../map-with-concurrency.js';
import { publishGlueDocument, publishRunReport, type HubTarget } from './publish-to-hub.js';

/** How a site's discovery run ended. */
export type SiteRunStatus = 'ok' | 'warning' | 'critical' | 'unknown' | 'failed';

/** The outcome of one site's run, as printed per site. */
export interface SiteDiscoveryResult {
  /** GOCDB site name, or the file name when the config could not be read. */
  readonly site: string;
  readonly file: string;
  /** Endpoint health of the document, or `failed` when no document could be made. */
  readonly status: SiteRunStatus;
  readonly error?: string;
  /** Fedstack error code of `error`, when it has one (e.g. `CONFIG_INVALID`, `TIMEOUT`). */
  readonly errorCode?: string;
  readonly durationMs: number;
  readonly shares: readonly { readonly vo: string; readonly state: string; readonly info?: string }[];
  readonly document?: GlueDocument;
  /** What went to the hub: the document, or a failed-run report. */
  readonly published?: 'document' | 'report';
  readonly publishError?: string;
}

/** Options of a discovery run. */
export interface DiscoveryRunOptions extends Omit<CollectSiteOptions, 'signal'> {
  /** Time limit of one whole site, ms; default 600 000 (cloud-info-provider's timeout). */
  readonly siteTimeoutMs?: number;
  /** Sites run at the same time in central mode; default 4. */
  readonly concurrency?: number;
  readonly validitySeconds?: number;
  /** Clock for CreationTime; default the system clock. */
  readonly now?: () => Date;
  /** Hub to publish to, with the token of a site (undefined: do not publish that site). */
  readonly publish?: { readonly url: string; readonly tokenFor: (site: string) => string | undefined };
}

async function publishResult(
  result: SiteDiscoveryResult,
  options: DiscoveryRunOptions,
  logger: Logger,
): Promise<SiteDiscoveryResult> {
  const token = options.publish?.tokenFor(result.site);
  if (!options.publish || token === undefined) return result;
  const target: HubTarget = { url: options.publish.url, token, timeoutMs: options.timeoutMs };
  // a site where no share could be read has no document: the hub keeps its last good one
  const hasDocument = result.document !== undefined;
  try {
    if (hasDocument) await publishGlueDocument(target, result.site, JSON.stringify(result.document));
    else
      await publishRunReport(target, result.site, {
        state: 'failed',
        error: result.error ?? 'no share could be collected',
      });
    return { ...result, published: hasDocument ? 'document' : 'report' };
  } catch (error) {
    logger.error({ site: result.site, error: describeError(error) }, 'publishing to the hub failed');
    return { ...result, publishError: describeError(error) };
  }
}

/**
 * The run error of a site where no share could be collected, naming each VO's failure: it is all
 * the hub's failed-run report carries (the critical document is not published), so without the
 * reasons an operator sees that the site failed but not why.
 */
function noShareError(shares: SiteSnapshot['shares']): string | undefined {
  if (!shares.every((s) => s.health === 'critical')) return undefined;
  const reasons = shares.map((s) => `${s.vo}: ${s.healthInfo ?? s.health}`).join('; ');
  return `no share could be collected: ${reasons}`;
}

/**
 * Runs discovery for the site config in `file`: collects the snapshot within `siteTimeoutMs`,
 * renders the GLUE document and, when asked, publishes it. Every failure ends up in the result.
 */
export async function runSiteDiscovery(
  file: string,
  options: DiscoveryRunOptions = {},
): Promise<SiteDiscoveryResult> {
  const logger = options.logger ?? silentLogger;
  const started = Date.now();
  let site = path.basename(file).replace(/\.ya?ml$/, '');
  let result: SiteDiscoveryResult;
  try {
    const config = loadSiteConfig(file);
    site = config.gocdb;
    assertCredentialsReadable(config);
    const timeoutMs = options.siteTimeoutMs ?? 600_000;
    const snapshot = await withDeadline(`discovery of ${site}`, timeoutMs, (signal) =>
      collectSiteSnapshot(config, {
        ...options,
        logger: logger.child({ site }),
        // no request may outlive the site's deadline
        timeoutMs: Math.min(options.timeoutMs ?? config.timeout_seconds * 1000, timeoutMs),
        signal,
      }),
    );
    const document = buildGlueDocument(snapshot, {
      now: options.now?.() ?? new Date(),
      validitySeconds: options.validitySeconds,
    });
    const error = noShareError(snapshot.shares);
    result = {
      site,
      file,
      // no share at all: a failure without a document (an empty one would describe nothing)
      status: error
        ? 'failed'
        : ((document.CloudComputingEndpoint[0]?.HealthState ?? 'unknown') as SiteRunStatus),
      error,
      durationMs: Date.now() - started,
      shares: snapshot.shares.map((s) => ({ vo: s.vo, state: s.health, info: s.healthInfo })),
      ...(error ? {} : { document }),
    };
  } catch (error) {
    const reason = redactUrlsInText(describeError(error));
    logger.error({ site, error: reason }, 'discovery failed');
    result = {
      site,
      file,
      status: 'failed',
      error: reason,
      errorCode: error instanceof FedstackError ? error.code : undefined,
      durationMs: Date.now() - started,
      shares: [],
    };
  }
  return publishResult(result, options, logger);
}

/** The site config files (`*.yaml`, `*.yml`) of a directory, sorted. */
export function listSiteConfigs(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * Central ("catch-all") mode: runs every site config of `dir`, at most `concurrency` at a time,
 * each within its own deadline; one failing or hanging site never stops the others.
 */
export async function runDiscoveryForDirectory(
  dir: string,
  options: DiscoveryRunOptions = {},
): Promise<SiteDiscoveryResult[]> {
  const files = listSiteConfigs(dir);
  const settled = await mapWithConcurrency(files, options.concurrency ?? 4, (file) =>
    runSiteDiscovery(file, options),
  );
  return settled.map((r, i) =>
    r.status === 'fulfilled'
      ? r.value
      : {
          site: path.basename(files[i]!),
          file: files[i]!,
          status: 'failed' as const,
          error: describeError(r.reason),
          durationMs: 0,
          shares: [],
        },
  );
}
