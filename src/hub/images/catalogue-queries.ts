// Dialect-neutral queries of the image catalogue's tables (migration 0014-image-catalogue).
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { HubStore } from '../store/hub-store.js';

/** One entry of a VO's list: the `hv:image` object as accepted, JSON text. Times are epoch ms. */
export type CatalogueEntryTable = {
  vo: string;
  /** `dc:identifier` of the image. */
  image_id: string;
  /** The `hv:image` object, canonical JSON text (keys as given, no white space). */
  image: string;
  updated_at_ms: number | string;
  updated_by_token_id: number | string | null;
};

/** One published version of a VO's list. */
export type CatalogueVersionTable = {
  vo: string;
  /** `hv:version`: 1, 2, 3, … per VO. */
  version: number;
  /** `dc:identifier` of the list: the same for every version of a VO's list. */
  list_id: string;
  created_at_ms: number | string;
  expires_at_ms: number | string;
  /** The unsigned list JSON served for this version (signed when it is read). */
  content: string;
  /** Why the version was made: `put`, `delete` or `renew`. */
  reason: string;
};

/** The tables this area reads and writes. */
export type CatalogueDatabase = {
  image_catalogue_entries: CatalogueEntryTable;
  image_catalogue_versions: CatalogueVersionTable;
};

/** A kysely handle (or transaction) over the catalogue's tables. */
export type CatalogueDb = Kysely<CatalogueDatabase> | Transaction<CatalogueDatabase>;

/** A stored entry row. */
export type CatalogueEntryRow = Selectable<CatalogueEntryTable>;
/** A stored version row. */
export type CatalogueVersionRow = Selectable<CatalogueVersionTable>;

/** The catalogue's view of the hub's database. */
export function catalogueDb(store: HubStore): Kysely<CatalogueDatabase> {
  return store.db.withTables<CatalogueDatabase>() as unknown as Kysely<CatalogueDatabase>;
}

/** The entries of one VO's list, by image id. */
export async function listEntries(db: CatalogueDb, vo: string): Promise<CatalogueEntryRow[]> {
  return db
    .selectFrom('image_catalogue_entries')
    .selectAll()
    .where('vo', '=', vo)
    .orderBy('image_id')
    .execute();
}

/** The entries of every VO, by VO and image id. */
export async function listAllEntries(db: CatalogueDb): Promise<CatalogueEntryRow[]> {
  return db.selectFrom('image_catalogue_entries').selectAll().orderBy('vo').orderBy('image_id').execute();
}

/** One entry, or undefined. */
export async function findEntry(
  db: CatalogueDb,
  vo: string,
  imageId: string,
): Promise<CatalogueEntryRow | undefined> {
  return db
    .selectFrom('image_catalogue_entries')
    .selectAll()
    .where('vo', '=', vo)
    .where('image_id', '=', imageId)
    .executeTakeFirst();
}

/** Stores (or replaces) an entry. */
export async function saveEntry(
  db: CatalogueDb,
  entry: { vo: string; imageId: string; image: string; atMs: number; tokenId: number | null },
): Promise<void> {
  const values = { image: entry.image, updated_at_ms: entry.atMs, updated_by_token_id: entry.tokenId };
  await db
    .insertInto('image_catalogue_entries')
    .values({ vo: entry.vo, image_id: entry.imageId, ...values })
    .onConflict((oc) => oc.columns(['vo', 'image_id']).doUpdateSet(values))
    .execute();
}

/** Removes an entry; false when it was not there. */
export async function deleteEntry(db: CatalogueDb, vo: string, imageId: string): Promise<boolean> {
  const r = await db
    .deleteFrom('image_catalogue_entries')
    .where('vo', '=', vo)
    .where('image_id', '=', imageId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** The latest version of a VO's list, or undefined before its first change. */
export async function latestVersion(db: CatalogueDb, vo: string): Promise<CatalogueVersionRow | undefined> {
  return db
    .selectFrom('image_catalogue_versions')
    .selectAll()
    .where('vo', '=', vo)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Stores a new version row. */
export async function insertVersion(
  db: CatalogueDb,
  version: {
    vo: string;
    version: number;
    listId: string;
    createdAtMs: number;
    expiresAtMs: number;
    content: string;
    reason: string;
  },
): Promise<void> {
  await db
    .insertInto('image_catalogue_versions')
    .values({
      vo: version.vo,
      version: version.version,
      list_id: version.listId,
      created_at_ms: version.createdAtMs,
      expires_at_ms: version.expiresAtMs,
      content: version.content,
      reason: version.reason,
    })
    .execute();
}
