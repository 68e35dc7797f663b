// The in-memory read index of the information system, rebuilt on every write and when a document expires.
import { FedstackError } from '../../errors.js';
import { toCachedResponse, type CachedResponse } from './cached-response.js';
import type { GlueShareView, GlueSiteView } from '../../formats/glue/index.js';
import {
  toFlavorResponses,
  toImageResponses,
  toProjectResponse,
  toSiteResponse,
  type FlavorFilter,
  type FlavorResponse,
  type ImageResponse,
  type ProjectResponse,
  type SiteHealthResponse,
  type SiteResponse,
} from './infosys-responses.js';

/** What the hub knows about one site: its latest document (read) and its latest run report. */
export interface InfosysSiteEntry {
  readonly name: string;
  readonly view?: GlueSiteView;
  /** The document text as published, served back unchanged. */
  readonly documentText?: string;
  readonly expiresAtMs?: number;
  readonly publishedAtMs?: number;
  readonly reportState?: string;
  readonly reportError?: string;
  readonly reportedAtMs?: number;
  /** Why the stored document is left out of every answer (it does not pass the publish checks). */
  readonly invalid?: string;
}

/** Most distinct queries whose serialized answers one index keeps. */
const MAX_CACHED_RESPONSES = 2000;

/** Largest distance from the epoch a `Date` holds, in milliseconds (ECMA-262 §21.4.1.1). */
const MAX_DATE_MS = 8.64e15;

/** True when `ms` is a time `Date#toISOString` can show (finite, within the `Date` range). */
export function isShownTime(ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS;
}

// Never throws: a time no Date can show is left out rather than failing the whole answer.
function iso(ms: number | undefined): string | undefined {
  return ms === undefined || !isShownTime(ms) ? undefined : new Date(ms).toISOString();
}

function notFound(message: string): FedstackError {
  return new FedstackError('HUB_NOT_FOUND', message);
}

/**
 * An immutable snapshot of every site's document, indexed for the read routes. Answers
 * are computed once per distinct query and kept serialized, so hot reads cost a map
 * lookup. The index is valid until {@link validUntilMs}, when the next document expires.
 */
export class InfosysIndex {
  readonly builtAtMs: number;
  /** When a document of this index expires; after that the index must be rebuilt. */
  readonly validUntilMs: number;
  private readonly entries: ReadonlyMap<string, InfosysSiteEntry>;
  private readonly cache = new Map<string, CachedResponse>();

  constructor(entries: Iterable<InfosysSiteEntry>, nowMs: number) {
    const sorted = [...entries].sort((a, b) => a.name.localeCompare(b.name));
    this.entries = new Map(sorted.map((e) => [e.name, e]));
    this.builtAtMs = nowMs;
    let next = Number.POSITIVE_INFINITY;
    for (const e of sorted)
      if (e.expiresAtMs !== undefined && e.expiresAtMs > nowMs) next = Math.min(next, e.expiresAtMs);
    this.validUntilMs = next;
  }

  /** The answer to `key` ready to send, computed by `compute` the first time. */
  text(key: string, compute: () => string): CachedResponse {
    let cached = this.cache.get(key);
    if (cached === undefined) {
      cached = toCachedResponse(compute());
      if (this.cache.size >= MAX_CACHED_RESPONSES) this.cache.clear();
      this.cache.set(key, cached);
    }
    return cached;
  }

  /** The answer to `key` as JSON, computed by `compute` the first time. */
  json(key: string, compute: () => unknown): CachedResponse {
    return this.text(key, () => JSON.stringify(compute()));
  }

  /** True when the site's document is past CreationTime + Validity at build time. */
  isExpired(entry: InfosysSiteEntry): boolean {
    return entry.expiresAtMs !== undefined && entry.expiresAtMs <= this.builtAtMs;
  }

  private state(entry: InfosysSiteEntry): string {
    if (this.isExpired(entry)) return 'expired';
    return entry.view?.healthState ?? 'unknown';
  }

  private published(): { entry: InfosysSiteEntry; view: GlueSiteView }[] {
    const out: { entry: InfosysSiteEntry; view: GlueSiteView }[] = [];
    for (const entry of this.entries.values()) if (entry.view) out.push({ entry, view: entry.view });
    return out;
  }

  private current(): GlueSiteView[] {
    return this.published()
      .filter(({ entry }) => !this.isExpired(entry))
      .map(({ view }) => view);
  }

