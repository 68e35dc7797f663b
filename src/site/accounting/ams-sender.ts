// Sends the outbox to an AMS topic: one publish per element, removed only after the broker acknowledged it.
import { publishToAms, type AmsDestination } from '../ams-publisher.js';
import type { Logger } from '../../log.js';
import type { DirqOutbox } from './outbox.js';

/** Result of one send run. */
export interface SendResult {
  readonly sent: number;
  readonly failed: number;
  readonly error?: string;
}

/**
 * Publishes every outbox element, oldest first; each is removed only after AMS
 * returned its message id. Stops at the first failure (the element stays, for
 * the next run), and before the next element once `signal` aborted.
 */
export async function sendOutbox(
  outbox: DirqOutbox,
  dest: AmsDestination,
  logger: Logger,
  signal?: AbortSignal,
): Promise<SendResult> {
  let sent = 0;
  for await (const name of outbox.elements()) {
    if (signal?.aborted) return { sent, failed: 1, error: 'the run was aborted' };
    if (!(await outbox.lock(name))) continue; // another sender holds it
    try {
      const body = await outbox.get(name);
      const [id] = await publishToAms(dest, [{ data: body, attributes: { empaid: name } }]);
      await outbox.remove(name);
      sent++;
      logger.info({ element: name, messageId: id }, 'published');
    } catch (error) {
      await outbox.unlock(name).catch(() => undefined);
      return { sent, failed: 1, error: (error as Error).message };
    }
  }
  await outbox.purge();
  return { sent, failed: 0 };
}
