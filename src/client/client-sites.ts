// The sites a researcher can use: from the information system (the hub, or any cloud-info-api
// endpoint: sites, their Keystone URL and each VO's project), completed and overridden by the
// client config's `sites:`.
import { FedstackError } from '../errors.js';
import {
  HubClient,
  type FlavorResponse,
  type FlavorsQuery,
  type ImageResponse,
} from '../hub-client/index.js';
import type { ClientConfig } from './client-config.js';
import { cachedAnswer } from './infosys-cache.js';
import type { FederationSite } from '../federation/index.js';
import { mergeSites, type ListedSite } from '../federation/index.js';

export { siteNamer } from '../federation/index.js';

/** A site as the client calls it. */
export type ClientSite = FederationSite;

/**
 * A client of the information system at `url` (the hub, or any cloud-info-api endpoint: its
 * unversioned paths, which both answer), checked against the config's CAs.
 */
export function infosysClientOf(config: ClientConfig, url: string): HubClient {
  return new HubClient({
    url,
    timeoutMs: config.timeoutMs,
    cloudInfoApiPaths: true,
    ...(config.caPath ? { caPath: config.caPath } : {}),
  });
}

/** Which sites. */
export interface SiteFilter {
  readonly vo?: string;
  readonly site?: string;
  /** Ask the information system again instead of the copy on disk. */
  readonly refresh?: boolean;
}

type InfosysSite = ListedSite;

/**
 * The sites of the information system and the client config, sorted by name; with `vo`, only those
 * where the VO has a project; with `site`, only that one.
 * @throws FedstackError `CLIENT_NO_SITE` when none is left, saying why.
 */
export async function clientSites(config: ClientConfig, filter: SiteFilter = {}): Promise<ClientSite[]> {
  let listed: InfosysSite[] = [];
  if (config.hub) {
    const hub = infosysClientOf(config, config.hub);
    listed = await cachedAnswer<InfosysSite[]>(
      config.cacheDir,
      `${config.hub} /v1/sites?include_projects=true`,
      { ttlMs: config.cacheTtlMs, refresh: filter.refresh },
      async () => (await hub.infosys.sites({ include_projects: true })) as InfosysSite[],
    );
  }
  const all = mergeSites(listed, config.sites, {
    identityProvider: config.identityProvider,
    ...(config.caPath ? { caPath: config.caPath } : {}),
  });
  const picked = all.filter(
    (s) => (!filter.site || s.name === filter.site) && (!filter.vo || s.projects[filter.vo] !== undefined),
  );
  if (picked.length === 0) {
    const where = config.hub ? `the information system at ${config.hub}` : 'the client config (no hub set)';
    const what = [filter.site && `site ${filter.site}`, filter.vo && `VO ${filter.vo}`]
      .filter(Boolean)
      .join(' with ');
    throw new FedstackError(
      'CLIENT_NO_SITE',
      all.length === 0
        ? `${where} lists no site`
        : `${where} has no ${what || 'site'} (it lists ${all.map((s) => s.name).join(', ')})`,
    );
  }
  return picked;
}

/**
 * The information system of the config, for `what` needs it.
 * @throws FedstackError `CLIENT_NO_SITE` when the config names none.
 */
function requiredInfosys(config: ClientConfig, what: string): { hub: HubClient; url: string } {
  if (!config.hub)
    throw new FedstackError(
      'CLIENT_NO_SITE',
      `${what} needs the information system: give --hub URL, FEDSTACK_HUB_URL, or hub: in the client config`,
    );
  return { hub: infosysClientOf(config, config.hub), url: config.hub };
}

/** The images the VO may use (every VO's without one), all sites, images of no list included; cached. */
export function infosysImages(
  config: ClientConfig,
  vo: string | undefined,
  options: { readonly what: string; readonly refresh?: boolean },
): Promise<ImageResponse[]> {
  const { hub, url } = requiredInfosys(config, options.what);
  return cachedAnswer(
    config.cacheDir,
    `${url} /v1/images?vo_name=${vo ?? ''}`,
    { ttlMs: config.cacheTtlMs, refresh: options.refresh },
    () => hub.infosys.images({ ...(vo ? { vo_name: vo } : {}), only_egi_images: false }),
  );
}

/** The flavors of `query` (VO, site, sizes, GPUs); cached. */
export function infosysFlavors(
  config: ClientConfig,
  query: FlavorsQuery,
  options: { readonly what: string; readonly refresh?: boolean },
): Promise<FlavorResponse[]> {
  const { hub, url } = requiredInfosys(config, options.what);
  const key = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  return cachedAnswer(
    config.cacheDir,
    `${url} /v1/flavors?${key}`,
    { ttlMs: config.cacheTtlMs, refresh: options.refresh },
    () => hub.infosys.flavors(query),
  );
}
