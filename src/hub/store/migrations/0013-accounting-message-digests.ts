// Migration 0013: the digest of every accounting message ingested, to count a message published twice once.
import type { Kysely } from 'kysely';

/**
 * Creates `accounting_message_digests`: one row per distinct message body and publisher (the site
 * of the publishing token, '' for an admin token). Messages ingested before this migration have no
 * row, so a copy of one of them still counts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('accounting_message_digests')
    .addColumn('publisher', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('accounting_message_digests_pk', ['publisher', 'digest'])
    .execute();
}

/** Drops `accounting_message_digests`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('accounting_message_digests').execute();
}
