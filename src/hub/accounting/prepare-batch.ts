// Turns a batch of accounting messages into rows to load and rejects to store (pure: no I/O, no clock).
import type { Insertable } from 'kysely';
import { FedstackError, describeError } from '../../errors.js';
import { deriveMeasurementTime, parseFqan } from '../../formats/apel/index.js';
import type {
  AcceleratorRecord,
  ApelMessageKind,
  CloudRecord,
  ParsedApelMessage,
  PublicIpRecord,
  StorageRecord,
} from '../../formats/apel/index.js';
import { cloudRecordKey } from '../store/accounting-queries.js';
import type { CloudGroupValues } from '../store/accounting-queries.js';
import type { AccountingRejectTable } from '../store/hub-database.js';
import { decodeAccountingMessage } from './decode-accounting-message.js';
import type {
  BatchMessage,
  CloudEntry,
  IngestMessage,
  MessageRef,
  PreparedBatch,
  RecordOrigin,
  SiteCounters,
  StorageEntry,
} from './ingest-batch.js';
import { messageDigest, messageRefOf, rejectMessageKey, rejectOf } from './ingest-batch.js';
import { CloudPacker } from './packed-cloud.js';
import type { VoParts } from './record-rows.js';
import {
  ACCELERATOR_ROW,
  CLOUD_ROW,
  IP_ROW,
  NO_VO,
  STORAGE_ROW,
  acceleratorRow,
  cloudEntry,
  cloudGroupKey,
  cloudGroupValues,
  ipRow,
  monthOf,
  storageRow,
} from './record-rows.js';

/** Recent groups compared field by field before building a key (records of a message share a few). */
const RECENT_GROUPS = 8;

/** True when two cloud records fall in the same summary group (same grouping fields and CloudType). */
function isSameGroup(a: CloudRecord, b: CloudRecord): boolean {
  return (
    a.globalUserName === b.globalUserName &&
    a.imageId === b.imageId &&
    a.cpuCount === b.cpuCount &&
    a.status === b.status &&
    a.fqan === b.fqan &&
    a.siteName === b.siteName &&
    a.cloudComputeService === b.cloudComputeService &&
    a.benchmarkType === b.benchmarkType &&
    a.benchmark === b.benchmark &&
    a.cloudType === b.cloudType
  );
}

/** Adds the records of one decoded message of kind `P['kind']` to the batch. */
type KindHandler<P extends ParsedApelMessage> = (
  parsed: P,
  ref: MessageRef,
  indexes: readonly number[],
) => void;

/**
 * Collects the records of a batch of messages: refused records, records naming another site than
 * the publisher's and keys already taken by another site in the batch become rejects; the others
 * become rows, the newest version per key kept (PostgreSQL refuses one key twice in a statement).
 * This runs once per record, so the cloud path avoids allocations it can (measured with 1,000,000
 * records: garbage collection was a third of ingest time).
 */
export class BatchBuilder {
  private readonly now: number;
  private readonly cloud = new Map<string, CloudEntry>();
  private readonly cloudList: CloudEntry[] = [];
  private readonly isDedupeNeeded: boolean;
  private readonly packer: CloudPacker | undefined;
  private readonly groups = new Map<string, CloudGroupValues>();
  private readonly recentRecords: CloudRecord[] = [];
  private readonly recentKeys: string[] = [];
  private nextRecent = 0;
  private readonly ip = new Map<string, unknown[]>();
  private readonly accelerator = new Map<string, unknown[]>();
  private readonly storage = new Map<string, StorageEntry>();
  private readonly fqans = new Map<string, VoParts>();
  private readonly rejects: Insertable<AccountingRejectTable>[] = [];
  private readonly sites = new Map<string, SiteCounters>();
  /** The counters of the message being added, folded into `sites` when it is done. */
  private messageSites = new Map<string, SiteCounters>();
  private readonly messages: BatchMessage[] = [];
  /** Publisher and digest of every message added. */
  private readonly digests = new Set<string>();
  private lastSite = '';
  private lastCounters: SiteCounters | undefined;
  private records = 0;
  private superseded = 0;

