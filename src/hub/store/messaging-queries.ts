// Dialect-neutral queries of the AMS messaging store: topics, subscriptions, messages, cursors.
import type { Kysely, Selectable } from 'kysely';
import type { AmsMessageTable, AmsSubscriptionTable, AmsTopicTable, HubDatabase } from './hub-database.js';

/** A kysely handle or transaction over the hub schema. */
export type HubDb = Kysely<HubDatabase>;
/** A stored topic row. */
export type TopicRow = Selectable<AmsTopicTable>;
/** A stored subscription row. */
export type SubscriptionRow = Selectable<AmsSubscriptionTable>;
/** A stored message row. */
export type MessageRow = Selectable<AmsMessageTable>;

/** A message to append; offsets are assigned by {@link appendMessages}. */
export interface NewMessage {
  readonly data: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** Who published: stored with every message so ingest never trusts attributes for the site. */
export interface Publisher {
  readonly tokenId: number | null;
  readonly role: string;
  readonly site: string | null;
}

/** Rows per multi-row INSERT (keeps every statement under SQLite's and PostgreSQL's parameter limits). */
const INSERT_CHUNK = 500;

/** Creates a topic; returns false when it already exists. */
export async function insertTopic(db: HubDb, project: string, name: string, now: number): Promise<boolean> {
  const r = await db
    .insertInto('ams_topics')
    .values({ project, name, next_offset: 0, created_at: now })
    .onConflict((oc) => oc.columns(['project', 'name']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** One topic, or undefined. */
export async function findTopic(db: HubDb, project: string, name: string): Promise<TopicRow | undefined> {
  return db
    .selectFrom('ams_topics')
    .selectAll()
    .where('project', '=', project)
    .where('name', '=', name)
    .executeTakeFirst();
}

/** All topics of a project, by name. */
export async function listTopics(db: HubDb, project: string): Promise<TopicRow[]> {
  return db.selectFrom('ams_topics').selectAll().where('project', '=', project).orderBy('name').execute();
}

/** Deletes a topic and its messages; returns false when it did not exist. */
export async function deleteTopic(db: HubDb, project: string, name: string): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    await tx.deleteFrom('ams_messages').where('project', '=', project).where('topic', '=', name).execute();
    const r = await tx
      .deleteFrom('ams_topics')
      .where('project', '=', project)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  });
}

/**
 * Appends messages to a topic in one transaction and returns their offsets, or undefined when the
 * topic does not exist. The topic row's counter serialises concurrent publishers (row lock on
 * PostgreSQL, the single writer on SQLite), so offsets are dense and never reused.
 */
export async function appendMessages(
  db: HubDb,
  project: string,
  topic: string,
  messages: readonly NewMessage[],
  publisher: Publisher,
  nowMs: number,
): Promise<number[] | undefined> {
  return db.transaction().execute(async (tx) => {
    const bumped = await tx
      .updateTable('ams_topics')
      .set((eb) => ({ next_offset: eb('next_offset', '+', messages.length) }))
      .where('project', '=', project)
      .where('name', '=', topic)
      .returning('next_offset')
      .executeTakeFirst();
    if (!bumped) return undefined;
    const first = Number(bumped.next_offset) - messages.length;
    const rows = messages.map((m, i) => ({
      project,
      topic,
      msg_offset: first + i,
      data: m.data,
      attributes: JSON.stringify(m.attributes),
      publish_time_ms: nowMs,
      publisher_token_id: publisher.tokenId,
      publisher_role: publisher.role,
      publisher_site: publisher.site,
    }));
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await tx
        .insertInto('ams_messages')
        .values(rows.slice(i, i + INSERT_CHUNK))
        .execute();
    }
    return rows.map((r) => r.msg_offset);
  });
}

/** Messages of a topic from `fromOffset` on, in offset order, at most `limit`. */
export async function readMessages(
  db: HubDb,
  project: string,
  topic: string,
  fromOffset: number,
  limit: number,
): Promise<MessageRow[]> {
  return db
    .selectFrom('ams_messages')
    .selectAll()
    .where('project', '=', project)
    .where('topic', '=', topic)
    .where('msg_offset', '>=', fromOffset)
    .orderBy('msg_offset')
    .limit(limit)
    .execute();
}

