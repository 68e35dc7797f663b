// Writes a prepared batch in the caller's transaction: groups, upserts, cross-site checks, rejects, counters.
import type { Insertable } from 'kysely';
import { StoreError } from '../../errors.js';
import {
  ACCELERATOR_UPSERT,
  CLOUD_UPSERT,
  IP_UPSERT,
  STORAGE_UPSERT,
  bumpSiteCounters,
  bumpState,
  cloudRecordSites,
  insertRejects,
  resolveCloudGroups,
  resolveCloudVms,
  storageRecordSites,
  storeMessageDigests,
} from '../store/accounting-queries.js';
import type { CloudGroupValues } from '../store/accounting-queries.js';
import { CLOUD_ROW } from './record-rows.js';
import { upsertRows } from '../store/bulk-upsert.js';
import type { AccountingRejectTable } from '../store/hub-database.js';
import type { HubDb } from '../store/messaging-queries.js';
import type { MessageRef, PreparedBatch, RecordOrigin } from './ingest-batch.js';
import { conflictOf, settleCopies } from './ingest-batch.js';
import { CLOUD_RECORDS_VERSION } from './summariser.js';

/** Ids the consumer keeps between batches (committed ones only). */
export interface IdCaches {
  /** Group key → cloud_record_groups id. */
  readonly groupIds: ReadonlyMap<string, number>;
  /** VMUUID → cloud_vms id. */
  readonly vmIds: ReadonlyMap<string, number>;
}

/** What loading one batch did. */
export interface LoadOutcome {
  /** Records inserted or replacing an older version. */
  readonly loaded: number;
  /** Records not loaded because a newer version of the same key is stored or came in the batch. */
  readonly superseded: number;
  /** Records (or whole messages) stored as rejects. */
  readonly rejected: number;
  /** Group and VM ids created or looked up in this transaction; valid only once it commits. */
  readonly newIds: { readonly groupIds: Map<string, number>; readonly vmIds: Map<string, number> };
}

/**
 * Puts ids into the cloud entries: the group key and the VMUUID slots become numbers, from the
 * caches or looked up (and created) in the database. Returns the VMUUIDs, by entry, and the new ids.
 */
async function resolveIds(tx: HubDb, batch: PreparedBatch, known: IdCaches) {
  const missingGroups = new Map<string, CloudGroupValues>();
  for (const [key, values] of batch.groups) if (!known.groupIds.has(key)) missingGroups.set(key, values);
  const groupIds = missingGroups.size
    ? await resolveCloudGroups(tx, missingGroups)
    : new Map<string, number>();
  const uuids = batch.cloud.map((e) => e[CLOUD_ROW.vmId] as string);
  const missingVms = new Set<string>();
  for (let i = 0; i < batch.cloud.length; i++) {
    const e = batch.cloud[i]!;
    const groupKey = e[CLOUD_ROW.groupId] as string;
    e[CLOUD_ROW.groupId] = known.groupIds.get(groupKey) ?? groupIds.get(groupKey);
    const vmId = known.vmIds.get(uuids[i]!);
    if (vmId === undefined) missingVms.add(uuids[i]!);
    else e[CLOUD_ROW.vmId] = vmId;
  }
  const vmIds = missingVms.size ? await resolveCloudVms(tx, [...missingVms]) : new Map<string, number>();
  if (missingVms.size) {
    for (let i = 0; i < batch.cloud.length; i++) {
      const e = batch.cloud[i]!;
      if (typeof e[CLOUD_ROW.vmId] !== 'string') continue;
      const id = vmIds.get(uuids[i]!);
      if (id === undefined) throw new StoreError(`no cloud_vms id for VMUUID ${uuids[i]!}`);
      e[CLOUD_ROW.vmId] = id;
    }
  }
  return { uuids, newIds: { groupIds, vmIds } };
}

/**
 * Loads `batch` with the committed id caches. Records whose key is held by another site become
 * HUB_RECORD_CONFLICT rejects; older versions are skipped by the upsert guard. A message whose
 * digest is stored already is a copy: its records load again (idempotent) but are not counted.
 */
export async function loadBatch(
  tx: HubDb,
  batch: PreparedBatch,
  known: IdCaches,
  now: number,
): Promise<LoadOutcome> {
  const conflicts: Insertable<AccountingRejectTable>[] = [];
  let superseded = batch.superseded;
  let loaded = 0;

  const copies = await storeMessageDigests(tx, batch.messages, now);
  const { uuids, newIds } = await resolveIds(tx, batch, known);
  const cloudChanged = await upsertRows(tx, CLOUD_UPSERT, batch.cloud);
  loaded += cloudChanged;
  if (cloudChanged < batch.cloud.length) {
    const stored = await cloudRecordSites(tx, [
      ...new Set(batch.cloud.map((e) => e[CLOUD_ROW.vmId] as number)),
    ]);
    batch.cloud.forEach((e, i) => {
      const holder = stored.get(
        `${String(e[CLOUD_ROW.vmId])}|${String(e[CLOUD_ROW.year])}|${String(e[CLOUD_ROW.month])}`,
      );
      if (holder !== undefined && holder !== e[CLOUD_ROW.site]) {
        const origin: RecordOrigin = {
          message: e[CLOUD_ROW.message] as MessageRef,
          recordIndex: e[CLOUD_ROW.recordIndex] as number,
          recordKind: 'cloud',
          recordSite: e[CLOUD_ROW.site] as string,
        };
        conflicts.push(conflictOf(origin, `VMUUID ${uuids[i]!}`, now));
      }
    });
    superseded += batch.cloud.length - cloudChanged - conflicts.length;
  }

  const ipChanged = await upsertRows(tx, IP_UPSERT, batch.ip);
  const accChanged = await upsertRows(tx, ACCELERATOR_UPSERT, batch.accelerator);
  loaded += ipChanged + accChanged;
  superseded += batch.ip.length - ipChanged + (batch.accelerator.length - accChanged);

  const storageChanged = await upsertRows(
    tx,
    STORAGE_UPSERT,
    batch.storage.map((e) => e.row),
  );
  loaded += storageChanged;
  if (storageChanged < batch.storage.length) {
    const before = conflicts.length;
    const stored = await storageRecordSites(
      tx,
      batch.storage.map((e) => e.recordId),
    );
    for (const e of batch.storage) {
      const holder = stored.get(e.recordId);
      if (holder !== undefined && (holder ?? '') !== (e.site ?? '')) {
        conflicts.push(conflictOf(e.origin, `RecordId ${e.recordId}`, now));
      }
    }
    superseded += batch.storage.length - storageChanged - (conflicts.length - before);
  }

  const rejects = settleCopies(batch, conflicts, (m) => copies.has(`${m.publisher}\u0001${m.digest}`));
  await insertRejects(tx, rejects);
  for (const [site, counts] of batch.sites) await bumpSiteCounters(tx, site, counts, now);
  if (cloudChanged > 0) await bumpState(tx, CLOUD_RECORDS_VERSION);
  return { loaded, superseded, rejected: rejects.length, newIds };
}