  /**
   * `now`: the load time stamped on rows and rejects, epoch seconds. `isDedupeNeeded`: keep one
   * cloud record per key in the batch. PostgreSQL needs it (one statement may not touch a row twice);
   * SQLite applies duplicates one after the other, so the upsert guard keeps the newest and the
   * loader's cross-site check still sees a conflict, and skipping the map saves about a tenth of
   * ingest time. Default true. `isCloudPacked` (only without dedupe): pack the cloud entries as
   * they come (`packedCloud`, `cloud` then empty) instead of listing them; default false.
   * `knownVmIds` (packed only): VMUUID → number of the VMs numbered already.
   */
  constructor(
    now: number,
    options: {
      isDedupeNeeded?: boolean;
      isCloudPacked?: boolean;
      knownVmIds?: ReadonlyMap<string, number>;
    } = {},
  ) {
    this.now = now;
    this.isDedupeNeeded = options.isDedupeNeeded ?? true;
    if (options.isCloudPacked) {
      if (this.isDedupeNeeded) throw new TypeError('packed cloud entries need isDedupeNeeded false');
      this.packer = new CloudPacker(undefined, options.knownVmIds);
    }
  }

  /**
   * Decodes one message and adds its records, unless it is a copy (same publisher, same digest) of
   * a message added before: a publisher that lost the answer to a publish sends it again.
   */
  add(message: IngestMessage): void {
    const publisher = message.publisherSite ?? '';
    const body = Buffer.from(message.data, 'base64');
    const digest = messageDigest(body);
    const seen = `${publisher}\u0001${digest}`;
    if (this.digests.has(seen)) return;
    this.digests.add(seen);
    const ref = messageRefOf(message);
    this.messageSites = new Map();
    this.lastCounters = undefined;
    this.addRecords(body, ref);
    const sites: BatchMessage['sites'][number][] = [];
    for (const [site, c] of this.messageSites) {
      sites.push({ site, received: c.received, rejected: c.rejected });
      const total = this.sites.get(site);
      if (!total) {
        this.sites.set(site, c);
        continue;
      }
      total.received += c.received;
      total.rejected += c.rejected;
      const mt = c.lastMeasurementTime;
      if (mt !== null && (total.lastMeasurementTime === null || mt > total.lastMeasurementTime))
        total.lastMeasurementTime = mt;
    }
    const key = rejectMessageKey({ project: ref.project, topic: ref.topic, message_id: ref.messageId });
    this.messages.push({ publisher, digest, key, sites });
  }

  private addRecords(body: Buffer, ref: MessageRef): void {
    let decoded;
    try {
      decoded = decodeAccountingMessage(body, this.now);
    } catch (error) {
      const code = error instanceof FedstackError ? error.code : 'APEL_MESSAGE_INVALID';
      this.reject(
        { message: ref, recordIndex: null, recordKind: null, recordSite: null },
        code,
        describeError(error),
      );
      return;
    }
    const { parsed, indexes } = decoded;
    const kind = parsed.kind;
    this.records += parsed.records.length + parsed.errors.length;
    for (const e of parsed.errors) {
      const origin = { message: ref, recordIndex: e.recordIndex ?? null, recordKind: kind, recordSite: null };
      this.reject(origin, e.code, e.message, e.field ?? null);
    }
    (this.byKind[kind] as KindHandler<ParsedApelMessage>)(parsed, ref, indexes);
  }

