// SQLite ingest: loads a prepared batch with statements prepared once and run row by row, in one transaction.
import type { CompiledQuery, Insertable } from 'kysely';
import { bumpStateQuery, siteCountersQuery } from '../store/accounting-queries.js';
import type { AccountingRejectTable } from '../store/hub-database.js';
import type { HubDb } from '../store/messaging-queries.js';
import type { SqliteConnection } from '../store/sqlite-connection.js';
import {
  insertRejectSqlite,
  resolveCloudGroupSqlite,
  resolveCloudVmSqlite,
  sqliteAccountingStatements,
} from '../store/sqlite-accounting-statements.js';
import type { SqliteAccountingStatements } from '../store/sqlite-accounting-statements.js';
import type { MessageRef, PreparedBatch, RecordOrigin } from './ingest-batch.js';
import { rejectOf } from './ingest-batch.js';
import type { IdCaches, LoadOutcome } from './load-batch.js';
import type { PackedCloud } from './packed-cloud.js';
import { packedStringIndex, readPackedRow, unpackStrings } from './packed-cloud.js';
import { CLOUD_ROW } from './record-rows.js';
import { CLOUD_RECORDS_VERSION } from './summariser.js';

function conflict(origin: RecordOrigin, what: string, heldBy: string | null, now: number) {
  return rejectOf(
    origin,
    'HUB_RECORD_CONFLICT',
    `${what} is already held by site ${heldBy ?? '(none)'}`,
    now,
  );
}

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
 * synchronous, inside {@link runSqliteIngestTransaction}. Rows go one statement each: SQLite runs
 * in-process, so a prepared single-row upsert costs less than compiling and binding multi-row ones,
 * and its `changes` tells at once whether the guard kept a stored row (then the stored site tells a
 * cross-site conflict from an older version).
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

  const packed = batch.packedCloud;
  const cloudChanged = packed
    ? loadPackedCloud(s, batch, packed, known, newIds, conflicts, now)
    : loadCloud(s, batch, known, newIds, conflicts, now);
  loaded += cloudChanged;
  superseded += (packed ? packed.count : batch.cloud.length) - cloudChanged - conflicts.length;

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
      conflicts.push(conflict(e.origin, `RecordId ${e.recordId}`, stored.site_name, now));
    } else superseded++;
  }

  for (const c of conflicts) {
    const counters = c.record_site ? batch.sites.get(String(c.record_site)) : undefined;
    if (counters) {
      counters.received--;
      counters.rejected++;
    }
  }
  for (const r of batch.rejects) insertRejectSqlite(s, r);
  for (const r of conflicts) insertRejectSqlite(s, r);
  for (const [site, counts] of batch.sites) sqlite.run(siteCountersQuery(db, site, counts, now).compile());
  if (cloudChanged > 0) sqlite.run(bumpStateQuery(db, CLOUD_RECORDS_VERSION).compile());
  return { loaded, superseded, rejected: batch.rejects.length + conflicts.length, newIds };
}

/**
 * Upserts the cloud entries (numbering their group and VM first) and returns how many changed a
 * row; pushes a conflict for each one kept out by a row of another site. Each entry is cut to its
 * row's columns (its message and record index are read first).
 */
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

function loadCloud(
  s: SqliteAccountingStatements,
  batch: PreparedBatch,
  known: IdCaches,
  newIds: LoadOutcome['newIds'],
  conflicts: Insertable<AccountingRejectTable>[],
  now: number,
): number {
  let changed = 0;
  for (const e of batch.cloud) {
    const groupKey = e[CLOUD_ROW.groupId] as string;
    let groupId = known.groupIds.get(groupKey) ?? newIds.groupIds.get(groupKey);
    if (groupId === undefined) {
      groupId = resolveCloudGroupSqlite(s, groupKey, batch.groups.get(groupKey)!);
      newIds.groupIds.set(groupKey, groupId);
    }
    const uuid = e[CLOUD_ROW.vmId] as string;
    const vmId = vmIdOf(s, uuid, known, newIds);
    e[CLOUD_ROW.groupId] = groupId;
    e[CLOUD_ROW.vmId] = vmId;
    const message = e[CLOUD_ROW.message] as MessageRef;
    const recordIndex = e[CLOUD_ROW.recordIndex] as number;
    e.length = CLOUD_ROW.columns;
    if (s.cloudUpsert.run(e).changes > 0) {
      changed++;
      continue;
    }
    const site = e[CLOUD_ROW.site] as string;
    const holder = s.cloudSite.get(vmId, e[CLOUD_ROW.year], e[CLOUD_ROW.month]) as string | undefined;
    if (holder !== undefined && holder !== site) {
      const origin: RecordOrigin = { message, recordIndex, recordKind: 'cloud', recordSite: site };
      conflicts.push(conflict(origin, `VMUUID ${uuid}`, holder, now));
    }
  }
  return changed;
}

/**
 * {@link loadCloud} over packed entries: the same statements in the same order, one reused row
 * array, and group ids remembered by string index instead of looked up by key per entry.
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
  const row = new Array<unknown>(CLOUD_ROW.columns);
  let changed = 0;
  for (let i = 0; i < packed.count; i++) {
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
    const uuid = row[CLOUD_ROW.vmId] as string;
    const vmId = vmIdOf(s, uuid, known, newIds);
    row[CLOUD_ROW.groupId] = groupId;
    row[CLOUD_ROW.vmId] = vmId;
    if (s.cloudUpsert.run(row).changes > 0) {
      changed++;
      continue;
    }
    const site = row[CLOUD_ROW.site] as string;
    const holder = s.cloudSite.get(vmId, row[CLOUD_ROW.year], row[CLOUD_ROW.month]) as string | undefined;
    if (holder !== undefined && holder !== site) {
      const origin: RecordOrigin = {
        message: packed.messages[packed.messageIndexes[i]!]!,
        recordIndex: packed.recordIndexes[i]!,
        recordKind: 'cloud',
        recordSite: site,
      };
      conflicts.push(conflict(origin, `VMUUID ${uuid}`, holder, now));
    }
  }
  return changed;
}
