// Migration 0006: accelerator (GPU) monthly records, keyed as in APEL PR #322.
import type { Kysely } from 'kysely';

/** Creates `accelerator_records`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('accelerator_records')
    .addColumn('measurement_year', 'integer', (c) => c.notNull())
    .addColumn('measurement_month', 'integer', (c) => c.notNull())
    .addColumn('associated_record_type', 'text', (c) => c.notNull())
    .addColumn('associated_record', 'text', (c) => c.notNull())
    .addColumn('site_name', 'text', (c) => c.notNull())
    .addColumn('global_user_name', 'text')
    .addColumn('fqan', 'text')
    .addColumn('vo', 'text')
    .addColumn('accelerator_count', 'double precision', (c) => c.notNull())
    .addColumn('available_duration', 'bigint', (c) => c.notNull())
    .addColumn('active_duration', 'bigint', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('model', 'text')
    .addColumn('cores', 'bigint')
    .addColumn('benchmark_type', 'text')
    .addColumn('benchmark', 'double precision')
    .addColumn('cloud_type', 'text')
    .addColumn('cloud_compute_service', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('loaded_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('accelerator_records_pk', [
      'measurement_year',
      'measurement_month',
      'associated_record_type',
      'associated_record',
      'site_name',
    ])
    .execute();
}

/** Drops `accelerator_records`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('accelerator_records').execute();
}
