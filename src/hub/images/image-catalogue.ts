// The hub's image catalogue: per-VO image lists edited entry by entry, each change a new signed-list version.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { FedstackError } from '../../errors.js';
import { imagelist } from '../../formats/index.js';
import type { HubCaller } from '../auth/hub-token.js';
import type { HubStore } from '../store/hub-store.js';
import { canonicalJson, readCatalogueEntry, readSourceImages } from './catalogue-entry.js';
import {
  catalogueDb,
  deleteEntry,
  findEntry,
  insertVersion,
  latestVersion,
  listAllEntries,
  listEntries,
  saveEntry,
  type CatalogueDatabase,
  type CatalogueDb,
  type CatalogueEntryRow,
  type CatalogueVersionRow,
} from './catalogue-queries.js';

/** AppDB's list lifetime: 30 days from the time it was made. */
export const DEFAULT_LIST_EXPIRY_MS = 30 * 24 * 3600 * 1000;

/** Options of {@link ImageCatalogue}. */
export interface ImageCatalogueOptions {
  /** Clock in epoch milliseconds; default `Date.now`. */
  readonly now?: () => number;
  /** How long after it is made a list version expires (`dc:date:expires`); default 30 days. */
  readonly expiryMs?: number;
  /**
   * A list read this close to its expiry is re-issued first as a new version (same entries, new
   * dates), so subscribers never see it expire (cloudkeeper removes every image of an expired
   * list); default half of `expiryMs`.
   */
  readonly renewBeforeMs?: number;
  /** The endorser every version names (`hv:endorser`): the signing certificate's DNs, or configured ones. */
  readonly endorser: imagelist.ImageListEndorser;
  /** The canonical URL of a VO's signed list (`hv:uri`), e.g. `https://hub/store/vo/{vo}/image.list`. */
  readonly listUrl: (vo: string) => string;
}

/** One entry of a VO's list as the API shows it. */
export interface CatalogueEntryView {
  readonly vo: string;
  readonly id: string;
  readonly image: Readonly<Record<string, unknown>>;
  readonly updatedAtMs: number;
}

/** A version of a VO's list: its unsigned JSON text and dates. */
export interface CatalogueListVersion {
  readonly vo: string;
  readonly version: number;
  readonly listId: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  /** The list JSON (`hv:imagelist`), as the codec writes it. */
  readonly content: string;
}

/** What a change did: the list version after it, and whether it changed anything. */
export interface CatalogueChange {
  readonly vo: string;
  readonly id: string;
  readonly version: number;
  /** False for a no-op (the same entry sent again): no new version was made. */
  readonly isChanged: boolean;
  /** True when the entry did not exist before (a PUT). */
  readonly isCreated: boolean;
}

/**
 * Checks that `caller` may edit `vo`'s list: an admin, or a vo-manager token bound to that VO.
 * @throws FedstackError `HUB_FORBIDDEN` otherwise
 */
export function assertMayEdit(caller: HubCaller, vo: string): void {
  if (caller.role === 'admin') return;
  if (caller.role === 'vo-manager' && caller.vo === vo) return;
  throw new FedstackError(
    'HUB_FORBIDDEN',
    caller.role === 'vo-manager'
      ? `this token manages the images of VO ${caller.vo ?? '(none)'}, not of ${vo}`
      : `a ${caller.role} token cannot edit image lists`,
  );
}

const UNIQUE_VIOLATIONS = new Set(['23505', 'SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CONSTRAINT_UNIQUE']);

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNIQUE_VIOLATIONS.has(code);
}

function toVersion(row: CatalogueVersionRow): CatalogueListVersion {
  return {
    vo: row.vo,
    version: Number(row.version),
    listId: row.list_id,
    createdAtMs: Number(row.created_at_ms),
    expiresAtMs: Number(row.expires_at_ms),
    content: row.content,
  };
}

function toEntryView(row: CatalogueEntryRow): CatalogueEntryView {
  return {
    vo: row.vo,
    id: row.image_id,
    image: JSON.parse(row.image) as Record<string, unknown>,
    updatedAtMs: Number(row.updated_at_ms),
  };
}

/** The per-VO image lists in the hub database, with their versions. */
export class ImageCatalogue {
  private readonly db: Kysely<CatalogueDatabase>;
  private readonly now: () => number;
  private readonly expiryMs: number;
  private readonly renewBeforeMs: number;
  private readonly options: ImageCatalogueOptions;

  /** @throws Error when `expiryMs` or `renewBeforeMs` is not a positive duration below the expiry. */
  constructor(store: HubStore, options: ImageCatalogueOptions) {
    this.db = catalogueDb(store);
    this.now = options.now ?? Date.now;
    this.expiryMs = options.expiryMs ?? DEFAULT_LIST_EXPIRY_MS;
    this.renewBeforeMs = options.renewBeforeMs ?? this.expiryMs / 2;
    if (!(this.expiryMs >= 1000) || !(this.renewBeforeMs >= 0 && this.renewBeforeMs < this.expiryMs))
      throw new Error('ImageCatalogue: expiryMs must be at least 1 s and renewBeforeMs below it');
    this.options = options;
  }

  /** The entries of `vo`'s list, by image id. */
  async entries(vo: string): Promise<CatalogueEntryView[]> {
    return (await listEntries(this.db, vo)).map(toEntryView);
  }

  /** The `hv:version` of `vo`'s current list, or null before its first change. */
  async latestVersionNumber(vo: string): Promise<number | null> {
    const latest = await latestVersion(this.db, vo);
    return latest ? Number(latest.version) : null;
  }

