// Migration 0011: StAR capacities kept exactly (real cASO values exceed the 64-bit integer range).
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { isPostgres } from '../migration-helpers.js';

const CAPACITY_COLUMNS = ['resource_capacity_used', 'logical_capacity_used', 'resource_capacity_allocated'];

/**
 * Rebuilds `storage_records` on SQLite with the capacities as text, since SQLite turns an integer
 * above 2^63 into a float (the column's integer affinity); PostgreSQL gets `numeric(40,0)`.
 */
async function retype(db: Kysely<unknown>, sqliteType: 'text' | 'bigint', pgType: string): Promise<void> {
  if (isPostgres(db)) {
    for (const column of CAPACITY_COLUMNS) {
      await sql`alter table storage_records alter column ${sql.ref(column)} type ${sql.raw(pgType)} using ${sql.ref(column)}::${sql.raw(pgType)}`.execute(
        db,
      );
    }
    return;
  }
  const { rows } = await sql<{
    sql: string;
  }>`select sql from sqlite_master where type = 'table' and name = 'storage_records'`.execute(db);
  let ddl = rows[0]!.sql.replace(
    /^create table "?storage_records"?/i,
    'create table "storage_records_retyped"',
  );
  for (const column of CAPACITY_COLUMNS) {
    ddl = ddl.replace(new RegExp(`"${column}" (bigint|text)`, 'i'), `"${column}" ${sqliteType}`);
  }
  await sql.raw(ddl).execute(db);
  const cast = (column: string) => `cast("${column}" as ${sqliteType === 'text' ? 'text' : 'integer'})`;
  const columns = (
    await sql<{ name: string }>`select name from pragma_table_info('storage_records')`.execute(db)
  ).rows.map((r) => r.name);
  const values = columns.map((c) => (CAPACITY_COLUMNS.includes(c) ? cast(c) : `"${c}"`)).join(', ');
  const names = columns.map((c) => `"${c}"`).join(', ');
  await sql
    .raw(`insert into storage_records_retyped (${names}) select ${values} from storage_records`)
    .execute(db);
  await sql`drop table storage_records`.execute(db);
  await sql`alter table storage_records_retyped rename to storage_records`.execute(db);
}

/** Capacities as exact decimals. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await retype(db, 'text', 'numeric(40,0)');
}

/** Capacities back to 64-bit integers (fails on PostgreSQL if a stored value does not fit). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await retype(db, 'bigint', 'bigint');
}
