// AMS semantics over the hub store: topics, subscriptions, publish, pull, cumulative ack, offsets.
import { EventEmitter } from 'node:events';
import type { HubStore } from '../store/hub-store.js';
import * as q from '../store/messaging-queries.js';
import type { NewMessage, Publisher, SubscriptionRow } from '../store/messaging-queries.js';
import { AMS_ERRORS } from './ams-error.js';
import { formatAckId, parseAckId, subscriptionFullName, topicFullName } from './ams-names.js';
import { checkDeadline, decodedLength, isBase64, subscriptionView } from './ams-values.js';
import type { SubscriptionView } from './ams-values.js';

/** Default AMS message data limit: 1 MiB of decoded data (EGI states 1 MB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
const MAX_PULL = 1000;

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

  /** Full names of the subscriptions on a topic. @throws AmsError 404. */
  async listTopicSubscriptions(project: string, topic: string): Promise<{ subscriptions: string[] }> {
    await this.getTopic(project, topic);
    const rows = await q.listSubscriptions(this.store.db, project, topic);
    return { subscriptions: rows.map((s) => subscriptionFullName(project, s.name)) };
  }

  /**
   * Checks and stores messages; they are committed before this returns. Returns AMS message ids.
   * @throws AmsError 400 (not base64, no data), 413 (data over the limit), 404 (no topic).
   */
  async publish(
    project: string,
    topic: string,
    messages: readonly NewMessage[],
    publisher: Publisher,
  ): Promise<string[]> {
    if (messages.length === 0) throw AMS_ERRORS.invalidArguments('Message');
    for (const m of messages) {
      const data = m.data.includes('\n') ? m.data.replace(/\r?\n/g, '') : m.data;
      if (!isBase64(data)) throw AMS_ERRORS.invalidArguments('Message');
      if (decodedLength(data) > this.maxMessageBytes) throw AMS_ERRORS.tooLarge();
    }
    // Go's base64 decoder (AMS) skips line breaks; accept them and store the data without
    const clean = messages.map((m) => ({
      data: m.data.includes('\n') ? m.data.replace(/\r?\n/g, '') : m.data,
      attributes: m.attributes,
    }));
    const offsets = await q.appendMessages(this.store.db, project, topic, clean, publisher, this.clock());
    if (!offsets) throw AMS_ERRORS.notFound('Topic');
    this.events.emit('publish', project, topic);
    return offsets.map(String);
  }

  /**
   * Creates a subscription that starts at the topic's current end, as AMS does.
   * @throws AmsError 400 (bad topic reference or deadline), 404 (no topic), 409 (exists).
   */
  async createSubscription(
    project: string,
    name: string,
    topicRef: { project: string; topic: string },
    ackDeadlineSeconds: number,
  ): Promise<SubscriptionView> {
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
    };
    if (!(await q.insertSubscription(this.store.db, row))) throw AMS_ERRORS.alreadyExists('Subscription');
    return subscriptionView(row);
  }

  /** One subscription. @throws AmsError 404. */
  async getSubscription(project: string, name: string): Promise<SubscriptionView> {
    return subscriptionView(await this.requireSubscription(project, name));
  }

  /** Every subscription of a project. */
  async listSubscriptions(
    project: string,
  ): Promise<{ subscriptions: SubscriptionView[]; nextPageToken: string; totalSize: number }> {
    const rows = await q.listSubscriptions(this.store.db, project);
    return { subscriptions: rows.map(subscriptionView), nextPageToken: '', totalSize: rows.length };
  }

  /** Deletes a subscription. @throws AmsError 404. */
  async deleteSubscription(project: string, name: string): Promise<void> {
    if (!(await q.deleteSubscription(this.store.db, project, name)))
      throw AMS_ERRORS.notFound('Subscription');
  }

  private async requireSubscription(project: string, name: string): Promise<SubscriptionRow> {
    const sub = await q.findSubscription(this.store.db, project, name);
    if (!sub) throw AMS_ERRORS.notFound('Subscription');
    return sub;
  }

  /**
   * Returns up to `maxMessages` messages from the subscription's cursor and opens an ack window
   * over them (a new pull before an ack delivers the same messages again, as AMS does).
   * With `returnImmediately` false an empty pull waits up to `pullWaitMs` for a publish.
   * @throws AmsError 404 (no subscription), 409 (its topic was deleted).
   */
  async pull(
    project: string,
    name: string,
    maxMessages: number,
    returnImmediately: boolean,
  ): Promise<ReceivedMessage[]> {
    const limit = Math.min(Math.max(1, maxMessages), MAX_PULL);
    let sub = await this.requireSubscription(project, name);
    let rows = await this.readFrom(sub, limit);
    if (rows.length === 0 && !returnImmediately) {
      await this.waitForPublish(sub.topic_project, sub.topic_name);
      sub = await this.requireSubscription(project, name);
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

  private async readFrom(sub: SubscriptionRow, limit: number): Promise<q.MessageRow[]> {
    if (!(await q.findTopic(this.store.db, sub.topic_project, sub.topic_name))) {
      throw AMS_ERRORS.conflict("Subscription's topic doesn't exist");
    }
    return q.readMessages(
      this.store.db,
      sub.topic_project,
      sub.topic_name,
      Number(sub.current_offset),
      limit,
    );
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
   *   408 (after the ack deadline), 404 (no subscription).
   */
  async acknowledge(project: string, name: string, ackIds: readonly string[]): Promise<void> {
    const sub = await this.requireSubscription(project, name);
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

  /** Sets the ack deadline. @throws AmsError 400 outside 0..600, 404. */
  async modifyAckDeadline(project: string, name: string, seconds: number): Promise<void> {
    checkDeadline(seconds, 'ackDeadlineSeconds(needs value between 0 and 600)');
    await this.requireSubscription(project, name);
    await q.updateSubscription(this.store.db, project, name, { ack_deadline_seconds: seconds });
  }

  /** `{max, min, current}` offsets of a subscription (a cursor behind the oldest message moves up). */
  async offsets(project: string, name: string): Promise<{ max: number; min: number; current: number }> {
    const sub = await this.requireSubscription(project, name);
    const bounds = await q.topicOffsetBounds(this.store.db, sub.topic_project, sub.topic_name);
    if (!bounds) throw AMS_ERRORS.conflict("Subscription's topic doesn't exist");
    let current = Number(sub.current_offset);
    if (current < bounds.min) {
      current = bounds.min;
      await q.updateSubscription(this.store.db, project, name, { current_offset: current });
    }
    return { max: bounds.max, min: bounds.min, current };
  }

  /** Moves the cursor to `offset` (min..max), dropping any pending window. @throws AmsError 400, 404. */
  async modifyOffset(project: string, name: string, offset: number): Promise<void> {
    const { min, max } = await this.offsets(project, name);
    if (!Number.isInteger(offset) || offset < min || offset > max)
      throw AMS_ERRORS.invalidData('Offset out of bounds');
    await q.updateSubscription(this.store.db, project, name, {
      current_offset: offset,
      pending_until: null,
      pending_since_ms: null,
    });
  }

  /** The first offset published at or after `timeMs`. @throws AmsError 409 when there is none. */
  async timeToOffset(project: string, name: string, timeMs: number): Promise<{ offset: number }> {
    const sub = await this.requireSubscription(project, name);
    const offset = await q.offsetAtTime(this.store.db, sub.topic_project, sub.topic_name, timeMs);
    if (offset === undefined)
      throw AMS_ERRORS.conflict("Timestamp is out of bounds for the subscription's topic/partition");
    return { offset };
  }
}
