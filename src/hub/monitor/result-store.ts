// The status history in the hub database: every hard result, the runs of one status the figures read,
// and each series' current state. One batch is one transaction; SQLite through prepared statements,
// PostgreSQL through array parameters (one statement per table and chunk).
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { ResultRun } from '../../formats/availability/index.js';
import type { HubStore } from '../store/hub-store.js';
import type { CheckState, CheckStatus } from './check-state.js';

export const STATUS_CODES: Readonly<Record<CheckStatus, number>> = {
  OK: 0,
  WARNING: 1,
  CRITICAL: 2,
  UNKNOWN: 3,
};
const STATUS_OF: readonly CheckStatus[] = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];

/** What a series measures: one metric of one endpoint. */
export interface SeriesKey {
  readonly endpointKey: string;
  readonly metric: string;
  readonly siteName: string;
  readonly serviceType: string;
  readonly hostname: string;
}

export interface Series extends SeriesKey {
  readonly id: number;
}

/** One hard result to store, with how long it counts (for the runs). */
export interface StoredResult {
  readonly seriesId: number;
  readonly atMs: number;
  readonly status: CheckStatus;
  readonly durationMs: number;
  readonly summary: string;
  readonly perfdata: string;
  readonly validForMs: number;
}

/** The state of a series after a batch, as the scheduler resumes it. */
export interface StoredState {
  readonly seriesId: number;
  readonly state: CheckState;
  readonly lastAtMs: number;
  readonly summary: string;
}

interface OpenRun {
  firstAt: number;
  lastAt: number;
  status: number;
  /** Not yet in the database (inserted at the end of the batch). */
  isNew: boolean;
}

/** Rows per PostgreSQL statement. */
const PG_CHUNK = 20_000;

function chunks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** The monitor's tables. */
export class ResultStore {
  private readonly store: HubStore;
  private readonly seriesIds = new Map<string, number>();
  /** The last run of each series seen, so extending it needs no read. */
  private readonly lastRuns = new Map<number, OpenRun | null>();

  constructor(store: HubStore) {
    this.store = store;
  }

  private get db() {
    return this.store.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
  }

  /** The id of a series, created on first use. */
  async seriesId(key: SeriesKey): Promise<number> {
    const cacheKey = `${key.endpointKey}\u0000${key.metric}`;
    const cached = this.seriesIds.get(cacheKey);
    if (cached !== undefined) return cached;
    await sql`insert into monitor_series (endpoint_key, metric, site_name, service_type, hostname)
      values (${key.endpointKey}, ${key.metric}, ${key.siteName}, ${key.serviceType}, ${key.hostname})
      on conflict (endpoint_key, metric) do update set site_name = excluded.site_name,
        service_type = excluded.service_type, hostname = excluded.hostname`.execute(this.db);
    const row = await sql<{ id: number | string }>`select id from monitor_series
      where endpoint_key = ${key.endpointKey} and metric = ${key.metric}`.execute(this.db);
    const id = Number(row.rows[0]!.id);
    this.seriesIds.set(cacheKey, id);
    return id;
  }

  async allSeries(): Promise<Series[]> {
    const rows = await sql<
      Record<string, string | number>
    >`select id, endpoint_key, metric, site_name, service_type, hostname
      from monitor_series order by id`.execute(this.db);
    return rows.rows.map((r) => ({
      id: Number(r.id),
      endpointKey: String(r.endpoint_key),
      metric: String(r.metric),
      siteName: String(r.site_name),
      serviceType: String(r.service_type),
      hostname: String(r.hostname),
    }));
  }

  /** The stored state of every series, for a restart and the status API. */
  async states(): Promise<StoredState[]> {
    const rows = await sql<
      Record<string, string | number>
    >`select series_id, state, last_at_ms, summary from monitor_state`.execute(this.db);
    return rows.rows.map((r) => ({
      seriesId: Number(r.series_id),
      state: JSON.parse(String(r.state)) as CheckState,
      lastAtMs: Number(r.last_at_ms),
      summary: String(r.summary),
    }));
  }

