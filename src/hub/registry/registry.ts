// The registry service: sites, service endpoints and downtimes, with the checks every change passes.
import type { Kysely } from 'kysely';
import { FedstackError } from '../../errors.js';
import {
  CLOUD_SERVICE_TYPES,
  type DowntimeService,
  type GocdbDocument,
  type RegistryDowntime,
  type RegistryEndpoint,
  type RegistrySite,
} from '../../formats/gocdb/index.js';
import { isSameDn, type DistinguishedName } from '../../formats/smime/index.js';
import type { HubStore } from '../store/hub-store.js';
import {
  deleteDowntimeRow,
  deleteEndpointRow,
  deleteSiteRows,
  nextKeyNumber,
  selectDowntimes,
  selectEndpoints,
  selectSites,
  upsertDowntime,
  upsertEndpoint,
  upsertSite,
  type DowntimeFilter,
  type EndpointFilter,
  type RegistryDatabase,
  type RegistryDb,
  type SiteFilter,
} from './registry-queries.js';

/** A site as given to {@link Registry.putSite}: everything but its key. */
export type SiteInput = Omit<RegistrySite, 'primaryKey' | 'shortName'>;
/** An endpoint as given to {@link Registry.addEndpoint}. */
export type EndpointInput = Omit<RegistryEndpoint, 'primaryKey' | 'siteName'>;
/** A downtime as given to {@link Registry.addDowntime}: the keys of the endpoints it takes down (default: all of the site's). */
export type DowntimeInput = Omit<RegistryDowntime, 'primaryKey' | 'insertDate' | 'services'> & {
  readonly endpoints?: readonly string[];
};

/** What an import changed. */
export interface ImportReport {
  readonly sites: number;
  readonly endpoints: number;
  readonly downtimes: number;
  /** Records left out, each with why. */
  readonly skipped: readonly string[];
}

/** The service type whose HOSTDN names the hosts that send a site's accounting. */
export const ACCOUNTING_SERVICE_TYPE = 'eu.egi.cloud.accounting';

function invalid(message: string): FedstackError {
  return new FedstackError('REGISTRY_INVALID', message);
}

function notFound(what: string): FedstackError {
  return new FedstackError('HUB_NOT_FOUND', what);
}

/** The registry over the hub's database. Times are epoch seconds. */
export class Registry {
  readonly serviceTypes: Readonly<Record<string, string>>;
  private readonly now: () => number;
  private readonly store: HubStore;

  constructor(
    store: HubStore,
    options: { now?: () => number; extraServiceTypes?: Record<string, string> } = {},
  ) {
    this.store = store;
    this.now = options.now ?? Date.now;
    this.serviceTypes = { ...CLOUD_SERVICE_TYPES, ...options.extraServiceTypes };
  }

