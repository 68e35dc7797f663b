// Dialect-neutral queries of the registry's tables (migration 0015-registry): filter columns plus the record as JSON.
import type { Kysely, Transaction } from 'kysely';
import type { RegistryDowntime, RegistryEndpoint, RegistrySite } from '../../formats/gocdb/index.js';

export type RegistrySiteTable = {
  primary_key: string;
  short_name: string;
  country: string | null;
  roc: string | null;
  certification_status: string;
  production_status: string;
  /** The whole {@link RegistrySite}, JSON text. */
  data: string;
  updated_at: number | string;
};

export type RegistryEndpointTable = {
  primary_key: string;
  site_name: string;
  service_type: string;
  hostname: string;
  url: string | null;
  host_dn: string | null;
  monitored: number;
  in_production: number;
  /** The whole {@link RegistryEndpoint}, JSON text. */
  data: string;
  updated_at: number | string;
};

export type RegistryDowntimeTable = {
  primary_key: string;
  site_name: string;
  severity: string;
  start_at: number | string;
  end_at: number | string;
  /** The whole {@link RegistryDowntime}, JSON text. */
  data: string;
};

/** The tables this area reads and writes. */
export type RegistryDatabase = {
  registry_sites: RegistrySiteTable;
  registry_endpoints: RegistryEndpointTable;
  registry_downtimes: RegistryDowntimeTable;
  hub_state: { key: string; value: number | string };
};

export type RegistryDb = Kysely<RegistryDatabase> | Transaction<RegistryDatabase>;

/** Filters of the site list (GOCDB get_site_list's). */
export interface SiteFilter {
  readonly shortName?: string;
  readonly country?: string;
  readonly roc?: string;
  readonly certificationStatus?: string;
  readonly excludeCertificationStatus?: string;
  readonly productionStatus?: string;
}

/** Filters of the endpoint list (GOCDB get_service_endpoint's), plus a cursor: keys after it. */
export interface EndpointFilter {
  readonly primaryKey?: string;
  readonly siteName?: string;
  readonly serviceType?: string;
  readonly hostname?: string;
  readonly hostDn?: string;
  readonly isMonitored?: boolean;
  readonly country?: string;
  readonly roc?: string;
  readonly afterKey?: string;
  readonly limit?: number;
}

/** Filters of the downtime list: a site or host, and a window the downtime overlaps. */
export interface DowntimeFilter {
  readonly siteName?: string;
  readonly hostname?: string;
  /** Downtimes ending at or after this (epoch seconds). */
  readonly endsAfter?: number;
  /** Downtimes starting at or before this. */
  readonly startsBefore?: number;
  readonly afterKey?: string;
  readonly limit?: number;
}

export async function selectSites(db: RegistryDb, f: SiteFilter = {}): Promise<RegistrySite[]> {
  let q = db.selectFrom('registry_sites').select('data');
  if (f.shortName !== undefined) q = q.where('short_name', '=', f.shortName);
  if (f.country !== undefined) q = q.where('country', '=', f.country);
  if (f.roc !== undefined) q = q.where('roc', '=', f.roc);
  if (f.certificationStatus !== undefined) q = q.where('certification_status', '=', f.certificationStatus);
  if (f.excludeCertificationStatus !== undefined)
    q = q.where('certification_status', '!=', f.excludeCertificationStatus);
  if (f.productionStatus !== undefined) q = q.where('production_status', '=', f.productionStatus);
  const rows = await q.orderBy('short_name').execute();
  return rows.map((r) => JSON.parse(r.data) as RegistrySite);
}

export async function upsertSite(db: RegistryDb, site: RegistrySite, now: number): Promise<void> {
  const row = {
    primary_key: site.primaryKey,
    short_name: site.shortName,
    country: site.country ?? null,
    roc: site.roc ?? null,
    certification_status: site.certificationStatus,
    production_status: site.productionStatus,
    data: JSON.stringify(site),
    updated_at: now,
  };
  await db
    .insertInto('registry_sites')
    .values(row)
    .onConflict((c) => c.column('short_name').doUpdateSet({ ...row, primary_key: undefined }))
    .execute();
}

