// The jobs `fedstack site run` keeps on schedule for one site, each as one function that never throws.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describeError } from '../../errors.js';
import type { Schedule } from '../../formats/schedule/index.js';
import type { Logger } from '../../log.js';
import { accountingDirs } from '../accounting/accounting-dirs.js';
import { DirqOutbox } from '../accounting/outbox.js';
import { isExtractComplete } from '../jobs/job-outcome.js';
import {
  isImageSyncComplete,
  runAccountingExtract,
  runAccountingSend,
  runDiscovery,
  runSiteImageSync,
} from '../jobs/index.js';
import { readSecret, type SiteConfig } from '../site-config.js';
import { writeAtomically } from '../write-atomically.js';

/** The jobs of a site, by name. */
export type SiteJobName = 'accounting' | 'discovery' | 'images';

/** What one run of a job did. */
export interface JobReport {
  readonly ok: boolean;
  /** Records extracted, messages sent, shares described, or images uploaded. */
  readonly items: number;
  /** One line for people. */
  readonly summary: string;
}

/** One job of one site, ready to be scheduled. */
export interface SiteJob {
  readonly site: string;
  readonly name: SiteJobName;
  readonly schedule: Schedule;
  /** The most random delay added to each planned run, ms (`schedules.jitter`). */
  readonly jitterMs: number;
  /** Longest run, ms: past it the run's signal aborts and it is reported as failed. */
  readonly timeoutMs: number;
  readonly run: (signal: AbortSignal) => Promise<JobReport>;
}

/** Where the daemon keeps what it writes for a site: status files, discovery documents. */
export function siteStateDir(stateDir: string, site: string): string {
  return path.join(stateDir, encodeURIComponent(site));
}

function failed(error: unknown): JobReport {
  return { ok: false, items: 0, summary: describeError(error) };
}

async function accounting(config: SiteConfig, logger: Logger, signal: AbortSignal): Promise<JobReport> {
  const ctx = { config, logger, signal, clock: Date.now };
  const extract = await runAccountingExtract(ctx);
  const records = extract.projects.reduce(
    (n, p) => n + Object.values(p.records).reduce((m, k) => m + (k ?? 0), 0),
    0,
  );
  const extracted = isExtractComplete(extract);
  let summary = `${records} records of ${extract.projects.length} projects extracted`;
  if (!extracted) summary += `; extraction failed: ${extract.failure?.message ?? 'a project failed'}`;
  if (!config.accounting.ams) return { ok: extracted, items: records, summary };
  // sent after every extraction, failed or not: what reached the outbox is complete
  const send = await runAccountingSend(ctx);
  summary += `; ${send.sent} messages sent`;
  if (send.failed > 0 || send.failure) summary += ` (stopped: ${send.error ?? send.failure?.message})`;
  return { ok: extracted && send.failed === 0 && !send.failure, items: records, summary };
}

async function discovery(
  config: SiteConfig,
  stateDir: string,
  logger: Logger,
  signal: AbortSignal,
): Promise<JobReport> {
  const hub = config.hub;
  const token = hub ? readSecret(hub, 'token', { file: config.file, path: 'hub' }) : undefined;
  const outcome = await runDiscovery(
    { config, logger, signal, clock: Date.now },
    hub && token ? { publish: { url: hub.url, tokenFor: () => token } } : {},
  );
  if (outcome.document) {
    const dir = siteStateDir(stateDir, config.gocdb);
    await mkdir(dir, { recursive: true });
    await writeAtomically(path.join(dir, 'glue.json'), JSON.stringify(outcome.document, null, 2) + '\n');
  }
  const ok = outcome.status !== 'failed' && outcome.status !== 'critical' && !outcome.publishError;
  const working = outcome.shares.filter((s) => s.state === 'ok').length;
  const published = outcome.published ? `, published (${outcome.published})` : '';
  return {
    ok,
    items: outcome.shares.length,
    summary:
      `${outcome.status}: ${outcome.shares.length} shares (${working} working)${published}` +
      (outcome.error ? `; ${outcome.error}` : '') +
      (outcome.publishError ? `; publishing failed: ${outcome.publishError}` : ''),
  };
}

async function images(
  config: SiteConfig,
  stateDir: string,
  logger: Logger,
  signal: AbortSignal,
): Promise<JobReport> {
  const result = await runSiteImageSync(config, {
    logger,
    signal,
    clock: Date.now,
    statusDir: siteStateDir(stateDir, config.gocdb),
    siteTimeoutMs: config.schedules.timeoutsMs.images,
  });
  const { outcome } = result;
  const uploads = outcome.applied?.uploads ?? 0;
  return {
    ok: isImageSyncComplete(outcome),
    items: uploads,
    summary:
      `${uploads} uploads, ${outcome.applied?.deletions ?? 0} deletions, ${outcome.errors.length} failed steps` +
      (outcome.failure ? `; ${outcome.failure.message}` : ''),
  };
}

/**
 * The jobs of `config`: accounting (extraction, then sending when `accounting.ams` is set) when
 * `accounting.enabled`, discovery always (published when `hub` is set), image sync when
 * `images.sync` is true; each on its `schedules` entry.
 */
export function siteJobsOf(config: SiteConfig, stateDir: string, logger: Logger): SiteJob[] {
  const site = config.gocdb;
  const guard =
    (name: SiteJobName, run: (signal: AbortSignal) => Promise<JobReport>) =>
    async (signal: AbortSignal): Promise<JobReport> => {
      try {
        return await run(signal);
      } catch (error) {
        logger.error({ site, job: name, error: describeError(error) }, 'job failed');
        return failed(error);
      }
    };
  const jobs: SiteJob[] = [];
  const add = (name: SiteJobName, run: (signal: AbortSignal) => Promise<JobReport>) =>
    jobs.push({
      site,
      name,
      schedule: config.schedules[name],
      jitterMs: config.schedules.jitterMs,
      timeoutMs: config.schedules.timeoutsMs[name],
      run: guard(name, run),
    });
  if (config.accounting.enabled) add('accounting', (signal) => accounting(config, logger, signal));
  add('discovery', (signal) => discovery(config, stateDir, logger, signal));
  if (config.images?.isSyncEnabled) add('images', (signal) => images(config, stateDir, logger, signal));
  return jobs;
}

/** Outbox elements waiting to be sent, for the metrics; undefined when the outbox cannot be read. */
export async function outboxBacklogOf(config: SiteConfig): Promise<number | undefined> {
  try {
    return await new DirqOutbox(accountingDirs(config).outboxDir).count();
  } catch {
    return undefined;
  }
}
