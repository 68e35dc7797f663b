// Image sync of one site config file, or of a directory of them (central mode), with a status file per site.
import path from 'node:path';
import { describeError, FedstackError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log.js';
import { countSteps } from '../images/sync-plan.js';
import { withDeadline } from '../../with-deadline.js';
import { mapWithConcurrency } from '../../map-with-concurrency.js';
import { listSiteConfigs, loadSiteConfig, type SiteConfig } from '../site-config.js';
import {
  imageSyncStatusFile,
  imageSyncStatusOf,
  readImageSyncStatus,
  writeImageSyncStatus,
} from './image-sync-status.js';
import { toJobFailure, type JobFailure } from './job-outcome.js';
import {
  imageCacheDirOf,
  runImageSync,
  type ImageSyncOptions,
  type ImageSyncOutcome,
} from './run-image-sync.js';

/** Options of {@link runSiteImageSync} and {@link runImageSyncForDirectory}. */
export interface SiteImageSyncOptions extends ImageSyncOptions {
  readonly logger?: Logger;
  /** Now, epoch ms. */
  readonly clock: () => number;
  /** Aborts every site's run. */
  readonly signal?: AbortSignal;
  /** Longest run of one site, ms; default 6 h. A site past it is reported as failed (`TIMEOUT`). */
  readonly siteTimeoutMs?: number;
  /** Where the status files go; default `<cache dir>/status`. */
  readonly statusDir?: string;
}

/** What happened to one site config file. */
export type SiteImageSyncResult =
  /** The sync ran (or failed while running); `statusFile` is where its status was written. */
  | {
      readonly kind: 'ran';
      readonly file: string;
      readonly site: string;
      readonly outcome: ImageSyncOutcome;
      readonly statusFile?: string;
      /** Why the status file could not be written. */
      readonly statusError?: string;
    }
  /** The site does not sync images (`images.sync` is not true): nothing was contacted. */
  | { readonly kind: 'skipped'; readonly file: string; readonly site: string; readonly reason: string }
  /** The file could not be used: no site was contacted. */
  | { readonly kind: 'invalid'; readonly file: string; readonly site: string; readonly error: JobFailure };

const DEFAULT_SITE_TIMEOUT_MS = 6 * 3_600_000;

/** The outcome of a run that ended by its deadline: every source held. */
function timedOut(
  config: SiteConfig,
  error: unknown,
  durationMs: number,
  isDryRun: boolean,
): ImageSyncOutcome {
  const message = describeError(error);
  return {
    site: config.gocdb,
    isDryRun,
    sources: (config.images?.sources ?? []).map((s) => ({
      sourceId: s.name,
      trusted: false,
      status: 'held' as const,
      reasons: [`the run did not finish: ${message}`],
      steps: countSteps({ tag: '', steps: [], sources: [], notes: [] }),
      errors: [],
    })),
    projects: [],
    errors: [],
    notices: [],
    durationMs,
    failure: { message, ...(error instanceof FedstackError ? { code: error.code } : {}) },
  };
}

/**
 * Runs the image sync of one loaded site within its deadline and, unless a dry run, writes its
 * status file (keeping the last success time of the previous one). Never throws for a run that
 * fails; a config problem found before the site is contacted is thrown (`ConfigError`).
 */
export async function runSiteImageSync(
  config: SiteConfig,
  options: SiteImageSyncOptions,
): Promise<SiteImageSyncResult & { kind: 'ran' }> {
  const logger = options.logger ?? silentLogger;
  const { clock } = options;
  const started = clock();
  const timeoutMs = options.siteTimeoutMs ?? DEFAULT_SITE_TIMEOUT_MS;
  let outcome: ImageSyncOutcome;
  try {
    outcome = await withDeadline(`the image sync of ${config.gocdb}`, timeoutMs, (deadline) =>
      runImageSync(
        {
          config,
          logger,
          clock,
          signal: options.signal ? AbortSignal.any([options.signal, deadline]) : deadline,
        },
        options,
      ),
    );
  } catch (error) {
    if (!(error instanceof FedstackError && error.code === 'TIMEOUT')) throw error;
    logger.error({ site: config.gocdb, error: describeError(error) }, 'image sync past its deadline');
    outcome = timedOut(config, error, clock() - started, options.dryRun === true);
  }
  const result = { kind: 'ran' as const, file: config.file, site: config.gocdb, outcome };
  if (outcome.isDryRun) return result;
  const statusDir = options.statusDir ?? path.join(imageCacheDirOf(config, options.cacheDir), 'status');
  const statusFile = imageSyncStatusFile(statusDir, config.gocdb);
  try {
    const previous = await readImageSyncStatus(statusFile);
    await writeImageSyncStatus(
      statusFile,
      imageSyncStatusOf(outcome, { config: config.file, startedAt: started }, previous),
    );
    return { ...result, statusFile };
  } catch (error) {
    logger.error({ site: config.gocdb, error: describeError(error) }, 'cannot write the image sync status');
    return { ...result, statusError: describeError(error) };
  }
}

/** Loads one file of a directory: invalid or skipped, or the config to run. */
function loadForDirectory(file: string): SiteImageSyncResult | SiteConfig {
  const site = path.basename(file).replace(/\.ya?ml$/, '');
  let config: SiteConfig;
  try {
    config = loadSiteConfig(file);
  } catch (error) {
    return { kind: 'invalid', file, site, error: { message: describeError(error), code: codeOf(error) } };
  }
  if (!config.images?.isSyncEnabled)
    return { kind: 'skipped', file, site: config.gocdb, reason: 'image sync is not enabled (images.sync)' };
  return config;
}

function codeOf(error: unknown): string {
  return error instanceof FedstackError ? error.code : 'CONFIG_INVALID';
}

/**
 * Central mode: syncs every site config (`*.yaml`, `*.yml`) of `dir` that enables image sync, at
 * most `concurrency` sites at a time (default 2), each within its own deadline, all sharing one
 * download cache (`options.cacheDir`, so an image listed for many sites is fetched once). A file
 * that cannot be loaded, or names a site another file already has, is reported and skipped; one
 * failing or hanging site never stops the others. Results keep the order of the files.
 */
export async function runImageSyncForDirectory(
  dir: string,
  options: SiteImageSyncOptions & { readonly concurrency?: number },
): Promise<SiteImageSyncResult[]> {
  const loaded = listSiteConfigs(dir).map(loadForDirectory);
  const firstFileOf = new Map<string, string>();
  const work = loaded.map((entry): SiteImageSyncResult | SiteConfig => {
    if ('kind' in entry) return entry;
    const first = firstFileOf.get(entry.gocdb);
    if (first === undefined) {
      firstFileOf.set(entry.gocdb, entry.file);
      return entry;
    }
    const message = `site ${entry.gocdb} is also configured in ${first}; one file per site`;
    return {
      kind: 'invalid',
      file: entry.file,
      site: entry.gocdb,
      error: { message, code: 'CONFIG_INVALID' },
    };
  });
  const settled = await mapWithConcurrency(work, options.concurrency ?? 2, async (entry) =>
    'kind' in entry ? entry : runSiteImageSync(entry, options),
  );
  return settled.map((r, i) => {
    if (r.status === 'fulfilled') return r.value;
    const entry = work[i] as SiteConfig;
    return { kind: 'invalid', file: entry.file, site: entry.gocdb, error: toFailure(r.reason) };
  });
}

function toFailure(error: unknown): JobFailure {
  try {
    return toJobFailure(error);
  } catch {
    return { message: describeError(error), code: codeOf(error) };
  }
}
