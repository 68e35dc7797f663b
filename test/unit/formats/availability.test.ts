import { describe, expect, it } from 'vitest';
import {
  availabilityOf,
  combineStatus,
  combineTimelines,
  daysOfMonth,
  durationsOf,
  metricTimeline,
  olaVerdict,
  sumDurations,
  withDowntimes,
  type Durations,
  type Status,
  type Timeline,
} from '../../../src/formats/availability/index.js';

const H = 3_600_000;
const DAY = { start: Date.UTC(2026, 10, 1), end: Date.UTC(2026, 10, 2) };
const at = (hours: number) => DAY.start + hours * H;
/** A timeline from [hours, status] pairs, each lasting until the next (the last to the end of the day). */
const tl = (...parts: [number, Status][]): Timeline =>
  parts.map(([h, status], i) => ({
    start: at(h),
    end: i + 1 < parts.length ? at(parts[i + 1]![0]) : DAY.end,
    status,
  }));
const hours = (d: Partial<Record<Status, number>>): Durations => ({
  OK: 0,
  WARNING: 0,
  UNKNOWN: 0,
  MISSING: 0,
  CRITICAL: 0,
  DOWNTIME: 0,
  ...Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v * H])),
});

describe('availability and reliability', () => {
  it('gives the worked example: 5 h OK, 9 h CRITICAL, 6 h UNKNOWN, 4 h DOWNTIME → A 27.8 %, R 35.7 %', () => {
    const f = availabilityOf(hours({ OK: 5, CRITICAL: 9, UNKNOWN: 6, DOWNTIME: 4 }));
    expect(f.availability).toBeCloseTo(5 / 18, 6);
    expect(Math.round(f.availability! * 1000) / 10).toBe(27.8);
    expect(Math.round(f.reliability! * 1000) / 10).toBe(35.7);
    expect(f).toMatchObject({ up: 5 / 24, unknown: 6 / 24, downtime: 4 / 24, totalMs: 24 * H });
    expect(olaVerdict(f)).toEqual({
      isMet: false,
      failures: ['availability 27.8 % < 80 %', 'reliability 35.7 % < 85 %', 'unknown 25 % > 10 %'],
    });
  });

  it('counts WARNING as up and MISSING as unknown, and has no figure when nothing is known', () => {
    const f = availabilityOf(hours({ OK: 10, WARNING: 10, MISSING: 4 }));
    expect(f).toMatchObject({ availability: 1, reliability: 1, unknown: 4 / 24 });
    expect(availabilityOf(hours({ MISSING: 24 }))).toMatchObject({
      availability: undefined,
      reliability: undefined,
    });
    expect(availabilityOf(hours({ DOWNTIME: 24 }))).toMatchObject({
      availability: 0,
      reliability: undefined,
    });
    expect(olaVerdict(availabilityOf(hours({ OK: 23, CRITICAL: 1 })))).toEqual({ isMet: true, failures: [] });
  });

  it('builds a metric timeline: a result holds until the next, at most its validity, MISSING elsewhere', () => {
    const results = [
      { at: at(-1), status: 'OK' as const }, // before the day: covers its start
      { at: at(6), status: 'CRITICAL' as const },
      { at: at(8), status: 'WARNING' as const },
      { at: at(20), status: 'OK' as const },
    ];
    expect(metricTimeline(results, DAY, 3 * H)).toEqual(
      tl(
        [0, 'OK'],
        [2, 'MISSING'],
        [6, 'CRITICAL'],
        [8, 'WARNING'],
        [11, 'MISSING'],
        [20, 'OK'],
        [23, 'MISSING'],
      ),
    );
    expect(metricTimeline([], DAY, H)).toEqual(tl([0, 'MISSING']));
  });

  it('combines with the AND and OR truth tables', () => {
    expect(combineStatus('AND', 'CRITICAL', 'DOWNTIME')).toBe('CRITICAL');
    expect(combineStatus('AND', 'DOWNTIME', 'MISSING')).toBe('DOWNTIME');
    expect(combineStatus('AND', 'UNKNOWN', 'WARNING')).toBe('UNKNOWN');
    expect(combineStatus('AND', 'OK', 'WARNING')).toBe('WARNING');
    expect(combineStatus('OR', 'UNKNOWN', 'CRITICAL')).toBe('CRITICAL');
    expect(combineStatus('OR', 'MISSING', 'DOWNTIME')).toBe('DOWNTIME');
    expect(combineStatus('OR', 'CRITICAL', 'OK')).toBe('OK');
    const a = tl([0, 'OK'], [10, 'CRITICAL'], [12, 'OK']);
    const b = tl([0, 'WARNING'], [11, 'OK']);
    expect(combineTimelines('AND', [a, b], DAY)).toEqual(tl([0, 'WARNING'], [10, 'CRITICAL'], [12, 'OK']));
    expect(combineTimelines('OR', [a, b], DAY)).toEqual(tl([0, 'OK'], [10, 'WARNING'], [11, 'OK']));
    expect(combineTimelines('AND', [], DAY)).toEqual(tl([0, 'MISSING']));
  });

  it('has every cell of both truth tables', () => {
    // rows and columns in this order; each cell is the first letter of the result (Mi: MISSING)
    const order: Status[] = ['OK', 'WARNING', 'UNKNOWN', 'MISSING', 'CRITICAL', 'DOWNTIME'];
    const short: Record<string, Status> = {
      O: 'OK',
      W: 'WARNING',
      U: 'UNKNOWN',
      Mi: 'MISSING',
      C: 'CRITICAL',
      D: 'DOWNTIME',
    };
    const tables = {
      AND: [
        'O  W  U  Mi C  D',
        'W  W  U  Mi C  D',
        'U  U  U  Mi C  D',
        'Mi Mi Mi Mi C  D',
        'C  C  C  C  C  C',
        'D  D  D  D  C  D',
      ],
      OR: [
        'O  O  O  O  O  O',
        'O  W  W  W  W  W',
        'O  W  U  U  C  D',
        'O  W  U  Mi C  D',
        'O  W  C  C  C  C',
        'O  W  D  D  C  D',
      ],
    } as const;
    for (const op of ['AND', 'OR'] as const)
      tables[op].forEach((row, i) =>
        row
          .split(/\s+/)
          .forEach((cell, j) =>
            expect(combineStatus(op, order[i]!, order[j]!), `${order[i]} ${op} ${order[j]}`).toBe(
              short[cell],
            ),
          ),
      );
  });

  it('counts the part of a downtime that falls inside the day, from one that began the day before', () => {
    const forced = withDowntimes(tl([0, 'CRITICAL'], [6, 'OK']), [
      { start: at(-10), end: at(6), severity: 'OUTAGE' },
    ]);
    expect(forced).toEqual(tl([0, 'DOWNTIME'], [6, 'OK']));
    expect(availabilityOf(durationsOf(forced))).toMatchObject({ reliability: 1, availability: 18 / 24 });
  });

  it('forces OUTAGE downtimes to DOWNTIME whatever the checks said, and ignores at-risk warnings', () => {
    const t = tl([0, 'OK'], [10, 'CRITICAL'], [14, 'OK']);
    const forced = withDowntimes(t, [
      { start: at(9), end: at(13), severity: 'OUTAGE' },
      { start: at(15), end: at(16), severity: 'WARNING' },
      { start: at(12), end: at(13.5), severity: 'OUTAGE' },
    ]);
    expect(forced).toEqual(tl([0, 'OK'], [9, 'DOWNTIME'], [13.5, 'CRITICAL'], [14, 'OK']));
    expect(durationsOf(forced)).toMatchObject({ OK: 19 * H, DOWNTIME: 4.5 * H, CRITICAL: 0.5 * H });
    // the day's reliability leaves the planned downtime out, availability does not
    const f = availabilityOf(durationsOf(forced));
    expect(f.reliability).toBeCloseTo(19 / 19.5, 6);
    expect(f.availability).toBeCloseTo(19 / 24, 6);
  });

  it('makes a month of UTC days whose summed durations give the monthly figures', () => {
    const days = daysOfMonth(2026, 2);
    expect(days).toHaveLength(28);
    expect(days[0]).toEqual({ start: Date.UTC(2026, 1, 1), end: Date.UTC(2026, 1, 2) });
    const month = sumDurations(days.map((_, i) => hours(i === 0 ? { CRITICAL: 24 } : { OK: 24 })));
    expect(availabilityOf(month).availability).toBeCloseTo(27 / 28, 6);
  });
});
