// The shapes one ingest batch passes from preparation to loading, and the reject rows it produces.
import { createHash } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { StoredMessage } from '../messaging/subscription-cursor.js';
import type { CloudGroupValues } from '../store/accounting-queries.js';
import type { AccountingRejectTable } from '../store/hub-database.js';

/** Entries kept per id cache of ingest (a VM is ~100 bytes; a miss only costs a lookup). */
export const ID_CACHE_LIMIT = 500_000;

/**
 * The cloud entries of a batch as column slots: per slot a tag (null, number or string) and a
 * number (the value, or the index of a distinct string); the strings (a run of equal ones once) are one text cut at
 * `stringEnds`. Structured cloning arrays of row arrays cost more than preparing them (measured);
 * typed arrays move without a copy and one string copies once.
 */
export interface PackedCloud {
  /** Entries packed. */
  readonly count: number;
  /** `count * CLOUD_ROW.columns` tags. */
  readonly tags: Uint8Array;
  /** `count * CLOUD_ROW.columns` values or string indexes. */
  readonly values: Float64Array;
  /** The strings, concatenated. */
  readonly text: string;
  /** End offset in `text` of each string. */
  readonly stringEnds: Uint32Array;
  /** Per entry, the index of its message in `messages`. */
  readonly messageIndexes: Uint32Array;
  /** Per entry, its record index in its message. */
  readonly recordIndexes: Uint32Array;
  /**
   * Per entry, the number of its VMUUID (`cloud_vms.id`) when the packer knew it, else 0: the
   * prepare worker resolves the VMs numbered by earlier batches, so the writing thread does not.
   */
  readonly vmIds: Float64Array;
  readonly messages: readonly MessageRef[];
}

/** A stored AMS message as ingest reads it; the site comes from the publishing token. */
export interface IngestMessage {
  readonly project: string;
  readonly topic: string;
  readonly offset: number;
  readonly data: string;
  /** Site of the publisher token; null when an admin token published (any site accepted). */
  readonly publisherSite: string | null;
}

/** A stored message as ingest reads it: an admin's token vouches for any site. */
export function toIngestMessage(m: StoredMessage): IngestMessage {
  return {
    project: m.project,
    topic: m.topic,
    offset: m.offset,
    data: m.data,
    publisherSite: m.publisherRole === 'admin' ? null : m.publisherSite,
  };
}

/** What every record of one message shares. */
export interface MessageRef {
  readonly project: string;
  readonly topic: string;
  readonly messageId: string;
  /** The message's offset in its topic (the AMS message id as a number). */
  readonly offset: number;
  readonly publisherSite: string | null;
  /** `project/topic#offset`, stored with each IP, accelerator and storage row it loads. */
  readonly source: string;
}

/** What every record of `message` shares. */
export function messageRefOf(message: IngestMessage): MessageRef {
  return {
    project: message.project,
    topic: message.topic,
    messageId: String(message.offset),
    offset: message.offset,
    publisherSite: message.publisherSite,
    source: `${message.project}/${message.topic}#${message.offset}`,
  };
}

/** Where a record came from, to name it in a reject. */
export interface RecordOrigin {
  readonly message: MessageRef;
  readonly recordIndex: number | null;
  readonly recordKind: string | null;
  readonly recordSite: string | null;
}

/**
 * A cloud record ready to load: the cloud_records row (CLOUD_COLUMNS order, see `CLOUD_ROW` for the
 * slots) followed by its message and record index. Until load, the `group_id` slot holds the
 * group key. A plain array rather than an object per record: ingest makes one per record, and
 * fewer allocations measurably cut garbage collection.
 */
export type CloudEntry = unknown[];

/** A storage record ready to load, with what the cross-site check needs. */
export interface StorageEntry {
  readonly recordId: string;
  readonly site: string | null;
  readonly row: unknown[];
  readonly origin: RecordOrigin;
}

/** Per-site counters of one batch. */
export interface SiteCounters {
  received: number;
  rejected: number;
  lastMeasurementTime: number | null;
}

/**
 * One message of a batch as the loader needs it to recognise a copy of a message ingested before:
 * who published it, the digest of its body, and what it added to the site counters.
 */
