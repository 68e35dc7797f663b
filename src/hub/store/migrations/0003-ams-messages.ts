// Migration 0003: published AMS messages, keyed by topic and offset, with the publisher's site.
import type { Kysely } from 'kysely';

/** Creates `ams_messages`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ams_messages')
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('msg_offset', 'bigint', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('attributes', 'text', (c) => c.notNull())
    .addColumn('publish_time_ms', 'bigint', (c) => c.notNull())
    .addColumn('publisher_token_id', 'bigint')
    .addColumn('publisher_role', 'text', (c) => c.notNull())
    .addColumn('publisher_site', 'text')
    .addPrimaryKeyConstraint('ams_messages_pk', ['project', 'topic', 'msg_offset'])
    .execute();
}

/** Drops `ams_messages`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ams_messages').execute();
}
