// Per-site settings the information system does not give (a site's OIDC front, protocol, CAs),
// as the client config and the portal config both write them under `sites:`.
import path from 'node:path';
import { z } from 'zod';
import type { FederationSite } from './federation-site.js';

/** The YAML form of one site's settings. */
export const SiteSettingsSchema = z
  .object({
    /** Keystone URL, when the information system has none or another one. */
    endpoint: z.string().url().optional(),
    /** Keystone URL of the OIDC front, when the federated login goes elsewhere. */
    federation_endpoint: z.string().url().optional(),
    /** Federation protocol; default: `openid`, then `oidc`. */
    protocol: z.string().min(1).optional(),
    identity_provider: z.string().min(1).optional(),
    /** Project of each VO at the site, when the information system has none. */
    projects: z.record(z.string(), z.string()).optional(),
    /** CA bundle file or directory of hashed CA files for this site's certificates. */
    ca_path: z.string().min(1).optional(),
  })
  .strict();

/** Per-site settings, read. */
export interface SiteSettings {
  readonly endpoint?: string;
  readonly federationEndpoint?: string;
  readonly protocol?: string;
  readonly identityProvider?: string;
  readonly projects?: Readonly<Record<string, string>>;
  readonly caPath?: string;
}

/** The settings of `sites:` as read, with paths resolved from `baseDir` (the config file's directory). */
export function siteSettingsOf(
  sites: Readonly<Record<string, z.output<typeof SiteSettingsSchema>>>,
  baseDir: string,
): Record<string, SiteSettings> {
  return Object.fromEntries(
    Object.entries(sites).map(([name, s]) => [
      name,
      {
        ...(s.endpoint ? { endpoint: s.endpoint } : {}),
        ...(s.federation_endpoint ? { federationEndpoint: s.federation_endpoint } : {}),
        ...(s.protocol ? { protocol: s.protocol } : {}),
        ...(s.identity_provider ? { identityProvider: s.identity_provider } : {}),
        ...(s.projects ? { projects: s.projects } : {}),
        ...(s.ca_path ? { caPath: path.resolve(baseDir, s.ca_path) } : {}),
      },
    ]),
  );
}

/** A site of the information system (name, Keystone URL, state, VO projects). */
export interface ListedSite {
  readonly name: string;
  readonly url: string;
  readonly state: string;
  readonly projects?: readonly { readonly id: string; readonly name: string }[];
}

/** Where the sites come from and the defaults every site takes. */
export interface SiteDefaults {
  readonly identityProvider: string;
  readonly caPath?: string;
}

/**
 * The sites of the information system completed and overridden by `settings`, sorted by name; a
 * setting for a site with no Keystone URL from either is left out.
 */
export function mergeSites(
  listed: readonly ListedSite[],
  settings: Readonly<Record<string, SiteSettings>>,
  defaults: SiteDefaults,
): FederationSite[] {
  const byName = new Map<string, FederationSite>();
  for (const s of listed)
    byName.set(s.name, {
      name: s.name,
      endpoint: s.url,
      identityProvider: defaults.identityProvider,
      projects: Object.fromEntries((s.projects ?? []).map((p) => [p.name, p.id])),
      state: s.state,
      ...(defaults.caPath ? { caPath: defaults.caPath } : {}),
    });
  for (const [name, own] of Object.entries(settings)) {
    const known = byName.get(name);
    const endpoint = own.endpoint ?? known?.endpoint;
    if (!endpoint) continue; // settings for a site the information system does not list (yet)
    const caPath = own.caPath ?? defaults.caPath;
    byName.set(name, {
      name,
      endpoint,
      ...(own.federationEndpoint ? { federationEndpoint: own.federationEndpoint } : {}),
      ...(own.protocol ? { protocol: own.protocol } : {}),
      identityProvider: own.identityProvider ?? defaults.identityProvider,
      projects: { ...known?.projects, ...own.projects },
      state: known?.state ?? 'configured',
      ...(caPath ? { caPath } : {}),
    });
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}
