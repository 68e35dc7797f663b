// Reads and prepares SQLite ingest batches in a worker thread, overlapping that with the writes of the batch before.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CompiledQuery } from 'kysely';
import type { Logger } from '../../log.js';
import type { IngestMessage, PreparedBatch } from './ingest-batch.js';
import { BatchBuilder } from './prepare-batch.js';

/** A batch to read and prepare, as posted to the worker: the message query and the load time. */
export interface BatchPrepareRequest {
  readonly id: number;
  /** Load time, epoch seconds. */
  readonly now: number;
  /** The SQLite database file. */
  readonly file: string;
  readonly sql: string;
  readonly parameters: readonly unknown[];
  /** VMs numbered by the batches committed since the last request (the worker keeps them). */
  readonly learnedVmIds?: LearnedVmIds;
}

/** VMUUIDs and their numbers (`cloud_vms.id`), by position. */
export interface LearnedVmIds {
  readonly uuids: readonly string[];
  readonly ids: readonly number[];
}

/** A batch read and prepared; null when no message waited. */
export interface PreparedRead {
  /** Offset after the last message read. */
  readonly next: number;
  /** Messages read. */
  readonly messages: number;
  readonly batch: PreparedBatch;
}

/** The worker's answer: the batch read (cloud entries packed), or why it failed. */
export type BatchPrepareResponse =
  | { readonly id: number; readonly read: PreparedRead | null; readonly error?: undefined }
  | { readonly id: number; readonly error: string; readonly read?: undefined };

interface Pending {
  readonly resolve: (read: PreparedRead | null) => void;
  readonly reject: (error: unknown) => void;
  /** Reads and prepares the same batch in this thread. */
  readonly fallback: () => Promise<PreparedRead | null>;
}

const THREAD_URL = new URL('./batch-prepare-thread.js', import.meta.url);

/**
 * Prepares `messages` in this thread, the way SQLite ingest does (no per-key deduplication); with
 * `isCloudPacked` the cloud entries come packed (`packedCloud`, `cloud` empty), as the worker sends
 * them, numbered where `knownVmIds` knows their VM.
 */
export function prepareSqliteBatch(
  messages: Iterable<IngestMessage>,
  now: number,
  isCloudPacked = false,
  knownVmIds?: ReadonlyMap<string, number>,
): PreparedBatch {
  const builder = new BatchBuilder(now, { isDedupeNeeded: false, isCloudPacked, knownVmIds });
  for (const m of messages) builder.add(m);
  return builder.finish();
}

/**
 * A worker thread that reads ingest batches (on a read-only connection of its own) and decodes and
 * prepares them (base64, APEL parsing, rows) while the main thread writes the batch before: on two
 * cores the overlap takes that work off the thread that writes. Optional by design: when the thread
 * cannot start (no built worker file, as under vitest, or a failed spawn), fails or dies, batches
 * are read and prepared in the calling thread instead, with the same result. The thread is
 * unreferenced while idle, so it never holds the process open.
 */
export class BatchPrepareWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private readonly file: string;
  private readonly logger: Logger;

  /** Starts the thread for database `file`; without it every batch is prepared in-thread. */
  constructor(file: string, logger: Logger, threadUrl: URL = THREAD_URL) {
    this.file = file;
    this.logger = logger;
    if (!existsSync(fileURLToPath(threadUrl))) return;
    try {
      const worker = new Worker(threadUrl);
      worker.on('message', (response: BatchPrepareResponse) => this.settle(response));
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => this.fail(new Error(`batch prepare worker exited with code ${code}`)));
      worker.unref();
      this.worker = worker;
    } catch (error) {
      this.logger.warn({ err: error }, 'batch prepare worker did not start; preparing in-thread');
    }
  }

  /** True while batches go to the worker thread. */
  get isThreaded(): boolean {
    return this.worker !== undefined;
  }

  /**
   * Reads the messages `query` selects and prepares them at load time `now`, in the worker when it
   * runs, else (or when it fails) with `fallback`, which must do the same in this thread. The worker
   * first learns `learnedVmIds`, the VMs numbered by the batches committed since the last request:
   * it numbers the entries of known VMs itself (committed numbers never change).
   */
  prepare(
    query: CompiledQuery,
    now: number,
    fallback: () => Promise<PreparedRead | null>,
    learnedVmIds?: LearnedVmIds,
  ): Promise<PreparedRead | null> {
    const worker = this.worker;
    if (!worker) return fallback();
    const request: BatchPrepareRequest = {
      id: this.nextId++,
      now,
      file: this.file,
      sql: query.sql,
      parameters: query.parameters,
      learnedVmIds,
    };
    return new Promise<PreparedRead | null>((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(request.id, { resolve, reject, fallback });
      worker.postMessage(request);
    });
  }

  /** Stops the thread; batches still pending are prepared in-thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.fail(undefined);
    await worker?.terminate();
  }

  private settle(response: BatchPrepareResponse): void {
    const p = this.pending.get(response.id);
    if (!p) return;
    this.pending.delete(response.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (response.read !== undefined) p.resolve(response.read);
    else p.fallback().then(p.resolve, p.reject);
  }

  /** Drops the worker and prepares what it still held in this thread. */
  private fail(error: unknown): void {
    if (!this.worker) return;
    if (error !== undefined) {
      this.logger.warn({ err: error }, 'batch prepare worker failed; preparing in-thread');
    }
    this.worker.removeAllListeners();
    this.worker.on('error', () => undefined);
    this.worker = undefined;
    const held = [...this.pending.values()];
    this.pending.clear();
    for (const p of held) p.fallback().then(p.resolve, p.reject);
  }
}
