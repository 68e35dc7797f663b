// The accounting extraction of one site as a function: run lock, outbox, watermarks and default window around the extraction.
import path from 'node:path';
import { accountingDirs } from '../accounting/accounting-dirs.js';
import { extractAccounting, type MessageSink } from '../accounting/extract.js';
import { DirqOutbox } from '../accounting/outbox.js';
import { parseTimeOption } from '../accounting/parse-time-option.js';
import { acquireRunLock } from '../accounting/run-lock.js';
import { WatermarkStore } from '../accounting/watermarks.js';
import type { JobContext } from './job-context.js';
import { toJobFailure, type AccountingExtractOutcome } from './job-outcome.js';

const DAY_SECONDS = 86_400;

/** Options of {@link runAccountingExtract}. */
export interface AccountingExtractOptions {
  /** Window start for every project and record type, epoch s; default each watermark. */
  readonly extractFrom?: number;
  /** Window end, epoch s; default now (a later time is clamped to now). */
  readonly extractTo?: number;
  /** A dry run: messages go here instead of the outbox, no lock is taken and no watermark moves. */
  readonly dryRunSink?: MessageSink;
  /** Projects extracted at the same time; default 4. */
  readonly concurrency?: number;
}

/**
 * The window start of a project type without a watermark, epoch s:
 * `accounting.default_extract_from`, else 30 days before now.
 * @throws ConfigError naming `accounting.default_extract_from` when it is not a time.
 */
export function defaultExtractFrom(ctx: Pick<JobContext, 'config' | 'clock'>): number {
  const configured = ctx.config.accounting.defaultExtractFrom;
  return configured
    ? parseTimeOption(configured, 'accounting.default_extract_from')
    : Math.floor(ctx.clock() / 1000) - 30 * DAY_SECONDS;
}

/**
 * Extracts accounting of every accounted project of the site into the outbox, under the site's
 * run lock (`<state_dir>/extract.lock`), moving each watermark only after its messages are durable.
 * A failing project is reported in its outcome; a failure of the whole run (the lock held by a
 * live process, Keystone unreachable or refusing the service account) in `failure`.
 * @throws ConfigError for a config the run cannot start with: a bad `default_extract_from`,
 *   missing credentials or a secret reference that cannot be read (checked before any request).
 */
export async function runAccountingExtract(
  ctx: JobContext,
  options: AccountingExtractOptions = {},
): Promise<AccountingExtractOutcome> {
  const { config, logger, signal, clock } = ctx;
  const defaultFrom = defaultExtractFrom(ctx);
  const { stateDir, outboxDir } = accountingDirs(config);
  const isDryRun = options.dryRunSink !== undefined;
  const result = (projects: AccountingExtractOutcome['projects']) => ({
    site: config.gocdb,
    outbox: isDryRun ? null : outboxDir,
    projects,
  });
  let release: (() => Promise<void>) | undefined;
  try {
    release = isDryRun ? undefined : await acquireRunLock(path.join(stateDir, 'extract.lock'));
    const projects = await extractAccounting(config, {
      extractFrom: options.extractFrom,
      extractTo: options.extractTo,
      defaultFrom,
      sink: options.dryRunSink ?? new DirqOutbox(outboxDir, { nowMs: clock }),
      watermarks: isDryRun ? undefined : new WatermarkStore(path.join(stateDir, 'watermarks')),
      logger,
      clock,
      signal,
      concurrency: options.concurrency,
    });
    return result(projects);
  } catch (error) {
    return { ...result([]), failure: toJobFailure(error) };
  } finally {
    await release?.();
  }
}