  /**
   * What each kind of message adds to the batch, keyed by the kind: a new kind of message without
   * a handler here does not compile.
   */
  private readonly byKind: { [K in ApelMessageKind]: KindHandler<Extract<ParsedApelMessage, { kind: K }>> } =
    {
      cloud: (parsed, ref, indexes) => {
        for (let i = 0; i < parsed.records.length; i++) this.addCloud(parsed.records[i]!, ref, indexes[i]!);
      },
      'cloud-summary': (_parsed, ref) =>
        this.reject(
          { message: ref, recordIndex: null, recordKind: 'cloud-summary', recordSite: null },
          'APEL_MESSAGE_INVALID',
          'cloud summary messages are produced by the hub, not loaded',
        ),
      ip: (parsed, ref, indexes) =>
        this.addEach(
          parsed,
          ref,
          indexes,
          (r) => r.siteName,
          (r, origin) => this.addIp(r, origin),
        ),
      accelerator: (parsed, ref, indexes) =>
        this.addEach(
          parsed,
          ref,
          indexes,
          (r) => r.siteName,
          (r, origin) => this.addAccelerator(r, origin),
        ),
      storage: (parsed, ref, indexes) =>
        this.addEach(
          parsed,
          ref,
          indexes,
          (r) => r.site ?? null,
          (r, origin) => this.addStorage(r, origin),
        ),
    };

  /** Adds each record of a non-cloud message whose site is the publisher's. */
  private addEach<R>(
    parsed: { readonly kind: ApelMessageKind; readonly records: readonly R[] },
    ref: MessageRef,
    indexes: readonly number[],
    siteOf: (record: R) => string | null,
    add: (record: R, origin: RecordOrigin) => void,
  ): void {
    for (let i = 0; i < parsed.records.length; i++) {
      const record = parsed.records[i]!;
      const origin: RecordOrigin = {
        message: ref,
        recordIndex: indexes[i]!,
        recordKind: parsed.kind,
        recordSite: siteOf(record),
      };
      if (this.isPublisherSite(origin)) add(record, origin);
    }
  }

  /** The batch collected so far. */
  finish(): PreparedBatch {
    return {
      cloud: this.isDedupeNeeded ? [...this.cloud.values()] : this.cloudList,
      ...(this.packer ? { packedCloud: this.packer.finish() } : {}),
      groups: this.groups,
      ip: [...this.ip.values()],
      accelerator: [...this.accelerator.values()],
      storage: [...this.storage.values()],
      rejects: this.rejects,
      sites: this.sites,
      messages: this.messages,
      records: this.records,
      superseded: this.superseded,
    };
  }

  /** Rejects a record whose site is not the publisher token's (admin tokens may send any site). */
  private isPublisherSite(origin: RecordOrigin): boolean {
    const publisher = origin.message.publisherSite;
    if (publisher === null || origin.recordSite === publisher) return true;
    const reason = `record names site ${origin.recordSite ?? '(none)'} but was published with a token of site ${publisher}`;
    this.reject(origin, 'HUB_SITE_MISMATCH', reason, origin.recordKind === 'storage' ? 'Site' : 'SiteName');
    return false;
  }

  private counters(site: string | null): SiteCounters | undefined {
    if (site === null) return undefined;
    if (site === this.lastSite && this.lastCounters) return this.lastCounters;
    let c = this.messageSites.get(site);
    if (!c) this.messageSites.set(site, (c = { received: 0, rejected: 0, lastMeasurementTime: null }));
    this.lastSite = site;
    this.lastCounters = c;
    return c;
  }

  private reject(origin: RecordOrigin, code: string, reason: string, field: string | null = null): void {
    this.rejects.push(rejectOf(origin, code, reason, this.now, field));
    const c = this.counters(origin.recordSite ?? origin.message.publisherSite);
    if (c) c.rejected++;
  }

  private vo(fqan: string | undefined): VoParts {
    if (fqan === undefined) return NO_VO;
    let parts = this.fqans.get(fqan);
    if (!parts) this.fqans.set(fqan, (parts = parseFqan(fqan)));
    return parts;
  }