  /** Sites with a document (expired ones marked `state: expired`), optionally only those supporting `vo`. */
  sites(query: { vo?: string; siteName?: string; includeProjects: boolean }): SiteResponse[] {
    return this.published()
      .filter(({ view }) => query.siteName === undefined || view.name === query.siteName)
      .filter(({ view }) => query.vo === undefined || view.shares.some((s) => s.vo === query.vo))
      .map(({ entry, view }) => toSiteResponse(view, this.state(entry), query.includeProjects));
  }

  /**
   * The view of one site with a document.
   * @throws FedstackError `HUB_NOT_FOUND` when the hub has no document for it.
   */
  siteView(name: string): GlueSiteView {
    const view = this.entries.get(name)?.view;
    if (!view) throw notFound(`Site ${name} not found`);
    return view;
  }

  /** One site as cloud-info-api's `/site/{name}/` shows it. */
  site(name: string, includeProjects: boolean): SiteResponse {
    const entry = this.entries.get(name);
    return toSiteResponse(this.siteView(name), entry ? this.state(entry) : 'unknown', includeProjects);
  }

  /**
   * The share of `vo` at a site.
   * @throws FedstackError `HUB_NOT_FOUND` when the site or the VO is unknown there.
   */
  share(name: string, vo: string): GlueShareView {
    const share = this.siteView(name).shares.find((s) => s.vo === vo);
    if (!share) throw notFound(`VO ${vo} not supported by Site ${name}`);
    return share;
  }

  /** Projects of every VO at a site. */
  projects(name: string): ProjectResponse[] {
    return this.siteView(name).shares.map(toProjectResponse);
  }

  /** Images of a site, of every VO or of one. */
  siteImages(name: string, vo: string | undefined, onlyEgi: boolean): ImageResponse[] {
    const view = this.siteView(name);
    const shares = vo === undefined ? view.shares : [this.share(name, vo)];
    return shares.flatMap((s) => toImageResponses(view, s, onlyEgi));
  }

  /** Images of every current site, optionally of one VO. */
  images(vo: string | undefined, onlyEgi: boolean): ImageResponse[] {
    return this.current().flatMap((view) =>
      view.shares
        .filter((s) => vo === undefined || s.vo === vo)
        .flatMap((s) => toImageResponses(view, s, onlyEgi)),
    );
  }

  /** VOs supported by at least one current site, sorted. */
  vos(): string[] {
    const vos = new Set(this.current().flatMap((view) => view.shares.map((s) => s.vo)));
    return [...vos].sort();
  }

  /** Flavors of every current site that pass `filter`. */
  flavors(filter: FlavorFilter): FlavorResponse[] {
    return this.current()
      .filter((view) => filter.site === undefined || view.name === filter.site)
      .flatMap((view) => toFlavorResponses(view, filter));
  }

  /** The published document text of a site. */
  document(name: string): string {
    const entry = this.entries.get(name);
    if (entry?.documentText === undefined)
      throw notFound(`Site ${name} has no ${entry?.invalid === undefined ? '' : 'valid '}document`);
    return entry.documentText;
  }

  private healthState(entry: InfosysSiteEntry): string {
    if (entry.invalid !== undefined) return 'invalid';
    return entry.reportState === 'failed' ? 'failed' : this.state(entry);
  }

  /**
   * Discovery health of every known site, with the last run report. A site whose stored document
   * is left out shows `state: invalid` and the reason in `info`.
   */
  health(): SiteHealthResponse[] {
    return [...this.entries.values()].map((entry) => {
      const view = entry.view;
      const isStale = this.isExpired(entry);
      return {
        site: entry.name,
        gocdb_id: view?.gocdbId,
        state: this.healthState(entry),
        info: entry.invalid ?? view?.healthInfo,
        expired: isStale,
        created_at: view ? iso(view.createdAtMs) : undefined,
        expires_at: iso(entry.expiresAtMs),
        published_at: iso(entry.publishedAtMs),
        last_run: entry.reportState
          ? { state: entry.reportState, error: entry.reportError, at: iso(entry.reportedAtMs) }
          : undefined,
        shares: (view?.shares ?? []).map((s) => ({ vo: s.vo, state: s.healthState, info: s.healthInfo })),
      };
    });
  }
}
