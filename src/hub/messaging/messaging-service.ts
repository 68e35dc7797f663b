// AMS semantics over the hub store: topics, subscriptions, publish, pull, cumulative ack, offsets.
import { EventEmitter } from 'node:events';
import type { HubStore } from '../store/hub-store.js';
import * as q from '../store/messaging-queries.js';
import type { NewMessage, Publisher, SubscriptionRow } from '../store/messaging-queries.js';
import { AMS_ERRORS } from './ams-error.js';
import { formatAckId, parseAckId, subscriptionFullName, topicFullName } from './ams-names.js';
import { checkMessageData } from './ams-publish-body.js';
import { checkDeadline, subscriptionView } from './ams-values.js';
import type { SubscriptionView } from './ams-values.js';
import {
  checkSubscriptionAccess,
  isSubscriptionUsableBy,
  ownerForNewSubscription,
} from './subscription-owner.js';
import type { SubscriptionActor } from './subscription-owner.js';
import { SubscriptionCursor } from './subscription-cursor.js';

/** Default AMS message data limit: 1 MiB of decoded data (EGI states 1 MB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
const MAX_PULL = 1000;
/** Rows read per query while filling a pull. */
const PULL_PAGE = 100;
/**
 * Base64 characters one pull returns at most (beyond its first message): 1,000 messages of 1 MiB
 * would otherwise be read into memory at once, and one consumer could exhaust the hub.
 */
const MAX_PULL_DATA_CHARS = 16 * 1024 * 1024;

/** Options of {@link MessagingService}. */
export interface MessagingOptions {
  /** Clock in epoch milliseconds; default `Date.now`. */
  readonly clock?: () => number;
  /** Largest decoded `data` accepted, in bytes; default {@link DEFAULT_MAX_MESSAGE_BYTES}. */
  readonly maxMessageBytes?: number;
  /** How long a pull with returnImmediately=false waits for a message, in ms; default 5000. */
  readonly pullWaitMs?: number;
}

/** A message as pull returns it. */
export interface ReceivedMessage {
  readonly ackId: string;
  readonly message: {
    readonly messageId: string;
    readonly attributes: Record<string, string>;
    readonly data: string;
    readonly publishTime: string;
  };
}

/** The AMS messaging service of the hub; emits `publish` (project, topic) after each commit. */
export class MessagingService {
  readonly store: HubStore;
  private readonly clock: () => number;
  private readonly maxMessageBytes: number;
  private readonly pullWaitMs: number;
  private readonly events = new EventEmitter();

  constructor(store: HubStore, options: MessagingOptions = {}) {
    this.store = store;
    this.clock = options.clock ?? Date.now;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.pullWaitMs = options.pullWaitMs ?? 5000;
    this.events.setMaxListeners(0);
  }

  /** Calls `listener` after messages are committed to a topic. Returns the unsubscribe function. */
  onPublish(listener: (project: string, topic: string) => void): () => void {
    this.events.on('publish', listener);
    return () => this.events.off('publish', listener);
  }

  private nowSeconds(): number {
    return Math.floor(this.clock() / 1000);
  }

  /** Creates a topic. @throws AmsError 409 when it exists. */
  async createTopic(project: string, topic: string): Promise<{ name: string }> {
    if (!(await q.insertTopic(this.store.db, project, topic, this.nowSeconds())))
      throw AMS_ERRORS.alreadyExists('Topic');
    return { name: topicFullName(project, topic) };
  }

  /** Creates a topic unless it exists (used at startup for the ingest topics). */
  async ensureTopic(project: string, topic: string): Promise<void> {
    await q.insertTopic(this.store.db, project, topic, this.nowSeconds());
  }

  /**
   * The cursor of the hub-owned `subscription` of a topic, for a consumer inside the hub (accounting
   * ingest). Creates the topic and the subscription if missing; a new subscription starts at the
   * oldest stored message, and one a token held under that name becomes the hub's.
   */
  async openCursor(project: string, topic: string, subscription: string): Promise<SubscriptionCursor> {
    await this.ensureTopic(project, topic);
    const bounds = await q.topicOffsetBounds(this.store.db, project, topic);
    await q.insertSubscription(this.store.db, {
      project,
      name: subscription,
      topic_project: project,
      topic_name: topic,
      ack_deadline_seconds: 10,
      current_offset: bounds?.min ?? 0,
      pending_until: null,
      pending_since_ms: null,
      created_at: this.nowSeconds(),
    });
    return new SubscriptionCursor(this.store.db, project, topic, subscription);
  }

