// Migration 0008: rejected records with their reasons, and per-site ingest counters.
import type { Kysely } from 'kysely';
import { addIdColumn } from '../migration-helpers.js';

/** Creates `accounting_rejects` and `accounting_sites`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await addIdColumn(db, db.schema.createTable('accounting_rejects'))
    .addColumn('rejected_at', 'bigint', (c) => c.notNull())
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('record_index', 'integer')
    .addColumn('record_kind', 'text')
    .addColumn('field', 'text')
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('publisher_site', 'text')
    .addColumn('record_site', 'text')
    .execute();
  await db.schema
    .createIndex('accounting_rejects_site')
    .on('accounting_rejects')
    .columns(['publisher_site', 'id'])
    .execute();
  await db.schema
    .createTable('accounting_sites')
    .addColumn('site_name', 'text', (c) => c.primaryKey())
    .addColumn('records_received', 'bigint', (c) => c.notNull())
    .addColumn('records_rejected', 'bigint', (c) => c.notNull())
    .addColumn('last_received_at', 'bigint', (c) => c.notNull())
    .addColumn('last_measurement_time', 'bigint')
    .execute();
}

/** Drops `accounting_sites` and `accounting_rejects`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('accounting_sites').execute();
  await db.schema.dropTable('accounting_rejects').execute();
}
