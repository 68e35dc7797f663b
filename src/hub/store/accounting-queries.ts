// Dialect-neutral writes of the accounting repository: record upserts, rejects, per-site counters.
import { sql } from 'kysely';
import type { Insertable, Kysely } from 'kysely';
import type { AccountingRejectTable, HubDatabase } from './hub-database.js';
import type { UpsertSpec } from './bulk-upsert.js';
import type { HubDb } from './messaging-queries.js';

/** Longest `IN (...)` list or multi-row VALUES per statement (well under both backends' limits). */
const IN_LIST_CHUNK = 500;

/** Runs `run` on successive slices of at most `size` items, one after the other. */
async function inChunks<T>(
  items: readonly T[],
  size: number,
  run: (chunk: T[]) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) await run(items.slice(i, i + size));
}

/** Columns of a cloud record row, in the order ingest builds its row arrays. */
export const CLOUD_COLUMNS = [
  'vm_id',
  'measurement_year',
  'measurement_month',
  'measurement_time',
  'group_id',
  'site_name',
  'machine_name',
  'local_user_id',
  'local_group_id',
  'fqan',
  'start_time',
  'end_time',
  'suspend_duration',
  'wall_duration',
  'cpu_duration',
  'network_type',
  'network_inbound',
  'network_outbound',
  'public_ip_count',
  'memory',
  'disk',
  'storage_record_id',
  'record_create_time',
  'message_offset',
  'loaded_at',
] as const satisfies readonly (keyof HubDatabase['cloud_records'])[];

/** The grouping columns of a cloud record, as stored in `cloud_record_groups`. */
export type CloudGroupValues = Omit<Insertable<HubDatabase['cloud_record_groups']>, 'id' | 'group_key'>;

/**
 * Returns the ids of these groups (keyed by their `group_key`), inserting the missing ones.
 * Safe against a concurrent writer inserting the same group (ON CONFLICT DO NOTHING, then read).
 */
export async function resolveCloudGroups(
  db: HubDb,
  groups: ReadonlyMap<string, CloudGroupValues>,
): Promise<Map<string, number>> {
  return numberKeys(db, 'cloud_record_groups', 'group_key', [...groups.keys()], (k) => ({
    group_key: k,
    ...groups.get(k)!,
  }));
}

/**
 * Cloud records: key (VMUUID, month, year) as APEL, but where APEL's REPLACE lets the last record
 * loaded win, the greatest MeasurementTime wins here whatever the arrival order (ties: the later
 * one, which is what a resend gives). A row held by another site is never replaced.
 */
export const CLOUD_UPSERT: UpsertSpec<'cloud_records'> = {
  table: 'cloud_records',
  columns: CLOUD_COLUMNS,
  key: ['vm_id', 'measurement_year', 'measurement_month'],
  replaceWhen: sql<boolean>`excluded.measurement_time >= cloud_records.measurement_time and excluded.site_name = cloud_records.site_name`,
};

/** Columns of a public IP row, in row-array order. */
export const IP_COLUMNS = [
  'site_name',
  'cloud_compute_service',
  'global_user_name',
  'ip_version',
  'measurement_year',
  'measurement_month',
  'measurement_time',
  'cloud_type',
  'local_user',
  'local_group',
  'fqan',
  'vo',
  'ip_count',
  'source',
  'loaded_at',
] as const satisfies readonly (keyof HubDatabase['ip_records'])[];

/** Public IP snapshots (APEL PR #226 key): the latest MeasurementTime of the month wins. */
export const IP_UPSERT: UpsertSpec<'ip_records'> = {
  table: 'ip_records',
  columns: IP_COLUMNS,
  key: [
    'site_name',
    'cloud_compute_service',
    'global_user_name',
    'ip_version',
    'measurement_year',
    'measurement_month',
  ],
  replaceWhen: sql<boolean>`excluded.measurement_time >= ip_records.measurement_time`,
};

/** Columns of an accelerator row, in row-array order. */
export const ACCELERATOR_COLUMNS = [
  'measurement_year',
  'measurement_month',
  'associated_record_type',
  'associated_record',
  'site_name',
  'global_user_name',
  'fqan',
  'vo',
  'accelerator_count',
  'available_duration',
  'active_duration',
  'type',
  'model',
  'cores',
  'benchmark_type',
  'benchmark',
  'cloud_type',
  'cloud_compute_service',
  'source',
  'loaded_at',
] as const satisfies readonly (keyof HubDatabase['accelerator_records'])[];

/**
 * Accelerator records (APEL PR #322 key). AvailableDuration is a cumulative snapshot of the month,
 * so the larger one is the newer; it wins whatever the arrival order.
 */