  /** One topic. @throws AmsError 404. */
  async getTopic(project: string, topic: string): Promise<{ name: string }> {
    if (!(await q.findTopic(this.store.db, project, topic))) throw AMS_ERRORS.notFound('Topic');
    return { name: topicFullName(project, topic) };
  }

  /** Every topic of a project (one page; AMS pagination tokens are not needed at our sizes). */
  async listTopics(
    project: string,
  ): Promise<{ topics: { name: string }[]; nextPageToken: string; totalSize: number }> {
    const rows = await q.listTopics(this.store.db, project);
    return {
      topics: rows.map((t) => ({ name: topicFullName(project, t.name) })),
      nextPageToken: '',
      totalSize: rows.length,
    };
  }

  /** Deletes a topic and its messages. @throws AmsError 404. */
  async deleteTopic(project: string, topic: string): Promise<void> {
    if (!(await q.deleteTopic(this.store.db, project, topic))) throw AMS_ERRORS.notFound('Topic');
  }

  /** Full names of the subscriptions on a topic that `actor` may use. @throws AmsError 404. */
  async listTopicSubscriptions(
    project: string,
    topic: string,
    actor: SubscriptionActor,
  ): Promise<{ subscriptions: string[] }> {
    await this.getTopic(project, topic);
    const rows = await q.listSubscriptions(this.store.db, project, topic);
    return {
      subscriptions: rows
        .filter((s) => isSubscriptionUsableBy(s, actor))
        .map((s) => subscriptionFullName(project, s.name)),
    };
  }

  /**
   * Checks and stores messages; they are committed before this returns. Returns AMS message ids.
   * Nothing is stored unless every message is valid.
   * @throws AmsError 400 (no messages; `messages[i].data` empty or not base64), 413 (data over the
   *   limit), 404 (no topic).
   */
  async publish(
    project: string,
    topic: string,
    messages: readonly NewMessage[],
    publisher: Publisher,
  ): Promise<string[]> {
    if (messages.length === 0) throw AMS_ERRORS.invalidArguments('Message');
    const clean = messages.map((m, i) => ({
      data: checkMessageData(m.data, `messages[${i}].data`, this.maxMessageBytes),
      attributes: m.attributes,
    }));
    const offsets = await q.appendMessages(this.store.db, project, topic, clean, publisher, this.clock());
    if (!offsets) throw AMS_ERRORS.notFound('Topic');
    this.events.emit('publish', project, topic);
    return offsets.map(String);
  }

  /**
   * Creates a subscription that starts at the topic's current end, as AMS does, owned by `actor`
   * (a consumer's token; an admin's subscription is admin-only).
   * @throws AmsError 400 (bad topic reference or deadline), 403 (a publisher), 404 (no topic),
   *   409 (exists).
   */
  async createSubscription(
    project: string,
    name: string,
    topicRef: { project: string; topic: string },
    ackDeadlineSeconds: number,
    actor: SubscriptionActor,
  ): Promise<SubscriptionView> {
    const owner = ownerForNewSubscription(actor);
    checkDeadline(ackDeadlineSeconds, 'Subscription');
    if (topicRef.project !== project) throw AMS_ERRORS.notFound('Topic');
    const topic = await q.findTopic(this.store.db, project, topicRef.topic);
    if (!topic) throw AMS_ERRORS.notFound('Topic');
    const row: SubscriptionRow = {
      project,
      name,
      topic_project: project,
      topic_name: topic.name,
      ack_deadline_seconds: ackDeadlineSeconds,
      current_offset: Number(topic.next_offset),
      pending_until: null,
      pending_since_ms: null,
      created_at: this.nowSeconds(),
      owner_token_id: owner,
    };
    if (!(await q.insertOwnedSubscription(this.store.db, row)))
      throw AMS_ERRORS.alreadyExists('Subscription');
    return subscriptionView(row);
  }

