// Dialect-neutral queries of the information system's table (migration 0010-infosys).
import type { Kysely, Selectable } from 'kysely';
import type { HubStore } from '../store/hub-store.js';

/** The latest document and the latest discovery report of one site. Times are epoch milliseconds. */
export type InfosysSiteTable = {
  site_name: string;
  gocdb_id: string | null;
  endpoint_url: string | null;
  /** The GLUE 2.1 JSON text as published, or null before the first document. */
  document: string | null;
  created_at_ms: number | null;
  expires_at_ms: number | null;
  published_at_ms: number | null;
  publisher_token_id: number | null;
  /** `ok` or `failed`: what the site's agent said about its last discovery run. */
  report_state: string | null;
  report_error: string | null;
  reported_at_ms: number | null;
};

/** The tables this area reads and writes. */
export type InfosysDatabase = {
  infosys_sites: InfosysSiteTable;
};

/** A kysely handle over the information-system table. */
export type InfosysDb = Kysely<InfosysDatabase>;

/** A stored row. */
export type InfosysSiteRow = Selectable<InfosysSiteTable>;

/** The information-system view of the hub's database. */
export function infosysDb(store: HubStore): InfosysDb {
  return store.db.withTables<InfosysDatabase>() as unknown as InfosysDb;
}

/** A document to store for a site. */
export interface StoredDocument {
  readonly siteName: string;
  readonly gocdbId: string | null;
  readonly endpointUrl: string;
  readonly document: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly publishedAtMs: number;
  readonly publisherTokenId: number | null;
}

/** Stores (or replaces) a site's document; a document also counts as a successful run report. */
export async function saveDocument(db: InfosysDb, doc: StoredDocument): Promise<void> {
  const values = {
    gocdb_id: doc.gocdbId,
    endpoint_url: doc.endpointUrl,
    document: doc.document,
    created_at_ms: doc.createdAtMs,
    expires_at_ms: doc.expiresAtMs,
    published_at_ms: doc.publishedAtMs,
    publisher_token_id: doc.publisherTokenId,
    report_state: 'ok',
    report_error: null,
    reported_at_ms: doc.publishedAtMs,
  };
  await db
    .insertInto('infosys_sites')
    .values({ site_name: doc.siteName, ...values })
    .onConflict((oc) => oc.column('site_name').doUpdateSet(values))
    .execute();
}

/** Records a discovery run report for a site, keeping its last document. */
export async function saveReport(
  db: InfosysDb,
  report: { siteName: string; state: string; error: string | null; atMs: number },
): Promise<void> {
  const values = { report_state: report.state, report_error: report.error, reported_at_ms: report.atMs };
  await db
    .insertInto('infosys_sites')
    .values({ site_name: report.siteName, ...values })
    .onConflict((oc) => oc.column('site_name').doUpdateSet(values))
    .execute();
}

/** Removes a site from the information system; false when it was not there. */
export async function deleteSite(db: InfosysDb, siteName: string): Promise<boolean> {
  const r = await db.deleteFrom('infosys_sites').where('site_name', '=', siteName).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** One site's row, or undefined. */
export async function findSite(db: InfosysDb, siteName: string): Promise<InfosysSiteRow | undefined> {
  return db.selectFrom('infosys_sites').selectAll().where('site_name', '=', siteName).executeTakeFirst();
}

/** Every site's row, by name. */
export async function listSites(db: InfosysDb): Promise<InfosysSiteRow[]> {
  return db.selectFrom('infosys_sites').selectAll().orderBy('site_name').execute();
}