export const ACCELERATOR_UPSERT: UpsertSpec<'accelerator_records'> = {
  table: 'accelerator_records',
  columns: ACCELERATOR_COLUMNS,
  key: ['measurement_year', 'measurement_month', 'associated_record_type', 'associated_record', 'site_name'],
  replaceWhen: sql<boolean>`excluded.available_duration >= accelerator_records.available_duration`,
};

/** Columns of a storage row, in row-array order. */
export const STORAGE_COLUMNS = [
  'record_id',
  'create_time',
  'storage_system',
  'site_name',
  'storage_share',
  'storage_media',
  'storage_class',
  'file_count',
  'directory_path',
  'local_user',
  'local_group',
  'user_identity',
  'group_name',
  'start_time',
  'end_time',
  'resource_capacity_used',
  'logical_capacity_used',
  'resource_capacity_allocated',
  'source',
  'loaded_at',
] as const satisfies readonly (keyof HubDatabase['storage_records'])[];

/** StAR storage records keyed by RecordId (APEL): the latest EndTime wins; a row of another site stays. */
export const STORAGE_UPSERT: UpsertSpec<'storage_records'> = {
  table: 'storage_records',
  columns: STORAGE_COLUMNS,
  key: ['record_id'],
  replaceWhen: sql<boolean>`excluded.end_time >= storage_records.end_time and coalesce(excluded.site_name, '') = coalesce(storage_records.site_name, '')`,
};

/** The in-memory key of a cloud record: VMUUID, year and month (separated by a byte APEL text cannot hold). */
export function cloudRecordKey(vmUuid: string, year: number, month: number): string {
  return `${vmUuid}\u0001${year}\u0001${month}`;
}

/**
 * Returns the number of each VMUUID, numbering the new ones (safe against a concurrent writer
 * numbering the same VM: ON CONFLICT DO NOTHING, then read).
 */
export async function resolveCloudVms(db: HubDb, vmUuids: readonly string[]): Promise<Map<string, number>> {
  return numberKeys(db, 'cloud_vms', 'vm_uuid', vmUuids, (vm_uuid) => ({ vm_uuid }));
}

/**
 * The id of each key of a table numbered by a unique text key, inserting the missing rows first
 * (ON CONFLICT DO NOTHING, then read: safe against a concurrent writer inserting the same key).
 */
async function numberKeys<T extends 'cloud_record_groups' | 'cloud_vms'>(
  db: HubDb,
  table: T,
  keyColumn: keyof HubDatabase[T] & string,
  keys: readonly string[],
  rowOf: (key: string) => Insertable<HubDatabase[T]>,
): Promise<Map<string, number>> {
  // kysely cannot follow a table chosen by a type parameter; the two tables share this shape
  const loose = db as unknown as Kysely<Record<string, Record<string, string | number>>>;
  const name: string = table;
  const key: string = keyColumn;
  await inChunks(keys, 200, (chunk) =>
    loose
      .insertInto(name)
      .values(chunk.map(rowOf) as never)
      .onConflict((oc) => oc.column(key).doNothing())
      .execute(),
  );
  const ids = new Map<string, number>();
  await inChunks(keys, IN_LIST_CHUNK, async (chunk) => {
    const rows = await loose.selectFrom(name).select(['id', key]).where(key, 'in', chunk).execute();
    for (const r of rows) ids.set(String(r[key]), Number(r.id));
  });
  return ids;
}

/**
 * The stored site of each cloud record of these VMs (by number), keyed `vmId|year|month` (to tell
 * a cross-site conflict from an older record).
 */
export async function cloudRecordSites(db: HubDb, vmIds: readonly number[]): Promise<Map<string, string>> {
  const sites = new Map<string, string>();
  await inChunks(vmIds, IN_LIST_CHUNK, async (chunk) => {
    const rows = await db
      .selectFrom('cloud_records')
      .select(['vm_id', 'measurement_year', 'measurement_month', 'site_name'])
      .where('vm_id', 'in', chunk)
      .execute();
    for (const r of rows) sites.set(`${r.vm_id}|${r.measurement_year}|${r.measurement_month}`, r.site_name);
  });
  return sites;
}

/** The stored site of each of these storage record ids. */
export async function storageRecordSites(
  db: HubDb,
  ids: readonly string[],
): Promise<Map<string, string | null>> {
  const sites = new Map<string, string | null>();
  await inChunks(ids, IN_LIST_CHUNK, async (chunk) => {
    const rows = await db
      .selectFrom('storage_records')
      .select(['record_id', 'site_name'])
      .where('record_id', 'in', chunk)
      .execute();
    for (const r of rows) sites.set(r.record_id, r.site_name);
  });
  return sites;
}