  /** One subscription. @throws AmsError 404, 403 (not `actor`'s). */
  async getSubscription(project: string, name: string, actor: SubscriptionActor): Promise<SubscriptionView> {
    return subscriptionView(await this.requireSubscription(project, name, actor));
  }

  /** The subscriptions of a project that `actor` may use (all of them for an admin). */
  async listSubscriptions(
    project: string,
    actor: SubscriptionActor,
  ): Promise<{ subscriptions: SubscriptionView[]; nextPageToken: string; totalSize: number }> {
    const rows = (await q.listSubscriptions(this.store.db, project)).filter((s) =>
      isSubscriptionUsableBy(s, actor),
    );
    return { subscriptions: rows.map(subscriptionView), nextPageToken: '', totalSize: rows.length };
  }

  /** Deletes a subscription. @throws AmsError 404, 403 (not `actor`'s). */
  async deleteSubscription(project: string, name: string, actor: SubscriptionActor): Promise<void> {
    await this.requireSubscription(project, name, actor);
    if (!(await q.deleteSubscription(this.store.db, project, name)))
      throw AMS_ERRORS.notFound('Subscription');
  }

  /** The stored subscription, when it exists and `actor` may use it. @throws AmsError 404, 403. */
  private async requireSubscription(
    project: string,
    name: string,
    actor: SubscriptionActor,
  ): Promise<SubscriptionRow> {
    const sub = await q.findSubscription(this.store.db, project, name);
    if (!sub) throw AMS_ERRORS.notFound('Subscription');
    checkSubscriptionAccess(sub, actor);
    return sub;
  }

  /**
   * Returns up to `maxMessages` messages from the subscription's cursor and opens an ack window
   * over them (a new pull before an ack delivers the same messages again, as AMS does).
   * With `returnImmediately` false an empty pull waits up to `pullWaitMs` for a publish.
   * A pull returns at most 1,000 messages and, beyond its first, about 16 MiB of data.
   * @throws AmsError 404 (no subscription), 403 (not `actor`'s), 409 (its topic was deleted).
   */
  async pull(
    project: string,
    name: string,
    maxMessages: number,
    returnImmediately: boolean,
    actor: SubscriptionActor,
  ): Promise<ReceivedMessage[]> {
    const limit = Number.isFinite(maxMessages) ? Math.min(Math.max(1, Math.floor(maxMessages)), MAX_PULL) : 1;
    let sub = await this.requireSubscription(project, name, actor);
    let rows = await this.readFrom(sub, limit);
    if (rows.length === 0 && !returnImmediately) {
      await this.waitForPublish(sub.topic_project, sub.topic_name);
      sub = await this.requireSubscription(project, name, actor);
      rows = await this.readFrom(sub, limit);
    }
    const last = rows.at(-1);
    await q.updateSubscription(this.store.db, project, name, {
      pending_until: last ? Number(last.msg_offset) + 1 : Number(sub.current_offset),
      pending_since_ms: this.clock(),
    });
    return rows.map((r) => ({
      ackId: formatAckId(project, name, Number(r.msg_offset)),
      message: {
        messageId: String(r.msg_offset),
        attributes: JSON.parse(r.attributes) as Record<string, string>,
        data: r.data,
        publishTime: new Date(Number(r.publish_time_ms)).toISOString(),
      },
    }));
  }

  /** Up to `limit` messages from the cursor, in pages, stopping once the data budget is spent. */
  private async readFrom(sub: SubscriptionRow, limit: number): Promise<q.MessageRow[]> {
    if (!(await q.findTopic(this.store.db, sub.topic_project, sub.topic_name))) {
      throw AMS_ERRORS.conflict("Subscription's topic doesn't exist");
    }
    const rows: q.MessageRow[] = [];
    let chars = 0;
    let from = Number(sub.current_offset);
    while (rows.length < limit) {
      const want = Math.min(PULL_PAGE, limit - rows.length);
      const page = await q.readMessages(this.store.db, sub.topic_project, sub.topic_name, from, want);
      for (const row of page) {
        if (rows.length > 0 && chars + row.data.length > MAX_PULL_DATA_CHARS) return rows;
        rows.push(row);
        chars += row.data.length;
      }
      if (page.length < want) break;
      from = Number(page.at(-1)!.msg_offset) + 1;
    }
    return rows;
  }

