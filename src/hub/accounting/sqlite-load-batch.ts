// SQLite ingest: loads a prepared batch with statements prepared once and run row by row, in one transaction.
import type { CompiledQuery, Insertable } from 'kysely';
import { bumpStateQuery, siteCountersQuery } from '../store/accounting-queries.js';
import type { AccountingRejectTable } from '../store/hub-database.js';
import type { HubDb } from '../store/messaging-queries.js';
import type { SqliteConnection } from '../store/sqlite-connection.js';
import {
  CLOUD_CHUNK_ROWS,
  insertRejectSqlite,
  resolveCloudGroupSqlite,
  resolveCloudVmSqlite,
  sqliteAccountingStatements,
} from '../store/sqlite-accounting-statements.js';
import type { SqliteAccountingStatements } from '../store/sqlite-accounting-statements.js';
import type { PreparedBatch, RecordOrigin } from './ingest-batch.js';
import { conflictOf, settleCopies } from './ingest-batch.js';
import type { IdCaches, LoadOutcome } from './load-batch.js';
import type { PackedCloud } from './ingest-batch.js';
import { packCloudEntries, packedStringIndex, readPackedRow, unpackStrings } from './packed-cloud.js';
import { CLOUD_ROW } from './record-rows.js';
import { CLOUD_RECORDS_VERSION } from './summariser.js';

/**
 * Runs `load` in one IMMEDIATE transaction on the store's connection (held through `db`, so no
 * kysely query interleaves), after `moveCursor` moved the consumer's cursor; resolves undefined,
 * loading nothing, when the cursor was moved meanwhile (the update touched no row).
 *
 * The commit runs with `synchronous=NORMAL` instead of the connection's FULL: in WAL mode a power
 * loss can then roll back the last commits, but never corrupts the database. That loses no data
 * here: the messages were committed (with FULL) when published, and the cursor moves in the same
 * transaction as the rows, so a rolled-back batch is read and loaded again on restart (loading is
 * idempotent). The next FULL commit (a publish) syncs the WAL, earlier ingest commits with it.
 * SQLite refuses to change `synchronous` inside a transaction, so it is set around it.
 */
export async function runSqliteIngestTransaction<T>(
  db: HubDb,
  sqlite: SqliteConnection,
  moveCursor: CompiledQuery,
  load: () => T,
): Promise<T | undefined> {
  return db.connection().execute(async () => {
    sqlite.database.pragma('synchronous = NORMAL');
    try {
      return sqlite.database
        .transaction(() => (sqlite.run(moveCursor).changes === 1 ? load() : undefined))
        .immediate();
    } finally {
      sqlite.database.pragma('synchronous = FULL');
    }
  });
}

/**
 * The SQLite counterpart of `loadBatch` (same outcome, same rows, same rejects in the same order),
 * synchronous, inside {@link runSqliteIngestTransaction}. Cloud rows go in chunks of
 * {@link CLOUD_CHUNK_ROWS} (see {@link CloudChunkWriter}); the other kinds, few, one statement each.
 */
export function loadBatchSqlite(
  db: HubDb,
  sqlite: SqliteConnection,
  batch: PreparedBatch,
  known: IdCaches,
  now: number,
): LoadOutcome {
  const s = sqliteAccountingStatements(sqlite, db);
  const conflicts: Insertable<AccountingRejectTable>[] = [];
  const newIds = { groupIds: new Map<string, number>(), vmIds: new Map<string, number>() };
  let superseded = batch.superseded;
  let loaded = 0;

  // the consumer hands over packed batches; a batch of listed entries is packed here, so one loader serves both
  const packed = batch.packedCloud ?? packCloudEntries(batch.cloud);
  const cloudChanged = loadPackedCloud(s, batch, packed, known, newIds, conflicts, now);
  loaded += cloudChanged;
  superseded += packed.count - cloudChanged - conflicts.length;

  for (const [rows, upsert] of [
    [batch.ip, s.ipUpsert],
    [batch.accelerator, s.acceleratorUpsert],
  ] as const) {
    for (const row of rows) {
      if (upsert.run(row).changes > 0) loaded++;
      else superseded++;
    }
  }

  for (const e of batch.storage) {
    if (s.storageUpsert.run(e.row).changes > 0) {
      loaded++;
      continue;
    }
    const stored = s.storageSite.get(e.recordId) as { site_name: string | null } | undefined;
    if (stored !== undefined && (stored.site_name ?? '') !== (e.site ?? '')) {
      conflicts.push(conflictOf(e.origin, `RecordId ${e.recordId}`, now));
    } else superseded++;
  }

  // one statement per message (not per record): a digest stored already marks a copy
  const rejects = settleCopies(
    batch,
    conflicts,
    (m) => s.insertMessageDigest.run(m.publisher, m.digest, now).changes === 0,
  );
  for (const r of rejects) insertRejectSqlite(s, r);
  for (const [site, counts] of batch.sites) sqlite.run(siteCountersQuery(db, site, counts, now).compile());
  if (cloudChanged > 0) sqlite.run(bumpStateQuery(db, CLOUD_RECORDS_VERSION).compile());
  return { loaded, superseded, rejected: rejects.length, newIds };
}

