// Migration 0007: EMI StAR storage records, keyed by RecordId as APEL does.
import type { Kysely } from 'kysely';

/** Creates `storage_records`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('storage_records')
    .addColumn('record_id', 'text', (c) => c.primaryKey())
    .addColumn('create_time', 'bigint', (c) => c.notNull())
    .addColumn('storage_system', 'text', (c) => c.notNull())
    .addColumn('site_name', 'text')
    .addColumn('storage_share', 'text')
    .addColumn('storage_media', 'text')
    .addColumn('storage_class', 'text')
    .addColumn('file_count', 'bigint')
    .addColumn('directory_path', 'text')
    .addColumn('local_user', 'text')
    .addColumn('local_group', 'text')
    .addColumn('user_identity', 'text')
    .addColumn('group_name', 'text')
    .addColumn('start_time', 'bigint', (c) => c.notNull())
    .addColumn('end_time', 'bigint', (c) => c.notNull())
    .addColumn('resource_capacity_used', 'bigint', (c) => c.notNull())
    .addColumn('logical_capacity_used', 'bigint')
    .addColumn('resource_capacity_allocated', 'bigint')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('loaded_at', 'bigint', (c) => c.notNull())
    .execute();
}

/** Drops `storage_records`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('storage_records').execute();
}
