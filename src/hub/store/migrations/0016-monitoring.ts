// Migration 0016: the monitor's status history: series (endpoint × metric), hard results, runs of one status, current state.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { addIdColumn, isPostgres } from '../migration-helpers.js';

/**
 * Creates `monitor_series` (one per endpoint and metric), `monitor_results` (every hard result,
 * keyed by series and time), `monitor_runs` (results of one status in a row, which the
 * availability figures read instead of every result) and `monitor_state` (each series' soft/hard
 * state, so a restarted monitor goes on where it was).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await addIdColumn(db, db.schema.createTable('monitor_series'))
    .addColumn('endpoint_key', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('site_name', 'text', (c) => c.notNull())
    .addColumn('service_type', 'text', (c) => c.notNull())
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addUniqueConstraint('monitor_series_key', ['endpoint_key', 'metric'])
    .execute();
  // WITHOUT ROWID on SQLite: the (series, time) key is the table, not a second index beside it
  const withoutRowid = isPostgres(db) ? sql`` : sql`without rowid`;
  await db.schema
    .createTable('monitor_results')
    .addColumn('series_id', 'bigint', (c) => c.notNull())
    .addColumn('at_ms', 'bigint', (c) => c.notNull())
    .addColumn('status', 'smallint', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('perfdata', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('monitor_results_pk', ['series_id', 'at_ms'])
    .modifyEnd(withoutRowid)
    .execute();
  await db.schema
    .createTable('monitor_runs')
    .addColumn('series_id', 'bigint', (c) => c.notNull())
    .addColumn('first_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('last_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('status', 'smallint', (c) => c.notNull())
    .addPrimaryKeyConstraint('monitor_runs_pk', ['series_id', 'first_at_ms'])
    .execute();
  await db.schema.createIndex('monitor_runs_last').on('monitor_runs').column('last_at_ms').execute();
  await db.schema
    .createTable('monitor_state')
    .addColumn('series_id', 'bigint', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('last_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .execute();
}

/** Drops the four tables. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['monitor_state', 'monitor_runs', 'monitor_results', 'monitor_series'])
    await db.schema.dropTable(t).execute();
}
