// Status timelines and availability/reliability as ARGO computes them for the federation's OLA:
// check results → a timeline per metric (MISSING where no result covers the time) → combined per
// endpoint, service and site with the AND/OR truth tables → OUTAGE downtimes forced in → time per
// status → A = UP / (T − UNKNOWN), R = UP / (T − UNKNOWN − DOWNTIME), UP = OK + WARNING and
// UNKNOWN = UNKNOWN + MISSING. Pure; times are epoch milliseconds, periods half-open [start, end).

/** The statuses of a timeline (Nagios' four, plus MISSING and DOWNTIME). */
export type Status = 'OK' | 'WARNING' | 'UNKNOWN' | 'MISSING' | 'CRITICAL' | 'DOWNTIME';

export const STATUSES: readonly Status[] = ['OK', 'WARNING', 'UNKNOWN', 'MISSING', 'CRITICAL', 'DOWNTIME'];

/** A span of one status. */
export interface Segment {
  readonly start: number;
  readonly end: number;
  readonly status: Status;
}

/** Segments in time order, without gaps, covering a period. */
export type Timeline = readonly Segment[];

/** A period, [start, end). */
export interface Period {
  readonly start: number;
  readonly end: number;
}

/** One check result: the status a probe gave at `at`. */
export interface CheckResult {
  readonly at: number;
  readonly status: 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';
}

/** A declared downtime; only OUTAGE ones count (ARGO ignores "at risk" warnings). */
export interface Downtime extends Period {
  readonly severity: 'OUTAGE' | 'WARNING';
}

// AND: the worst wins. CRITICAL beats DOWNTIME (CRITICAL AND DOWNTIME = CRITICAL); DOWNTIME beats
// MISSING, UNKNOWN, WARNING and OK.
const AND_ORDER: readonly Status[] = ['CRITICAL', 'DOWNTIME', 'MISSING', 'UNKNOWN', 'WARNING', 'OK'];
// OR (redundant endpoints): the best wins, OK then WARNING; UNKNOWN OR CRITICAL = CRITICAL and
// MISSING OR DOWNTIME = DOWNTIME; CRITICAL OR DOWNTIME = CRITICAL (a failure is not excused by
// another endpoint's planned downtime).
const OR_ORDER: readonly Status[] = ['OK', 'WARNING', 'CRITICAL', 'DOWNTIME', 'UNKNOWN', 'MISSING'];

const rankIn = (order: readonly Status[]) => {
  const rank = new Map(order.map((s, i) => [s, i]));
  return (s: Status) => rank.get(s)!;
};
const AND_RANK = rankIn(AND_ORDER);
const OR_RANK = rankIn(OR_ORDER);

/** Two statuses under `op`. */
export function combineStatus(op: 'AND' | 'OR', a: Status, b: Status): Status {
  const rank = op === 'AND' ? AND_RANK : OR_RANK;
  return rank(a) <= rank(b) ? a : b;
}

/** Joins neighbouring segments of one status. */
function compact(segments: Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const s of segments) {
    if (s.end <= s.start) continue;
    const last = out[out.length - 1];
    if (last && last.status === s.status && last.end === s.start)
      out[out.length - 1] = { ...last, end: s.end };
    else out.push(s);
  }
  return out;
}

/**
 * The timeline of one metric over `period`: each result holds until the next one, but no longer
 * than `validForMs` (the check's interval plus its retries); where none holds, MISSING. Results
 * may start before the period (the last one before it covers its start) and need not be sorted.
 */
export function metricTimeline(
  results: readonly CheckResult[],
  period: Period,
  validForMs: number,
): Timeline {
  return runsTimeline(
    results.map((r) => ({ firstAt: r.at, lastAt: r.at, status: r.status })),
    period,
    validForMs,
  );
}

/** Results of one status in a row, stored as one run: the first and the last result's time. */
export interface ResultRun {
  readonly firstAt: number;
  readonly lastAt: number;
  readonly status: CheckResult['status'];
}

/**
 * A metric's timeline from its runs, as {@link metricTimeline} gives it from every result of the
 * runs (a run holds from its first result to its last one's `validForMs`, or to the next run).
 * Runs must not overlap; they need not be sorted.
 */
