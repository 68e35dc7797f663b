// Migration 0002: AMS topics and subscriptions (with their offsets and pending pull windows).
import type { Kysely } from 'kysely';

/** Creates `ams_topics` and `ams_subscriptions`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ams_topics')
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('next_offset', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ams_topics_pk', ['project', 'name'])
    .execute();
  await db.schema
    .createTable('ams_subscriptions')
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('topic_project', 'text', (c) => c.notNull())
    .addColumn('topic_name', 'text', (c) => c.notNull())
    .addColumn('ack_deadline_seconds', 'integer', (c) => c.notNull())
    .addColumn('current_offset', 'bigint', (c) => c.notNull())
    .addColumn('pending_until', 'bigint')
    .addColumn('pending_since_ms', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ams_subscriptions_pk', ['project', 'name'])
    .execute();
  await db.schema
    .createIndex('ams_subscriptions_topic')
    .on('ams_subscriptions')
    .columns(['topic_project', 'topic_name'])
    .execute();
}

/** Drops `ams_subscriptions` and `ams_topics`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ams_subscriptions').execute();
  await db.schema.dropTable('ams_topics').execute();
}
