// Sending the site's outbox to AMS as a function: the destination and token from the config, then one publish per element.
import { ConfigError } from '../../errors.js';
import { accountingDirs } from '../accounting/accounting-dirs.js';
import { sendOutbox } from '../accounting/ams-sender.js';
import { DirqOutbox } from '../accounting/outbox.js';
import { readSecret } from '../site-config.js';
import type { JobContext } from './job-context.js';
import { toJobFailure, type AccountingSendOutcome } from './job-outcome.js';

/**
 * Publishes every outbox element of the site to `accounting.ams`, oldest first; an element is
 * removed only after AMS acknowledged it, and the run stops at the first refusal.
 * @throws ConfigError naming `accounting.ams` when it is missing, or its token reference when
 *   the token cannot be read.
 */
export async function runAccountingSend(ctx: JobContext): Promise<AccountingSendOutcome> {
  const { config, logger, signal, clock } = ctx;
  const ams = config.accounting.ams;
  if (!ams)
    throw new ConfigError('is required to send (url, project, topic, token_env or token_file)', {
      file: config.file,
      path: 'accounting.ams',
    });
  const token = readSecret(ams, 'token', { file: config.file, path: 'accounting.ams' });
  try {
    const outbox = new DirqOutbox(accountingDirs(config).outboxDir, { nowMs: clock });
    const destination = { url: ams.url, project: ams.project, topic: ams.topic, token };
    return await sendOutbox(outbox, destination, logger, signal);
  } catch (error) {
    return { sent: 0, failed: 1, failure: toJobFailure(error) };
  }
}
