// Row arrays of the accounting tables built from decoded APEL records (column order of accounting-queries).
import type {
  AcceleratorRecord,
  CloudRecord,
  PublicIpRecord,
  StorageRecord,
} from '../../formats/apel/index.js';
import type { CloudGroupValues } from '../store/accounting-queries.js';

/** The parts of an FQAN the repository keeps (APEL's `'None'` for a missing group or role). */
export interface VoParts {
  readonly vo: string | null;
  readonly voGroup: string | null;
  readonly voRole: string | null;
}

/** No FQAN: no VO. */
export const NO_VO: VoParts = { vo: null, voGroup: null, voRole: null };

const SEP = '\u0001';
const NULL = '\u0002';

/**
 * Month and year (UTC) of an epoch-seconds time, by integer arithmetic (civil-from-days, the
 * proleptic Gregorian calendar); ingest calls it per record, where a Date costs an allocation.
 */
export function monthOf(epochSeconds: number): { year: number; month: number } {
  const z = Math.floor(epochSeconds / 86400) + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month };
}

function part(value: string | number | null | undefined): string {
  return value === null || value === undefined ? NULL : String(value);
}

/** The key of a cloud record's summary group (the grouping columns plus CloudType). */
export function cloudGroupKey(r: CloudRecord, vo: VoParts): string {
  return (
    r.siteName +
    SEP +
    part(r.cloudComputeService) +
    SEP +
    part(r.globalUserName) +
    SEP +
    part(vo.vo) +
    SEP +
    part(vo.voGroup) +
    SEP +
    part(vo.voRole) +
    SEP +
    part(r.status) +
    SEP +
    part(r.imageId) +
    SEP +
    part(r.cpuCount) +
    SEP +
    part(r.benchmarkType) +
    SEP +
    part(r.benchmark) +
    SEP +
    part(r.cloudType)
  );
}

/**
 * The grouping columns of a cloud record, with APEL's defaults: a missing CloudComputeService and
 * BenchmarkType are stored as 'None', a missing CpuCount and Benchmark as 0 (reference §2.1).
 */
export function cloudGroupValues(r: CloudRecord, vo: VoParts): CloudGroupValues {
  return {
    site_name: r.siteName,
    cloud_compute_service: r.cloudComputeService ?? 'None',
    global_user_name: r.globalUserName ?? null,
    vo: vo.vo,
    vo_group: vo.voGroup,
    vo_role: vo.voRole,
    status: r.status ?? null,
    image_id: r.imageId ?? null,
    cpu_count: r.cpuCount ?? 0,
    benchmark_type: r.benchmarkType ?? 'None',
    benchmark: r.benchmark ?? 0,
    cloud_type: r.cloudType ?? null,
  };
}

/** Slots of a cloud entry: the row's columns used by ingest, then the entry's trailing metadata. */
export const CLOUD_ROW = {
  vmId: 0,
  year: 1,
  month: 2,
  measurementTime: 3,
  groupId: 4,
  site: 5,
  columns: 25,
  message: 25,
  recordIndex: 26,
} as const;

/**
 * A cloud entry: the cloud_records row (CLOUD_COLUMNS order) with the VMUUID in the `vm_id` slot and
 * the group key in the `group_id` slot (both replaced by numbers at load time), then `message` and
 * `recordIndex`.
 */
export function cloudEntry(
  r: CloudRecord,
  measurementTime: number,
  year: number,
  month: number,
  groupKey: string,
  message: { readonly offset: number },
  recordIndex: number,
  now: number,
): unknown[] {
  return [
    r.vmUuid,
    year,
    month,
    measurementTime,
    groupKey,
    r.siteName,
    r.machineName ?? null,
    r.localUserId ?? null,
    r.localGroupId ?? null,
    r.fqan ?? null,
    r.startTime ?? null,
    r.endTime ?? null,
    r.suspendDuration ?? null,
    r.wallDuration ?? null,
    r.cpuDuration ?? null,
    r.networkType ?? null,
    r.networkInbound ?? null,
    r.networkOutbound ?? null,
    r.publicIpCount ?? null,
    r.memory ?? null,
    r.disk ?? null,
    r.storageRecordId ?? null,
    r.recordCreateTime ?? null,
    message.offset,
    now,
    message,
    recordIndex,
  ];
}

/** Index of the key columns and of the version column (MeasurementTime) in an IP row. */
export const IP_ROW = { keyColumns: 6, rank: 6 } as const;

/** An ip_records row (IP_COLUMNS order); a missing service or user is stored as 'None' (key columns). */
export function ipRow(r: PublicIpRecord, vo: VoParts, source: string, now: number): unknown[] {
  const { year, month } = monthOf(r.measurementTime);
  return [
    r.siteName,
    r.cloudComputeService ?? 'None',
    r.globalUserName ?? 'None',
    r.ipVersion,
    year,
    month,
    r.measurementTime,
    r.cloudType ?? null,
    r.localUser ?? null,
    r.localGroup ?? null,
    r.fqan ?? null,
    vo.vo,
    r.ipCount,
    source,
    now,
  ];
}

/** Index of the key columns and of the version column (AvailableDuration) in an accelerator row. */
export const ACCELERATOR_ROW = { keyColumns: 5, rank: 9 } as const;

/** An accelerator_records row (ACCELERATOR_COLUMNS order); ActiveDuration defaults to AvailableDuration. */
export function acceleratorRow(r: AcceleratorRecord, vo: VoParts, source: string, now: number): unknown[] {
  return [
    r.measurementYear,
    r.measurementMonth,
    r.associatedRecordType,
    r.associatedRecord,
    r.siteName,
    r.globalUserName ?? null,
    r.fqan ?? null,
    vo.vo,
    r.count,
    r.availableDuration,
    r.activeDuration ?? r.availableDuration,
    r.type,
    r.model ?? null,
    r.cores ?? null,
    r.benchmarkType ?? null,
    r.benchmark ?? null,
    r.cloudType ?? null,
    r.cloudComputeService ?? null,
    source,
    now,
  ];
}

/** Index of the version column (EndTime) in a storage row. */
export const STORAGE_ROW = { rank: 14 } as const;

/** A storage_records row (STORAGE_COLUMNS order). */
export function storageRow(r: StorageRecord, source: string, now: number): unknown[] {
  return [
    r.recordId,
    r.createTime,
    r.storageSystem,
    r.site ?? null,
    r.storageShare ?? null,
    r.storageMedia ?? null,
    r.storageClass ?? null,
    r.fileCount ?? null,
    r.directoryPath ?? null,
    r.localUser ?? null,
    r.localGroup ?? null,
    r.userIdentity ?? null,
    r.group ?? null,
    r.startTime,
    r.endTime,
    // decimal text: exact on both backends (numeric(40,0) on PostgreSQL, text on SQLite)
    r.resourceCapacityUsed.toString(),
    r.logicalCapacityUsed?.toString() ?? null,
    r.resourceCapacityAllocated?.toString() ?? null,
    source,
    now,
  ];
}
