// Migration 0014: the image catalogue, per-VO image list entries and the versions of each VO's list.
import type { Kysely } from 'kysely';

/**
 * Creates `image_catalogue_entries` (the current `hv:image` objects of each VO's list, keyed by
 * VO and `dc:identifier`) and `image_catalogue_versions` (one row per published version of a VO's
 * list, holding the unsigned list text served for it). vo-manager tokens keep their VO in
 * `hub_tokens.site`, the token's binding column, so that table is unchanged.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('image_catalogue_entries')
    .addColumn('vo', 'text', (c) => c.notNull())
    .addColumn('image_id', 'text', (c) => c.notNull())
    .addColumn('image', 'text', (c) => c.notNull())
    .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('updated_by_token_id', 'bigint')
    .addPrimaryKeyConstraint('image_catalogue_entries_pk', ['vo', 'image_id'])
    .execute();
  await db.schema
    .createTable('image_catalogue_versions')
    .addColumn('vo', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('list_id', 'text', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('expires_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_catalogue_versions_pk', ['vo', 'version'])
    .execute();
}

/** Drops both tables. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('image_catalogue_versions').execute();
  await db.schema.dropTable('image_catalogue_entries').execute();
}
