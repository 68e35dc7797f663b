// Discovery of one site as a function: collect within the site's deadline, build GLUE 2.1, publish to the hub and AMS.
import { FedstackError, describeError } from '../../errors.js';
import { buildGlueDocument, type SiteSnapshot } from '../../formats/glue/index.js';
import type { Logger } from '../../log.js';
import { redactUrlsInText } from '../../redact-url.js';
import { collectSiteSnapshot, type CollectSiteOptions } from '../discovery/collect-site-snapshot.js';
import { publishDocumentToAms, type AmsInfoTarget } from '../discovery/publish-to-ams.js';
import { publishGlueDocument, publishRunReport, type HubTarget } from '../discovery/publish-to-hub.js';
import { renderDocument, type DocumentFormat } from '../discovery/render-document.js';
import { SITE_EXIT, exitStatusOf } from '../exit-status.js';
import { withDeadline } from '../../with-deadline.js';
import { assertCredentialsReadable } from '../site-session.js';
import type { JobContext } from './job-context.js';
import type { DiscoveryOutcome, SiteRunStatus } from './job-outcome.js';

/** Options of {@link runDiscovery}. */
export interface DiscoveryOptions extends Omit<CollectSiteOptions, 'signal' | 'logger'> {
  /** Time limit of the whole site, ms; default 600 000 (cloud-info-provider's timeout). */
  readonly siteTimeoutMs?: number;
  readonly validitySeconds?: number;
  /** Hub to publish to, with the token of a site (undefined: do not publish that site). */
  readonly publish?: { readonly url: string; readonly tokenFor: (site: string) => string | undefined };
  /** Also publish the document, rendered in `format`, to its legacy AMS topic. */
  readonly ams?: { readonly target: AmsInfoTarget; readonly format: DocumentFormat };
}

async function publishToHub(
  outcome: DiscoveryOutcome,
  options: DiscoveryOptions,
  logger: Logger,
): Promise<DiscoveryOutcome> {
  const token = options.publish?.tokenFor(outcome.site);
  if (!options.publish || token === undefined) return outcome;
  const target: HubTarget = { url: options.publish.url, token, timeoutMs: options.timeoutMs };
  // a site where no share could be read has no document: the hub keeps its last good one
  const hasDocument = outcome.document !== undefined;
  try {
    if (hasDocument) await publishGlueDocument(target, outcome.site, JSON.stringify(outcome.document));
    else
      await publishRunReport(target, outcome.site, {
        state: 'failed',
        error: outcome.error ?? 'no share could be collected',
      });
    return { ...outcome, published: hasDocument ? 'document' : 'report' };
  } catch (error) {
    logger.error({ site: outcome.site, error: describeError(error) }, 'publishing to the hub failed');
    return { ...outcome, publishError: describeError(error) };
  }
}

async function publishToAms(outcome: DiscoveryOutcome, options: DiscoveryOptions): Promise<DiscoveryOutcome> {
  if (!options.ams || !outcome.document) return outcome;
  try {
    const text = renderDocument(outcome.document, options.ams.format);
    await publishDocumentToAms(options.ams.target, outcome.site, outcome.document, text);
    return outcome;
  } catch (error) {
    const publishError = [outcome.publishError, describeError(error)].filter(Boolean).join('; ');
    return { ...outcome, publishError };
  }
}

/**
 * Publishes an outcome where asked: the document (or, without one, a failed-run report) to the
 * hub, then the document to AMS; a failure lands in `publishError`.
 */
export async function publishDiscoveryOutcome(
  outcome: DiscoveryOutcome,
  options: DiscoveryOptions,
  logger: Logger,
): Promise<DiscoveryOutcome> {
  return publishToAms(await publishToHub(outcome, options, logger), options);
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

async function collectOutcome(ctx: JobContext, options: DiscoveryOptions): Promise<DiscoveryOutcome> {
  const { config, logger, clock } = ctx;
  const started = clock();
  const timeoutMs = options.siteTimeoutMs ?? 600_000;
  const snapshot = await withDeadline(`discovery of ${config.gocdb}`, timeoutMs, (deadline) =>
    collectSiteSnapshot(config, {
      ...options,
      ...(options.publish ? { registryUrl: options.publish.url } : {}),
      logger: logger.child({ site: config.gocdb }),
      // no request may outlive the site's deadline
      timeoutMs: Math.min(options.timeoutMs ?? config.timeoutSeconds * 1000, timeoutMs),
      signal: AbortSignal.any([deadline, ctx.signal]),
    }),
  );
  const document = buildGlueDocument(snapshot, {
    now: new Date(clock()),
    validitySeconds: options.validitySeconds,
  });
  const error = noShareError(snapshot.shares);
  return {
    site: config.gocdb,
    file: config.file,
    // no share at all: a failure without a document (an empty one would describe nothing)
    status: error
      ? 'failed'
      : ((document.CloudComputingEndpoint[0]?.HealthState ?? 'unknown') as SiteRunStatus),
    error,
    durationMs: clock() - started,
    shares: snapshot.shares.map((s) => ({ vo: s.vo, state: s.health, info: s.healthInfo })),
    ...(error ? {} : { document }),
  };
}

/** The outcome of a site whose run ended with `error` before a document was made. */
export function failedDiscovery(
  site: string,
  file: string,
  error: unknown,
  durationMs: number,
): DiscoveryOutcome {
  return {
    site,
    file,
    status: 'failed',
    error: redactUrlsInText(describeError(error)),
    errorCode: error instanceof FedstackError ? error.code : undefined,
    durationMs,
    shares: [],
  };
}

/**
 * Runs discovery of the site: collects the snapshot within `siteTimeoutMs` (or until
 * `ctx.signal` aborts), renders the GLUE document and, when asked, publishes it. Every failure
 * after the config was accepted ends up in the outcome (`status: 'failed'`, `error`, `publishError`).
 * @throws ConfigError before any request when the credentials are missing or a secret reference
 *   cannot be read.
 */
export async function runDiscovery(
  ctx: JobContext,
  options: DiscoveryOptions = {},
): Promise<DiscoveryOutcome> {
  const { config, logger, clock } = ctx;
  assertCredentialsReadable(config);
  const started = clock();
  let outcome: DiscoveryOutcome;
  try {
    outcome = await collectOutcome(ctx, options);
  } catch (error) {
    if (exitStatusOf(error) === SITE_EXIT.badConfig) throw error;
    outcome = failedDiscovery(config.gocdb, config.file, error, clock() - started);
    logger.error({ site: outcome.site, error: outcome.error }, 'discovery failed');
  }
  return publishDiscoveryOutcome(outcome, options, logger);
}
