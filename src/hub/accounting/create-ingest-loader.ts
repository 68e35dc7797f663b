// Picks the ingest loader of the store's backend.
import type { HubStore } from '../store/hub-store.js';
import type { IngestLoader, IngestLoaderOptions } from './ingest-loader.js';
import { KyselyIngestLoader } from './kysely-ingest-loader.js';
import { SqliteIngestLoader } from './sqlite-ingest-loader.js';

/** The {@link IngestLoader} of `store`'s backend: SQLite's own, or the kysely one. */
export function createIngestLoader(store: HubStore, options: IngestLoaderOptions): IngestLoader {
  return store.sqlite
    ? new SqliteIngestLoader(store.db, store.sqlite, options)
    : new KyselyIngestLoader(store.db);
}