export function runsTimeline(runs: readonly ResultRun[], period: Period, validForMs: number): Timeline {
  const sorted = [...runs].sort((a, b) => a.firstAt - b.firstAt);
  const segments: Segment[] = [];
  let cursor = period.start;
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i]!;
    const next = sorted[i + 1]?.firstAt ?? Number.POSITIVE_INFINITY;
    const start = Math.max(r.firstAt, period.start);
    const end = Math.min(next, r.lastAt + validForMs, period.end);
    if (end <= period.start || start >= period.end) continue;
    if (start > cursor) segments.push({ start: cursor, end: start, status: 'MISSING' });
    if (end > start) segments.push({ start, end, status: r.status });
    cursor = Math.max(cursor, end);
  }
  if (cursor < period.end) segments.push({ start: cursor, end: period.end, status: 'MISSING' });
  return compact(segments);
}

/** The timelines folded with `fold` at every instant of `period` (MISSING where one has no segment). */
function sweep(
  timelines: readonly Timeline[],
  period: Period,
  fold: (a: Status, b: Status) => Status,
): Timeline {
  const cuts = new Set<number>([period.start, period.end]);
  for (const t of timelines)
    for (const s of t) if (s.start > period.start && s.start < period.end) cuts.add(s.start);
  const bounds = [...cuts].sort((a, b) => a - b);
  const positions = timelines.map(() => 0);
  const segments: Segment[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const start = bounds[i]!;
    let status: Status | undefined;
    for (const [k, t] of timelines.entries()) {
      while (positions[k]! < t.length - 1 && t[positions[k]!]!.end <= start) positions[k]!++;
      const seg = t[positions[k]!];
      const here: Status = seg && seg.start <= start && seg.end > start ? seg.status : 'MISSING';
      status = status === undefined ? here : fold(status, here);
    }
    segments.push({ start, end: bounds[i + 1]!, status: status! });
  }
  return compact(segments);
}

/**
 * The timelines combined with `op` at every instant (metrics into an endpoint with AND, redundant
 * endpoints of a service with OR, services into a site with AND). All cover `period`; none: MISSING.
 */
export function combineTimelines(op: 'AND' | 'OR', timelines: readonly Timeline[], period: Period): Timeline {
  if (timelines.length === 0) return [{ start: period.start, end: period.end, status: 'MISSING' }];
  return sweep(timelines, period, (a, b) => combineStatus(op, a, b));
}

/**
 * The timeline forced to DOWNTIME wherever an OUTAGE downtime covers it, whatever it said (a
 * WARNING downtime, "at risk", changes nothing).
 */
export function withDowntimes(timeline: Timeline, downtimes: readonly Downtime[]): Timeline {
  if (timeline.length === 0) return timeline;
  const period = { start: timeline[0]!.start, end: timeline[timeline.length - 1]!.end };
  const windows = downtimes
    .filter((d) => d.severity === 'OUTAGE')
    .map((d) => ({ start: Math.max(d.start, period.start), end: Math.min(d.end, period.end) }))
    .filter((d) => d.end > d.start)
    .sort((a, b) => a.start - b.start);
  if (windows.length === 0) return timeline;
  // the windows as a timeline of their own: DOWNTIME inside, OK (no say) outside
  const marks: Segment[] = [];
  let cursor = period.start;
  for (const w of windows) {
    if (w.end <= cursor) continue;
    if (w.start > cursor) marks.push({ start: cursor, end: w.start, status: 'OK' });
    marks.push({ start: Math.max(w.start, cursor), end: w.end, status: 'DOWNTIME' });
    cursor = w.end;
  }
  if (cursor < period.end) marks.push({ start: cursor, end: period.end, status: 'OK' });
  return sweep([timeline, compact(marks)], period, (status, mark) =>
    mark === 'DOWNTIME' ? 'DOWNTIME' : status,
  );
}

/** Milliseconds per status. */
export type Durations = Readonly<Record<Status, number>>;

/** Time spent in each status. */
export function durationsOf(timeline: Timeline): Durations {
  const out: Record<Status, number> = { OK: 0, WARNING: 0, UNKNOWN: 0, MISSING: 0, CRITICAL: 0, DOWNTIME: 0 };
  for (const s of timeline) out[s.status] += s.end - s.start;
  return out;
}

