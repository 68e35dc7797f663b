// Daily and monthly availability and reliability per site, service and endpoint, from the stored runs
// and the registry's downtimes, with ARGO's rules (src/formats/availability).
import {
  availabilityOf,
  combineTimelines,
  durationsPerPeriod,
  olaVerdict,
  runsTimeline,
  sumDurations,
  withDowntimes,
  type Downtime,
  type Durations,
  type Period,
  type Timeline,
} from '../../formats/availability/index.js';
import type { RegistryDowntime } from '../../formats/gocdb/index.js';
import type { Registry } from '../registry/index.js';
import { validityMs, type MonitorConfig } from './monitor-config.js';
import type { ResultStore, Series } from './result-store.js';

export type ReportLevel = 'site' | 'service' | 'endpoint';

/** What to report. Days are UTC. */
export interface ReportQuery {
  /** First day, `YYYY-MM-DD`. */
  readonly from: string;
  /** Last day (included), `YYYY-MM-DD`. */
  readonly to: string;
  readonly granularity: 'daily' | 'monthly';
  readonly level: ReportLevel;
  readonly site?: string;
}

/** One line of the report; figures are percentages with one decimal, null where undefined. */
export interface ReportRow {
  /** `YYYY-MM-DD` or `YYYY-MM`. */
  readonly period: string;
  readonly site: string;
  readonly serviceType?: string;
  readonly endpoint?: string;
  readonly hostname?: string;
  readonly availability: number | null;
  readonly reliability: number | null;
  readonly up: number;
  readonly unknown: number;
  readonly downtime: number;
  /** Monthly rows: the OLA verdict (A ≥ 80 %, R ≥ 85 %, unknown ≤ 10 %). */
  readonly ola?: { readonly isMet: boolean; readonly failures: readonly string[] };
}

const DAY_MS = 86_400_000;
/** Validity of a metric the configuration no longer defines. */
const DEFAULT_VALIDITY_MS = 2 * 3_600_000;

function parseDay(day: string, name: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const t = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!) : NaN;
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== day)
    throw new RangeError(`${name}: expected a day YYYY-MM-DD (found ${day})`);
  return t;
}

/** The days of the query, and the months they fall in. */
export function reportDays(query: Pick<ReportQuery, 'from' | 'to'>): Period[] {
  const from = parseDay(query.from, 'from');
  const to = parseDay(query.to, 'to');
  if (to < from) throw new RangeError(`to (${query.to}) is before from (${query.from})`);
  if ((to - from) / DAY_MS > 366) throw new RangeError('at most 366 days per report');
  const days: Period[] = [];
  for (let t = from; t <= to; t += DAY_MS) days.push({ start: t, end: t + DAY_MS });
  return days;
}

/** `items` by `keyOf`, each group in the items' order, the groups in order of first appearance. */
function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = out.get(key);
    if (list) list.push(item);
    else out.set(key, [item]);
  }
  return out;
}

function pct(x: number | undefined): number | null {
  return x === undefined ? null : Math.round(x * 1000) / 10;
}

/** The endpoint's OUTAGE and WARNING downtimes (WARNING ones are kept: `withDowntimes` ignores them). */
function downtimesByEndpoint(
  downtimes: readonly RegistryDowntime[],
  series: readonly Series[],
): Map<string, Downtime[]> {
  const byHost = new Map<string, string>();
  for (const s of series) byHost.set(`${s.siteName}\u0000${s.hostname}\u0000${s.serviceType}`, s.endpointKey);
  const out = new Map<string, Downtime[]>();
  for (const d of downtimes) {
    for (const svc of d.services) {
      const key =
        svc.primaryKey ?? byHost.get(`${svc.siteName}\u0000${svc.hostname}\u0000${svc.serviceType}`);
      if (!key) continue;
      let list = out.get(key);
      if (!list) out.set(key, (list = []));
      list.push({ start: d.start * 1000, end: d.end * 1000, severity: d.severity });
    }
  }
  return out;
}

