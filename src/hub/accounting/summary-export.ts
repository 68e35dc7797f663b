// Writes stored cloud summaries as an APEL cloud summary message (`APEL-cloud-summary-message: v0.4`).
import type { Selectable } from 'kysely';
import { serializeCloudSummaryMessage } from '../../formats/apel/index.js';
import type { CloudSummaryRecord } from '../../formats/apel/index.js';
import type { CloudSummaryTable } from '../store/hub-database.js';

function text(value: string | null): string | undefined {
  // APEL writes NULL grouping columns as the string 'None'; absent keys say the same on the wire
  return value === null || value === 'None' ? undefined : value;
}

/**
 * A summed delta can be negative when a sender's cumulative counter went backwards (APEL stores it
 * as is); the v0.4 writer accepts only non-negative integers, so the export writes 0 there.
 */
function count(value: number): number {
  return Math.max(0, Number(value));
}

/** One summary row as the codec's record. */
export function toCloudSummaryRecord(row: Selectable<CloudSummaryTable>): CloudSummaryRecord {
  const record: Record<string, unknown> = {
    siteName: row.site_name,
    cloudComputeService: text(row.cloud_compute_service),
    month: Number(row.month),
    year: Number(row.year),
    globalUserName: text(row.global_user_name),
    vo: row.vo ?? undefined,
    voGroup: row.vo_group ?? undefined,
    voRole: row.vo_role ?? undefined,
    status: text(row.status),
    cloudType: text(row.cloud_type),
    imageId: text(row.image_id),
    earliestStartTime: row.earliest_start_time === null ? undefined : Number(row.earliest_start_time),
    latestStartTime: row.latest_start_time === null ? undefined : Number(row.latest_start_time),
    wallDuration: count(row.wall_duration),
    cpuDuration: count(row.cpu_duration),
    cpuCount: Number(row.cpu_count),
    networkInbound: count(row.network_inbound),
    networkOutbound: count(row.network_outbound),
    memory: count(row.memory),
    disk: count(row.disk),
    benchmarkType: text(row.benchmark_type),
    benchmark: Number(row.benchmark),
    numberOfVms: Number(row.number_of_vms),
  };
  for (const k of Object.keys(record)) if (record[k] === undefined) delete record[k];
  return record as unknown as CloudSummaryRecord;
}

/** The APEL summary message of these rows (empty rows give a header-only message). */
export function exportSummaryMessage(rows: readonly Selectable<CloudSummaryTable>[]): string {
  return serializeCloudSummaryMessage(rows.map(toCloudSummaryRecord));
}