/** Stores rejects. */
export async function insertRejects(
  db: HubDb,
  rejects: readonly Insertable<AccountingRejectTable>[],
): Promise<void> {
  await inChunks(rejects, 200, (chunk) => db.insertInto('accounting_rejects').values(chunk).execute());
}

/** A message's publisher (its token's site, '' for an admin token) and the digest of its body. */
export interface MessageDigest {
  readonly publisher: string;
  readonly digest: string;
}

/**
 * Stores the digest of each message (pairs distinct) unless it is stored already, and returns
 * the ones that were (`publisher` and `digest`, joined by a \u0001): copies of a message ingested
 * before. Safe against a concurrent writer storing the same digest (ON CONFLICT DO NOTHING).
 */
export async function storeMessageDigests(
  db: HubDb,
  messages: readonly MessageDigest[],
  now: number,
): Promise<Set<string>> {
  const keyOf = (m: MessageDigest) => `${m.publisher}\u0001${m.digest}`;
  const copies = new Set(messages.map(keyOf));
  await inChunks(messages, IN_LIST_CHUNK, async (chunk) => {
    const inserted = await db
      .insertInto('accounting_message_digests')
      .values(chunk.map((m) => ({ publisher: m.publisher, digest: m.digest, received_at: now })))
      .onConflict((oc) => oc.columns(['publisher', 'digest']).doNothing())
      .returning(['publisher', 'digest'])
      .execute();
    for (const m of inserted) copies.delete(keyOf(m));
  });
  return copies;
}

/** The statement that stores one message digest, changing no row when it is stored already (SQLite ingest). */
export function messageDigestQuery(db: HubDb, message: MessageDigest, now: number) {
  return db
    .insertInto('accounting_message_digests')
    .values({ publisher: message.publisher, digest: message.digest, received_at: now })
    .onConflict((oc) => oc.columns(['publisher', 'digest']).doNothing());
}

/** Adds received/rejected counts for one site, stamps its last receive time, keeps its latest MeasurementTime. */
export async function bumpSiteCounters(
  db: HubDb,
  site: string,
  counts: SiteCounts,
  now: number,
): Promise<void> {
  await siteCountersQuery(db, site, counts, now).execute();
}

/** A site's ingest counts of one batch. */
export interface SiteCounts {
  readonly received: number;
  readonly rejected: number;
  readonly lastMeasurementTime: number | null;
}

/** The statement of {@link bumpSiteCounters} (SQLite ingest compiles it and runs it itself). */
export function siteCountersQuery(db: HubDb, site: string, counts: SiteCounts, now: number) {
  return db
    .insertInto('accounting_sites')
    .values({
      site_name: site,
      records_received: counts.received,
      records_rejected: counts.rejected,
      last_received_at: now,
      last_measurement_time: counts.lastMeasurementTime,
    })
    .onConflict((oc) =>
      oc.column('site_name').doUpdateSet((eb) => ({
        records_received: eb('accounting_sites.records_received', '+', eb.ref('excluded.records_received')),
        records_rejected: eb('accounting_sites.records_rejected', '+', eb.ref('excluded.records_rejected')),
        last_received_at: eb.ref('excluded.last_received_at'),
        // CASE rather than GREATEST (PostgreSQL) or max(a, b) (SQLite): the same text on both
        last_measurement_time: sql<number | null>`case when accounting_sites.last_measurement_time is null
          or excluded.last_measurement_time > accounting_sites.last_measurement_time
          then excluded.last_measurement_time else accounting_sites.last_measurement_time end`,
      })),
    );
}

/** Adds 1 to a hub_state counter (e.g. the cloud records version read by the summariser). */
export async function bumpState(db: HubDb, key: string): Promise<void> {
  await bumpStateQuery(db, key).execute();
}

/** The statement of {@link bumpState}. */
export function bumpStateQuery(db: HubDb, key: string) {
  return db
    .insertInto('hub_state')
    .values({ key, value: 1 })
    .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb('hub_state.value', '+', 1) })));
}

/** Reads a hub_state counter (0 when unset). */
export async function readState(db: HubDb, key: string): Promise<number> {
  const r = await db.selectFrom('hub_state').select('value').where('key', '=', key).executeTakeFirst();
  return r ? Number(r.value) : 0;
}

/** Sets a hub_state counter. */
export async function writeState(db: HubDb, key: string, value: number): Promise<void> {
  await db
    .insertInto('hub_state')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}
