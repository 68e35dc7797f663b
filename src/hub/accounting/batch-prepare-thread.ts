// Worker thread entry of BatchPrepareWorker: reads, decodes and prepares batches, cloud entries packed.
import Database from 'better-sqlite3';
import { parentPort } from 'node:worker_threads';
import type { BatchPrepareRequest, BatchPrepareResponse } from './batch-prepare-worker.js';
import { prepareSqliteBatch, toIngestMessage } from './batch-prepare-worker.js';
import { packedCloudTransfers } from './packed-cloud.js';
import type { MessageRow } from '../store/messaging-queries.js';

const connections = new Map<string, Database.Database>();
const statements = new Map<string, Database.Statement>();

/** The messages the request's query selects, on a read-only connection of its own (WAL: no blocking). */
function readRows(request: BatchPrepareRequest): MessageRow[] {
  let db = connections.get(request.file);
  if (!db) {
    db = new Database(request.file, { readonly: true, fileMustExist: true });
    connections.set(request.file, db);
  }
  const key = `${request.file}\u0000${request.sql}`;
  let statement = statements.get(key);
  if (!statement) statements.set(key, (statement = db.prepare(request.sql)));
  return statement.all(...request.parameters) as MessageRow[];
}

parentPort?.on('message', (request: BatchPrepareRequest) => {
  let response: BatchPrepareResponse;
  let transfers: ArrayBuffer[] = [];
  try {
    const rows = readRows(request);
    if (rows.length === 0) {
      response = { id: request.id, read: null };
    } else {
      const batch = prepareSqliteBatch(rows.map(toIngestMessage), request.now, true);
      transfers = packedCloudTransfers(batch.packedCloud!);
      const next = Number(rows.at(-1)!.msg_offset) + 1;
      response = { id: request.id, read: { next, messages: rows.length, batch } };
    }
  } catch (error) {
    // the caller reads and prepares this batch in its own thread again, raising the same error there
    response = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(response, transfers);
});