  private waitForPublish(project: string, topic: string): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        off();
        resolve();
      };
      const off = this.onPublish((p, t) => {
        if (p === project && t === topic) done();
      });
      const timer = setTimeout(done, this.pullWaitMs);
    });
  }

  /**
   * Acknowledges cumulatively: the cursor moves past the highest ack id given.
   * @throws AmsError 400 (foreign or malformed ack id, nothing pending, outside the pulled window),
   *   408 (after the ack deadline), 404 (no subscription), 403 (not `actor`'s).
   */
  async acknowledge(
    project: string,
    name: string,
    ackIds: readonly string[],
    actor: SubscriptionActor,
  ): Promise<void> {
    const sub = await this.requireSubscription(project, name, actor);
    if (ackIds.length === 0) throw AMS_ERRORS.invalidData('Invalid ack id');
    let highest = -1;
    for (const id of ackIds) {
      const offset = parseAckId(id, project, name);
      if (offset === undefined) throw AMS_ERRORS.invalidData('Invalid ack id');
      highest = Math.max(highest, offset);
    }
    const next = highest + 1;
    if (sub.pending_until === null || sub.pending_since_ms === null)
      throw AMS_ERRORS.invalidData('no ack pending');
    if (next <= Number(sub.current_offset) || next > Number(sub.pending_until))
      throw AMS_ERRORS.invalidData('wrong ack');
    if (this.clock() - Number(sub.pending_since_ms) > sub.ack_deadline_seconds * 1000)
      throw AMS_ERRORS.ackTimeout();
    await q.updateSubscription(this.store.db, project, name, {
      current_offset: next,
      pending_until: null,
      pending_since_ms: null,
    });
  }

  /** Sets the ack deadline. @throws AmsError 400 outside 0..600, 404, 403 (not `actor`'s). */
  async modifyAckDeadline(
    project: string,
    name: string,
    seconds: number,
    actor: SubscriptionActor,
  ): Promise<void> {
    await this.requireSubscription(project, name, actor);
    checkDeadline(seconds, 'ackDeadlineSeconds(needs value between 0 and 600)');
    await q.updateSubscription(this.store.db, project, name, { ack_deadline_seconds: seconds });
  }

  /**
   * `{max, min, current}` offsets of a subscription (a cursor behind the oldest message moves up).
   * @throws AmsError 404, 403 (not `actor`'s), 409 (its topic was deleted).
   */
  async offsets(
    project: string,
    name: string,
    actor: SubscriptionActor,
  ): Promise<{ max: number; min: number; current: number }> {
    const sub = await this.requireSubscription(project, name, actor);
    const bounds = await q.topicOffsetBounds(this.store.db, sub.topic_project, sub.topic_name);
    if (!bounds) throw AMS_ERRORS.conflict("Subscription's topic doesn't exist");
    let current = Number(sub.current_offset);
    if (current < bounds.min) {
      current = bounds.min;
      await q.updateSubscription(this.store.db, project, name, { current_offset: current });
    }
    return { max: bounds.max, min: bounds.min, current };
  }

  /**
   * Moves the cursor to `offset` (an integer in min..max), dropping any pending window.
   * @throws AmsError 400 (out of bounds), 404, 403 (not `actor`'s).
   */
  async modifyOffset(project: string, name: string, offset: number, actor: SubscriptionActor): Promise<void> {
    const { min, max } = await this.offsets(project, name, actor);
    if (!Number.isInteger(offset) || offset < min || offset > max)
      throw AMS_ERRORS.invalidData('Offset out of bounds');
    await q.updateSubscription(this.store.db, project, name, {
      current_offset: offset,
      pending_until: null,
      pending_since_ms: null,
    });
  }

  /**
   * The first offset published at or after `timeMs`.
   * @throws AmsError 409 when there is none, 404, 403 (not `actor`'s).
   */
  async timeToOffset(
    project: string,
    name: string,
    timeMs: number,
    actor: SubscriptionActor,
  ): Promise<{ offset: number }> {
    const sub = await this.requireSubscription(project, name, actor);
    const offset = await q.offsetAtTime(this.store.db, sub.topic_project, sub.topic_name, timeMs);
    if (offset === undefined)
      throw AMS_ERRORS.conflict("Timestamp is out of bounds for the subscription's topic/partition");
    return { offset };
  }
}
