// The portal's settings (`fedstack hub --portal-config FILE`): who may read the accounting and
// registry pages, the OIDC client users sign in with, and how the hub reaches the sites for them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import { SiteSettingsSchema, siteSettingsOf, type SiteSettings } from '../../federation/index.js';

/** Who may read the accounting, registry and catalogue data the pages show. */
export type PortalAccess = 'public' | 'admin';

/** The OIDC client of the portal's sign-in (authorization code with PKCE). */
export interface PortalLogin {
  readonly issuer: string;
  readonly clientId: string;
  /** Absent for a public client (PKCE only). Never logged. */
  readonly clientSecret?: string;
  readonly scope: string;
  /** The hub's URL as browsers reach it; the redirect URI is `<publicUrl>/portal/callback`. */
  readonly publicUrl: string;
}

/** The portal's settings, read. */
export interface PortalOptions {
  /** Accounting, registry and catalogue pages: anyone (`public`) or signed-in admins and hub tokens (`admin`). */
  readonly access: PortalAccess;
  /** Without it nobody can sign in (the VMs page says so). */
  readonly login?: PortalLogin;
  /** OIDC subjects (`sub`) of the portal's admins. */
  readonly admins: readonly string[];
  /** Keystone's identity provider id of the federated login at every site (a site's own wins). */
  readonly identityProvider: string;
  readonly caPath?: string;
  readonly sites: Readonly<Record<string, SiteSettings>>;
  /** VO → the entitlement that lets it launch VMs, where it is not the federation's usual one. */
  readonly voMappings: Readonly<Record<string, string>>;
  /** Each site's time limit for one page's calls, ms. */
  readonly timeoutMs: number;
  readonly concurrency: number;
  /** A session ends this long after sign-in, ms (refresh or not). */
  readonly sessionMaxMs: number;
  /** Where the built pages are (index.html, assets/); default the `web` folder of the build. */
  readonly assetsDir?: string;
}

/** The portal's defaults: data pages for admins (and hub tokens) only, no sign-in. */
export const DEFAULT_PORTAL: PortalOptions = {
  access: 'admin',
  admins: [],
  identityProvider: 'egi.eu',
  sites: {},
  voMappings: {},
  timeoutMs: 10_000,
  concurrency: 16,
  sessionMaxMs: 12 * 3_600_000,
};

const PortalFileSchema = z
  .object({
    access: z.enum(['public', 'admin']).default('admin'),
    oidc: z
      .object({
        issuer: z.string().url(),
        client_id: z.string().min(1),
        /** A file whose first line is the client secret (kept out of the config). */
        client_secret_file: z.string().min(1).optional(),
        scope: z.string().min(1).default('openid profile email eduperson_entitlement offline_access'),
        /** The hub's URL as browsers reach it. */
        public_url: z.string().url(),
      })
      .strict()
      .optional(),
    admins: z.array(z.string().min(1)).default([]),
    identity_provider: z.string().min(1).default('egi.eu'),
    ca_path: z.string().min(1).optional(),
    sites: z.record(z.string(), SiteSettingsSchema).default({}),
    vo_mappings: z.record(z.string(), z.string()).default({}),
    timeout_seconds: z.number().positive().max(120).default(10),
    concurrency: z.number().int().positive().max(256).default(16),
    session_hours: z
      .number()
      .positive()
      .max(24 * 30)
      .default(12),
  })
  .strict();

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${what} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      file,
    });
  }
}

/**
 * Reads the portal config file.
 * @throws ConfigError naming the file and key of a bad value.
 * @example
 * // portal.yaml:
 * // access: admin
 * // oidc: { issuer: https://aai.egi.eu/auth/realms/egi, client_id: fedstack-portal,
 * //         client_secret_file: /etc/fedstack/portal-secret, public_url: https://hub.example.org }
 * const portal = loadPortalConfig('portal.yaml');
 */
export function loadPortalConfig(file: string): PortalOptions {
  let value: unknown;
  try {
    value = parseYaml(readText(file, 'the portal config'), { logLevel: 'error' }) ?? {};
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`not valid YAML: ${(error as Error).message.split('\n')[0]}`, { file });
  }
  const parsed = PortalFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(issue.message, { file, path: issue.path.map(String).join('.') || '(top level)' });
  }
  const c = parsed.data;
  const dir = path.dirname(file);
  const secretFile = c.oidc?.client_secret_file ? path.resolve(dir, c.oidc.client_secret_file) : undefined;
  const secret = secretFile
    ? readText(secretFile, 'the OIDC client secret').split('\n')[0]!.trim()
    : undefined;
  if (secretFile && !secret)
    throw new ConfigError('the first line is empty; expected the OIDC client secret', { file: secretFile });
  return {
    access: c.access,
    ...(c.oidc
      ? {
          login: {
            issuer: c.oidc.issuer.replace(/\/+$/, ''),
            clientId: c.oidc.client_id,
            ...(secret ? { clientSecret: secret } : {}),
            scope: c.oidc.scope,
            publicUrl: c.oidc.public_url.replace(/\/+$/, ''),
          },
        }
      : {}),
    admins: c.admins,
    identityProvider: c.identity_provider,
    ...(c.ca_path ? { caPath: path.resolve(dir, c.ca_path) } : {}),
    sites: siteSettingsOf(c.sites, dir),
    voMappings: c.vo_mappings,
    timeoutMs: c.timeout_seconds * 1000,
    concurrency: c.concurrency,
    sessionMaxMs: c.session_hours * 3_600_000,
  };
}
