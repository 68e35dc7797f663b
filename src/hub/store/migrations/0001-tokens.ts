// Migration 0001: API tokens (hashes only), each with a role and, for publishers, a site.
import type { Kysely } from 'kysely';
import { addIdColumn } from '../migration-helpers.js';

/** Creates `hub_tokens`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await addIdColumn(db, db.schema.createTable('hub_tokens'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('site', 'text')
    .addColumn('label', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
}

/** Drops `hub_tokens`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('hub_tokens').execute();
}
