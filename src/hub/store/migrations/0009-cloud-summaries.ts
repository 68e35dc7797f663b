// Migration 0009: monthly cloud summaries (rebuilt from cloud_records) and the hub's version counters.
import type { Kysely } from 'kysely';

/** Creates `cloud_summaries` and `hub_state`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('cloud_summaries')
    .addColumn('site_name', 'text', (c) => c.notNull())
    .addColumn('cloud_compute_service', 'text', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('month', 'integer', (c) => c.notNull())
    .addColumn('global_user_name', 'text')
    .addColumn('vo', 'text')
    .addColumn('vo_group', 'text')
    .addColumn('vo_role', 'text')
    .addColumn('status', 'text')
    .addColumn('cloud_type', 'text')
    .addColumn('image_id', 'text')
    .addColumn('earliest_start_time', 'bigint')
    .addColumn('latest_start_time', 'bigint')
    .addColumn('wall_duration', 'bigint', (c) => c.notNull())
    .addColumn('cpu_duration', 'bigint', (c) => c.notNull())
    .addColumn('cpu_count', 'double precision', (c) => c.notNull())
    .addColumn('network_inbound', 'bigint', (c) => c.notNull())
    .addColumn('network_outbound', 'bigint', (c) => c.notNull())
    .addColumn('memory', 'bigint', (c) => c.notNull())
    .addColumn('disk', 'bigint', (c) => c.notNull())
    .addColumn('benchmark_type', 'text', (c) => c.notNull())
    .addColumn('benchmark', 'double precision', (c) => c.notNull())
    .addColumn('number_of_vms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('cloud_summaries_period')
    .on('cloud_summaries')
    .columns(['year', 'month', 'site_name'])
    .execute();
  await db.schema
    .createTable('hub_state')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();
}

/** Drops `hub_state` and `cloud_summaries`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('hub_state').execute();
  await db.schema.dropTable('cloud_summaries').execute();
}
