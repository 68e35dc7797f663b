// The in-process consumer of the accounting topics: reads stored messages, loads them, moves its cursor.
import type { Logger } from '../../log.js';
import { silentLogger } from '../../log.js';
import type { MessagingService } from '../messaging/messaging-service.js';
import type { SubscriptionCursor } from '../messaging/subscription-cursor.js';
import type { HubStore } from '../store/hub-store.js';
import { isTransientStoreError } from '../store/transient-store-error.js';
import type { PreparedRead } from './batch-prepare-worker.js';
import { createIngestLoader } from './create-ingest-loader.js';
import { ID_CACHE_LIMIT, messageRefOf, rejectOf, toIngestMessage } from './ingest-batch.js';
import type { PreparedBatch } from './ingest-batch.js';
import type { IngestLoader } from './ingest-loader.js';
import type { LoadOutcome } from './load-batch.js';

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
 * a hub-owned AMS subscription read through messaging's {@link SubscriptionCursor}; how batches
 * are prepared and written is the backend's {@link IngestLoader}. A message that fails to load
 * for any reason but a transient store failure is set aside as a reject and ingest goes on.
 */
export class IngestConsumer {
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
  private readonly loader: IngestLoader;
  private readonly cursors = new Map<IngestSource, SubscriptionCursor>();
  private readonly groupIds = new Map<string, number>();
  private readonly vmIds = new Map<string, number>();
  private running: Promise<IngestTotals> | undefined;
  private isPending = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(store: HubStore, messaging: MessagingService, options: IngestOptions = {}) {
    this.messaging = messaging;
    this.sources = options.sources ?? DEFAULT_INGEST_SOURCES;
    this.subscription = options.subscription ?? 'fedstack-ingest';
    this.batchMessages = options.batchMessages ?? (store.dialect === 'sqlite' ? 500 : 200);
    this.threadBudgetMs = options.threadBudgetMs ?? 25;
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.loader = createIngestLoader(store, {
      logger: this.logger,
      isWorkerUsed: options.isWorkerUsed ?? true,
    });
  }

  /** Creates the topics and the consumer's subscriptions if missing (a new one starts at the oldest message). */
  async prepare(): Promise<void> {
    for (const s of this.sources) {
      this.cursors.set(s, await this.messaging.openCursor(s.project, s.topic, this.subscription));
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
    await this.loader.close();
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
    if (this.cursors.size < this.sources.length) await this.prepare();
    for (const source of this.sources) await this.drainSource(this.cursors.get(source)!, totals);
    if (totals.messages > 0) this.logger.info(totals, 'accounting messages ingested');
    return totals;
  }

  /**
   * Loads every waiting message of one source, batch by batch, each batch in one transaction. When
   * the loader prepares off the thread, the next batch is read and prepared before this one is
   * written, so decoding it overlaps the writes (the cursor check still decides: a batch read ahead
   * from an offset the cursor no longer holds is dropped).
   */
  private async drainSource(cursor: SubscriptionCursor, totals: IngestTotals): Promise<void> {
    let ahead: ReadBatch | undefined;
    // after a batch failed to load, its messages are loaded one by one up to this offset
    let isolateBelow = -1;
    for (;;) {
      const from = await cursor.position();
      if (from === undefined) return;
      if (from < isolateBelow) {
        ahead = undefined;
        if (!(await this.loadOneMessage(cursor, from, totals))) return;
        continue;
      }
      const current = ahead?.from === from ? ahead : this.readBatch(cursor, from);
      ahead = undefined;
      let read: PreparedRead | null;
      let outcome: LoadOutcome | undefined;
      try {
        read = await current.read;
        if (!read) return;
        if (this.loader.isReadingAhead) ahead = this.readBatch(cursor, read.next);
        const started = performance.now();
        outcome = await this.loadInTransaction(cursor, from, read.next, read.batch, current.now);
        if (this.loader.threadCost === 'load')
          this.learnThreadTime(performance.now() - started, read.messages);
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
  private loadInTransaction(
    cursor: SubscriptionCursor,
    from: number,
    next: number,
    batch: PreparedBatch,
    now: number,
  ): Promise<LoadOutcome | undefined> {
    return this.loader.load(
      cursor.advanceQuery(from, next),
      batch,
      { groupIds: this.groupIds, vmIds: this.vmIds },
      now,
    );
  }

  /**
   * Loads the one message at offset `from` in-thread; when it fails to load for any reason but a
   * transient store failure, stores it as a whole-message reject with the reason and moves the
   * cursor past it. False when no message waits.
   */
  private async loadOneMessage(
    cursor: SubscriptionCursor,
    from: number,
    totals: IngestTotals,
  ): Promise<boolean> {
    const stored = (await cursor.read(from, 1))[0];
    if (!stored) return false;
    const next = stored.offset + 1;
    const now = Math.floor(this.clock() / 1000);
    const message = toIngestMessage(stored);
    let failure: unknown;
    try {
      const batch = this.loader.prepare([message], now);
      const outcome = await this.loadInTransaction(cursor, from, next, batch, now);
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
      message: messageRefOf(message),
      recordIndex: null,
      recordKind: null,
      recordSite: message.publisherSite,
    };
    const reason = `the message could not be stored (${shortReason(failure)}); its records were not loaded`;
    await this.loader.reject(cursor.advanceQuery(from, next), [
      rejectOf(origin, 'HUB_INGEST_FAILED', reason, now),
    ]);
    totals.messages += 1;
    totals.rejected += 1;
    return true;
  }

  /** Keeps the ids a committed batch created (as copies), and tells the loader. */
  private remember(outcome: LoadOutcome): void {
    if (this.groupIds.size > ID_CACHE_LIMIT) this.groupIds.clear();
    if (this.vmIds.size > ID_CACHE_LIMIT) this.vmIds.clear();
    for (const [k, id] of outcome.newIds.groupIds) this.groupIds.set(detached(k), id);
    if (outcome.newIds.vmIds.size === 0) return;
    const vmIds = new Map<string, number>();
    for (const [k, id] of outcome.newIds.vmIds) vmIds.set(detached(k), id);
    for (const [uuid, id] of vmIds) this.vmIds.set(uuid, id);
    this.loader.committed(vmIds);
  }

  private count(totals: IngestTotals, messages: number, records: number, outcome: LoadOutcome): void {
    totals.messages += messages;
    totals.records += records;
    totals.loaded += outcome.loaded;
    totals.superseded += outcome.superseded;
    totals.rejected += outcome.rejected;
  }

  /**
   * Starts reading and preparing up to a batch of messages from offset `from` (null when none
   * wait), sized to the thread budget. Decoding runs before the transaction opens: on SQLite a
   * transaction holds the one connection.
   */
  private readBatch(cursor: SubscriptionCursor, from: number): ReadBatch {
    const now = Math.floor(this.clock() / 1000);
    const started = performance.now();
    const read = this.loader.read(cursor, from, this.nextBatchMessages(), now);
    if (this.loader.threadCost === 'prepare') {
      read
        .then((r) => r && this.learnThreadTime(performance.now() - started, r.messages))
        .catch(() => undefined);
    }
    // a batch read ahead may be dropped unawaited; its failure is raised where it is awaited
    read.catch(() => undefined);
    return { from, now, read };
  }
}

/** The first line of an error's message, at most 200 characters, for a reject's reason. */
function shortReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line || 'unknown error';
}

/**
 * A copy of `s` that holds no other string alive. Keys cut from a batch's text may be views of all
 * of it (V8 slices): cached as they are, a few new VMs per batch would keep every batch's text.
 */
function detached(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
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
