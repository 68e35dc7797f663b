// The hub's database handle: one kysely instance over SQLite (default) or PostgreSQL.
import { Kysely } from 'kysely';
import { StoreError } from '../../errors.js';
import type { HubDatabase } from './hub-database.js';
import { createPostgresDialect } from './postgres-connection.js';
import { openSqlite } from './sqlite-connection.js';
import type { SqliteConnection } from './sqlite-connection.js';

/** Which SQL backend a store runs on. */
export type HubDialect = 'sqlite' | 'postgres';

/** Where the hub keeps its data: a SQLite file or a PostgreSQL URL. */
export type HubStoreLocation =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema?: string };

/** The open database of the hub; closing it ends the pool or file handle. */
export class HubStore {
  readonly db: Kysely<HubDatabase>;
  readonly dialect: HubDialect;
  readonly location: HubStoreLocation;
  /** On SQLite, the better-sqlite3 handle under `db` (see {@link SqliteConnection}); else undefined. */
  readonly sqlite: SqliteConnection | undefined;

  private constructor(db: Kysely<HubDatabase>, location: HubStoreLocation, sqlite?: SqliteConnection) {
    this.db = db;
    this.dialect = location.kind;
    this.location = location;
    this.sqlite = sqlite;
  }

  /**
   * Opens the store at `location` (no migrations are run; see `migrateToLatest`).
   * @throws StoreError (`STORE_ERROR`) when the file cannot be opened.
   */
  static open(location: HubStoreLocation): HubStore {
    try {
      if (location.kind === 'sqlite') {
        const { dialect, connection } = openSqlite(location.file);
        return new HubStore(new Kysely<HubDatabase>({ dialect }), location, connection);
      }
      const dialect = createPostgresDialect(location.url, location.schema ? { schema: location.schema } : {});
      return new HubStore(new Kysely<HubDatabase>({ dialect }), location);
    } catch (error) {
      throw new StoreError(`cannot open the hub database (${describeLocation(location)})`, { cause: error });
    }
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    await this.db.destroy();
  }
}

/** A secret-free description of a store location (a PostgreSQL URL loses its password). */
export function describeLocation(location: HubStoreLocation): string {
  if (location.kind === 'sqlite') return `sqlite ${location.file}`;
  try {
    const url = new URL(location.url);
    url.password = '';
    return `postgres ${url.toString()}${location.schema ? ` schema ${location.schema}` : ''}`;
  } catch {
    return 'postgres (unparsable URL)';
  }
}
