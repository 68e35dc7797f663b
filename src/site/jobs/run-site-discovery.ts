// Runs discovery for one site config file or a directory of them (central mode); never throws per site.
import path from 'node:path';
import { describeError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log.js';
import { mapWithConcurrency } from '../../map-with-concurrency.js';
import { listSiteConfigs, loadSiteConfig } from '../site-config.js';
import type { DiscoveryOutcome } from './job-outcome.js';
import {
  failedDiscovery,
  publishDiscoveryOutcome,
  runDiscovery,
  type DiscoveryOptions,
} from './run-discovery.js';

/** Options of a discovery run over config files. */
export interface DiscoveryRunOptions extends DiscoveryOptions {
  readonly logger?: Logger;
  /** Now, epoch ms: CreationTime of the documents and the run durations. */
  readonly clock: () => number;
  /** Aborts every site's run. */
  readonly signal?: AbortSignal;
  /** Sites run at the same time in central mode; default 4. */
  readonly concurrency?: number;
}

/**
 * Runs {@link runDiscovery} for the site config in `file`. A config that cannot be loaded or
 * used (its error code starts with `CONFIG`) gives a failed outcome, published as a failed-run
 * report when publishing is asked, like every other failure.
 */
export async function runSiteDiscovery(
  file: string,
  options: DiscoveryRunOptions,
): Promise<DiscoveryOutcome> {
  const logger = options.logger ?? silentLogger;
  const { clock } = options;
  const started = clock();
  let site = path.basename(file).replace(/\.ya?ml$/, '');
  try {
    const config = loadSiteConfig(file);
    site = config.gocdb;
    const signal = options.signal ?? new AbortController().signal;
    return await runDiscovery({ config, logger, signal, clock }, options);
  } catch (error) {
    const outcome = failedDiscovery(site, file, error, clock() - started);
    logger.error({ site, error: outcome.error }, 'discovery failed');
    return publishDiscoveryOutcome(outcome, options, logger);
  }
}

/**
 * Central ("catch-all") mode: runs every site config of `dir`, at most `concurrency` at a time,
 * each within its own deadline; one failing or hanging site never stops the others.
 */
export async function runDiscoveryForDirectory(
  dir: string,
  options: DiscoveryRunOptions,
): Promise<DiscoveryOutcome[]> {
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