  private addCloud(r: CloudRecord, message: MessageRef, recordIndex: number): void {
    const origin = (): RecordOrigin => ({
      message,
      recordIndex,
      recordKind: 'cloud',
      recordSite: r.siteName,
    });
    if (
      message.publisherSite !== null &&
      r.siteName !== message.publisherSite &&
      !this.isPublisherSite(origin())
    )
      return;
    const mt = deriveMeasurementTime(r);
    const { year, month } = monthOf(mt);
    const c = this.counters(r.siteName)!;
    if (!this.isDedupeNeeded) {
      c.received++;
      if (c.lastMeasurementTime === null || mt > c.lastMeasurementTime) c.lastMeasurementTime = mt;
      if (this.packer)
        this.packer.add(r, mt, year, month, this.groupKeyOf(r), message, recordIndex, this.now);
      else
        this.cloudList.push(
          cloudEntry(r, mt, year, month, this.groupKeyOf(r), message, recordIndex, this.now),
        );
      return;
    }
    const key = cloudRecordKey(r.vmUuid, year, month);
    const previous = this.cloud.get(key);
    if (previous && previous[CLOUD_ROW.site] !== r.siteName) {
      const reason = `VMUUID ${r.vmUuid} (${year}-${month}) is already held by another site`;
      this.reject(origin(), 'HUB_RECORD_CONFLICT', reason, 'VMUUID');
      return;
    }
    c.received++;
    if (c.lastMeasurementTime === null || mt > c.lastMeasurementTime) c.lastMeasurementTime = mt;
    if (previous) {
      this.superseded++;
      if (Number(previous[CLOUD_ROW.measurementTime]) > mt) return;
    }
    this.cloud.set(key, cloudEntry(r, mt, year, month, this.groupKeyOf(r), message, recordIndex, this.now));
  }

  /** The group key of `r`, registering a new group; recent groups are matched field by field first. */
  private groupKeyOf(r: CloudRecord): string {
    for (let i = 0; i < this.recentRecords.length; i++) {
      if (isSameGroup(this.recentRecords[i]!, r)) return this.recentKeys[i]!;
    }
    const vo = this.vo(r.fqan);
    const key = cloudGroupKey(r, vo);
    if (!this.groups.has(key)) this.groups.set(key, cloudGroupValues(r, vo));
    this.recentRecords[this.nextRecent] = r;
    this.recentKeys[this.nextRecent] = key;
    this.nextRecent = (this.nextRecent + 1) % RECENT_GROUPS;
    return key;
  }

  /** Keeps the newer of two rows with one key: `rank` orders versions, ties go to the later one. */
  private keepNewest(
    rows: Map<string, unknown[]>,
    key: string,
    row: unknown[],
    rank: number,
    site: string,
  ): void {
    this.counters(site)!.received++;
    const previous = rows.get(key);
    if (previous) this.superseded++;
    if (!previous || Number(row[rank]) >= Number(previous[rank])) rows.set(key, row);
  }

  private addIp(r: PublicIpRecord, origin: RecordOrigin): void {
    const row = ipRow(r, this.vo(r.fqan), origin.message.source, this.now);
    this.keepNewest(this.ip, row.slice(0, IP_ROW.keyColumns).join('\u0001'), row, IP_ROW.rank, r.siteName);
  }

  private addAccelerator(r: AcceleratorRecord, origin: RecordOrigin): void {
    const row = acceleratorRow(r, this.vo(r.fqan), origin.message.source, this.now);
    const key = row.slice(0, ACCELERATOR_ROW.keyColumns).join('\u0001');
    this.keepNewest(this.accelerator, key, row, ACCELERATOR_ROW.rank, r.siteName);
  }

  private addStorage(r: StorageRecord, origin: RecordOrigin): void {
    const site = r.site ?? null;
    const previous = this.storage.get(r.recordId);
    if (previous && previous.site !== site) {
      const reason = `RecordId ${r.recordId} is already held by another site`;
      this.reject(origin, 'HUB_RECORD_CONFLICT', reason, 'RecordId');
      return;
    }
    const c = this.counters(site ?? origin.message.publisherSite);
    if (c) c.received++;
    if (previous) this.superseded++;
    const row = storageRow(r, origin.message.source, this.now);
    if (!previous || Number(row[STORAGE_ROW.rank]) >= Number(previous.row[STORAGE_ROW.rank])) {
      this.storage.set(r.recordId, { recordId: r.recordId, site, row, origin });
    }
  }
}