  /** Every entry of every VO, by VO and image id. */
  async allEntries(): Promise<CatalogueEntryView[]> {
    return (await listAllEntries(this.db)).map(toEntryView);
  }

  /**
   * Adds or replaces entry `id` of `vo`'s list and, when that changes the list, makes a new version.
   * @throws FedstackError `HUB_FORBIDDEN` (see {@link assertMayEdit}), `HUB_REQUEST_INVALID` or
   *   FormatError `IMAGE_INVALID` for a body {@link readCatalogueEntry} refuses
   */
  async put(vo: string, id: string, body: unknown, caller: HubCaller): Promise<CatalogueChange> {
    assertMayEdit(caller, vo);
    const entry = readCatalogueEntry(vo, id, body);
    const text = JSON.stringify(entry.wire);
    return this.inTransaction(async (tx) => {
      const previous = await findEntry(tx, vo, id);
      const latest = await latestVersion(tx, vo);
      if (previous && latest && canonicalJson(JSON.parse(previous.image)) === canonicalJson(entry.wire))
        return { vo, id, version: Number(latest.version), isChanged: false, isCreated: false };
      await saveEntry(tx, { vo, imageId: id, image: text, atMs: this.now(), tokenId: caller.tokenId });
      const version = await this.commit(tx, vo, latest, 'put');
      return { vo, id, version: version.version, isChanged: true, isCreated: previous === undefined };
    });
  }

  /**
   * Removes entry `id` of `vo`'s list and makes a new version.
   * @throws FedstackError `HUB_FORBIDDEN` (see {@link assertMayEdit}), `HUB_NOT_FOUND` when the list has no such entry
   */
  async remove(vo: string, id: string, caller: HubCaller): Promise<CatalogueChange> {
    assertMayEdit(caller, vo);
    return this.inTransaction(async (tx) => {
      if (!(await deleteEntry(tx, vo, id)))
        throw new FedstackError('HUB_NOT_FOUND', `the ${vo} image list has no image ${id}`);
      const version = await this.commit(tx, vo, await latestVersion(tx, vo), 'delete');
      return { vo, id, version: version.version, isChanged: true, isCreated: false };
    });
  }

  /**
   * The current version of `vo`'s list, re-issued first when it is within `renewBeforeMs` of its expiry.
   * @throws FedstackError `HUB_NOT_FOUND` when the VO's list was never edited
   */
  async current(vo: string): Promise<CatalogueListVersion> {
    const latest = await latestVersion(this.db, vo);
    if (!latest) throw new FedstackError('HUB_NOT_FOUND', `the hub has no image list of VO ${vo}`);
    if (this.now() < Number(latest.expires_at_ms) - this.renewBeforeMs) return toVersion(latest);
    try {
      return await this.db.transaction().execute(async (tx) => {
        const again = await latestVersion(tx, vo);
        if (again && Number(again.version) > Number(latest.version)) return toVersion(again);
        return this.commit(tx, vo, again, 'renew');
      });
    } catch (error) {
      // another hub process renewed it at the same moment: serve its version
      if (!isUniqueViolation(error)) throw error;
      const renewed = await latestVersion(this.db, vo);
      if (!renewed) throw error;
      return toVersion(renewed);
    }
  }

  /** Runs `work` in a transaction, once more when another writer took the same version number. */
  private async inTransaction<T>(work: (tx: CatalogueDb) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute(work);
      } catch (error) {
        if (attempt >= 3 || !isUniqueViolation(error)) throw error;
      }
    }
  }

  /** Writes the next version of `vo`'s list from its entries as they are in `tx`. */
  private async commit(
    tx: CatalogueDb,
    vo: string,
    previous: CatalogueVersionRow | undefined,
    reason: 'put' | 'delete' | 'renew',
  ): Promise<CatalogueListVersion> {
    const rows = await listEntries(tx, vo);
    // whole seconds: the list's dates are written without a fraction
    const createdAtMs = Math.floor(this.now() / 1000) * 1000;
    const version: Omit<CatalogueListVersion, 'content'> = {
      vo,
      version: (previous ? Number(previous.version) : 0) + 1,
      listId: previous?.list_id ?? randomUUID(),
      createdAtMs,
      expiresAtMs: createdAtMs + Math.ceil(this.expiryMs / 1000) * 1000,
    };
    const content = this.render(version, rows);
    await insertVersion(tx, { ...version, content, reason });
    return { ...version, content };
  }

  /** The list JSON of a version, written by the codec (strictly: what every subscriber accepts). */
  private render(version: Omit<CatalogueListVersion, 'content'>, rows: readonly CatalogueEntryRow[]): string {
    const { vo } = version;
    const images = readSourceImages(
      vo,
      rows.map((r) => JSON.parse(r.image) as Record<string, unknown>),
      `the stored ${vo} image list`,
    );
    return imagelist.serializeImageList({
      id: version.listId,
      title: `Images of VO ${vo}`,
      description: `The image list of VO ${vo}, kept by its VO managers in the federation hub`,
      source: this.options.listUrl(vo),
      endorser: this.options.endorser,
      createdAt: new Date(version.createdAtMs),
      expiresAt: new Date(version.expiresAtMs),
      version: String(version.version),
      uri: this.options.listUrl(vo),
      vo,
      images,
      attributes: { 'ad:num_of_images': String(images.length) },
    });
  }
}
