// Multi-row upserts with a "newer wins" guard, compiled once per shape and reused (both dialects).
import { CompiledQuery, PostgresAdapter, sql } from 'kysely';
import type { Expression, SqlBool } from 'kysely';
import type { HubDatabase } from './hub-database.js';
import type { HubDb } from './messaging-queries.js';

/** A table's upsert: its columns in row order, the conflict key, and when an incoming row may replace. */
export interface UpsertSpec<T extends keyof HubDatabase & string> {
  readonly table: T;
  readonly columns: readonly (keyof HubDatabase[T] & string)[];
  readonly key: readonly (keyof HubDatabase[T] & string)[];
  /**
   * SQL condition (over `excluded.*` and the stored `<table>.*`) under which the incoming row
   * replaces the stored one, e.g. "newer MeasurementTime and same site".
   */
  readonly replaceWhen: Expression<SqlBool>;
}

/**
 * Rows per statement: full chunks, then the tail split into powers of two, so a handful of SQL
 * texts cover every batch and stay prepared. SQLite runs in-process and a long VALUES list costs it
 * more per row (measured: 32 rows about 10% faster than 256); PostgreSQL pays a round trip per
 * statement, so it gets long ones.
 */
const CHUNK_ROWS = { sqlite: 32, postgres: 512 } as const;
const compiled = new WeakMap<object, Map<string, string>>();

/** The SQL text of `spec` for `rows` rows (compiled once per shape and backend, then cached). */
export function compileUpsert<T extends keyof HubDatabase & string>(
  db: HubDb,
  spec: UpsertSpec<T>,
  rows: number,
): string {
  let byShape = compiled.get(spec);
  if (!byShape) compiled.set(spec, (byShape = new Map()));
  const cacheKey = `${db.getExecutor().adapter.constructor.name}:${rows}`;
  const hit = byShape.get(cacheKey);
  if (hit) return hit;
  const placeholderRow = Object.fromEntries(spec.columns.map((c) => [c, null]));
  const updates = Object.fromEntries(
    spec.columns.filter((c) => !spec.key.includes(c)).map((c) => [c, sql.ref(`excluded.${c}`)]),
  );
  const query = db
    .insertInto(spec.table)
    .values(Array.from({ length: rows }, () => placeholderRow) as never)
    .onConflict((oc) =>
      oc
        .columns(spec.key as never)
        .doUpdateSet(updates as never)
        .where(() => spec.replaceWhen),
    )
    .compile();
  if (query.parameters.length !== rows * spec.columns.length) {
    throw new Error(`upsert of ${spec.table}: unexpected parameters in the compiled statement`);
  }
  byShape.set(cacheKey, query.sql);
  return query.sql;
}

/**
 * Upserts `rows` (arrays starting with the `spec.columns` values; later elements are ignored) and
 * returns how many were inserted or replaced;
 * rows the guard kept out are not counted. Rows must have distinct keys (PostgreSQL refuses to
 * touch one row twice in a statement).
 */
export async function upsertRows<T extends keyof HubDatabase & string>(
  db: HubDb,
  spec: UpsertSpec<T>,
  rows: readonly (readonly unknown[])[],
): Promise<number> {
  const width = spec.columns.length;
  const chunk = db.getExecutor().adapter instanceof PostgresAdapter ? CHUNK_ROWS.postgres : CHUNK_ROWS.sqlite;
  let changed = 0;
  let i = 0;
  while (i < rows.length) {
    const left = rows.length - i;
    const n = left >= chunk ? chunk : 2 ** Math.floor(Math.log2(left));
    const params: unknown[] = [];
    for (let r = i; r < i + n; r++) {
      const row = rows[r]!;
      for (let c = 0; c < width; c++) params.push(row[c]);
    }
    const result = await db.executeQuery(CompiledQuery.raw(compileUpsert(db, spec, n), params));
    changed += Number(result.numAffectedRows ?? 0n);
    i += n;
  }
  return changed;
}
