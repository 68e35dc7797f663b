// Migration 0005: public IP snapshots, keyed as in APEL PR #226 (last snapshot of the month wins).
import type { Kysely } from 'kysely';

/** Creates `ip_records`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ip_records')
    .addColumn('site_name', 'text', (c) => c.notNull())
    .addColumn('cloud_compute_service', 'text', (c) => c.notNull())
    .addColumn('global_user_name', 'text', (c) => c.notNull())
    .addColumn('ip_version', 'integer', (c) => c.notNull())
    .addColumn('measurement_year', 'integer', (c) => c.notNull())
    .addColumn('measurement_month', 'integer', (c) => c.notNull())
    .addColumn('measurement_time', 'bigint', (c) => c.notNull())
    .addColumn('cloud_type', 'text')
    .addColumn('local_user', 'text')
    .addColumn('local_group', 'text')
    .addColumn('fqan', 'text')
    .addColumn('vo', 'text')
    .addColumn('ip_count', 'bigint', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('loaded_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ip_records_pk', [
      'site_name',
      'cloud_compute_service',
      'global_user_name',
      'ip_version',
      'measurement_year',
      'measurement_month',
    ])
    .execute();
}

/** Drops `ip_records`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ip_records').execute();
}
