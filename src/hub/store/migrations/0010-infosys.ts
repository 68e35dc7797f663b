// Migration 0010: the information system's latest GLUE document and discovery status per site.
import type { Kysely } from 'kysely';

/** Creates `infosys_sites`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('infosys_sites')
    .addColumn('site_name', 'text', (c) => c.primaryKey())
    .addColumn('gocdb_id', 'text')
    .addColumn('endpoint_url', 'text')
    .addColumn('document', 'text')
    .addColumn('created_at_ms', 'bigint')
    .addColumn('expires_at_ms', 'bigint')
    .addColumn('published_at_ms', 'bigint')
    .addColumn('publisher_token_id', 'bigint')
    .addColumn('report_state', 'text')
    .addColumn('report_error', 'text')
    .addColumn('reported_at_ms', 'bigint')
    .execute();
}

/** Drops `infosys_sites`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('infosys_sites').execute();
}
