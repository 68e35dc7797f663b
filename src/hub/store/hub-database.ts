// Table types of the hub database, as kysely sees them (times are integer epoch seconds unless named *Ms).
import type { Generated } from 'kysely';

/** An API token; only its SHA-256 hash is stored. */
export interface HubTokenTable {
  id: Generated<number>;
  token_hash: string;
  /** `admin`, `publisher` (bound to `site`) or `consumer`. */
  role: string;
  site: string | null;
  label: string | null;
  created_at: number;
  revoked_at: number | null;
}

/** An AMS topic; `next_offset` is the offset the next published message gets. */
export interface AmsTopicTable {
  project: string;
  name: string;
  next_offset: number;
  created_at: number;
}

/** An AMS subscription with its cursor and the pending pull window. */
export interface AmsSubscriptionTable {
  project: string;
  name: string;
  topic_project: string;
  topic_name: string;
  ack_deadline_seconds: number;
  /** The next offset to deliver (everything before it is acknowledged). */
  current_offset: number;
  /** End (exclusive) of the last pull window, null when no ack is pending. */
  pending_until: number | null;
  /** When the last pull happened, epoch milliseconds; null when no ack is pending. */
  pending_since_ms: number | null;
  created_at: number;
  /** The consumer token that created it (migration 0012); null for the hub's own and admins' (admin-only). */
  owner_token_id: number | null;
}

/** A published message; `publisher_site` comes from the publishing token, never from attributes. */
export interface AmsMessageTable {
  project: string;
  topic: string;
  msg_offset: number;
  /** The base64 data exactly as published. */
  data: string;
  /** JSON object of string attributes. */
  attributes: string;
  publish_time_ms: number;
  publisher_token_id: number | null;
  publisher_role: string;
  publisher_site: string | null;
}

/**
 * One combination of the columns APEL groups cloud summaries by, plus CloudType; cloud records point
 * to it by id, so the summary query aggregates over one integer instead of twelve text columns.
 */
export interface CloudRecordGroupTable {
  id: Generated<number>;
  /** JSON array of the columns below: the unique key (nullable columns cannot be one). */
  group_key: string;
  site_name: string;
  cloud_compute_service: string;
  global_user_name: string | null;
  vo: string | null;
  vo_group: string | null;
  vo_role: string | null;
  status: string | null;
  image_id: string | null;
  cpu_count: number;
  benchmark_type: string;
  benchmark: number;
  cloud_type: string | null;
}

/** A VM seen in cloud records: its VMUUID and the number records use for it. */
export interface CloudVmTable {
  id: Generated<number>;
  vm_uuid: string;
}

/** One APEL cloud record per (VM, measurement month, measurement year); latest MeasurementTime wins. */
export interface CloudRecordTable {
  /** The VM's {@link CloudVmTable} id. */
  vm_id: number;
  measurement_year: number;
  measurement_month: number;
  measurement_time: number;
  /** The record's {@link CloudRecordGroupTable} row: site, service, user, VO, status, image, CPUs, benchmark. */
  group_id: number;
  /** Also here (not only in the group) so an upsert can refuse to move a VM to another site. */
  site_name: string;
  machine_name: string | null;
  local_user_id: string | null;
  local_group_id: string | null;
  fqan: string | null;
  start_time: number | null;
  end_time: number | null;
  suspend_duration: number | null;
  wall_duration: number | null;
  cpu_duration: number | null;
  network_type: string | null;
  network_inbound: number | null;
  network_outbound: number | null;
  public_ip_count: number | null;
  memory: number | null;
  disk: number | null;
  storage_record_id: string | null;
  record_create_time: number | null;
  /** Offset, in its ingest topic, of the message that set this version. */
  message_offset: number;
  loaded_at: number;
}

/** One public IP snapshot per (site, service, user, IP version, month, year) (APEL PR #226). */
export interface IpRecordTable {
  site_name: string;
  cloud_compute_service: string;
  global_user_name: string;
  ip_version: number;
  measurement_year: number;
  measurement_month: number;
  measurement_time: number;
  cloud_type: string | null;
  local_user: string | null;
  local_group: string | null;
  fqan: string | null;
  vo: string | null;
  ip_count: number;
  source: string;
  loaded_at: number;
}

