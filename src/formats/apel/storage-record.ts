// The EMI StAR storage usage record: our domain shape and its element names.

/** A `GroupAttribute` of a StAR subject: subgroup, role or another attribute type. */
export interface StorageGroupAttribute {
  /** `subgroup`, `role` or another type name. */
  readonly attributeType: string;
  readonly value: string;
}

/**
 * Storage usage of one volume, share or directory over a period, as an EMI
 * StAR record carries it (§2.5). Times are integer epoch seconds (UTC);
 * capacities are integer bytes as `bigint`: real cASO output exceeds 2^64
 * (the upstream storage sample holds 3.4 × 10^20), so they are kept exactly,
 * up to {@link MAX_STAR_CAPACITY_BYTES}.
 */
export interface StorageRecord {
  /** `RecordIdentity/@recordId`, mandatory; APEL's key (later records with the same id replace earlier ones). */
  readonly recordId: string;
  /** `RecordIdentity/@createTime`, mandatory. */
  readonly createTime: number;
  /** Mandatory: the storage service (cASO: `service_name`). */
  readonly storageSystem: string;
  readonly site?: string;
  readonly storageShare?: string;
  readonly storageMedia?: string;
  readonly storageClass?: string;
  readonly fileCount?: number;
  readonly directoryPath?: string;
  /** `SubjectIdentity/LocalUser`. */
  readonly localUser?: string;
  /** `SubjectIdentity/LocalGroup`. */
  readonly localGroup?: string;
  /** `SubjectIdentity/UserIdentity`: the user name. */
  readonly userIdentity?: string;
  /** `SubjectIdentity/Group`: the VO. */
  readonly group?: string;
  /** `SubjectIdentity/GroupAttribute`, in document order. */
  readonly groupAttributes?: readonly StorageGroupAttribute[];
  /** Mandatory. */
  readonly startTime: number;
  /** Mandatory. */
  readonly endTime: number;
  /** Mandatory, bytes. */
  readonly resourceCapacityUsed: bigint;
  readonly logicalCapacityUsed?: bigint;
  readonly resourceCapacityAllocated?: bigint;
}

/**
 * Largest capacity a StAR record may carry, in bytes: 10^30 - 1 (a million yottabytes). Far above
 * any storage that exists, and it fits the hub's column (PostgreSQL `numeric(40,0)`, decimal text
 * on SQLite) with room for sums over many records.
 */
export const MAX_STAR_CAPACITY_BYTES = 10n ** 30n - 1n;

/** How a simple (text-only) element of a StAR record is typed. */
export type StarValueKind = 'string' | 'integer' | 'bytes' | 'time';

/** A text-only element of a StAR record or of its SubjectIdentity. */
export interface StarElement {
  /** Local element name, e.g. `StorageSystem`. */
  readonly name: string;
  readonly key: keyof StorageRecord;
  readonly kind: StarValueKind;
  readonly isMandatory: boolean;
}

/** The text-only children of `StorageUsageRecord` before `SubjectIdentity`, in schema order. */
export const STAR_HEAD_ELEMENTS: readonly StarElement[] = [
  { name: 'StorageSystem', key: 'storageSystem', kind: 'string', isMandatory: true },
  { name: 'Site', key: 'site', kind: 'string', isMandatory: false },
  { name: 'StorageShare', key: 'storageShare', kind: 'string', isMandatory: false },
  { name: 'StorageMedia', key: 'storageMedia', kind: 'string', isMandatory: false },
  { name: 'StorageClass', key: 'storageClass', kind: 'string', isMandatory: false },
  { name: 'FileCount', key: 'fileCount', kind: 'integer', isMandatory: false },
  { name: 'DirectoryPath', key: 'directoryPath', kind: 'string', isMandatory: false },
];

/** The text-only children of `SubjectIdentity` (GroupAttribute aside), in schema order. */
export const STAR_SUBJECT_ELEMENTS: readonly StarElement[] = [
  { name: 'LocalUser', key: 'localUser', kind: 'string', isMandatory: false },
  { name: 'LocalGroup', key: 'localGroup', kind: 'string', isMandatory: false },
  { name: 'UserIdentity', key: 'userIdentity', kind: 'string', isMandatory: false },
  { name: 'Group', key: 'group', kind: 'string', isMandatory: false },
];

/** The text-only children of `StorageUsageRecord` after `SubjectIdentity`, in schema order. */
export const STAR_TAIL_ELEMENTS: readonly StarElement[] = [
  { name: 'StartTime', key: 'startTime', kind: 'time', isMandatory: true },
  { name: 'EndTime', key: 'endTime', kind: 'time', isMandatory: true },
  { name: 'ResourceCapacityUsed', key: 'resourceCapacityUsed', kind: 'bytes', isMandatory: true },
  { name: 'LogicalCapacityUsed', key: 'logicalCapacityUsed', kind: 'bytes', isMandatory: false },
  { name: 'ResourceCapacityAllocated', key: 'resourceCapacityAllocated', kind: 'bytes', isMandatory: false },
];
