// Migration 0012: the owner of each AMS subscription (the token that created it; null = the hub's, admins only).
import type { Kysely } from 'kysely';

/**
 * Adds `ams_subscriptions.owner_token_id`. Subscriptions that exist already keep null: they were
 * created by an admin or by the hub itself (only admins could create them), so they stay admin-only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('ams_subscriptions').addColumn('owner_token_id', 'bigint').execute();
}

/** Drops `ams_subscriptions.owner_token_id` (every subscription becomes admin-only again). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('ams_subscriptions').dropColumn('owner_token_id').execute();
}