  private async lastRun(seriesId: number): Promise<OpenRun | null> {
    if (this.lastRuns.has(seriesId)) return this.lastRuns.get(seriesId)!;
    const rows = await sql<
      Record<string, string | number>
    >`select first_at_ms, last_at_ms, status from monitor_runs
      where series_id = ${seriesId} order by first_at_ms desc limit 1`.execute(this.db);
    const r = rows.rows[0];
    const run = r
      ? {
          firstAt: Number(r.first_at_ms),
          lastAt: Number(r.last_at_ms),
          status: Number(r.status),
          isNew: false,
        }
      : null;
    this.lastRuns.set(seriesId, run);
    return run;
  }

  /**
   * Stores hard results and the states after them, in one transaction: each result is added to
   * the history and extends its series' last run (same status, within its validity) or starts a
   * new one. Results of a series must come in time order; an older one than stored is kept in the
   * history but leaves the runs alone.
   */
  async record(results: readonly StoredResult[], states: readonly StoredState[]): Promise<void> {
    const newRuns: [number, OpenRun][] = [];
    // by run, not by series: one batch may extend a series' stored run, then start and extend another
    const touched = new Map<OpenRun, number>();
    for (const r of results) {
      const code = STATUS_CODES[r.status];
      const last = await this.lastRun(r.seriesId);
      if (last && r.atMs < last.lastAt) continue;
      if (last && last.status === code && r.atMs - last.lastAt <= r.validForMs) {
        last.lastAt = r.atMs;
        touched.set(last, r.seriesId);
        continue;
      }
      const run: OpenRun = { firstAt: r.atMs, lastAt: r.atMs, status: code, isNew: true };
      newRuns.push([r.seriesId, run]);
      this.lastRuns.set(r.seriesId, run);
    }
    const extended: [number, OpenRun][] = [...touched]
      .filter(([run]) => !run.isNew)
      .map(([run, id]) => [id, run]);
    try {
      // SQLite: the raw handle, while holding the store's one connection (no kysely transaction meanwhile)
      if (this.store.dialect === 'sqlite')
        await this.store.db
          .connection()
          .execute(async () => this.writeSqlite(results, newRuns, extended, states));
      else await this.writePostgres(results, newRuns, extended, states);
    } catch (error) {
      // the cache may now be ahead of the database: read the runs again next time
      this.lastRuns.clear();
      throw error;
    }
    for (const [, run] of newRuns) run.isNew = false;
  }

  private writeSqlite(
    results: readonly StoredResult[],
    newRuns: readonly [number, OpenRun][],
    extended: readonly [number, OpenRun][],
    states: readonly StoredState[],
  ): void {
    const c = this.store.sqlite!;
    const insertResult = c.prepare(
      'insert or ignore into monitor_results (series_id, at_ms, status, duration_ms, summary, perfdata) values (?, ?, ?, ?, ?, ?)',
    );
    const insertRun = c.prepare(
      'insert or replace into monitor_runs (series_id, first_at_ms, last_at_ms, status) values (?, ?, ?, ?)',
    );
    const updateRun = c.prepare(
      'update monitor_runs set last_at_ms = ? where series_id = ? and first_at_ms = ?',
    );
    const upsertState = c.prepare(
      'insert into monitor_state (series_id, state, last_at_ms, summary) values (?, ?, ?, ?) ' +
        'on conflict (series_id) do update set state = excluded.state, last_at_ms = excluded.last_at_ms, summary = excluded.summary',
    );
    c.database.transaction(() => {
      for (const r of results)
        insertResult.run(
          r.seriesId,
          r.atMs,
          STATUS_CODES[r.status],
          Math.round(r.durationMs),
          r.summary,
          r.perfdata,
        );
      for (const [id, run] of newRuns) insertRun.run(id, run.firstAt, run.lastAt, run.status);
      for (const [id, run] of extended) updateRun.run(run.lastAt, id, run.firstAt);
      for (const s of states) upsertState.run(s.seriesId, JSON.stringify(s.state), s.lastAtMs, s.summary);
    })();
  }