/** One accelerator record per (month, year, associated record type, associated record, site) (APEL PR #322). */
export interface AcceleratorRecordTable {
  measurement_year: number;
  measurement_month: number;
  associated_record_type: string;
  associated_record: string;
  site_name: string;
  global_user_name: string | null;
  fqan: string | null;
  vo: string | null;
  accelerator_count: number;
  available_duration: number;
  active_duration: number;
  type: string;
  model: string | null;
  cores: number | null;
  benchmark_type: string | null;
  benchmark: number | null;
  cloud_type: string | null;
  cloud_compute_service: string | null;
  source: string;
  loaded_at: number;
}

/** One EMI StAR storage record per RecordId; the latest EndTime wins. */
export interface StorageRecordTable {
  record_id: string;
  create_time: number;
  storage_system: string;
  site_name: string | null;
  storage_share: string | null;
  storage_media: string | null;
  storage_class: string | null;
  file_count: number | null;
  directory_path: string | null;
  local_user: string | null;
  local_group: string | null;
  user_identity: string | null;
  group_name: string | null;
  start_time: number;
  end_time: number;
  /** Bytes as decimal text: exact beyond 2^64 (numeric(40,0) on PostgreSQL, text on SQLite). */
  resource_capacity_used: string;
  logical_capacity_used: string | null;
  resource_capacity_allocated: string | null;
  source: string;
  loaded_at: number;
}

/** A record (or a whole message, `record_index` null) that ingest refused, with the reason. */
export interface AccountingRejectTable {
  id: Generated<number>;
  rejected_at: number;
  project: string;
  topic: string;
  message_id: string;
  record_index: number | null;
  record_kind: string | null;
  field: string | null;
  code: string;
  reason: string;
  publisher_site: string | null;
  record_site: string | null;
}

/** Per-site ingest counters, updated with every ingest batch. */
export interface AccountingSiteTable {
  site_name: string;
  records_received: number;
  records_rejected: number;
  last_received_at: number;
  /** Greatest MeasurementTime of the site's cloud records loaded so far. */
  last_measurement_time: number | null;
}

/**
 * An accounting message ingested once: its publisher and the digest of its body. A later message
 * with the same publisher and digest is a copy (a publisher retrying a publish whose answer it
 * lost): its records are not counted again in `accounting_sites`.
 */
export interface AccountingMessageDigestTable {
  /** Site of the publishing token; '' for an admin token. */
  publisher: string;
  /** SHA-256 of the message's body (its `data` base64-decoded), base64url. */
  digest: string;
  /** When the first copy was ingested, epoch seconds. */
  received_at: number;
}

/** A monthly cloud summary row (APEL SummariseVMs grouping). */
export interface CloudSummaryTable {
  site_name: string;
  cloud_compute_service: string;
  year: number;
  month: number;
  global_user_name: string | null;
  vo: string | null;
  vo_group: string | null;
  vo_role: string | null;
  status: string | null;
  cloud_type: string | null;
  image_id: string | null;
  earliest_start_time: number | null;
  latest_start_time: number | null;
  wall_duration: number;
  cpu_duration: number;
  cpu_count: number;
  network_inbound: number;
  network_outbound: number;
  memory: number;
  disk: number;
  benchmark_type: string;
  benchmark: number;
  number_of_vms: number;
}

/** Small key/number state: the cloud records version and the version the summaries were built from. */
export interface HubStateTable {
  key: string;
  value: number;
}

/** The whole hub schema (migrations 0001-0013). */
export interface HubDatabase {
  hub_tokens: HubTokenTable;
  ams_topics: AmsTopicTable;
  ams_subscriptions: AmsSubscriptionTable;
  ams_messages: AmsMessageTable;
  cloud_record_groups: CloudRecordGroupTable;
  cloud_vms: CloudVmTable;
  cloud_records: CloudRecordTable;
  ip_records: IpRecordTable;
  accelerator_records: AcceleratorRecordTable;
  storage_records: StorageRecordTable;
  accounting_rejects: AccountingRejectTable;
  accounting_sites: AccountingSiteTable;
  accounting_message_digests: AccountingMessageDigestTable;
  cloud_summaries: CloudSummaryTable;
  hub_state: HubStateTable;
}
