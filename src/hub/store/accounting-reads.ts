// Dialect-neutral reads of the accounting repository: rejects, per-site freshness, IP and GPU views.
import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { AccountingRejectTable } from './hub-database.js';
import type { HubDb } from './messaging-queries.js';
import { epochsSane, magnitudesSane } from './stored-ranges.js';
import type { SummaryFilter } from './summary-queries.js';

/** A stored reject. */
export type RejectRow = Selectable<AccountingRejectTable>;

/** Filters of {@link listRejects}. */
export interface RejectFilter {
  /** Publisher's site or the record's site. */
  readonly site?: string;
  /** Only rejects of messages this site's tokens published (what a publisher token may see). */
  readonly publisherSite?: string;
  readonly messageId?: string;
  /** Only rejects with an id below this (paging backwards from the newest). */
  readonly beforeId?: number;
  readonly limit: number;
}

/** Rejects, newest first. */
export async function listRejects(db: HubDb, filter: RejectFilter): Promise<RejectRow[]> {
  let q = db.selectFrom('accounting_rejects').selectAll();
  if (filter.site !== undefined) {
    const site = filter.site;
    q = q.where((eb) => eb.or([eb('publisher_site', '=', site), eb('record_site', '=', site)]));
  }
  if (filter.publisherSite !== undefined) q = q.where('publisher_site', '=', filter.publisherSite);
  if (filter.messageId !== undefined) q = q.where('message_id', '=', filter.messageId);
  if (filter.beforeId !== undefined) q = q.where('id', '<', filter.beforeId);
  return q.orderBy('id', 'desc').limit(filter.limit).execute();
}

/** Ingest counters and freshness of each site, with its stored cloud record count from the summaries. */
export interface SiteFreshnessRow {
  site_name: string;
  records_received: number;
  records_rejected: number;
  last_received_at: number;
  last_measurement_time: number | null;
  cloud_records: number;
}

/** Every site that ever sent accounting, by name. Summaries must be fresh for `cloud_records`. */
export async function listSiteFreshness(db: HubDb): Promise<SiteFreshnessRow[]> {
  const counts = db
    .selectFrom('cloud_summaries')
    .select(['site_name', sql<number>`cast(sum(number_of_vms) as bigint)`.as('n')])
    .groupBy('site_name')
    .as('c');
  const rows = await db
    .selectFrom('accounting_sites as s')
    .leftJoin(counts, 'c.site_name', 's.site_name')
    .select([
      's.site_name',
      's.records_received',
      's.records_rejected',
      's.last_received_at',
      's.last_measurement_time',
      sql<number>`coalesce(c.n, 0)`.as('cloud_records'),
    ])
    .orderBy('s.site_name')
    .execute();
  return rows.map((r) => ({ ...r, cloud_records: Number(r.cloud_records) }));
}

function period(filter: SummaryFilter) {
  const parts = [];
  if (filter.fromMonth !== undefined)
    parts.push(sql`measurement_year * 100 + measurement_month >= ${filter.fromMonth}`);
  if (filter.toMonth !== undefined)
    parts.push(sql`measurement_year * 100 + measurement_month <= ${filter.toMonth}`);
  return parts;
}

/** Public IP usage per site, month, VO and IP version: sum of each user's last snapshot of the month. */
export async function ipMonthly(db: HubDb, filter: SummaryFilter) {
  let q = db
    .selectFrom('ip_records')
    .select([
      'site_name',
      'measurement_year',
      'measurement_month',
      'vo',
      'ip_version',
      sql<number>`cast(sum(ip_count) as bigint)`.as('ip_count'),
      sql<number>`count(*)`.as('users'),
      sql<number>`max(measurement_time)`.as('last_measurement_time'),
    ]);
  if (filter.sites?.length) q = q.where('site_name', 'in', [...filter.sites]);
  if (filter.vos?.length) q = q.where('vo', 'in', [...filter.vos]);
  for (const p of period(filter)) q = q.where(p as never);
  // a stored row no sum or date can hold is left out rather than failing the view
  q = q.where(sql<boolean>`${magnitudesSane(['ip_count'])} and ${epochsSane(['measurement_time'])}`);
  const rows = await q
    .groupBy(['site_name', 'measurement_year', 'measurement_month', 'vo', 'ip_version'])
    .orderBy('measurement_year')
    .orderBy('measurement_month')
    .orderBy('site_name')
    .orderBy('vo')
    .orderBy('ip_version')
    .execute();
  return rows.map((r) => ({ ...r, users: Number(r.users) }));
}

