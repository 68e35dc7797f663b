// The hub's information system: stores each site's latest GLUE document and serves reads from memory.
import { FedstackError, describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { silentLogger } from '../../log.js';
import type { HubCaller } from '../auth/hub-token.js';
import { SITE_NAME_RULE, isSiteName } from '../auth/site-name.js';
import type { HubStore } from '../store/hub-store.js';
import { readInfosysDocument } from './infosys-document.js';
import { InfosysIndex, isShownTime, type InfosysSiteEntry } from './infosys-index.js';
import {
  deleteSite,
  infosysDb,
  listSites,
  saveDocument,
  saveReport,
  type InfosysDb,
  type InfosysSiteRow,
} from './infosys-queries.js';

/** Options of {@link InfosysService.open}. */
export interface InfosysServiceOptions {
  /** Clock in epoch milliseconds; default `Date.now`. */
  readonly now?: () => number;
  readonly logger?: Logger;
}

/** What a publish stored. */
export interface PublishOutcome {
  readonly site: string;
  readonly shares: number;
  readonly expiresAt: string;
  readonly state: string;
}

/** A discovery run report from a site's agent. */
export interface RunReport {
  readonly state: 'ok' | 'failed';
  readonly error?: string;
}

/** A stored time column as epoch milliseconds; undefined when absent or not a time a Date can show. */
function timeOf(value: number | string | null): number | undefined {
  if (value === null) return undefined;
  const ms = Number(value);
  return isShownTime(ms) ? ms : undefined;
}

function shown(value: string): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Checks the site name of a write against the hub's one site-name rule (the rule of `hub token create`).
 * @throws FedstackError `HUB_REQUEST_INVALID` naming the path parameter.
 */
function assertSiteName(site: string): void {
  if (!isSiteName(site))
    throw new FedstackError(
      'HUB_REQUEST_INVALID',
      `path parameter "name": expected ${SITE_NAME_RULE} (found ${shown(site)})`,
    );
}

/**
 * Checks that `caller` may write the information of `site`: an admin, or a publisher token bound to that site.
 * @throws FedstackError `HUB_FORBIDDEN` otherwise.
 */
export function assertMayPublish(caller: HubCaller, site: string): void {
  if (caller.role === 'admin') return;
  if (caller.role === 'publisher' && caller.site === site) return;
  throw new FedstackError(
    'HUB_FORBIDDEN',
    caller.role === 'publisher'
      ? `this token publishes for site ${caller.site ?? '(none)'}, not for ${site}`
      : `a ${caller.role} token cannot publish site information`,
  );
}

/** The latest GLUE document of every site, in the database and as an in-memory read index. */
export class InfosysService {
  private readonly db: InfosysDb;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly entries = new Map<string, InfosysSiteEntry>();
  private index: InfosysIndex;

  private constructor(store: HubStore, options: InfosysServiceOptions) {
    this.db = infosysDb(store);
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.index = new InfosysIndex([], this.now());
  }

  /**
   * Opens the information system over a migrated hub store and loads every stored document.
   * A stored document that no longer passes the publish checks is logged, left out of every
   * answer, and shown as `invalid` (with the reason) in the discovery health.
   * @throws StoreError when the table cannot be read (migration 0010 missing).
   */
  static async open(store: HubStore, options: InfosysServiceOptions = {}): Promise<InfosysService> {
    const service = new InfosysService(store, options);
    await service.reload();
    return service;
  }

  /** Re-reads every site from the database (for hubs that share one database). */
  async reload(): Promise<void> {
    const rows = await listSites(this.db);
    this.entries.clear();
    for (const row of rows) this.entries.set(row.site_name, this.entryOf(row));
    this.rebuild();
  }

  /**
   * The index entry of a stored row. A row the hub cannot serve (written by older code, by hand or by a
   * bug) is kept out of every answer but `/v1/discovery`, where it shows as `invalid` with the reason.
   */
  private entryOf(row: InfosysSiteRow): InfosysSiteEntry {
    const base = {
      name: row.site_name,
      publishedAtMs: timeOf(row.published_at_ms),
      reportState: row.report_state ?? undefined,
      reportError: row.report_error ?? undefined,
      reportedAtMs: timeOf(row.reported_at_ms),
    };
    if (row.document === null) return base;
    try {
      if (!isSiteName(row.site_name)) throw new Error(`the site name is not ${SITE_NAME_RULE}`);
      // the expiry is read from the document, the one source of truth, never from the stored column
      const { view, expiresAtMs } = readInfosysDocument(row.site_name, row.document);
      return { ...base, documentText: row.document, view, expiresAtMs };
    } catch (error) {
      const reason = `stored document left out: ${describeError(error)}`;
      this.logger.warn(
        { site: row.site_name, error: describeError(error) },
        'stored GLUE document is invalid',
      );
      return { ...base, invalid: reason };
    }
  }

  private rebuild(): void {
    this.index = new InfosysIndex(this.entries.values(), this.now());
  }

  /** The read index, rebuilt first when a document has expired since it was built. */
  current(): InfosysIndex {
    if (this.now() >= this.index.validUntilMs) this.rebuild();
    return this.index;
  }

  /**
   * Validates and stores a site's GLUE document (JSON text or parsed value), replacing its previous one.
   * Nothing is stored unless the document passes every check of {@link readInfosysDocument}.
   * @throws FedstackError `HUB_FORBIDDEN` when the caller may not publish for `site`,
   *   FedstackError `HUB_REQUEST_INVALID` when `site` breaks the site-name rule or the document
   *   describes another site, FormatError `GLUE_INVALID` naming the JSON path of the first problem.
   */
  async publish(site: string, body: unknown, caller: HubCaller): Promise<PublishOutcome> {
    assertMayPublish(caller, site);
    assertSiteName(site);
    // every check runs before anything is stored: a refused document changes nothing
    const { text, view, expiresAtMs } = readInfosysDocument(site, body);
    const nowMs = this.now();
    const state = expiresAtMs <= nowMs ? 'expired' : (view.healthState ?? 'unknown');
    const outcome = {
      site,
      shares: view.shares.length,
      expiresAt: new Date(expiresAtMs).toISOString(),
      state,
    };
    await saveDocument(this.db, {
      siteName: site,
      gocdbId: view.gocdbId ?? null,
      endpointUrl: view.url,
      document: text,
      createdAtMs: view.createdAtMs,
      expiresAtMs,
      publishedAtMs: nowMs,
      publisherTokenId: caller.tokenId,
    });
    this.entries.set(site, {
      name: site,
      view,
      documentText: text,
      expiresAtMs,
      publishedAtMs: nowMs,
      reportState: 'ok',
      reportedAtMs: nowMs,
    });
    this.rebuild();
    return outcome;
  }

  /**
   * Records how a site's last discovery run went, keeping its last document (so a failing
   * site shows up as failed instead of silently disappearing when its document expires).
   * @throws FedstackError `HUB_FORBIDDEN` when the caller may not publish for `site`,
   *   `HUB_REQUEST_INVALID` when `site` breaks the site-name rule.
   */
  async report(site: string, report: RunReport, caller: HubCaller): Promise<void> {
    assertMayPublish(caller, site);
    assertSiteName(site);
    const atMs = this.now();
    await saveReport(this.db, { siteName: site, state: report.state, error: report.error ?? null, atMs });
    const previous = this.entries.get(site) ?? { name: site };
    this.entries.set(site, {
      ...previous,
      reportState: report.state,
      reportError: report.error,
      reportedAtMs: atMs,
    });
    this.rebuild();
  }

  /**
   * Removes a site from the information system. Any stored name can be removed, also one that
   * breaks the site-name rule (written by older releases), so that an admin can clean up.
   * @throws FedstackError `HUB_FORBIDDEN` for non-admin callers, `HUB_NOT_FOUND` for an unknown site.
   */
  async remove(site: string, caller: HubCaller): Promise<void> {
    if (caller.role !== 'admin')
      throw new FedstackError('HUB_FORBIDDEN', 'only an admin token can remove a site');
    if (!(await deleteSite(this.db, site)))
      throw new FedstackError('HUB_NOT_FOUND', `Site ${site} not found`);
    this.entries.delete(site);
    this.rebuild();
  }
}
