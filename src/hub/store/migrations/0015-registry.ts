// Migration 0015: the registry of sites, service endpoints and downtimes (GOCDB's records).
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Creates `registry_sites`, `registry_endpoints` and `registry_downtimes`: the columns the
 * registry filters on, plus the whole record as JSON text (`data`), and seeds the counter
 * (`hub_state.registry_key`) that numbers the primary keys of records created in the hub.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('registry_sites')
    .addColumn('primary_key', 'text', (c) => c.primaryKey())
    .addColumn('short_name', 'text', (c) => c.notNull().unique())
    .addColumn('country', 'text')
    .addColumn('roc', 'text')
    .addColumn('certification_status', 'text', (c) => c.notNull())
    .addColumn('production_status', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('registry_endpoints')
    .addColumn('primary_key', 'text', (c) => c.primaryKey())
    .addColumn('site_name', 'text', (c) => c.notNull())
    .addColumn('service_type', 'text', (c) => c.notNull())
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('host_dn', 'text')
    .addColumn('monitored', 'integer', (c) => c.notNull())
    .addColumn('in_production', 'integer', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('registry_endpoints_site')
    .on('registry_endpoints')
    .column('site_name')
    .execute();
  await db.schema
    .createIndex('registry_endpoints_host_dn')
    .on('registry_endpoints')
    .column('host_dn')
    .execute();
  await db.schema
    .createTable('registry_downtimes')
    .addColumn('primary_key', 'text', (c) => c.primaryKey())
    .addColumn('site_name', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('start_at', 'bigint', (c) => c.notNull())
    .addColumn('end_at', 'bigint', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('registry_downtimes_end').on('registry_downtimes').column('end_at').execute();
  await sql`insert into hub_state (key, value) values ('registry_key', 0)`.execute(db);
}

/** Drops the three tables and the counter. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('registry_downtimes').execute();
  await db.schema.dropTable('registry_endpoints').execute();
  await db.schema.dropTable('registry_sites').execute();
  await sql`delete from hub_state where key = 'registry_key'`.execute(db);
}
