// The researcher's client config: `~/.config/fedstack/client.yaml` (XDG), then FEDSTACK_*
// variables, then command-line options, each overriding the one before.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { SiteSettingsSchema, siteSettingsOf, type SiteSettings } from '../federation/index.js';

const ClientConfigSchema = z
  .object({
    /** The information system: the hub, or any cloud-info-api–compatible endpoint. */
    hub: z.string().url().optional(),
    /** The OIDC provider of `fedstack login`. */
    issuer: z.string().url().default('https://aai.egi.eu/auth/realms/egi'),
    /** A client of the issuer allowed the device code grant. */
    client_id: z.string().min(1).optional(),
    vo: z.string().min(1).optional(),
    site: z.string().min(1).optional(),
    /** Each site's time limit, for all its calls together. */
    timeout_seconds: z.number().positive().max(600).default(10),
    /** Sites called at the same time. */
    concurrency: z.number().int().positive().max(256).default(16),
    /** How long the information system's answers are kept on disk. */
    cache_ttl_seconds: z.number().min(0).default(600),
    identity_provider: z.string().min(1).default('egi.eu'),
    /** CA bundle file or directory of hashed CA files (e.g. /etc/grid-security/certificates) for every site. */
    ca_path: z.string().min(1).optional(),
    sites: z.record(z.string(), SiteSettingsSchema).default({}),
    /** VO → the entitlement that lets it launch VMs, where it is not the federation's usual one. */
    vo_mappings: z.record(z.string(), z.string()).default({}),
  })
  .strict();

/** Per-site settings of the client config. */
export type ClientSiteSettings = SiteSettings;

/** The client config, merged. */
export interface ClientConfig {
  /** The file read, or undefined when there is none. */
  readonly file?: string;
  readonly hub?: string;
  readonly issuer: string;
  readonly clientId?: string;
  readonly vo?: string;
  readonly site?: string;
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly cacheTtlMs: number;
  readonly identityProvider: string;
  /** CA bundle or directory for every site (a site's own `ca_path` wins). */
  readonly caPath?: string;
  readonly sites: Readonly<Record<string, ClientSiteSettings>>;
  readonly voMappings: Readonly<Record<string, string>>;
  /** The cache directory (tokens, information system answers). */
  readonly cacheDir: string;
  /** The config directory (`login.json`). */
  readonly configDir: string;
}

/** `$XDG_CONFIG_HOME/fedstack` (default `~/.config/fedstack`). */
export function clientConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(homedir(), '.config'), 'fedstack');
}

/** `$XDG_CACHE_HOME/fedstack` (default `~/.cache/fedstack`). */
export function clientCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'fedstack');
}

/** What the command line gives. */
export interface ClientOverrides {
  readonly config?: string;
  readonly hub?: string;
  readonly issuer?: string;
  readonly clientId?: string;
  readonly vo?: string;
  readonly site?: string;
  readonly timeoutSeconds?: number;
}

function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (env.FEDSTACK_HUB_URL) out.hub = env.FEDSTACK_HUB_URL;
  if (env.FEDSTACK_OIDC_ISSUER) out.issuer = env.FEDSTACK_OIDC_ISSUER;
  if (env.FEDSTACK_OIDC_CLIENT_ID) out.client_id = env.FEDSTACK_OIDC_CLIENT_ID;
  if (env.FEDSTACK_VO) out.vo = env.FEDSTACK_VO;
  if (env.FEDSTACK_SITE) out.site = env.FEDSTACK_SITE;
  if (env.FEDSTACK_TIMEOUT_SECONDS) out.timeout_seconds = Number(env.FEDSTACK_TIMEOUT_SECONDS);
  return out;
}

/**
 * Reads the client config: the file (`overrides.config`, `FEDSTACK_CLIENT_CONFIG`, or
 * `client.yaml` in {@link clientConfigDir}; a missing default file is no error), then the
 * FEDSTACK_* variables, then `overrides`.
 * @throws ConfigError naming the file and key of a bad value.
 */
export function loadClientConfig(
  overrides: ClientOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
): ClientConfig {
  const given = overrides.config ?? env.FEDSTACK_CLIENT_CONFIG;
  const file = given ?? path.join(clientConfigDir(env), 'client.yaml');
  let raw: Record<string, unknown> = {};
  const hasFile = given !== undefined || existsSync(file);
  if (hasFile) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
        file,
      });
    }
    let value: unknown;
    try {
      value = parseYaml(text, { logLevel: 'error' }) ?? {};
    } catch (error) {
      throw new ConfigError(`not valid YAML: ${(error as Error).message.split('\n')[0]}`, { file });
    }
    if (typeof value !== 'object' || Array.isArray(value))
      throw new ConfigError('expected a mapping of settings (hub, vo, site, sites, …)', {
        file,
        path: '(top level)',
      });
    raw = value as Record<string, unknown>;
  }
  const merged = {
    ...raw,
    ...fromEnv(env),
    ...(overrides.hub !== undefined ? { hub: overrides.hub } : {}),
    ...(overrides.issuer !== undefined ? { issuer: overrides.issuer } : {}),
    ...(overrides.clientId !== undefined ? { client_id: overrides.clientId } : {}),
    ...(overrides.vo !== undefined ? { vo: overrides.vo } : {}),
    ...(overrides.site !== undefined ? { site: overrides.site } : {}),
    ...(overrides.timeoutSeconds !== undefined ? { timeout_seconds: overrides.timeoutSeconds } : {}),
  };
  const parsed = ClientConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.map(String).join('.') || '(top level)';
    throw new ConfigError(issue.message, { file: hasFile ? file : '(environment and options)', path: key });
  }
  const c = parsed.data;
  // paths in the file are relative to it
  const resolveFrom = (p: string) => (hasFile ? path.resolve(path.dirname(file), p) : path.resolve(p));
  return {
    ...(hasFile ? { file } : {}),
    ...(c.hub ? { hub: c.hub.replace(/\/+$/, '') } : {}),
    issuer: c.issuer.replace(/\/+$/, ''),
    ...(c.client_id ? { clientId: c.client_id } : {}),
    ...(c.vo ? { vo: c.vo } : {}),
    ...(c.site ? { site: c.site } : {}),
    timeoutMs: c.timeout_seconds * 1000,
    concurrency: c.concurrency,
    cacheTtlMs: c.cache_ttl_seconds * 1000,
    identityProvider: c.identity_provider,
    ...(c.ca_path ? { caPath: resolveFrom(c.ca_path) } : {}),
    sites: siteSettingsOf(c.sites, hasFile ? path.dirname(file) : process.cwd()),
    voMappings: c.vo_mappings,
    cacheDir: clientCacheDir(env),
    configDir: clientConfigDir(env),
  };
}
