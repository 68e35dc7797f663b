// Turns summary rows of the store into the API's JSON/CSV shape (camelCase, YYYY-MM months, ISO times).
import { isoOrNull } from '../store/stored-ranges.js';
import type { SummaryDimension, SummaryRow } from '../store/summary-queries.js';

/** APEL's summary grouping (reference §3), the default `group_by`. */
export const APEL_SUMMARY_DIMENSIONS: readonly SummaryDimension[] = [
  'site',
  'service',
  'month',
  'user',
  'vo',
  'vogroup',
  'vorole',
  'status',
  'image',
  'cpucount',
  'benchmarktype',
  'benchmark',
];

/** Output field of each dimension (month becomes `YYYY-MM`). */
const DIMENSION_FIELD: Record<SummaryDimension, string> = {
  site: 'site',
  service: 'service',
  year: 'year',
  month: 'month',
  user: 'user',
  vo: 'vo',
  vogroup: 'voGroup',
  vorole: 'voRole',
  status: 'status',
  cloudtype: 'cloudType',
  image: 'imageId',
  cpucount: 'cpuCount',
  benchmarktype: 'benchmarkType',
  benchmark: 'benchmark',
};

const DIMENSION_COLUMN: Record<Exclude<SummaryDimension, 'month'>, string> = {
  site: 'site_name',
  service: 'cloud_compute_service',
  year: 'year',
  user: 'global_user_name',
  vo: 'vo',
  vogroup: 'vo_group',
  vorole: 'vo_role',
  status: 'status',
  cloudtype: 'cloud_type',
  image: 'image_id',
  cpucount: 'cpu_count',
  benchmarktype: 'benchmark_type',
  benchmark: 'benchmark',
};

/** The measures of every summary row, in output order. */
export const SUMMARY_MEASURES = [
  'wallDuration',
  'cpuDuration',
  'networkInbound',
  'networkOutbound',
  'memory',
  'disk',
  'numberOfVms',
  'earliestStartTime',
  'latestStartTime',
] as const;

/** Output columns for a grouping: the dimensions' fields, then the measures. */
export function summaryColumns(groupBy: readonly SummaryDimension[]): string[] {
  return [...groupBy.map((d) => DIMENSION_FIELD[d]), ...SUMMARY_MEASURES];
}

/** One store row as the API shows it. */
export function toSummaryView(
  row: SummaryRow,
  groupBy: readonly SummaryDimension[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of groupBy) {
    out[DIMENSION_FIELD[d]] =
      d === 'month' ? `${String(row.year)}-${String(row.month).padStart(2, '0')}` : row[DIMENSION_COLUMN[d]];
  }
  out.wallDuration = Number(row.wall_duration ?? 0);
  out.cpuDuration = Number(row.cpu_duration ?? 0);
  out.networkInbound = Number(row.network_inbound ?? 0);
  out.networkOutbound = Number(row.network_outbound ?? 0);
  out.memory = Number(row.memory ?? 0);
  out.disk = Number(row.disk ?? 0);
  out.numberOfVms = Number(row.number_of_vms ?? 0);
  out.earliestStartTime = isoOrNull(row.earliest_start_time);
  out.latestStartTime = isoOrNull(row.latest_start_time);
  return out;
}
