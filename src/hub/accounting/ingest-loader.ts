// The contract of an ingest backend: prepare batches, and write one with the cursor move in one transaction.
import type { CompiledQuery, Insertable } from 'kysely';
import type { Logger } from '../../log.js';
import type { SubscriptionCursor } from '../messaging/subscription-cursor.js';
import type { AccountingRejectTable } from '../store/hub-database.js';
import type { PreparedRead } from './batch-prepare-worker.js';
import { toIngestMessage } from './ingest-batch.js';
import type { IngestMessage, PreparedBatch } from './ingest-batch.js';
import type { IdCaches, LoadOutcome } from './load-batch.js';
import { insertRejects } from '../store/accounting-queries.js';
import type { HubDb } from '../store/messaging-queries.js';

/**
 * One backend's way of loading accounting batches (kysely's dialect pattern: `sqlite-ingest-loader`
 * for the embedded database, `kysely-ingest-loader` for the rest). The consumer reads and sizes
 * batches and isolates failures; the loader decides how a batch is prepared and written.
 */
export interface IngestLoader {
  /**
   * Where a batch holds the thread that answers API requests: while it is written (SQLite, whose
   * driver is synchronous) or while it is prepared (PostgreSQL, written asynchronously).
   */
  readonly threadCost: 'load' | 'prepare';
  /** True when batches are read and prepared off the thread, so reading the next one early pays. */
  readonly isReadingAhead: boolean;
  /** Prepares messages in this thread into the batch this loader writes. */
  prepare(messages: readonly IngestMessage[], now: number): PreparedBatch;
  /** Reads up to `limit` messages from `from` and prepares them; null when none wait. */
  read(cursor: SubscriptionCursor, from: number, limit: number, now: number): Promise<PreparedRead | null>;
  /**
   * In one transaction: runs `advance` (the cursor's compare-and-set) and, when it moved the cursor,
   * writes `batch`. Undefined when the cursor was no longer where `advance` expects it.
   */
  load(
    advance: CompiledQuery,
    batch: PreparedBatch,
    known: IdCaches,
    now: number,
  ): Promise<LoadOutcome | undefined>;
  /** In one transaction: runs `advance` and, when it moved the cursor, stores `rejects`. */
  reject(advance: CompiledQuery, rejects: readonly Insertable<AccountingRejectTable>[]): Promise<void>;
  /** Tells the loader the VMs a committed batch numbered (a worker may number their records itself). */
  committed(vmIds: ReadonlyMap<string, number>): void;
  /** Stops any thread the loader started. */
  close(): Promise<void>;
}

/** Options of {@link createIngestLoader}. */
export interface IngestLoaderOptions {
  readonly logger: Logger;
  /** Whether SQLite ingest on a database file may prepare batches in a worker thread. */
  readonly isWorkerUsed: boolean;
}

/** Runs `advance` and, when it moved the cursor, stores `rejects`, in one transaction (both loaders). */
export async function rejectWithAdvance(
  db: HubDb,
  advance: CompiledQuery,
  rejects: readonly Insertable<AccountingRejectTable>[],
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const moved = await tx.executeQuery(advance);
    if (Number(moved.numAffectedRows) === 1) await insertRejects(tx, rejects);
  });
}

/** Reads up to `limit` messages from `from` and prepares them in this thread with `prepare`. */
export async function readInThread(
  cursor: SubscriptionCursor,
  from: number,
  limit: number,
  prepare: (messages: IngestMessage[]) => PreparedBatch,
): Promise<PreparedRead | null> {
  const messages = await cursor.read(from, limit);
  if (messages.length === 0) return null;
  return {
    next: messages.at(-1)!.offset + 1,
    messages: messages.length,
    batch: prepare(messages.map(toIngestMessage)),
  };
}
