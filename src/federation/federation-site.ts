// A site as the researcher's tools call it (the CLI and the hub's portal alike): its Keystone, the
// federated login's details and each VO's project.

/** A site of the federation, as the researcher's tools call it. */
export interface FederationSite {
  readonly name: string;
  /** Keystone v3 URL. */
  readonly endpoint: string;
  /** Keystone URL of the OIDC front, when the federated login goes elsewhere. */
  readonly federationEndpoint?: string;
  readonly protocol?: string;
  readonly identityProvider: string;
  /** VO → project id. */
  readonly projects: Readonly<Record<string, string>>;
  /** ok, warning, critical, expired (information system), or `configured` (a config only). */
  readonly state: string;
  /** CA bundle or directory for its certificates; undefined: Node's roots. */
  readonly caPath?: string;
}

/**
 * The site an endpoint URL of the information system's images and flavors belongs to (its
 * Keystone URL, with or without a trailing slash); undefined for one of no listed site.
 */
export function siteNamer(sites: readonly FederationSite[]): (endpoint: string) => string | undefined {
  const trim = (url: string) => url.replace(/\/+$/, '');
  const byEndpoint = new Map(sites.map((s) => [trim(s.endpoint), s.name]));
  return (endpoint) => byEndpoint.get(trim(endpoint));
}
