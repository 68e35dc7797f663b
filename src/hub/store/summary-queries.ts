// Monthly cloud summaries in SQL: APEL SummariseVMs deltas (window functions) and grouped reads.
import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';
import type { HubDb } from './messaging-queries.js';
import { epochsSane, magnitudesSane } from './stored-ranges.js';

/** Counter, duration and size columns of a cloud record the summaries add up. */
const CLOUD_MEASURE_COLUMNS = [
  'wall_duration',
  'cpu_duration',
  'network_inbound',
  'network_outbound',
  'memory',
  'disk',
];
/** Epoch columns of a cloud record the summaries show. */
const CLOUD_TIME_COLUMNS = ['start_time'];

/** SQL true for a cloud record the summaries can use; others are skipped and counted. */
const usableCloudRecord = sql<boolean>`(${magnitudesSane(CLOUD_MEASURE_COLUMNS)} and ${epochsSane(CLOUD_TIME_COLUMNS)})`;

/**
 * Rebuilds `cloud_summaries` from `cloud_records` with APEL's SummariseVMs rules (reference §3):
 * each record contributes the delta of its cumulative Wall, CPU and network counters over the same
 * VM's previous record (the one with the greatest earlier MeasurementTime), and the deltas are
 * grouped by site, service, month, year, user, VO, VO group, VO role, status, image, CPU count,
 * benchmark type and benchmark. CloudType is not grouped (APEL lets MySQL pick one; we take MAX).
 *
 * Two levels keep it fast on 1,000,000 records: the inner query aggregates by the integer group id
 * (those twelve columns plus CloudType) and month, the outer one regroups the few resulting rows by
 * APEL's columns. Within one VM every row has its own (year, month), which MeasurementTime
 * determines, so ordering the window by (year, month) equals ordering it by MeasurementTime and
 * lets SQLite walk the primary key instead of sorting.
 *
 * A stored record whose values no sum or date can hold (see `stored-ranges.ts`) is left out, so
 * one bad row never fails the rebuild for every site; the count of such rows is returned.
 * Run it inside a transaction.
 */
export async function rebuildCloudSummaries(db: HubDb): Promise<{ rows: number; skipped: number }> {
  await db.deleteFrom('cloud_summaries').execute();
  const result = await sql`
    insert into cloud_summaries (
      site_name, cloud_compute_service, year, month, global_user_name, vo, vo_group, vo_role,
      status, cloud_type, image_id, earliest_start_time, latest_start_time, wall_duration,
      cpu_duration, cpu_count, network_inbound, network_outbound, memory, disk, benchmark_type,
      benchmark, number_of_vms)
    select g.site_name, g.cloud_compute_service, s.y, s.m, g.global_user_name, g.vo, g.vo_group,
      g.vo_role, g.status, max(g.cloud_type), g.image_id, min(s.earliest), max(s.latest),
      sum(s.wall), sum(s.cpu), g.cpu_count, sum(s.net_in), sum(s.net_out), sum(s.memory),
      sum(s.disk), g.benchmark_type, g.benchmark, sum(s.n)
    from (
      select group_id, measurement_year as y, measurement_month as m, min(start_time) as earliest,
        max(start_time) as latest, coalesce(sum(d_wall), 0) as wall, coalesce(sum(d_cpu), 0) as cpu,
        coalesce(sum(d_in), 0) as net_in, coalesce(sum(d_out), 0) as net_out,
        coalesce(sum(memory), 0) as memory, coalesce(sum(disk), 0) as disk, count(*) as n
      from (
        select group_id, measurement_year, measurement_month, start_time, memory, disk,
          coalesce(wall_duration, 0) - coalesce(lag(wall_duration) over w, 0) as d_wall,
          coalesce(cpu_duration, 0) - coalesce(lag(cpu_duration) over w, 0) as d_cpu,
          coalesce(network_inbound, 0) - coalesce(lag(network_inbound) over w, 0) as d_in,
          coalesce(network_outbound, 0) - coalesce(lag(network_outbound) over w, 0) as d_out
        from cloud_records
        where ${usableCloudRecord}
        window w as (partition by vm_id order by measurement_year, measurement_month)
      ) deltas
      group by group_id, measurement_year, measurement_month
    ) s
    join cloud_record_groups g on g.id = s.group_id
    group by g.site_name, g.cloud_compute_service, s.y, s.m, g.global_user_name, g.vo, g.vo_group,
      g.vo_role, g.status, g.image_id, g.cpu_count, g.benchmark_type, g.benchmark
  `.execute(db);
  // every record used counts once in number_of_vms: what is missing from the total was left out
  const counts = await sql<{ stored: number | string; used: number | string | null }>`
    select (select count(*) from cloud_records) as stored,
      (select sum(number_of_vms) from cloud_summaries) as used
  `.execute(db);
  const skipped = Number(counts.rows[0]?.stored ?? 0) - Number(counts.rows[0]?.used ?? 0);
  return { rows: Number(result.numAffectedRows ?? 0n), skipped };
}

