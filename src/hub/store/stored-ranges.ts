// What a stored accounting value may be for the hub's sums and dates to stay exact and printable.
import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';

/**
 * Largest magnitude of a counter, duration or size the summaries and views add up: 2^40. Ingest
 * refuses far smaller values (see docs/accounting.md); this is the reads' own guard against rows
 * that older code, a manual edit or a bug stored. Sums of up to 2^23 (8 million) such values per
 * group cannot leave the 64-bit range.
 */
export const MAX_STORED_MAGNITUDE = 2 ** 40;
/** Earliest stored epoch second a read formats as a date: 1970-01-01. */
export const MIN_STORED_EPOCH_SECONDS = 0;
/** Latest stored epoch second a read formats as a date: 9999-12-31T23:59:59Z. */
export const MAX_STORED_EPOCH_SECONDS = 253_402_300_799;

/** SQL true when every listed column is null or within ±{@link MAX_STORED_MAGNITUDE}. */
export function magnitudesSane(columns: readonly string[]): RawBuilder<boolean> {
  return sql<boolean>`(${sql.join(
    columns.map(
      (c) =>
        sql`(${sql.ref(c)} is null or ${sql.ref(c)} between ${-MAX_STORED_MAGNITUDE} and ${MAX_STORED_MAGNITUDE})`,
    ),
    sql` and `,
  )})`;
}

/** SQL true when every listed column is null or an epoch second a date can show. */
export function epochsSane(columns: readonly string[]): RawBuilder<boolean> {
  return sql<boolean>`(${sql.join(
    columns.map(
      (c) =>
        sql`(${sql.ref(c)} is null or ${sql.ref(c)} between ${MIN_STORED_EPOCH_SECONDS} and ${MAX_STORED_EPOCH_SECONDS})`,
    ),
    sql` and `,
  )})`;
}

/**
 * An epoch second as an ISO 8601 string, or null when absent or outside what a date can show
 * (a stored value must never fail a whole read).
 */
export function isoOrNull(epochSeconds: unknown): string | null {
  if (epochSeconds === null || epochSeconds === undefined) return null;
  const value = Number(epochSeconds);
  if (!Number.isFinite(value) || value < MIN_STORED_EPOCH_SECONDS || value > MAX_STORED_EPOCH_SECONDS)
    return null;
  return new Date(value * 1000).toISOString();
}