/** The number of a VMUUID: cached, numbered earlier in this batch, or numbered now. */
function vmIdOf(
  s: Parameters<typeof resolveCloudVmSqlite>[0],
  uuid: string,
  known: IdCaches,
  newIds: LoadOutcome['newIds'],
): number {
  let vmId = known.vmIds.get(uuid) ?? newIds.vmIds.get(uuid);
  if (vmId === undefined) {
    vmId = resolveCloudVmSqlite(s, uuid);
    newIds.vmIds.set(uuid, vmId);
  }
  return vmId;
}

/**
 * Upserts the packed cloud entries (numbering their group and VM first, unless the packer knew the
 * VM's number) and returns how many changed a row; pushes a conflict for each one kept out by a row
 * of another site. Group ids are remembered by string index instead of looked up by key per entry.
 */
function loadPackedCloud(
  s: SqliteAccountingStatements,
  batch: PreparedBatch,
  packed: PackedCloud,
  known: IdCaches,
  newIds: LoadOutcome['newIds'],
  conflicts: Insertable<AccountingRejectTable>[],
  now: number,
): number {
  const strings = unpackStrings(packed);
  const groupIdByString = new Map<number, number>();
  const writer = new CloudChunkWriter(s, (i) => {
    const uuid = strings[packedStringIndex(packed, i, CLOUD_ROW.vmId)]!;
    const origin: RecordOrigin = {
      message: packed.messages[packed.messageIndexes[i]!]!,
      recordIndex: packed.recordIndexes[i]!,
      recordKind: 'cloud',
      recordSite: strings[packedStringIndex(packed, i, CLOUD_ROW.site)]!,
    };
    conflicts.push(conflictOf(origin, `VMUUID ${uuid}`, now));
  });
  for (let i = 0; i < packed.count; i++) {
    const row = writer.nextRow(i);
    readPackedRow(packed, strings, i, row);
    const groupString = packedStringIndex(packed, i, CLOUD_ROW.groupId);
    let groupId = groupIdByString.get(groupString);
    if (groupId === undefined) {
      const groupKey = strings[groupString]!;
      groupId = known.groupIds.get(groupKey) ?? newIds.groupIds.get(groupKey);
      if (groupId === undefined) {
        groupId = resolveCloudGroupSqlite(s, groupKey, batch.groups.get(groupKey)!);
        newIds.groupIds.set(groupKey, groupId);
      }
      groupIdByString.set(groupString, groupId);
    }
    row[CLOUD_ROW.groupId] = groupId;
    const numbered = packed.vmIds[i]!;
    row[CLOUD_ROW.vmId] = numbered > 0 ? numbered : vmIdOf(s, row[CLOUD_ROW.vmId] as string, known, newIds);
    writer.commitRow();
  }
  writer.finish();
  return writer.changed;
}

/**
 * Writes cloud rows {@link CLOUD_CHUNK_ROWS} to a statement (the rest one by one): fewer statement
 * runs cost less than the longer bindings (measured: 5–8 % more ingest throughput than one row per
 * statement). A statement reports only how many rows it changed; when that is fewer than its rows,
 * the stored site of each of them tells the conflicts, as the guard only refuses another site's
 * row or an older one: a row is in conflict exactly when its key is held by another site.
 */
class CloudChunkWriter {
  /** Rows changed so far. */
  changed = 0;
  private readonly params = new Array<unknown>(CLOUD_CHUNK_ROWS * CLOUD_ROW.columns);
  private readonly rows: unknown[][];
  private readonly refs = new Array<number>(CLOUD_CHUNK_ROWS);
  private filled = 0;

  /** `onConflict(ref, holder)`: the row added as `ref` was refused because site `holder` holds its key. */
  constructor(
    private readonly s: SqliteAccountingStatements,
    private readonly onConflict: (ref: number, holder: string) => void,
  ) {
    this.rows = Array.from({ length: CLOUD_CHUNK_ROWS }, () => new Array<unknown>(CLOUD_ROW.columns));
  }

  /** The array to fill with the next row (its columns in CLOUD_ROW order), known to the caller as `ref`. */
  nextRow(ref: number): unknown[] {
    this.refs[this.filled] = ref;
    return this.rows[this.filled]!;
  }

  /** Takes the row filled since {@link nextRow}; writes the chunk when it is full. */
  commitRow(): void {
    const row = this.rows[this.filled]!;
    const base = this.filled * CLOUD_ROW.columns;
    for (let c = 0; c < CLOUD_ROW.columns; c++) this.params[base + c] = row[c];
    if (++this.filled === CLOUD_CHUNK_ROWS) {
      const changed = this.s.cloudUpsertChunk.run(this.params).changes;
      this.changed += changed;
      if (changed < CLOUD_CHUNK_ROWS) this.findConflicts(CLOUD_CHUNK_ROWS);
      this.filled = 0;
    }
  }

  /** Writes the rows of a chunk left unfilled, one statement each. */
  finish(): void {
    let changed = 0;
    for (let j = 0; j < this.filled; j++) changed += this.s.cloudUpsert.run(this.rows[j]!).changes;
    this.changed += changed;
    if (changed < this.filled) this.findConflicts(this.filled);
    this.filled = 0;
  }

  private findConflicts(count: number): void {
    for (let j = 0; j < count; j++) {
      const row = this.rows[j]!;
      const site = row[CLOUD_ROW.site] as string;
      const holder = this.s.cloudSite.get(row[CLOUD_ROW.vmId], row[CLOUD_ROW.year], row[CLOUD_ROW.month]) as
        string | undefined;
      if (holder !== undefined && holder !== site) this.onConflict(this.refs[j]!, holder);
    }
  }
}
