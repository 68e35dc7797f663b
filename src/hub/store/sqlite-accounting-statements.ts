// The accounting writes of SQLite ingest as statements prepared once per database and run per row.
import type Database from 'better-sqlite3';
import type { Insertable } from 'kysely';
import {
  ACCELERATOR_UPSERT,
  CLOUD_UPSERT,
  IP_UPSERT,
  STORAGE_UPSERT,
  messageDigestQuery,
} from './accounting-queries.js';
import type { CloudGroupValues } from './accounting-queries.js';
import { compileUpsert } from './bulk-upsert.js';
import type { AccountingRejectTable } from './hub-database.js';
import type { HubDb } from './messaging-queries.js';
import type { SqliteConnection } from './sqlite-connection.js';

/** The columns of a cloud group in statement order (every field of {@link CloudGroupValues}). */
const GROUP_COLUMNS = [
  'site_name',
  'cloud_compute_service',
  'global_user_name',
  'vo',
  'vo_group',
  'vo_role',
  'status',
  'image_id',
  'cpu_count',
  'benchmark_type',
  'benchmark',
  'cloud_type',
] as const satisfies readonly (keyof CloudGroupValues)[];
// fails to compile when CloudGroupValues gains a field GROUP_COLUMNS lacks
const GROUP_COLUMNS_COMPLETE: Exclude<keyof CloudGroupValues, (typeof GROUP_COLUMNS)[number]> extends never
  ? true
  : never = true;

/** Cloud rows per upsert statement of SQLite ingest (measured: 8 and 16 alike, both ahead of 1 and 32). */
export const CLOUD_CHUNK_ROWS = 16;

/** The columns of a reject in statement order. */
const REJECT_COLUMNS = [
  'rejected_at',
  'project',
  'topic',
  'message_id',
  'record_index',
  'record_kind',
  'field',
  'code',
  'reason',
  'publisher_site',
  'record_site',
] as const satisfies readonly (keyof Insertable<AccountingRejectTable>)[];

/**
 * The statements. Upserts are the dialect-neutral texts of `accounting-queries` (same "newer wins"
 * guards), for one row (and, for cloud rows, {@link CLOUD_CHUNK_ROWS}); they take the rows' columns
 * in order and report in `changes` the rows the guard let in.
 */
export interface SqliteAccountingStatements {
  readonly cloudUpsert: Database.Statement;
  /** {@link CLOUD_CHUNK_ROWS} cloud rows in one statement. */
  readonly cloudUpsertChunk: Database.Statement;
  readonly ipUpsert: Database.Statement;
  readonly acceleratorUpsert: Database.Statement;
  readonly storageUpsert: Database.Statement;
  /** (vm_id, year, month) → the stored site_name (plucked), or undefined. */
  readonly cloudSite: Database.Statement;
  /** record_id → `{ site_name }`, or undefined. */
  readonly storageSite: Database.Statement;
  /** vm_uuid → id (plucked), or undefined. */
  readonly vmId: Database.Statement;
  /** Numbers vm_uuid (`changes` 1, the id in `lastInsertRowid`), or does nothing when it is numbered already. */
  readonly insertVm: Database.Statement;
  /** group_key → id (plucked), or undefined. */
  readonly groupId: Database.Statement;
  readonly insertGroup: Database.Statement;
  readonly insertReject: Database.Statement;
  /** (publisher, digest, received_at): `changes` 0 when the message digest is stored already. */
  readonly insertMessageDigest: Database.Statement;
}

const prepared = new WeakMap<SqliteConnection, SqliteAccountingStatements>();

/**
 * The statements of `sqlite`, prepared on first use. They are kept apart from the connection's
 * shared cache because some pluck (a mode kysely's driver would then inherit). `db` only compiles.
 */
export function sqliteAccountingStatements(sqlite: SqliteConnection, db: HubDb): SqliteAccountingStatements {
  const hit = prepared.get(sqlite);
  if (hit) return hit;
  const p = (sql: string) => sqlite.database.prepare(sql);
  const statements: SqliteAccountingStatements = {
    cloudUpsert: p(compileUpsert(db, CLOUD_UPSERT, 1)),
    cloudUpsertChunk: p(compileUpsert(db, CLOUD_UPSERT, CLOUD_CHUNK_ROWS)),
    ipUpsert: p(compileUpsert(db, IP_UPSERT, 1)),
    acceleratorUpsert: p(compileUpsert(db, ACCELERATOR_UPSERT, 1)),
    storageUpsert: p(compileUpsert(db, STORAGE_UPSERT, 1)),
    cloudSite: p(
      db
        .selectFrom('cloud_records')
        .select('site_name')
        .where('vm_id', '=', 0)
        .where('measurement_year', '=', 0)
        .where('measurement_month', '=', 0)
        .compile().sql,
    ).pluck(),
    storageSite: p(
      db.selectFrom('storage_records').select('site_name').where('record_id', '=', '').compile().sql,
    ),
    vmId: p(db.selectFrom('cloud_vms').select('id').where('vm_uuid', '=', '').compile().sql).pluck(),
    insertVm: p(
      db
        .insertInto('cloud_vms')
        .values({ vm_uuid: '' })
        .onConflict((oc) => oc.doNothing())
        .compile().sql,
    ),
    groupId: p(
      db.selectFrom('cloud_record_groups').select('id').where('group_key', '=', '').compile().sql,
    ).pluck(),
    insertGroup: p(
      db
        .insertInto('cloud_record_groups')
        .values({ group_key: '', ...Object.fromEntries(GROUP_COLUMNS.map((c) => [c, null])) } as never)
        .returning('id')
        .compile().sql,
    ).pluck(),
    insertReject: p(
      db
        .insertInto('accounting_rejects')
        .values(Object.fromEntries(REJECT_COLUMNS.map((c) => [c, null])) as never)
        .compile().sql,
    ),
    insertMessageDigest: p(messageDigestQuery(db, { publisher: '', digest: '' }, 0).compile().sql),
  };
  void GROUP_COLUMNS_COMPLETE;
  prepared.set(sqlite, statements);
  return statements;
}

/** The id of a cloud group, inserting it when missing. */
export function resolveCloudGroupSqlite(
  s: SqliteAccountingStatements,
  key: string,
  values: CloudGroupValues,
): number {
  const id = s.groupId.get(key) as number | undefined;
  if (id !== undefined) return id;
  return s.insertGroup.get(key, ...GROUP_COLUMNS.map((c) => values[c] ?? null)) as number;
}

/**
 * The number of a VMUUID, numbering it when new. Inserts first: a VM missing from the consumer's
 * cache is mostly a new one, so this is one statement instead of a lookup and an insert. The new id
 * comes from `lastInsertRowid` (the table's integer key), not RETURNING: measured about a third
 * cheaper per VM.
 */
export function resolveCloudVmSqlite(s: SqliteAccountingStatements, vmUuid: string): number {
  const inserted = s.insertVm.run(vmUuid);
  return inserted.changes === 1 ? Number(inserted.lastInsertRowid) : (s.vmId.get(vmUuid) as number);
}

/** Stores one reject. */
export function insertRejectSqlite(
  s: SqliteAccountingStatements,
  reject: Insertable<AccountingRejectTable>,
): void {
  s.insertReject.run(REJECT_COLUMNS.map((c) => reject[c] ?? null));
}
