// The in-process consumer of the accounting topics: reads stored messages, loads them, moves its cursor.
import type { Logger } from '../../log.js';
import { silentLogger } from '../../log.js';
import type { MessagingService } from '../messaging/messaging-service.js';
import type { HubStore } from '../store/hub-store.js';
import * as q from '../store/messaging-queries.js';
import { loadBatch } from './load-batch.js';
import { BatchPrepareWorker, prepareSqliteBatch, toIngestMessage } from './batch-prepare-worker.js';
import type { LearnedVmIds, PreparedRead } from './batch-prepare-worker.js';
import { ID_CACHE_LIMIT, rejectOf } from './ingest-batch.js';
import type { IngestMessage, PreparedBatch } from './ingest-batch.js';
import { isTransientStoreError } from '../store/transient-store-error.js';
import { insertRejects } from '../store/accounting-queries.js';
import type { LoadOutcome } from './load-batch.js';
import { BatchBuilder } from './prepare-batch.js';
import { loadBatchSqlite, runSqliteIngestTransaction } from './sqlite-load-batch.js';

/** A topic whose messages are accounting data. */
export interface IngestSource {
  readonly project: string;
  readonly topic: string;
}

/** EGI's accounting topic (reference §4): project `accounting`, topic `eu-egi-cloud-accounting`. */
export const DEFAULT_INGEST_SOURCES: readonly IngestSource[] = [
  { project: 'accounting', topic: 'eu-egi-cloud-accounting' },
];

/** Options of {@link IngestConsumer}. */
export interface IngestOptions {
  /** Topics to consume; default {@link DEFAULT_INGEST_SOURCES}. */
  readonly sources?: readonly IngestSource[];
  /** Subscription the consumer keeps its cursor in (one per source topic); default `fedstack-ingest`. */
  readonly subscription?: string;
  /**
   * Most messages per transaction; default 500 on SQLite (50,000 records of 100-record messages),
   * 200 on PostgreSQL. Within it, batches are sized to {@link IngestOptions.threadBudgetMs}.
   */
  readonly batchMessages?: number;
  /**
   * How long one batch may hold the hub's thread, in ms (default 25): the SQLite writes, or on
   * PostgreSQL the decoding, run on the thread that answers API requests, so the next batch gets
   * as many messages as the last ones took to fit in this time, and requests are served between
   * batches. A backlog then never makes the API wait longer than about this.
   */
  readonly threadBudgetMs?: number;
  /** Poll period besides the wake-up on publish, in ms; default 2000. */
  readonly pollIntervalMs?: number;
  /** Clock in epoch milliseconds; default `Date.now`. */
  readonly clock?: () => number;
  readonly logger?: Logger;
  /**
   * Whether SQLite ingest (on a database file) reads, decodes and prepares batches in a worker
   * thread, overlapping the writes of the batch before; default true. Without the built worker
   * file, or when it fails, batches are prepared in-thread.
   */
  readonly isWorkerUsed?: boolean;
}

/** Totals of a drain. */
export interface IngestTotals {
  messages: number;
  records: number;
  loaded: number;
  superseded: number;
  rejected: number;
}

/**
 * Consumes the accounting topics: every message is decoded, its valid records loaded and the
 * others stored as rejects, and the cursor moved, all in one transaction per batch, so a crash
 * at any point neither loses nor double-counts (and loading is idempotent anyway). The cursor is
 * an AMS subscription, so `:modifyOffset` on it replays messages.
 */
export class IngestConsumer {
  private readonly store: HubStore;
  private readonly messaging: MessagingService;
  private readonly sources: readonly IngestSource[];
  private readonly subscription: string;
  private readonly batchMessages: number;
  private readonly threadBudgetMs: number;
  /** Thread time one message took in recent batches, ms (a moving average). */
  private msPerMessage = 1;
  private readonly pollIntervalMs: number;
  private readonly clock: () => number;
  private readonly logger: Logger;
  private readonly groupIds = new Map<string, number>();
  private readonly vmIds = new Map<string, number>();
  /** VMs numbered by committed batches, for the prepare worker's next request. */
  private vmIdsToTeach = { uuids: [] as string[], ids: [] as number[] };
  private readonly isWorkerUsed: boolean;
  private preparer: BatchPrepareWorker | undefined;
  private running: Promise<IngestTotals> | undefined;
  private isPending = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(store: HubStore, messaging: MessagingService, options: IngestOptions = {}) {
    this.store = store;
    this.messaging = messaging;
    this.sources = options.sources ?? DEFAULT_INGEST_SOURCES;
    this.subscription = options.subscription ?? 'fedstack-ingest';
    this.batchMessages = options.batchMessages ?? (store.dialect === 'sqlite' ? 500 : 200);
    this.threadBudgetMs = options.threadBudgetMs ?? 25;
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.isWorkerUsed = options.isWorkerUsed ?? true;
  }

