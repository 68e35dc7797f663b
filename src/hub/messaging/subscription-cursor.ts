// The cursor of a hub-owned subscription, for consumers inside the hub: read stored messages from
// an offset, and move the offset with compare-and-set inside the consumer's own transaction.
import type { CompiledQuery } from 'kysely';
import type { HubDb, MessageRow } from '../store/messaging-queries.js';
import * as q from '../store/messaging-queries.js';

/** A stored message as a consumer inside the hub reads it, with who published it. */
export interface StoredMessage {
  readonly project: string;
  readonly topic: string;
  /** Its offset in the topic (the AMS message id as a number). */
  readonly offset: number;
  /** The base64 `data` as published. */
  readonly data: string;
  /** Role of the publishing token (`admin`, `publisher`, …). */
  readonly publisherRole: string;
  /** Site of the publishing token; null for tokens without a site. */
  readonly publisherSite: string | null;
}

/** A stored row as a {@link StoredMessage}; also for rows read on another connection. */
export function toStoredMessage(row: MessageRow): StoredMessage {
  return {
    project: row.project,
    topic: row.topic,
    offset: Number(row.msg_offset),
    data: row.data,
    publisherRole: row.publisher_role,
    publisherSite: row.publisher_site,
  };
}

/**
 * The cursor of one hub-owned subscription (no token may move it, see subscription ownership in
 * docs/hub.md). Made by `MessagingService.openCursor`. Reading does not move it; the consumer
 * runs {@link SubscriptionCursor.advanceQuery} in the transaction that stores what it read, so
 * the two commit together or not at all.
 */
export class SubscriptionCursor {
  private readonly db: HubDb;
  readonly project: string;
  readonly topic: string;
  readonly subscription: string;

  constructor(db: HubDb, project: string, topic: string, subscription: string) {
    this.db = db;
    this.project = project;
    this.topic = topic;
    this.subscription = subscription;
  }

  /** The offset of the next message to consume; undefined when the subscription is gone. */
  async position(): Promise<number | undefined> {
    const sub = await q.findSubscription(this.db, this.project, this.subscription);
    return sub ? Number(sub.current_offset) : undefined;
  }

  /** Up to `limit` stored messages from offset `from` on, in order. */
  async read(from: number, limit: number): Promise<StoredMessage[]> {
    return (await q.readMessages(this.db, this.project, this.topic, from, limit)).map(toStoredMessage);
  }

  /** The query of {@link SubscriptionCursor.read}, compiled, for a reader on its own connection (a worker thread). */
  readQuery(from: number, limit: number): CompiledQuery<MessageRow> {
    return this.db
      .selectFrom('ams_messages')
      .selectAll()
      .where('project', '=', this.project)
      .where('topic', '=', this.topic)
      .where('msg_offset', '>=', from)
      .orderBy('msg_offset')
      .limit(limit)
      .compile();
  }

  /**
   * The statement that moves the cursor from `from` to `next` and clears its pending pull: it
   * changes one row only while the cursor is still at `from` (compare-and-set), so a consumer
   * that sees no change knows another process or an admin's `:modifyOffset` moved it meanwhile.
   */
  advanceQuery(from: number, next: number): CompiledQuery {
    return this.db
      .updateTable('ams_subscriptions')
      .set({ current_offset: next, pending_until: null, pending_since_ms: null })
      .where('project', '=', this.project)
      .where('name', '=', this.subscription)
      .where('current_offset', '=', from)
      .compile();
  }
}
