import { describe, expect, it } from 'vitest';
import {
  STATUSES,
  combineTimelines,
  durationsOf,
  metricTimeline,
  withDowntimes,
  type CheckResult,
} from '../../../src/formats/availability/index.js';
import { FUZZ_RUNS, FUZZ_SEED, fc } from '../../helpers/fuzz.js';

const DAY = { start: Date.UTC(2026, 10, 1), end: Date.UTC(2026, 10, 2) };
const result = fc.record({
  at: fc.integer({ min: DAY.start - 3_600_000, max: DAY.end + 3_600_000 }),
  status: fc.constantFrom<CheckResult['status']>('OK', 'WARNING', 'CRITICAL', 'UNKNOWN'),
});
const downtime = fc
  .tuple(fc.integer({ min: DAY.start, max: DAY.end }), fc.integer({ min: 0, max: 30_000_000 }), fc.boolean())
  .map(([start, length, isOutage]) => ({
    start,
    end: start + length,
    severity: isOutage ? ('OUTAGE' as const) : ('WARNING' as const),
  }));

describe('timelines (property)', () => {
  it('cover the period exactly, without gaps, whatever the results, combinations and downtimes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(result, { maxLength: 40 }), { minLength: 1, maxLength: 4 }),
        fc.array(downtime, { maxLength: 4 }),
        fc.constantFrom<'AND' | 'OR'>('AND', 'OR'),
        (metrics, downtimes, op) => {
          const timelines = metrics.map((r) => metricTimeline(r, DAY, 15 * 60_000));
          const all = withDowntimes(combineTimelines(op, timelines, DAY), downtimes);
          expect(all[0]!.start).toBe(DAY.start);
          expect(all[all.length - 1]!.end).toBe(DAY.end);
          for (let i = 1; i < all.length; i++) {
            expect(all[i]!.start).toBe(all[i - 1]!.end);
            expect(all[i]!.status).not.toBe(all[i - 1]!.status);
          }
          const d = durationsOf(all);
          expect(STATUSES.reduce((n, s) => n + d[s], 0)).toBe(DAY.end - DAY.start);
          // one timeline combined alone is itself
          expect(combineTimelines(op, [timelines[0]!], DAY)).toEqual(timelines[0]);
        },
      ),
      { seed: FUZZ_SEED, numRuns: FUZZ_RUNS },
    );
  });
});