/** The first stored offset (or `next_offset` when empty) and `next_offset` of a topic. */
export async function topicOffsetBounds(
  db: HubDb,
  project: string,
  topic: string,
): Promise<{ min: number; max: number } | undefined> {
  const t = await findTopic(db, project, topic);
  if (!t) return undefined;
  const r = await db
    .selectFrom('ams_messages')
    .select((eb) => eb.fn.min('msg_offset').as('min'))
    .where('project', '=', project)
    .where('topic', '=', topic)
    .executeTakeFirst();
  const max = Number(t.next_offset);
  return { min: r?.min === null || r?.min === undefined ? max : Number(r.min), max };
}

/** The first offset published at or after `timeMs`, or undefined when none. */
export async function offsetAtTime(
  db: HubDb,
  project: string,
  topic: string,
  timeMs: number,
): Promise<number | undefined> {
  const r = await db
    .selectFrom('ams_messages')
    .select((eb) => eb.fn.min('msg_offset').as('offset'))
    .where('project', '=', project)
    .where('topic', '=', topic)
    .where('publish_time_ms', '>=', timeMs)
    .executeTakeFirst();
  return r?.offset === null || r?.offset === undefined ? undefined : Number(r.offset);
}

/**
 * A subscription to store. Without `owner_token_id` (or with null) it belongs to the hub: only
 * admins may use it.
 */
export type NewSubscription = Omit<SubscriptionRow, 'owner_token_id'> & {
  readonly owner_token_id?: number | null;
};

/**
 * Creates one of the hub's own subscriptions (the ingest cursor) unless the hub already has it;
 * returns false when it did. A subscription of that name that a consumer token created (possible
 * while the hub did not have it yet, e.g. before a new ingest topic was configured) is taken back:
 * it becomes the hub's, on the given topic and offset, so no token can hold the hub's cursor.
 */
export async function insertSubscription(db: HubDb, row: NewSubscription): Promise<boolean> {
  const r = await db
    .insertInto('ams_subscriptions')
    .values({ ...row, owner_token_id: null })
    .onConflict((oc) =>
      oc
        .columns(['project', 'name'])
        .doUpdateSet((eb) => ({
          topic_project: eb.ref('excluded.topic_project'),
          topic_name: eb.ref('excluded.topic_name'),
          ack_deadline_seconds: eb.ref('excluded.ack_deadline_seconds'),
          current_offset: eb.ref('excluded.current_offset'),
          pending_until: null,
          pending_since_ms: null,
          created_at: eb.ref('excluded.created_at'),
          owner_token_id: null,
        }))
        .where('ams_subscriptions.owner_token_id', 'is not', null),
    )
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Creates a subscription for an API caller; returns false when one with that name exists. */
export async function insertOwnedSubscription(db: HubDb, row: SubscriptionRow): Promise<boolean> {
  const r = await db
    .insertInto('ams_subscriptions')
    .values(row)
    .onConflict((oc) => oc.columns(['project', 'name']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** One subscription, or undefined. */
export async function findSubscription(
  db: HubDb,
  project: string,
  name: string,
): Promise<SubscriptionRow | undefined> {
  return db
    .selectFrom('ams_subscriptions')
    .selectAll()
    .where('project', '=', project)
    .where('name', '=', name)
    .executeTakeFirst();
}

/** All subscriptions of a project (optionally only those on one topic), by name. */
export async function listSubscriptions(
  db: HubDb,
  project: string,
  topic?: string,
): Promise<SubscriptionRow[]> {
  let q = db.selectFrom('ams_subscriptions').selectAll().where('project', '=', project);
  if (topic !== undefined) q = q.where('topic_project', '=', project).where('topic_name', '=', topic);
  return q.orderBy('name').execute();
}

/** Deletes a subscription; returns false when it did not exist. */
export async function deleteSubscription(db: HubDb, project: string, name: string): Promise<boolean> {
  const r = await db
    .deleteFrom('ams_subscriptions')
    .where('project', '=', project)
    .where('name', '=', name)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Updates cursor, pending window or ack deadline of a subscription. */
export async function updateSubscription(
  db: HubDb,
  project: string,
  name: string,
  changes: Partial<
    Pick<SubscriptionRow, 'current_offset' | 'pending_until' | 'pending_since_ms' | 'ack_deadline_seconds'>
  >,
): Promise<void> {
  await db
    .updateTable('ams_subscriptions')
    .set(changes)
    .where('project', '=', project)
    .where('name', '=', name)
    .execute();
}
