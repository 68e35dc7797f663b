import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { mapWithConcurrency } from '../../src/map-with-concurrency.js';
import { withDeadline } from '../../src/with-deadline.js';

describe('mapWithConcurrency', () => {
  it('never runs more than the limit at once and keeps the input order', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapWithConcurrency([30, 10, 20, 5, 15], 2, async (ms, i) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(ms);
      running--;
      return i;
    });
    expect(peak).toBe(2);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : -1))).toEqual([0, 1, 2, 3, 4]);
  });

  it('records a failing item and still runs the others', async () => {
    const results = await mapWithConcurrency(['a', 'b', 'c'], 1, async (x) => {
      if (x === 'a') throw new Error('a broke');
      return x;
    });
    expect(results[0]).toMatchObject({ status: 'rejected', reason: new Error('a broke') });
    expect(results.slice(1)).toEqual([
      { status: 'fulfilled', value: 'b' },
      { status: 'fulfilled', value: 'c' },
    ]);
  });
});

describe('withDeadline', () => {
  it('rejects with a TIMEOUT error and aborts the work when the deadline passes', async () => {
    let aborted = false;
    const started = Date.now();
    await expect(
      withDeadline('discovery of X', 50, async (signal) => {
        signal.addEventListener('abort', () => (aborted = true));
        await sleep(5_000);
      }),
    ).rejects.toMatchObject({ code: 'TIMEOUT', message: 'discovery of X did not finish within 50 ms' });
    expect(aborted).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('returns the result of work that finishes in time', async () => {
    await expect(withDeadline('x', 1_000, async () => 42)).resolves.toBe(42);
  });
});