export async function deleteSiteRows(db: RegistryDb, shortName: string): Promise<number> {
  await db.deleteFrom('registry_downtimes').where('site_name', '=', shortName).execute();
  await db.deleteFrom('registry_endpoints').where('site_name', '=', shortName).execute();
  const r = await db.deleteFrom('registry_sites').where('short_name', '=', shortName).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function selectEndpoints(db: RegistryDb, f: EndpointFilter = {}): Promise<RegistryEndpoint[]> {
  let q = db.selectFrom('registry_endpoints as e').select('e.data');
  if (f.primaryKey !== undefined) q = q.where('e.primary_key', '=', f.primaryKey);
  if (f.siteName !== undefined) q = q.where('e.site_name', '=', f.siteName);
  if (f.serviceType !== undefined) q = q.where('e.service_type', '=', f.serviceType);
  if (f.hostname !== undefined) q = q.where('e.hostname', '=', f.hostname);
  if (f.hostDn !== undefined) q = q.where('e.host_dn', '=', f.hostDn);
  if (f.isMonitored !== undefined) q = q.where('e.monitored', '=', f.isMonitored ? 1 : 0);
  if (f.country !== undefined || f.roc !== undefined) {
    let sites = db.selectFrom('registry_sites').select('short_name');
    if (f.country !== undefined) sites = sites.where('country', '=', f.country);
    if (f.roc !== undefined) sites = sites.where('roc', '=', f.roc);
    q = q.where('e.site_name', 'in', sites);
  }
  if (f.afterKey !== undefined) q = q.where('e.primary_key', '>', f.afterKey);
  if (f.limit !== undefined) q = q.limit(f.limit);
  const rows = await q.orderBy('e.primary_key').execute();
  return rows.map((r) => JSON.parse(r.data) as RegistryEndpoint);
}

export async function upsertEndpoint(db: RegistryDb, e: RegistryEndpoint, now: number): Promise<void> {
  const row = {
    primary_key: e.primaryKey,
    site_name: e.siteName,
    service_type: e.serviceType,
    hostname: e.hostname,
    url: e.url ?? null,
    host_dn: e.hostDn ?? null,
    monitored: e.isMonitored ? 1 : 0,
    in_production: e.isInProduction ? 1 : 0,
    data: JSON.stringify(e),
    updated_at: now,
  };
  await db
    .insertInto('registry_endpoints')
    .values(row)
    .onConflict((c) => c.column('primary_key').doUpdateSet(row))
    .execute();
}

export async function deleteEndpointRow(db: RegistryDb, key: string): Promise<number> {
  const r = await db.deleteFrom('registry_endpoints').where('primary_key', '=', key).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function selectDowntimes(db: RegistryDb, f: DowntimeFilter = {}): Promise<RegistryDowntime[]> {
  let q = db.selectFrom('registry_downtimes').select('data');
  if (f.siteName !== undefined) q = q.where('site_name', '=', f.siteName);
  if (f.endsAfter !== undefined) q = q.where('end_at', '>=', f.endsAfter);
  if (f.startsBefore !== undefined) q = q.where('start_at', '<=', f.startsBefore);
  if (f.afterKey !== undefined) q = q.where('primary_key', '>', f.afterKey);
  if (f.hostname === undefined && f.limit !== undefined) q = q.limit(f.limit);
  const rows = await q.orderBy('primary_key').execute();
  const all = rows.map((r) => JSON.parse(r.data) as RegistryDowntime);
  if (f.hostname === undefined) return all;
  // a host filter looks into the affected services (few downtimes per site: filtered here)
  const hits = all.filter((d) => d.services.some((s) => s.hostname === f.hostname));
  return f.limit === undefined ? hits : hits.slice(0, f.limit);
}

export async function upsertDowntime(db: RegistryDb, d: RegistryDowntime, siteName: string): Promise<void> {
  const row = {
    primary_key: d.primaryKey,
    site_name: siteName,
    severity: d.severity,
    start_at: d.start,
    end_at: d.end,
    data: JSON.stringify(d),
  };
  await db
    .insertInto('registry_downtimes')
    .values(row)
    .onConflict((c) => c.column('primary_key').doUpdateSet(row))
    .execute();
}

export async function deleteDowntimeRow(db: RegistryDb, key: string): Promise<number> {
  const r = await db.deleteFrom('registry_downtimes').where('primary_key', '=', key).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The next number for a key made in the hub (`<n>FS`). */
export async function nextKeyNumber(db: RegistryDb): Promise<number> {
  const row = await db
    .updateTable('hub_state')
    .set((eb) => ({ value: eb('value', '+', 1) }))
    .where('key', '=', 'registry_key')
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value);
}
