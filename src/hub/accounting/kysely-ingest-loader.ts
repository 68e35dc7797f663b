// Ingest through kysely (PostgreSQL): batches prepared with per-key deduplication, written asynchronously.
import type { CompiledQuery, Insertable } from 'kysely';
import type { SubscriptionCursor } from '../messaging/subscription-cursor.js';
import type { AccountingRejectTable } from '../store/hub-database.js';
import type { HubDb } from '../store/messaging-queries.js';
import type { PreparedRead } from './batch-prepare-worker.js';
import type { IngestMessage, PreparedBatch } from './ingest-batch.js';
import type { IngestLoader } from './ingest-loader.js';
import { readInThread, rejectWithAdvance } from './ingest-loader.js';
import { loadBatch } from './load-batch.js';
import type { IdCaches, LoadOutcome } from './load-batch.js';
import { BatchBuilder } from './prepare-batch.js';

/** The {@link IngestLoader} of a kysely database that writes asynchronously (PostgreSQL). */
export class KyselyIngestLoader implements IngestLoader {
  readonly threadCost = 'prepare';
  readonly isReadingAhead = false;
  private readonly db: HubDb;

  constructor(db: HubDb) {
    this.db = db;
  }

  prepare(messages: readonly IngestMessage[], now: number): PreparedBatch {
    // one upsert statement may not hold a key twice: keep the newest version of each
    const builder = new BatchBuilder(now, { isDedupeNeeded: true });
    for (const m of messages) builder.add(m);
    return builder.finish();
  }

  read(cursor: SubscriptionCursor, from: number, limit: number, now: number): Promise<PreparedRead | null> {
    return readInThread(cursor, from, limit, (messages) => this.prepare(messages, now));
  }

  async load(
    advance: CompiledQuery,
    batch: PreparedBatch,
    known: IdCaches,
    now: number,
  ): Promise<LoadOutcome | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const moved = await tx.executeQuery(advance);
      if (Number(moved.numAffectedRows) !== 1) return undefined;
      return loadBatch(tx, batch, known, now);
    });
  }

  async reject(advance: CompiledQuery, rejects: readonly Insertable<AccountingRejectTable>[]): Promise<void> {
    await rejectWithAdvance(this.db, advance, rejects);
  }

  committed(): void {}

  async close(): Promise<void> {}
}