export interface BatchMessage {
  /** Site of the publishing token; '' for an admin token. */
  readonly publisher: string;
  /** {@link messageDigest} of its body. */
  readonly digest: string;
  /** {@link rejectMessageKey} of its rejects. */
  readonly key: string;
  /** Per site its records name: the records it added to the site's received and rejected counters. */
  readonly sites: readonly { readonly site: string; readonly received: number; readonly rejected: number }[];
}

/**
 * The digest of a message's body, its `data` base64-decoded (SHA-256, base64url): equal for a
 * publisher's retry of a publish. Hashing the decoded bytes costs a quarter less than the text.
 */
export function messageDigest(body: Buffer): string {
  return createHash('sha256').update(body).digest('base64url');
}

/** The message a reject row belongs to, as a key (project, topic and message id). */
export function rejectMessageKey(
  reject: Pick<Insertable<AccountingRejectTable>, 'project' | 'topic' | 'message_id'>,
): string {
  return `${reject.project}\u0001${reject.topic}\u0001${reject.message_id}`;
}

/** Everything one batch loads, deduplicated by key (the newest version kept). */
export interface PreparedBatch {
  readonly cloud: CloudEntry[];
  /**
   * The cloud entries packed, when the batch was prepared in a worker thread (SQLite ingest);
   * `cloud` is then empty.
   */
  readonly packedCloud?: PackedCloud;
  /** The grouping values of every group key the cloud entries use. */
  readonly groups: ReadonlyMap<string, CloudGroupValues>;
  readonly ip: unknown[][];
  readonly accelerator: unknown[][];
  readonly storage: StorageEntry[];
  readonly rejects: Insertable<AccountingRejectTable>[];
  readonly sites: Map<string, SiteCounters>;
  /**
   * The messages read, in order, but for copies (same publisher, same digest) of a message earlier
   * in the batch: those are left out and add nothing.
   */
  readonly messages: readonly BatchMessage[];
  /** Records read from the batch (good and bad; a copy left out is not read). */
  readonly records: number;
  /** Older versions dropped in favour of a newer one of the same key within the batch. */
  readonly superseded: number;
}

/**
 * Settles the counters and rejects of a batch once loading found which of its messages are copies
 * of messages ingested before (`isCopy`, asked once per message, in order, e.g. by storing its
 * digest): a copy's records leave the site counters and its rejects are not stored again; each
 * cross-site `conflicts` reject of another message moves one record of its site from received to
 * rejected. Returns the rejects to store.
 */
export function settleCopies(
  batch: PreparedBatch,
  conflicts: readonly Insertable<AccountingRejectTable>[],
  isCopy: (message: BatchMessage) => boolean,
): Insertable<AccountingRejectTable>[] {
  const copied = new Set<string>();
  for (const m of batch.messages) {
    if (!isCopy(m)) continue;
    copied.add(m.key);
    for (const s of m.sites) {
      const counters = batch.sites.get(s.site);
      if (!counters) continue;
      counters.received -= s.received;
      counters.rejected -= s.rejected;
    }
  }
  const isKept = (r: Insertable<AccountingRejectTable>) =>
    copied.size === 0 || !copied.has(rejectMessageKey(r));
  const kept = conflicts.filter(isKept);
  for (const c of kept) {
    const counters = c.record_site ? batch.sites.get(String(c.record_site)) : undefined;
    if (counters) {
      counters.received--;
      counters.rejected++;
    }
  }
  return [...batch.rejects.filter(isKept), ...kept];
}

/** A reject row for `origin`. */
export function rejectOf(
  origin: RecordOrigin,
  code: string,
  reason: string,
  now: number,
  field: string | null = null,
): Insertable<AccountingRejectTable> {
  const m = origin.message;
  return {
    rejected_at: now,
    project: m.project,
    topic: m.topic,
    message_id: m.messageId,
    record_index: origin.recordIndex,
    record_kind: origin.recordKind,
    field,
    code,
    reason,
    publisher_site: m.publisherSite,
    record_site: origin.recordSite,
  };
}

/**
 * The reject of a record whose key (`what`, e.g. "VMUUID …") another site holds. The reason does
 * not name that site: the publisher reads its rejects, and which site runs a VM is not its business.
 */
export function conflictOf(
  origin: RecordOrigin,
  what: string,
  now: number,
): Insertable<AccountingRejectTable> {
  return rejectOf(origin, 'HUB_RECORD_CONFLICT', `${what} is already held by another site`, now);
}