/** Accelerator usage keyed as APEL PR #322 summarises it: month, year, record type, site, type. */
export async function acceleratorMonthly(db: HubDb, filter: SummaryFilter) {
  let q = db.selectFrom('accelerator_records').select([
    'site_name',
    'measurement_year',
    'measurement_month',
    'associated_record_type',
    'type',
    sql<number>`cast(sum(accelerator_count) as bigint)`.as('count'),
    sql<number>`cast(sum(available_duration) as bigint)`.as('available_duration'),
    sql<number>`cast(sum(active_duration) as bigint)`.as('active_duration'),
    // each record is one VM's month: its accelerators were active this long, each of them
    sql<number>`cast(sum(active_duration * accelerator_count) as bigint)`.as('accelerator_seconds'),
    sql<number>`count(*)`.as('records'),
  ]);
  if (filter.sites?.length) q = q.where('site_name', 'in', [...filter.sites]);
  if (filter.vos?.length) q = q.where('vo', 'in', [...filter.vos]);
  for (const p of period(filter)) q = q.where(p as never);
  q = q.where(magnitudesSane(['accelerator_count', 'available_duration', 'active_duration']));
  const rows = await q
    .groupBy(['site_name', 'measurement_year', 'measurement_month', 'associated_record_type', 'type'])
    .orderBy('measurement_year')
    .orderBy('measurement_month')
    .orderBy('site_name')
    .orderBy('type')
    .execute();
  return rows.map((r) => ({ ...r, records: Number(r.records), count: Number(r.count) }));
}

/** One month of a site's storage for one VO (StAR records' `Group`). */
export interface StorageMonthRow {
  site_name: string;
  month: string;
  vo: string | null;
  /** Sum over the shares of each share's mean `ResourceCapacityUsed` in the month, bytes. */
  capacity_used: number;
  /** The largest single snapshot, bytes. */
  max_capacity_used: number;
  records: number;
}

const monthOfEpoch = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 7);

/**
 * Storage usage per site, month (of each record's EndTime) and VO: StAR records are snapshots of
 * a share's usage, so a share's month is the mean of its snapshots and a site's is their sum.
 */
export async function storageMonthly(db: HubDb, filter: SummaryFilter): Promise<StorageMonthRow[]> {
  let q = db
    .selectFrom('storage_records')
    .select(['site_name', 'group_name', 'storage_share', 'end_time', 'resource_capacity_used']);
  if (filter.sites?.length) q = q.where('site_name', 'in', [...filter.sites]);
  if (filter.vos?.length) q = q.where('group_name', 'in', [...filter.vos]);
  const epochOf = (month: number, isEnd: boolean) =>
    Date.UTC(Math.floor(month / 100), (month % 100) - (isEnd ? 0 : 1), 1) / 1000;
  if (filter.fromMonth !== undefined) q = q.where('end_time', '>=', epochOf(filter.fromMonth, false));
  if (filter.toMonth !== undefined) q = q.where('end_time', '<', epochOf(filter.toMonth, true));
  q = q.where(magnitudesSane(['resource_capacity_used']));
  const shares = new Map<string, { row: StorageMonthRow; share: string; sum: number; n: number }>();
  for (const r of await q.execute()) {
    const month = monthOfEpoch(Number(r.end_time));
    const used = Number(r.resource_capacity_used);
    const key = `${r.site_name}\u0000${month}\u0000${r.group_name ?? ''}\u0000${r.storage_share ?? ''}`;
    const s = shares.get(key) ?? {
      row: {
        site_name: r.site_name ?? '',
        month,
        vo: r.group_name,
        capacity_used: 0,
        max_capacity_used: 0,
        records: 0,
      },
      share: r.storage_share ?? '',
      sum: 0,
      n: 0,
    };
    s.sum += used;
    s.n += 1;
    s.row.max_capacity_used = Math.max(s.row.max_capacity_used, used);
    shares.set(key, s);
  }
  const months = new Map<string, StorageMonthRow>();
  for (const s of shares.values()) {
    const key = `${s.row.site_name}\u0000${s.row.month}\u0000${s.row.vo ?? ''}`;
    const m = months.get(key) ?? { ...s.row, capacity_used: 0, max_capacity_used: 0, records: 0 };
    m.capacity_used += Math.round(s.sum / s.n);
    m.max_capacity_used = Math.max(m.max_capacity_used, s.row.max_capacity_used);
    m.records += s.n;
    months.set(key, m);
  }
  return [...months.values()].sort(
    (a, b) =>
      a.month.localeCompare(b.month) ||
      a.site_name.localeCompare(b.site_name) ||
      (a.vo ?? '').localeCompare(b.vo ?? ''),
  );
}