/** A dimension summaries can be grouped by, and the columns behind it. */
export const SUMMARY_DIMENSIONS = {
  site: ['site_name'],
  service: ['cloud_compute_service'],
  year: ['year'],
  month: ['year', 'month'],
  user: ['global_user_name'],
  vo: ['vo'],
  vogroup: ['vo_group'],
  vorole: ['vo_role'],
  status: ['status'],
  cloudtype: ['cloud_type'],
  image: ['image_id'],
  cpucount: ['cpu_count'],
  benchmarktype: ['benchmark_type'],
  benchmark: ['benchmark'],
} as const;

/** A name of {@link SUMMARY_DIMENSIONS}. */
export type SummaryDimension = keyof typeof SUMMARY_DIMENSIONS;

/** Filters of a summary read; months are `year * 100 + month` (e.g. 202401), inclusive. */
export interface SummaryFilter {
  readonly sites?: readonly string[];
  readonly vos?: readonly string[];
  readonly fromMonth?: number;
  readonly toMonth?: number;
}

/** One grouped summary row: the dimension columns asked for plus the measures. */
export type SummaryRow = Record<string, string | number | null>;

function bigSum(column: string): RawBuilder<number> {
  // PostgreSQL's SUM(bigint) is numeric, which pg returns as a string
  return sql<number>`cast(sum(${sql.ref(column)}) as bigint)`;
}

/**
 * Reads `cloud_summaries` rolled up by `groupBy`: sums of the durations, network, memory, disk and
 * NumberOfVMs, earliest and latest start. Rows are ordered by the grouped columns.
 */
export async function readCloudSummaries(
  db: HubDb,
  groupBy: readonly SummaryDimension[],
  filter: SummaryFilter,
): Promise<SummaryRow[]> {
  const columns = [...new Set(groupBy.flatMap((d) => SUMMARY_DIMENSIONS[d]))];
  let q = db
    .selectFrom('cloud_summaries')
    .select(columns.map((c) => sql.ref(c).as(c)))
    .select([
      bigSum('wall_duration').as('wall_duration'),
      bigSum('cpu_duration').as('cpu_duration'),
      bigSum('network_inbound').as('network_inbound'),
      bigSum('network_outbound').as('network_outbound'),
      bigSum('memory').as('memory'),
      bigSum('disk').as('disk'),
      bigSum('number_of_vms').as('number_of_vms'),
      sql<number>`min(earliest_start_time)`.as('earliest_start_time'),
      sql<number>`max(latest_start_time)`.as('latest_start_time'),
    ]);
  if (filter.sites?.length) q = q.where('site_name', 'in', [...filter.sites]);
  if (filter.vos?.length) q = q.where('vo', 'in', [...filter.vos]);
  if (filter.fromMonth !== undefined) q = q.where(sql<number>`year * 100 + month`, '>=', filter.fromMonth);
  if (filter.toMonth !== undefined) q = q.where(sql<number>`year * 100 + month`, '<=', filter.toMonth);
  if (columns.length > 0) {
    q = q.groupBy(columns.map((c) => sql.ref(c)));
    for (const c of columns) q = q.orderBy(sql.ref(c));
  }
  return (await q.execute()) as SummaryRow[];
}

/** Every full-granularity summary row matching `filter` (for the APEL summary export). */
export async function listCloudSummaries(db: HubDb, filter: SummaryFilter) {
  let q = db.selectFrom('cloud_summaries').selectAll();
  if (filter.sites?.length) q = q.where('site_name', 'in', [...filter.sites]);
  if (filter.vos?.length) q = q.where('vo', 'in', [...filter.vos]);
  if (filter.fromMonth !== undefined) q = q.where(sql<number>`year * 100 + month`, '>=', filter.fromMonth);
  if (filter.toMonth !== undefined) q = q.where(sql<number>`year * 100 + month`, '<=', filter.toMonth);
  return q.orderBy('year').orderBy('month').orderBy('site_name').execute();
}