  /** Creates the topics and the consumer's subscriptions if missing (a new one starts at the oldest message). */
  async prepare(): Promise<void> {
    const now = Math.floor(this.clock() / 1000);
    for (const s of this.sources) {
      await this.messaging.ensureTopic(s.project, s.topic);
      const bounds = await q.topicOffsetBounds(this.store.db, s.project, s.topic);
      await q.insertSubscription(this.store.db, {
        project: s.project,
        name: this.subscription,
        topic_project: s.project,
        topic_name: s.topic,
        ack_deadline_seconds: 10,
        current_offset: bounds?.min ?? 0,
        pending_until: null,
        pending_since_ms: null,
        created_at: now,
      });
    }
  }

  /** Starts consuming in the background: on every publish to a source topic and every poll period. */
  start(): void {
    if (this.timer) return;
    this.unsubscribe = this.messaging.onPublish((project, topic) => {
      if (this.sources.some((s) => s.project === project && s.topic === topic)) this.kick();
    });
    this.timer = setInterval(() => this.kick(), this.pollIntervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Stops the background loop and waits for a running batch to finish. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    await this.running?.catch(() => undefined);
    await this.preparer?.close();
    this.preparer = undefined;
  }

  private kick(): void {
    if (this.running) {
      this.isPending = true;
      return;
    }
    this.drain().catch((error: unknown) => this.logger.error({ err: error }, 'accounting ingest failed'));
  }

  /** Processes every message available now; resolves with what was done (shares a running drain). */
  async drain(): Promise<IngestTotals> {
    while (this.running) await this.running.catch(() => undefined);
    const run = this.drainAll();
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = undefined;
      if (this.isPending && this.timer) {
        this.isPending = false;
        setImmediate(() => this.kick());
      }
    }
  }

  private async drainAll(): Promise<IngestTotals> {
    const totals: IngestTotals = { messages: 0, records: 0, loaded: 0, superseded: 0, rejected: 0 };
    for (const source of this.sources) await this.drainSource(source, totals);
    if (totals.messages > 0) this.logger.info(totals, 'accounting messages ingested');
    return totals;
  }

