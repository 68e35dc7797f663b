// The PostgreSQL side of the hub store: a pg pool whose BIGINTs come back as numbers.
import pg from 'pg';
import { PostgresDialect } from 'kysely';

const INT8_OID = 20;

/** Options of {@link createPostgresDialect}. */
export interface PostgresConnectionOptions {
  /** Schema to work in (set as `search_path`); default the server's default (`public`). */
  schema?: string;
  /** Pool size; default 10. */
  maxConnections?: number;
}

/**
 * Creates a kysely dialect over a pg pool for `url` (`postgres://user@host:port/db`).
 * Our BIGINT columns hold epoch seconds, durations and offsets, all far below 2^53, so int8 values
 * are parsed to numbers (pg returns strings by default).
 */
export function createPostgresDialect(url: string, options: PostgresConnectionOptions = {}): PostgresDialect {
  const types = {
    getTypeParser: ((oid: number, format?: string) =>
      oid === INT8_OID && format !== 'binary'
        ? (value: string) => Number(value)
        : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    types,
    ...(options.schema ? { options: `-c search_path=${quoteIdentifier(options.schema)}` } : {}),
  });
  return new PostgresDialect({ pool });
}

/** Quotes an SQL identifier (doubling embedded quotes). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
