// Worker thread entry of BatchPrepareWorker: reads, decodes and prepares batches, cloud entries packed.
import Database from 'better-sqlite3';
import { parentPort } from 'node:worker_threads';
import type { BatchPrepareRequest, BatchPrepareResponse, PreparedRead } from './batch-prepare-worker.js';
import { prepareSqliteBatch } from './batch-prepare-worker.js';
import { toIngestMessage } from './ingest-batch.js';
import { toStoredMessage } from '../messaging/subscription-cursor.js';
import { ID_CACHE_LIMIT } from './ingest-batch.js';
import { packedCloudTransfers } from './packed-cloud.js';
import type { MessageRow } from '../store/messaging-queries.js';

const connections = new Map<string, Database.Database>();
const statements = new Map<string, Database.Statement>();
/** Per database file, VMUUID → number of the VMs the writing thread numbered and committed. */
const knownVmIds = new Map<string, Map<string, number>>();

/** The known VMs of the request's database, with what the request teaches added. */
function learn(request: BatchPrepareRequest): Map<string, number> {
  let known = knownVmIds.get(request.file);
  if (!known) knownVmIds.set(request.file, (known = new Map()));
  const learned = request.learnedVmIds;
  if (learned) {
    if (known.size + learned.uuids.length > ID_CACHE_LIMIT) known.clear();
    for (let i = 0; i < learned.uuids.length; i++) known.set(learned.uuids[i]!, learned.ids[i]!);
  }
  return known;
}

/** The statement of the request's query, on a read-only connection of its own (WAL: no blocking). */
function statementOf(request: BatchPrepareRequest): Database.Statement {
  let db = connections.get(request.file);
  if (!db) {
    db = new Database(request.file, { readonly: true, fileMustExist: true });
    connections.set(request.file, db);
  }
  const key = `${request.file}\u0000${request.sql}`;
  let statement = statements.get(key);
  if (!statement) statements.set(key, (statement = db.prepare(request.sql)));
  return statement;
}

/**
 * Reads and prepares the messages the request selects. Rows are read one at a time, so each
 * message's data can be collected as soon as it is decoded instead of living through the batch.
 */
function prepareRequest(request: BatchPrepareRequest): PreparedRead | null {
  let messages = 0;
  let last = 0;
  // the statement runs only once the generator does, so nothing can leave it open unread
  function* ingestMessages() {
    const rows = statementOf(request).iterate(...request.parameters) as IterableIterator<MessageRow>;
    for (const row of rows) {
      messages++;
      last = Number(row.msg_offset);
      yield toIngestMessage(toStoredMessage(row));
    }
  }
  const batch = prepareSqliteBatch(ingestMessages(), request.now, true, learn(request));
  return messages === 0 ? null : { next: last + 1, messages, batch };
}

parentPort?.on('message', (request: BatchPrepareRequest) => {
  let response: BatchPrepareResponse;
  let transfers: ArrayBuffer[] = [];
  try {
    const read = prepareRequest(request);
    if (read) transfers = packedCloudTransfers(read.batch.packedCloud!);
    response = { id: request.id, read };
  } catch (error) {
    // the caller reads and prepares this batch in its own thread again, raising the same error there
    response = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(response, transfers);
});