  private get db(): RegistryDb {
    return this.store.db as unknown as RegistryDb;
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  private async newKey(db: RegistryDb): Promise<string> {
    return `${await nextKeyNumber(db)}FS`;
  }

  private async transaction<T>(run: (db: RegistryDb) => Promise<T>): Promise<T> {
    return (this.store.db as unknown as Kysely<RegistryDatabase>).transaction().execute(run);
  }

  sites(filter: SiteFilter = {}): Promise<RegistrySite[]> {
    return selectSites(this.db, filter);
  }

  async site(shortName: string): Promise<RegistrySite> {
    return (
      (await selectSites(this.db, { shortName }))[0] ??
      Promise.reject(notFound(`no registered site ${shortName}`))
    );
  }

  /** Creates or replaces a site; its key stays the same across changes. */
  async putSite(shortName: string, input: SiteInput): Promise<{ site: RegistrySite; isCreated: boolean }> {
    return this.transaction(async (db) => {
      const existing = (await selectSites(db, { shortName }))[0];
      const site: RegistrySite = {
        ...input,
        primaryKey: existing?.primaryKey ?? (await this.newKey(db)),
        shortName,
      };
      await upsertSite(db, site, this.seconds());
      return { site, isCreated: existing === undefined };
    });
  }

  /** Removes a site with its endpoints and downtimes. */
  async deleteSite(shortName: string): Promise<void> {
    const n = await this.transaction((db) => deleteSiteRows(db, shortName));
    if (n === 0) throw notFound(`no registered site ${shortName}`);
  }

  endpoints(filter: EndpointFilter = {}): Promise<RegistryEndpoint[]> {
    return selectEndpoints(this.db, filter);
  }

  async endpoint(key: string): Promise<RegistryEndpoint> {
    const [found] = await selectEndpoints(this.db, { primaryKey: key });
    return found ?? Promise.reject(notFound(`no registered endpoint ${key}`));
  }

  private checkEndpoint(input: EndpointInput): void {
    if (!(input.serviceType in this.serviceTypes)) {
      throw invalid(
        `serviceType ${input.serviceType} is not a known service type (known: ${Object.keys(this.serviceTypes).join(', ')})`,
      );
    }
    if (input.url !== undefined && !URL.canParse(input.url)) throw invalid(`url ${input.url} is not a URL`);
  }

  /** Registers a service endpoint of a site. */
  async addEndpoint(siteName: string, input: EndpointInput): Promise<RegistryEndpoint> {
    this.checkEndpoint(input);
    await this.site(siteName);
    return this.transaction(async (db) => {
      const endpoint: RegistryEndpoint = { ...input, primaryKey: await this.newKey(db), siteName };
      await upsertEndpoint(db, endpoint, this.seconds());
      return endpoint;
    });
  }

  /** Changes an endpoint (its site and key stay). */
  async putEndpoint(key: string, input: EndpointInput): Promise<RegistryEndpoint> {
    this.checkEndpoint(input);
    const existing = await this.endpoint(key);
    const endpoint: RegistryEndpoint = { ...input, primaryKey: key, siteName: existing.siteName };
    await upsertEndpoint(this.db, endpoint, this.seconds());
    return endpoint;
  }

  async deleteEndpoint(key: string): Promise<void> {
    if ((await deleteEndpointRow(this.db, key)) === 0) throw notFound(`no registered endpoint ${key}`);
  }

  /**
   * The `eu.egi.cloud.accounting` endpoints (of `siteName`, when given) whose HOSTDN is `dn`;
   * slash and RFC 2253 forms compare as DNs, and a HOSTDN that does not parse matches nothing.
   */
  async accountingEndpointsOf(dn: DistinguishedName, siteName?: string): Promise<RegistryEndpoint[]> {
    const endpoints = await selectEndpoints(this.db, {
      serviceType: ACCOUNTING_SERVICE_TYPE,
      ...(siteName !== undefined ? { siteName } : {}),
    });
    return endpoints.filter((e) => {
      if (e.hostDn === undefined) return false;
      try {
        return isSameDn(e.hostDn, dn);
      } catch {
        return false;
      }
    });
  }

  downtimes(filter: DowntimeFilter = {}): Promise<RegistryDowntime[]> {
    return selectDowntimes(this.db, filter);
  }

  /** Declares a downtime of a site's endpoints. */
  async addDowntime(siteName: string, input: DowntimeInput): Promise<RegistryDowntime> {
    if (!(input.end > input.start))
      throw invalid(
        `end (${input.end}) must be after start (${input.start}): a downtime cannot end before it starts`,
      );
    await this.site(siteName);
    const own = await selectEndpoints(this.db, { siteName });
    const wanted = input.endpoints ?? own.map((e) => e.primaryKey);
    const services: DowntimeService[] = wanted.map((key) => {
      const e = own.find((o) => o.primaryKey === key);
      if (!e) throw invalid(`endpoints: ${key} is not an endpoint of site ${siteName}`);
      return serviceOf(e);
    });
    if (services.length === 0) throw invalid(`site ${siteName} has no endpoint a downtime could affect`);
    const { endpoints: _endpoints, ...rest } = input;
    return this.transaction(async (db) => {
      const downtime: RegistryDowntime = {
        ...rest,
        primaryKey: await this.newKey(db),
        insertDate: this.seconds(),
        services,
      };
      await upsertDowntime(db, downtime, siteName);
      return downtime;
    });
  }

  /** The site of a downtime, for the check that a site token removes only its own. */
  async downtimeSite(key: string): Promise<string> {
    const row = await this.db
      .selectFrom('registry_downtimes')
      .select('site_name')
      .where('primary_key', '=', key)
      .executeTakeFirst();
    return row?.site_name ?? Promise.reject(notFound(`no registered downtime ${key}`));
  }

  async deleteDowntime(key: string): Promise<void> {
    if ((await deleteDowntimeRow(this.db, key)) === 0) throw notFound(`no registered downtime ${key}`);
  }

  /**
   * Loads a GOCDB document (sites, endpoints, downtimes) idempotently: records are matched by
   * site name and primary key, so importing the same export twice changes nothing. Endpoints of
   * unknown service types, and endpoints and downtimes of sites neither registered nor in the
   * document, are skipped and reported.
   */
  async importDocument(doc: GocdbDocument): Promise<ImportReport> {
    const skipped: string[] = [];
    const now = this.seconds();
    const counts = await this.transaction(async (db) => {
      for (const site of doc.sites) {
        const existing = (await selectSites(db, { shortName: site.shortName }))[0];
        // a site first created in the hub keeps its key; get_site_list's partial records never blank fields
        await upsertSite(
          db,
          { ...existing, ...site, primaryKey: existing?.primaryKey ?? site.primaryKey },
          now,
        );
      }
      const known = new Set((await selectSites(db)).map((s) => s.shortName));
      let endpoints = 0;
      for (const e of doc.endpoints) {
        if (!(e.serviceType in this.serviceTypes)) {
          skipped.push(`endpoint ${e.primaryKey} (${e.hostname}): unknown service type ${e.serviceType}`);
        } else if (!known.has(e.siteName)) {
          skipped.push(`endpoint ${e.primaryKey} (${e.hostname}): site ${e.siteName} is not registered`);
        } else {
          // a seeded endpoint (same site, type and URL, another key) gives way to GOCDB's record
          const twins = (
            await selectEndpoints(db, { siteName: e.siteName, serviceType: e.serviceType })
          ).filter((t) => t.primaryKey !== e.primaryKey && t.url !== undefined && t.url === e.url);
          for (const t of twins) await deleteEndpointRow(db, t.primaryKey);
          await upsertEndpoint(db, e, now);
          endpoints++;
        }
      }
      const all = await selectEndpoints(db);
      let downtimes = 0;
      for (const d of doc.downtimes) {
        const services = d.services.map((s) => resolveService(s, all));
        const site = services[0]?.siteName;
        if (site === undefined || !known.has(site)) {
          skipped.push(`downtime ${d.primaryKey}: its site ${site ?? '(none named)'} is not registered`);
          continue;
        }
        await upsertDowntime(db, { ...d, services }, site);
        downtimes++;
      }
      return { endpoints, downtimes };
    });
    return { sites: doc.sites.length, ...counts, skipped };
  }
}

function serviceOf(e: RegistryEndpoint): DowntimeService {
  return {
    primaryKey: e.primaryKey,
    hostname: e.hostname,
    serviceType: e.serviceType,
    siteName: e.siteName,
    ...(e.url ? { url: e.url } : {}),
  };
}

/** A downtime's service with the key of the registered endpoint it names (GOCDB's flat form gives none). */
function resolveService(s: DowntimeService, endpoints: readonly RegistryEndpoint[]): DowntimeService {
  const match =
    endpoints.find((e) => e.primaryKey === s.primaryKey) ??
    endpoints.find(
      (e) => e.hostname === s.hostname && e.serviceType === s.serviceType && e.siteName === s.siteName,
    );
  return match ? serviceOf(match) : s;
}
