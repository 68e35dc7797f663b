// Ingest into SQLite: batches read and prepared in a worker thread, written synchronously on the raw connection.
import type { CompiledQuery, Insertable } from 'kysely';
import type { SubscriptionCursor } from '../messaging/subscription-cursor.js';
import type { AccountingRejectTable } from '../store/hub-database.js';
import type { HubDb } from '../store/messaging-queries.js';
import type { SqliteConnection } from '../store/sqlite-connection.js';
import { BatchPrepareWorker, prepareSqliteBatch } from './batch-prepare-worker.js';
import type { LearnedVmIds, PreparedRead } from './batch-prepare-worker.js';
import type { IngestMessage, PreparedBatch } from './ingest-batch.js';
import type { IngestLoader, IngestLoaderOptions } from './ingest-loader.js';
import { readInThread, rejectWithAdvance } from './ingest-loader.js';
import type { IdCaches, LoadOutcome } from './load-batch.js';
import { loadBatchSqlite, runSqliteIngestTransaction } from './sqlite-load-batch.js';

/**
 * The {@link IngestLoader} of the embedded SQLite database. On a database file, batches are read
 * and prepared by a {@link BatchPrepareWorker} while this thread writes the batch before; the
 * worker is taught the VMs each committed batch numbered, so it numbers their later records itself.
 */
export class SqliteIngestLoader implements IngestLoader {
  readonly threadCost = 'load';
  private readonly db: HubDb;
  private readonly sqlite: SqliteConnection;
  private readonly options: IngestLoaderOptions;
  private preparer: BatchPrepareWorker | undefined;
  /** VMs numbered by committed batches, for the worker's next request. */
  private toTeach = { uuids: [] as string[], ids: [] as number[] };

  constructor(db: HubDb, sqlite: SqliteConnection, options: IngestLoaderOptions) {
    this.db = db;
    this.sqlite = sqlite;
    this.options = options;
  }

  get isReadingAhead(): boolean {
    return this.preparer?.isThreaded === true;
  }

  prepare(messages: readonly IngestMessage[], now: number): PreparedBatch {
    return prepareSqliteBatch(messages, now, true);
  }

  read(cursor: SubscriptionCursor, from: number, limit: number, now: number): Promise<PreparedRead | null> {
    const here = () => readInThread(cursor, from, limit, (messages) => this.prepare(messages, now));
    const file = this.sqlite.database;
    if (this.options.isWorkerUsed && !file.memory) {
      this.preparer ??= new BatchPrepareWorker(file.name, this.options.logger);
    }
    if (!this.preparer) return here();
    const learned: LearnedVmIds | undefined = this.toTeach.uuids.length > 0 ? this.toTeach : undefined;
    this.toTeach = { uuids: [], ids: [] };
    return this.preparer.prepare(cursor.readQuery(from, limit), now, here, learned);
  }

  async load(
    advance: CompiledQuery,
    batch: PreparedBatch,
    known: IdCaches,
    now: number,
  ): Promise<LoadOutcome | undefined> {
    return runSqliteIngestTransaction(this.db, this.sqlite, advance, () =>
      loadBatchSqlite(this.db, this.sqlite, batch, known, now),
    );
  }

  async reject(advance: CompiledQuery, rejects: readonly Insertable<AccountingRejectTable>[]): Promise<void> {
    await rejectWithAdvance(this.db, advance, rejects);
  }

  committed(vmIds: ReadonlyMap<string, number>): void {
    if (!this.isReadingAhead) return;
    for (const [uuid, id] of vmIds) {
      this.toTeach.uuids.push(uuid);
      this.toTeach.ids.push(id);
    }
  }

  async close(): Promise<void> {
    await this.preparer?.close();
    this.preparer = undefined;
  }
}