  private async writePostgres(
    results: readonly StoredResult[],
    newRuns: readonly [number, OpenRun][],
    extended: readonly [number, OpenRun][],
    states: readonly StoredState[],
  ): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      for (const part of chunks(results, PG_CHUNK)) {
        await sql`insert into monitor_results (series_id, at_ms, status, duration_ms, summary, perfdata)
          select * from unnest(${part.map((r) => r.seriesId)}::bigint[], ${part.map((r) => r.atMs)}::bigint[],
            ${part.map((r) => STATUS_CODES[r.status])}::smallint[], ${part.map((r) => Math.round(r.durationMs))}::int[],
            ${part.map((r) => r.summary)}::text[], ${part.map((r) => r.perfdata)}::text[])
          on conflict do nothing`.execute(tx);
      }
      for (const part of chunks(newRuns, PG_CHUNK)) {
        await sql`insert into monitor_runs (series_id, first_at_ms, last_at_ms, status)
          select * from unnest(${part.map(([id]) => id)}::bigint[], ${part.map(([, r]) => r.firstAt)}::bigint[],
            ${part.map(([, r]) => r.lastAt)}::bigint[], ${part.map(([, r]) => r.status)}::smallint[])
          on conflict (series_id, first_at_ms) do update set last_at_ms = excluded.last_at_ms, status = excluded.status`.execute(
          tx,
        );
      }
      for (const part of chunks(extended, PG_CHUNK)) {
        await sql`update monitor_runs r set last_at_ms = u.last_at
          from unnest(${part.map(([id]) => id)}::bigint[], ${part.map(([, r]) => r.firstAt)}::bigint[],
            ${part.map(([, r]) => r.lastAt)}::bigint[]) as u(series_id, first_at, last_at)
          where r.series_id = u.series_id and r.first_at_ms = u.first_at`.execute(tx);
      }
      for (const part of chunks(states, PG_CHUNK)) {
        await sql`insert into monitor_state (series_id, state, last_at_ms, summary)
          select * from unnest(${part.map((s) => s.seriesId)}::bigint[], ${part.map((s) => JSON.stringify(s.state))}::text[],
            ${part.map((s) => s.lastAtMs)}::bigint[], ${part.map((s) => s.summary)}::text[])
          on conflict (series_id) do update set state = excluded.state, last_at_ms = excluded.last_at_ms,
            summary = excluded.summary`.execute(tx);
      }
    });
  }

  /** The runs of every series overlapping [fromMs, toMs), by series id, in time order. */
  async runs(fromMs: number, toMs: number): Promise<Map<number, ResultRun[]>> {
    const out = new Map<number, ResultRun[]>();
    // a run that ended before the period still covers its start for its validity: take a day more
    const rows = await sql<
      Record<string, string | number>
    >`select series_id, first_at_ms, last_at_ms, status from monitor_runs
      where last_at_ms >= ${fromMs - 86_400_000} and first_at_ms < ${toMs}
      order by series_id, first_at_ms`.execute(this.db);
    for (const r of rows.rows) {
      const id = Number(r.series_id);
      let list = out.get(id);
      if (!list) out.set(id, (list = []));
      list.push({
        firstAt: Number(r.first_at_ms),
        lastAt: Number(r.last_at_ms),
        status: STATUS_OF[Number(r.status)]!,
      });
    }
    return out;
  }

  /** The stored results of one series in [fromMs, toMs), newest first (at most `limit`). */
  async history(seriesId: number, fromMs: number, toMs: number, limit: number) {
    const rows = await sql<
      Record<string, string | number>
    >`select at_ms, status, duration_ms, summary, perfdata from monitor_results
      where series_id = ${seriesId} and at_ms >= ${fromMs} and at_ms < ${toMs} order by at_ms desc limit ${limit}`.execute(
      this.db,
    );
    return rows.rows.map((r) => ({
      atMs: Number(r.at_ms),
      status: STATUS_OF[Number(r.status)]!,
      durationMs: Number(r.duration_ms),
      summary: String(r.summary),
      perfdata: String(r.perfdata),
    }));
  }
}
