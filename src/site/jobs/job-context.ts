// What every site job runs with: a loaded config, a logger, an abort signal and a clock.
import type { Logger } from '../../log.js';
import type { SiteConfig } from '../site-config.js';

/**
 * The context of one job run. Commands build it from the command line; a daemon or a central
 * runner builds one per site and run. Job code reads the time only through `clock`.
 */
export interface JobContext {
  readonly config: SiteConfig;
  readonly logger: Logger;
  /** Aborts the run: requests stop, and what was not done is reported as failed. */
  readonly signal: AbortSignal;
  /** Now, epoch ms. */
  readonly clock: () => number;
}
