// Tells a database failure that may pass on retry (connection, lock, disk) from one the data causes.

/** PostgreSQL SQLSTATE classes that say nothing about the data: connection, resources, shutdown, system. */
const POSTGRES_TRANSIENT_CLASSES = new Set(['08', '53', '57', '58']);
/** PostgreSQL SQLSTATEs of a transaction that lost a race and may simply be run again. */
const POSTGRES_TRANSIENT_STATES = new Set(['40001', '40P01']);
/** SQLite result codes of a busy, locked, full or failing database (better-sqlite3's `code`). */
const SQLITE_TRANSIENT = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|NOMEM|INTERRUPT|PROTOCOL|READONLY)/;
/** Node's network error codes (a PostgreSQL connection that dropped). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * True when `error` is a store failure that says nothing about the data being written, so a retry
 * later may succeed and the data must not be rejected: lost connections, lock waits, a full or
 * read-only disk, serialisation failures. Anything else (a value out of range, a constraint, a
 * bug in our code) is the data's, and ingest sets the message aside as a reject.
 */
export function isTransientStoreError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (SQLITE_TRANSIENT.test(code) || NETWORK_CODES.has(code)) return true;
      if (/^[0-9A-Z]{5}$/.test(code)) {
        if (POSTGRES_TRANSIENT_STATES.has(code) || POSTGRES_TRANSIENT_CLASSES.has(code.slice(0, 2)))
          return true;
      }
    }
    const message = (e as { message?: unknown }).message;
    if (
      typeof message === 'string' &&
      /Connection terminated|connection is closed|database is closed/i.test(message)
    )
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