interface Entity {
  readonly site: string;
  readonly serviceType?: string;
  readonly endpoint?: string;
  readonly hostname?: string;
  readonly timeline: Timeline;
}

/**
 * The report: per endpoint, its metrics' timelines (the profile's metrics of its service type)
 * AND-ed, OUTAGE downtimes forced in; per service (site × service type) its endpoints AND-ed, or
 * OR-ed where the configuration calls the service redundant; per site its services AND-ed. Then
 * the time per status per day, summed per month.
 * @throws RangeError for a malformed day or a range over 366 days.
 */
export async function availabilityReport(
  results: ResultStore,
  registry: Registry,
  config: MonitorConfig,
  query: ReportQuery,
): Promise<ReportRow[]> {
  const days = reportDays(query);
  const range: Period = { start: days[0]!.start, end: days[days.length - 1]!.end };
  const series = (await results.allSeries()).filter(
    (s) =>
      (query.site === undefined || s.siteName === query.site) &&
      (config.profile[s.serviceType] ?? []).includes(s.metric),
  );
  const runs = await results.runs(range.start, range.end);
  const downtimes = downtimesByEndpoint(
    await registry.downtimes({
      endsAfter: Math.floor(range.start / 1000),
      startsBefore: Math.ceil(range.end / 1000),
    }),
    series,
  );

  const byEndpoint = groupBy(series, (s) => s.endpointKey);
  const endpoints: Entity[] = [];
  for (const [key, metrics] of byEndpoint) {
    const timelines = metrics.map((m) => {
      const spec = config.metrics[m.metric];
      return runsTimeline(runs.get(m.id) ?? [], range, spec ? validityMs(spec) : DEFAULT_VALIDITY_MS);
    });
    const first = metrics[0]!;
    endpoints.push({
      site: first.siteName,
      serviceType: first.serviceType,
      endpoint: key,
      hostname: first.hostname,
      timeline: withDowntimes(combineTimelines('AND', timelines, range), downtimes.get(key) ?? []),
    });
  }
  const services: Entity[] = [...groupBy(endpoints, (e) => `${e.site}\u0000${e.serviceType}`).values()].map(
    (g) => ({
      site: g[0]!.site,
      serviceType: g[0]!.serviceType,
      timeline: combineTimelines(
        config.services[g[0]!.serviceType!] ?? 'AND',
        g.map((e) => e.timeline),
        range,
      ),
    }),
  );
  const sites: Entity[] = [...groupBy(services, (e) => e.site).values()].map((g) => ({
    site: g[0]!.site,
    timeline: combineTimelines(
      'AND',
      g.map((e) => e.timeline),
      range,
    ),
  }));
  const chosen = query.level === 'site' ? sites : query.level === 'service' ? services : endpoints;

  const rows: ReportRow[] = [];
  for (const entity of chosen.sort((a, b) =>
    (a.site + (a.serviceType ?? '') + (a.endpoint ?? '')).localeCompare(
      b.site + (b.serviceType ?? '') + (b.endpoint ?? ''),
    ),
  )) {
    const perDay = durationsPerPeriod(entity.timeline, days);
    const label = (({ timeline: _t, ...rest }) => rest)(entity);
    const row = (period: string, d: Durations, withOla: boolean): ReportRow => {
      const f = availabilityOf(d);
      return {
        period,
        ...label,
        availability: pct(f.availability),
        reliability: pct(f.reliability),
        up: pct(f.up)!,
        unknown: pct(f.unknown)!,
        downtime: pct(f.downtime)!,
        ...(withOla ? { ola: olaVerdict(f) } : {}),
      };
    };
    if (query.granularity === 'daily') {
      days.forEach((day, i) =>
        rows.push(row(new Date(day.start).toISOString().slice(0, 10), perDay[i]!, false)),
      );
      continue;
    }
    const months = groupBy(
      days.map((day, i) => ({ month: new Date(day.start).toISOString().slice(0, 7), durations: perDay[i]! })),
      (d) => d.month,
    );
    for (const [month, list] of months)
      rows.push(row(month, sumDurations(list.map((d) => d.durations)), true));
  }
  return rows;
}