/**
 * Time per status in each of `periods` (sorted, not overlapping): one pass over the timeline, so
 * a quarter's timeline gives its days without being rebuilt per day.
 */
export function durationsPerPeriod(timeline: Timeline, periods: readonly Period[]): Durations[] {
  const out = periods.map(() => ({ OK: 0, WARNING: 0, UNKNOWN: 0, MISSING: 0, CRITICAL: 0, DOWNTIME: 0 }));
  let p = 0;
  for (const seg of timeline) {
    while (p < periods.length && periods[p]!.end <= seg.start) p++;
    for (let q = p; q < periods.length && periods[q]!.start < seg.end; q++) {
      const overlap = Math.min(seg.end, periods[q]!.end) - Math.max(seg.start, periods[q]!.start);
      if (overlap > 0) out[q]![seg.status] += overlap;
    }
  }
  return out;
}

/** The sum of several periods' durations (a month of days). */
export function sumDurations(all: readonly Durations[]): Durations {
  const out: Record<Status, number> = { OK: 0, WARNING: 0, UNKNOWN: 0, MISSING: 0, CRITICAL: 0, DOWNTIME: 0 };
  for (const d of all) for (const s of STATUSES) out[s] += d[s];
  return out;
}

/** Availability and reliability (fractions 0–1); undefined where nothing is known to divide by. */
export interface AvailabilityFigures {
  readonly availability: number | undefined;
  readonly reliability: number | undefined;
  /** OK + WARNING time over all time. */
  readonly up: number;
  /** UNKNOWN + MISSING time over all time. */
  readonly unknown: number;
  readonly downtime: number;
  /** The whole period, ms. */
  readonly totalMs: number;
}

/**
 * ARGO's figures: A = UP / (T − UNKNOWN), R = UP / (T − UNKNOWN − DOWNTIME).
 * @example availabilityOf(h({ OK: 5, CRITICAL: 9, UNKNOWN: 6, DOWNTIME: 4 })) // A 0.278, R 0.357
 */
export function availabilityOf(d: Durations): AvailabilityFigures {
  const total = STATUSES.reduce((n, s) => n + d[s], 0);
  const up = d.OK + d.WARNING;
  const unknown = d.UNKNOWN + d.MISSING;
  const known = total - unknown;
  const scheduled = known - d.DOWNTIME;
  const frac = (x: number) => (total > 0 ? x / total : 0);
  return {
    availability: known > 0 ? up / known : undefined,
    reliability: scheduled > 0 ? up / scheduled : undefined,
    up: frac(up),
    unknown: frac(unknown),
    downtime: frac(d.DOWNTIME),
    totalMs: total,
  };
}

/** The EGI Resource Centre OLA: monthly A ≥ 80 %, R ≥ 85 %, unknown ≤ 10 %. */
export const OLA = { availability: 0.8, reliability: 0.85, unknown: 0.1 } as const;

/** Whether figures meet the OLA, and which part fails. */
export function olaVerdict(f: AvailabilityFigures): {
  readonly isMet: boolean;
  readonly failures: readonly string[];
} {
  const failures: string[] = [];
  const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;
  if (f.availability === undefined || f.availability < OLA.availability)
    failures.push(`availability ${f.availability === undefined ? 'unknown' : pct(f.availability)} < 80 %`);
  if (f.reliability === undefined || f.reliability < OLA.reliability)
    failures.push(`reliability ${f.reliability === undefined ? 'unknown' : pct(f.reliability)} < 85 %`);
  if (f.unknown > OLA.unknown) failures.push(`unknown ${pct(f.unknown)} > 10 %`);
  return { isMet: failures.length === 0, failures };
}

/** The UTC days of a month (`month` 1–12). */
export function daysOfMonth(year: number, month: number): Period[] {
  const days: Period[] = [];
  for (let d = 1; ; d++) {
    const start = Date.UTC(year, month - 1, d);
    if (new Date(start).getUTCMonth() !== month - 1) break;
    days.push({ start, end: Date.UTC(year, month - 1, d + 1) });
  }
  return days;
}