  /**
   * Loads every waiting message of one source, batch by batch, each batch in one transaction. On
   * SQLite the next batch is read and handed to the prepare worker before this one is written, so
   * decoding it overlaps the writes (the cursor check still decides: a batch read ahead from an
   * offset the cursor no longer holds is dropped).
   */
  private async drainSource(source: IngestSource, totals: IngestTotals): Promise<void> {
    let ahead: ReadBatch | undefined;
    // after a batch failed to load, its messages are loaded one by one up to this offset
    let isolateBelow = -1;
    for (;;) {
      const sub = await q.findSubscription(this.store.db, source.project, this.subscription);
      if (!sub) return;
      const from = Number(sub.current_offset);
      if (from < isolateBelow) {
        ahead = undefined;
        if (!(await this.loadOneMessage(source, from, totals))) return;
        continue;
      }
      const current = ahead?.from === from ? ahead : this.readBatch(source, from);
      ahead = undefined;
      let read: PreparedRead | null;
      let outcome: LoadOutcome | undefined;
      try {
        read = await current.read;
        if (!read) return;
        if (this.preparer?.isThreaded) ahead = this.readBatch(source, read.next);
        const started = performance.now();
        outcome = await this.loadInTransaction(source, from, read.next, read.batch, current.now);
        if (this.store.sqlite) this.learnThreadTime(performance.now() - started, read.messages);
      } catch (error) {
        if (isTransientStoreError(error)) throw error;
        // one bad message must not stop ingest for everyone: find it by loading the batch one by one
        ahead = undefined;
        isolateBelow = from + this.batchMessages;
        this.logger.warn(
          { err: error, from },
          'an accounting batch failed to load; loading its messages one at a time',
        );
        continue;
      }
      if (!outcome) {
        ahead = undefined;
        continue;
      }
      this.remember(outcome);
      this.count(totals, read.messages, read.batch.records, outcome);
      this.logger.debug(
        { from, to: read.next - 1, records: read.batch.records, rejected: outcome.rejected },
        'ingest batch',
      );
      // let the API answer what arrived meanwhile before the next batch takes the thread again
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Adds one batch's thread time to the moving average that sizes the next batches. */
  private learnThreadTime(ms: number, messages: number): void {
    if (messages <= 0) return;
    this.msPerMessage = 0.7 * this.msPerMessage + 0.3 * (ms / messages);
  }

  /** Messages of the next batch: as many as fit {@link IngestOptions.threadBudgetMs}, 1 … batchMessages. */
  private nextBatchMessages(): number {
    const fit = Math.floor(this.threadBudgetMs / Math.max(this.msPerMessage, 0.001));
    return Math.max(1, Math.min(this.batchMessages, fit));
  }

  /**
   * Loads `batch` and moves the cursor from `from` to `next` in one transaction. Undefined when the
   * cursor no longer holds `from` (another hub process or a modifyOffset moved it).
   */
  private async loadInTransaction(
    source: IngestSource,
    from: number,
    next: number,
    batch: PreparedBatch,
    now: number,
  ): Promise<LoadOutcome | undefined> {
    const moveCursor = this.cursorMove(source, from, next);
    const known = { groupIds: this.groupIds, vmIds: this.vmIds };
    const sqlite = this.store.sqlite;
    return sqlite
      ? runSqliteIngestTransaction(this.store.db, sqlite, moveCursor.compile(), () =>
          loadBatchSqlite(this.store.db, sqlite, batch, known, now),
        )
      : this.store.db.transaction().execute(async (tx) => {
          const moved = await tx.executeQuery(moveCursor.compile());
          if (Number(moved.numAffectedRows) !== 1) return undefined;
          return loadBatch(tx, batch, known, now);
        });
  }

  /**
   * Loads the one message at offset `from` in-thread; when it fails to load for any reason but a
   * transient store failure, stores it as a whole-message reject with the reason and moves the
   * cursor past it. False when no message waits.
   */
  private async loadOneMessage(source: IngestSource, from: number, totals: IngestTotals): Promise<boolean> {
    const rows = await q.readMessages(this.store.db, source.project, source.topic, from, 1);
    const row = rows[0];
    if (!row) return false;
    const next = Number(row.msg_offset) + 1;
    const now = Math.floor(this.clock() / 1000);
    const message = toIngestMessage(row);
    let failure: unknown;
    try {
      const batch = this.prepareHere([message], now);
      const outcome = await this.loadInTransaction(source, from, next, batch, now);
      if (outcome) {
        this.remember(outcome);
        this.count(totals, 1, batch.records, outcome);
      }
      return true;
    } catch (error) {
      if (isTransientStoreError(error)) throw error;
      this.logger.error(
        { err: error, project: message.project, topic: message.topic, offset: message.offset },
        'an accounting message failed to load; stored as a reject',
      );
      failure = error;
    }
    const origin = {
      message: {
        project: message.project,
        topic: message.topic,
        messageId: String(message.offset),
        offset: message.offset,
        publisherSite: message.publisherSite,
        source: `${message.project}/${message.topic}#${message.offset}`,
      },
      recordIndex: null,
      recordKind: null,
      recordSite: message.publisherSite,
    };
    const reject = rejectOf(
      origin,
      'HUB_INGEST_FAILED',
      `the message could not be stored (${shortReason(failure)}); its records were not loaded`,
      now,
    );
    await this.store.db.transaction().execute(async (tx) => {
      const moved = await tx.executeQuery(this.cursorMove(source, from, next).compile());
      if (Number(moved.numAffectedRows) === 1) await insertRejects(tx, [reject]);
    });
    totals.messages += 1;
    totals.rejected += 1;
    return true;
  }

  /** The compare-and-set update that moves the consumer's cursor from `from` to `next`. */
  private cursorMove(source: IngestSource, from: number, next: number) {
    return this.store.db
      .updateTable('ams_subscriptions')
      .set({ current_offset: next, pending_until: null, pending_since_ms: null })
      .where('project', '=', source.project)
      .where('name', '=', this.subscription)
      .where('current_offset', '=', from);
  }

  /** Keeps the ids a committed batch created. */
  private remember(outcome: LoadOutcome): void {
    if (this.groupIds.size > ID_CACHE_LIMIT) this.groupIds.clear();
    if (this.vmIds.size > ID_CACHE_LIMIT) this.vmIds.clear();
    const isTeaching = this.preparer?.isThreaded === true;
    for (const [k, id] of outcome.newIds.groupIds) this.groupIds.set(detached(k), id);
    for (const [k, id] of outcome.newIds.vmIds) {
      const uuid = detached(k);
      this.vmIds.set(uuid, id);
      if (isTeaching) {
        this.vmIdsToTeach.uuids.push(uuid);
        this.vmIdsToTeach.ids.push(id);
      }
    }
  }

  private count(totals: IngestTotals, messages: number, records: number, outcome: LoadOutcome): void {
    totals.messages += messages;
    totals.records += records;
    totals.loaded += outcome.loaded;
    totals.superseded += outcome.superseded;
    totals.rejected += outcome.rejected;
  }

  /** Prepares messages in this thread, as the store's loader expects them. */
  private prepareHere(messages: readonly IngestMessage[], now: number): PreparedBatch {
    if (this.store.dialect === 'sqlite') return prepareSqliteBatch(messages, now, true);
    const builder = new BatchBuilder(now, { isDedupeNeeded: true });
    for (const m of messages) builder.add(m);
    return builder.finish();
  }

  /**
   * Starts reading and preparing up to a batch of messages from offset `from` (null when none
   * wait): in the prepare worker on a SQLite file, else here. Decoding runs before the transaction
   * opens: on SQLite a transaction holds the one connection.
   */
  private readBatch(source: IngestSource, from: number): ReadBatch {
    const now = Math.floor(this.clock() / 1000);
    const limit = this.nextBatchMessages();
    const query = () => q.readMessages(this.store.db, source.project, source.topic, from, limit);
    const isSqlite = this.store.dialect === 'sqlite';
    const readHere = async (): Promise<PreparedRead | null> => {
      const rows = await query();
      if (rows.length === 0) return null;
      const started = performance.now();
      const batch = this.prepareHere(rows.map(toIngestMessage), now);
      if (!this.store.sqlite) this.learnThreadTime(performance.now() - started, rows.length);
      return { next: Number(rows.at(-1)!.msg_offset) + 1, messages: rows.length, batch };
    };
    const file = this.store.sqlite?.database;
    if (isSqlite && this.isWorkerUsed && file && !file.memory) {
      this.preparer ??= new BatchPrepareWorker(file.name, this.logger);
    }
    let read: Promise<PreparedRead | null>;
    if (this.preparer) {
      const query = messagesQuery(this.store.db, source, from, limit);
      const learned: LearnedVmIds | undefined =
        this.vmIdsToTeach.uuids.length > 0 ? this.vmIdsToTeach : undefined;
      this.vmIdsToTeach = { uuids: [], ids: [] };
      read = this.preparer.prepare(query, now, readHere, learned);
    } else read = readHere();
    // a batch read ahead may be dropped unawaited; its failure is raised where it is awaited
    read.catch(() => undefined);
    return { from, now, read };
  }
}

/**
 * A copy of `s` that holds no other string alive. Keys cut from a batch's text may be views of all
 * of it (V8 slices): cached as they are, a few new VMs per batch would keep every batch's text.
 */
function detached(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** The first line of an error's message, at most 200 characters, for a reject's reason. */
function shortReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line || 'unknown error';
}

/** A batch being read and prepared. */
interface ReadBatch {
  /** Offset it is read from. */
  readonly from: number;
  /** Load time, epoch seconds. */
  readonly now: number;
  /** The batch, or null when no message waited. */
  readonly read: Promise<PreparedRead | null>;
}

/** The compiled query of `q.readMessages` (the prepare worker runs it on its own connection). */
function messagesQuery(db: HubStore['db'], source: IngestSource, from: number, limit: number) {
  return db
    .selectFrom('ams_messages')
    .selectAll()
    .where('project', '=', source.project)
    .where('topic', '=', source.topic)
    .where('msg_offset', '>=', from)
    .orderBy('msg_offset')
    .limit(limit)
    .compile();
}
