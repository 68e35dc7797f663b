// Test clean-up of OpenStack resources: a few deletes at a time, retried when the testbed answers 5xx.
import { setTimeout as sleep } from 'node:timers/promises';
import { OpenStackError } from '../../src/openstack/index.js';
import { mapWithConcurrency } from '../../src/map-with-concurrency.js';

/**
 * Deletes every item with at most four requests in flight. The testbed's services share one
 * MariaDB; fifty parallel deletes can hit a lock wait there and answer 500, so a delete that
 * fails with a server error is tried again (up to five times). Anything still failing is thrown
 * after all the others were tried, so one stuck resource never leaves the rest behind.
 */
export async function deleteAll<T>(items: readonly T[], remove: (item: T) => Promise<void>): Promise<void> {
  const outcomes = await mapWithConcurrency(items, 4, async (item) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await remove(item);
      } catch (error) {
        const serverSide = error instanceof OpenStackError && (error.status ?? 500) >= 500;
        if (!serverSide || attempt >= 5) throw error;
        await sleep(500 * attempt);
      }
    }
  });
  const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed.length > 0) throw failed[0]!.reason;
}
