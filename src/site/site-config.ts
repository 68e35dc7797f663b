// Site configuration: the EGI catch-all site YAML plus Fedstack's credentials (by reference), endpoints and options.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { parseSchedule, periodOf, type Schedule } from '../formats/schedule/index.js';
import {
  ImagesSchema,
  checkImagesConfig,
  toImagesConfig,
  type ImagesConfig,
} from './images/images-config.js';
import {
  IGNORED_VO_KEYS,
  configUrl,
  findInlineSecrets,
  inlineSecretMessage,
  isInlineSecretKey,
  issuePath,
  secretRef,
  type KeyProblem,
  type SecretRef,
} from './site-config-keys.js';

/** Credentials, with secrets only by reference (`*_env`: an environment variable, `*_file`: a file). */
const CredentialsSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('password'),
      username: z.string().min(1).optional(),
      user_id: z.string().min(1).optional(),
      user_domain_name: z.string().min(1).default('Default'),
      ...secretRef('password'),
    })
    .strict()
    .refine((c) => c.username !== undefined || c.user_id !== undefined, {
      message: 'is required (a password login needs username or user_id)',
      path: ['username'],
    }),
  z
    .object({
      type: z.literal('application_credential'),
      id: z.string().min(1),
      ...secretRef('secret'),
    })
    .strict(),
  z.object({ type: z.literal('token'), ...secretRef('token') }).strict(),
  z
    .object({
      type: z.literal('oidc'),
      identity_provider: z.string().min(1).default('egi.eu'),
      /** Keystone URL of the OIDC front, when it differs from `endpoint`. */
      federation_endpoint: configUrl().optional(),
      /** A fixed access token by reference… */
      ...secretRef('access_token'),
      /** …or a refresh token, exchanged at the provider for fresh access tokens. */
      ...secretRef('refresh_token'),
      issuer_url: configUrl().optional(),
      client_id: z.string().min(1).optional(),
      ...secretRef('client_secret'),
      scope: z.string().min(1).optional(),
    })
    .strict()
    .refine((c) => !(c.refresh_token_env || c.refresh_token_file) || (c.issuer_url && c.client_id), {
      message: 'a refresh token needs issuer_url and client_id',
      path: ['issuer_url'],
    }),
]);

/** Keys the catch-all format allows but Fedstack does not read; any value is accepted. */
const ignoredKeys = (keys: readonly string[]) =>
  Object.fromEntries(keys.map((k) => [k, z.unknown().optional()]));

const VoSchema = z
  .object({
    name: z.string().min(1),
    auth: z
      .object({
        project_id: z.string().min(1),
        credentials: CredentialsSchema.optional(),
      })
      .strict(),
    ...ignoredKeys(IGNORED_VO_KEYS),
  })
  .strict();

const AccountingSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** GOCDB site name to report, when it differs from `gocdb`. */
    site_name: z.string().min(1).optional(),
    /** CloudComputeService / StorageSystem; default the site name. */
    service_name: z.string().min(1).optional(),
    /** Projects tagged so are accounted besides the VO projects; empty string to disable. */
    project_tag: z.string().default('caso'),
    /** Project properties holding the VO, tried in order. */
    vo_properties: z.array(z.string().min(1)).default(['VO', 'egi.VO', 'accounting:VO']),
    /** Extra VO mapping: project id or name → VO. */
    vo_map: z.record(z.string(), z.string()).default({}),
    record_types: z
      .array(z.enum(['cloud', 'ip', 'accelerator', 'storage']))
      .default(['cloud', 'ip', 'accelerator', 'storage']),
    benchmark_name_key: z.string().default('accounting:benchmark_type'),
    benchmark_value_key: z.string().default('accounting:benchmark_value'),
    /** Directory of watermarks and outbox; default `./.fedstack/site/<gocdb>`. */
    state_dir: z.string().min(1).optional(),
    /** Outbox (dirq) directory; default `<state_dir>/outgoing`. */
    outbox_dir: z.string().min(1).optional(),
    /** Earliest time to extract from when no watermark exists (ISO); default 30 days ago. */
    default_extract_from: z.string().optional(),
    ams: z
      .object({
        url: configUrl(),
        project: z.string().min(1).default('accounting'),
        topic: z.string().min(1).default('eu-egi-cloud-accounting'),
        storage_topic: z.string().min(1).optional(),
        ...secretRef('token'),
      })
      .strict()
      .optional(),
  })
  .strict();

/** A schedule: an interval (`30m`, `1h`, `8h`) or a five-field cron expression (UTC). */
const scheduleText = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .superRefine((value, ctx) => {
      const parsed = parseSchedule(value);
      if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
    });

/** An interval only (`30s`, `5m`, `6h`), no cron expression. */
const intervalText = (fallback: string) =>
  scheduleText(fallback).refine((v) => /^\d+(\.\d+)?\s*[smhd]$/.test(v.trim()), {
    message: 'expected an interval such as 30s, 5m or 6h',
  });

const TimeoutsSchema = z
  .object({
    accounting: intervalText('30m'),
    discovery: intervalText('10m'),
    images: intervalText('6h'),
  })
  .strict();

/** `schedules`: when `fedstack site run` runs each job (the appliance's cron times by default). */
const SchedulesSchema = z
  .object({
    /** Extraction, then sending the outbox when `accounting.ams` is set. */
    accounting: scheduleText('1h'),
    discovery: scheduleText('1h'),
    /** Image sync, when `images.sync` is true. */
    images: scheduleText('8h'),
    /** Up to this much random delay is added to each run, so that sites do not all start at once. */
    jitter: intervalText('5m'),
    /** The longest run of each job: past it the run is stopped at a safe point and reported as failed. */
    timeouts: TimeoutsSchema.default(() => TimeoutsSchema.parse({})),
  })
  .strict();

/** `hub`: where `fedstack site run` publishes discovery documents. */
const HubSchema = z.object({ url: configUrl(), ...secretRef('token') }).strict();

/** The site YAML as written (wire names). */
export const SiteConfigSchema = z
  .object({
    gocdb: z.string().min(1),
    /** GOCDB primary key of the site, when it should not be looked up. */
    gocdb_id: z.string().min(1).optional(),
    endpoint: configUrl(),
    region: z.string().min(1).optional(),
    /** Federation protocol in Keystone for OIDC logins; when absent `openid` then `oidc` are tried. */
    protocol: z.string().min(1).optional(),
    /** keystoneauth method name of the catch-all schema; informational. */
    auth: z.string().optional(),
    vos: z.array(VoSchema).default([]),
    images: ImagesSchema.optional(),
    accounting: AccountingSchema.default(() => AccountingSchema.parse({})),
    /** Required by every command that contacts the site; catch-all files without it still load. */
    credentials: CredentialsSchema.optional(),
    endpoints: z.record(z.string(), configUrl()).default({}),
    interface: z.enum(['public', 'internal', 'admin']).default('public'),
    timeout_seconds: z.number().positive().max(3600).default(30),
    schedules: SchedulesSchema.default(() => SchedulesSchema.parse({})),
    hub: HubSchema.optional(),
  })
  .strict();

/** The site YAML as zod parsed it (YAML key names); only {@link toSiteConfig} reads it. */
type RawSiteConfig = z.infer<typeof SiteConfigSchema>;
type RawCredentials = z.infer<typeof CredentialsSchema>;

/** Credentials as configured (secrets by reference). */
export type CredentialsConfig =
  | ({
      readonly type: 'password';
      readonly username?: string;
      readonly userId?: string;
      readonly userDomainName: string;
    } & SecretRef<'password'>)
  | ({ readonly type: 'application_credential'; readonly id: string } & SecretRef<'secret'>)
  | ({ readonly type: 'token' } & SecretRef<'token'>)
  | ({
      readonly type: 'oidc';
      readonly identityProvider: string;
      /** Keystone URL of the OIDC front, when it differs from `endpoint`. */
      readonly federationEndpoint?: string;
      readonly issuerUrl?: string;
      readonly clientId?: string;
      readonly scope?: string;
    } & SecretRef<'accessToken'> &
      SecretRef<'refreshToken'> &
      SecretRef<'clientSecret'>);

/** One VO of the site and the project it uses. */
export interface VoConfig {
  readonly name: string;
  readonly auth: { readonly projectId: string; readonly credentials?: CredentialsConfig };
}

/** `accounting.ams`: where `fedstack site accounting send` publishes. */
export interface AccountingAmsConfig extends SecretRef<'token'> {
  readonly url: string;
  readonly project: string;
  readonly topic: string;
  readonly storageTopic?: string;
}

/** `accounting`: the options of accounting extraction and sending. */
export interface AccountingConfig {
  readonly enabled: boolean;
  /** GOCDB site name to report, when it differs from `gocdb`. */
  readonly siteName?: string;
  /** CloudComputeService / StorageSystem; default the site name. */
  readonly serviceName?: string;
  /** Projects tagged so are accounted besides the VO projects; empty to disable. */
  readonly projectTag: string;
  /** Project properties holding the VO, tried in order. */
  readonly voProperties: readonly string[];
  /** Project id or name → VO. */
  readonly voMap: Readonly<Record<string, string>>;
  readonly recordTypes: readonly ('cloud' | 'ip' | 'accelerator' | 'storage')[];
  readonly benchmarkNameKey: string;
  readonly benchmarkValueKey: string;
  readonly stateDir?: string;
  readonly outboxDir?: string;
  /** Earliest time to extract from when no watermark exists (ISO or epoch s). */
  readonly defaultExtractFrom?: string;
  readonly ams?: AccountingAmsConfig;
}

/**
 * A validated site configuration: the site YAML in Fedstack's names. The YAML keys stay as
 * written (snake_case, the catch-all schema's); errors name them so.
 */
export interface SiteConfig {
  /** The YAML file it was read from; relative paths in it are relative to this file. */
  readonly file: string;
  readonly gocdb: string;
  /** GOCDB primary key of the site, when it should not be looked up. */
  readonly gocdbId?: string;
  readonly endpoint: string;
  readonly region?: string;
  /** Federation protocol in Keystone for OIDC logins; when absent `openid` then `oidc` are tried. */
  readonly protocol?: string;
  readonly vos: readonly VoConfig[];
  /** `images`: image sync; the loader always sets it (defaults when the YAML has no `images`). */
  readonly images?: ImagesConfig;
  readonly accounting: AccountingConfig;
  readonly credentials?: CredentialsConfig;
  /** Per service type, the URL that replaces the catalog's. */
  readonly endpoints: Readonly<Record<string, string>>;
  readonly interface: 'public' | 'internal' | 'admin';
  readonly timeoutSeconds: number;
  /** When `fedstack site run` runs each job. */
  readonly schedules: SchedulesConfig;
  /** Where `fedstack site run` publishes discovery; absent: documents are only written. */
  readonly hub?: { readonly url: string } & SecretRef<'token'>;
}

/** `schedules`, parsed. */
export interface SchedulesConfig {
  readonly accounting: Schedule;
  readonly discovery: Schedule;
  readonly images: Schedule;
  /** The most random delay added to a run, ms. */
  readonly jitterMs: number;
  /** The longest run of each job, ms. */
  readonly timeoutsMs: { readonly accounting: number; readonly discovery: number; readonly images: number };
}

function scheduleOf(text: string): Schedule {
  const parsed = parseSchedule(text);
  if ('problem' in parsed) throw new Error(parsed.problem); // the schema refused it already
  return parsed.schedule;
}

function toCredentials(c: RawCredentials): CredentialsConfig {
  switch (c.type) {
    case 'password':
      return {
        type: c.type,
        username: c.username,
        userId: c.user_id,
        userDomainName: c.user_domain_name,
        passwordEnv: c.password_env,
        passwordFile: c.password_file,
      };
    case 'application_credential':
      return { type: c.type, id: c.id, secretEnv: c.secret_env, secretFile: c.secret_file };
    case 'token':
      return { type: c.type, tokenEnv: c.token_env, tokenFile: c.token_file };
    case 'oidc':
      return {
        type: c.type,
        identityProvider: c.identity_provider,
        federationEndpoint: c.federation_endpoint,
        accessTokenEnv: c.access_token_env,
        accessTokenFile: c.access_token_file,
        refreshTokenEnv: c.refresh_token_env,
        refreshTokenFile: c.refresh_token_file,
        issuerUrl: c.issuer_url,
        clientId: c.client_id,
        clientSecretEnv: c.client_secret_env,
        clientSecretFile: c.client_secret_file,
        scope: c.scope,
      };
  }
}

function toAccounting(a: RawSiteConfig['accounting']): AccountingConfig {
  return {
    enabled: a.enabled,
    siteName: a.site_name,
    serviceName: a.service_name,
    projectTag: a.project_tag,
    voProperties: a.vo_properties,
    voMap: a.vo_map,
    recordTypes: a.record_types,
    benchmarkNameKey: a.benchmark_name_key,
    benchmarkValueKey: a.benchmark_value_key,
    stateDir: a.state_dir,
    outboxDir: a.outbox_dir,
    defaultExtractFrom: a.default_extract_from,
    ams: a.ams && {
      url: a.ams.url,
      project: a.ams.project,
      topic: a.ams.topic,
      storageTopic: a.ams.storage_topic,
      tokenEnv: a.ams.token_env,
      tokenFile: a.ams.token_file,
    },
  };
}

/** The domain form of a validated site YAML (keys of the catch-all format Fedstack ignores are dropped). */
function toSiteConfig(raw: RawSiteConfig, file: string): SiteConfig {
  return {
    file,
    gocdb: raw.gocdb,
    gocdbId: raw.gocdb_id,
    endpoint: raw.endpoint,
    region: raw.region,
    protocol: raw.protocol,
    vos: raw.vos.map((vo) => ({
      name: vo.name,
      auth: {
        projectId: vo.auth.project_id,
        credentials: vo.auth.credentials && toCredentials(vo.auth.credentials),
      },
    })),
    images: toImagesConfig(raw.images),
    accounting: toAccounting(raw.accounting),
    credentials: raw.credentials && toCredentials(raw.credentials),
    endpoints: raw.endpoints,
    interface: raw.interface,
    timeoutSeconds: raw.timeout_seconds,
    schedules: {
      accounting: scheduleOf(raw.schedules.accounting),
      discovery: scheduleOf(raw.schedules.discovery),
      images: scheduleOf(raw.schedules.images),
      jitterMs: periodOf(scheduleOf(raw.schedules.jitter), 0),
      timeoutsMs: {
        accounting: periodOf(scheduleOf(raw.schedules.timeouts.accounting), 0),
        discovery: periodOf(scheduleOf(raw.schedules.timeouts.discovery), 0),
        images: periodOf(scheduleOf(raw.schedules.timeouts.images), 0),
      },
    },
    ...(raw.hub
      ? { hub: { url: raw.hub.url, tokenEnv: raw.hub.token_env, tokenFile: raw.hub.token_file } }
      : {}),
  };
}

/** True when the YAML has no value at `keys` (zod's issues do not carry the input, so look it up). */
function isAbsent(root: unknown, keys: readonly PropertyKey[]): boolean {
  let value = root;
  for (const key of keys) {
    if (value === null || typeof value !== 'object') return true;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value === undefined;
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  if (issue.code === 'invalid_type' && isAbsent(root, issue.path))
    return `is required (expected ${issue.expected})`;
  if (issue.code === 'invalid_union' && 'discriminator' in issue)
    return `has an unknown type (expected one of password, application_credential, token, oidc)`;
  return issue.message;
}

/**
 * Every problem of a parsed site YAML, one per key path: secrets written inline first (anywhere,
 * also where zod stops looking), then zod's issues, an unknown key each on its own.
 */
function problemsOf(value: unknown, issues: readonly z.core.$ZodIssue[]): KeyProblem[] {
  const problems = findInlineSecrets(value);
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') {
      problems.push({ path: issue.path, message: describeIssue(issue, value) });
      continue;
    }
    for (const key of issue.keys) {
      const path = [...issue.path, key];
      if (isInlineSecretKey(key)) {
        if (!problems.some((p) => issuePath(p.path) === issuePath(path)))
          problems.push({ path, message: inlineSecretMessage(path, key) });
      } else
        problems.push({ path, message: 'is not a key of the site YAML (EGI catch-all schema or Fedstack)' });
    }
  }
  return problems;
}

/**
 * Validates a parsed YAML value as a site config.
 * @throws ConfigError `CONFIG_INVALID` naming the file and the first bad key path in `path` (every
 *   problem is listed in the message); values of secrets written inline are never quoted.
 */
export function validateSiteConfig(value: unknown, file: string): SiteConfig {
  const result = SiteConfigSchema.safeParse(value);
  const problems = problemsOf(value, result.success ? [] : result.error.issues);
  if (problems.length > 0) {
    const [first, ...rest] = problems;
    const message = [first!.message, ...rest.map((p) => `${issuePath(p.path)}: ${p.message}`)].join('; ');
    throw new ConfigError(
      message,
      { file, path: issuePath(first!.path), code: 'CONFIG_INVALID' },
      { cause: result.success ? undefined : result.error.issues[0] },
    );
  }
  const config = result.data!;
  for (const [i, vo] of config.vos.entries()) {
    if (config.vos.findIndex((v) => v.name === vo.name) !== i)
      throw new ConfigError(`VO ${vo.name} is listed twice`, { file, path: `vos[${i}].name` });
  }
  const site = toSiteConfig(config, file);
  const [imagesProblem] = checkImagesConfig(
    site.images!,
    site.vos.map((vo) => vo.name),
  );
  if (imagesProblem)
    throw new ConfigError(imagesProblem.message, { file, path: issuePath(imagesProblem.path) });
  return site;
}

/**
 * Reads and validates a site YAML file.
 * @throws ConfigError `CONFIG_INVALID` when unreadable, not YAML, or invalid.
 * @example const site = loadSiteConfig('site.yaml');
 */
export function loadSiteConfig(file: string): SiteConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { file },
      { cause: error },
    );
  }
  let value: unknown;
  try {
    // warnings (an unknown tag, say) are not printed: the value is judged key by key below
    value = parseYaml(text, { logLevel: 'error' });
  } catch (error) {
    throw new ConfigError(
      `not valid YAML: ${(error as Error).message.split('\n')[0]}`,
      { file },
      { cause: error },
    );
  }
  if (value === null || value === undefined)
    throw new ConfigError('the file is empty (expected a mapping with gocdb and endpoint)', {
      file,
      path: '(top level)',
    });
  return validateSiteConfig(value, file);
}

/** Where a `<name>_file` secret lives: relative paths are relative to the config file. */
export function secretFilePath(where: { file: string }, fileName: string): string {
  return path.resolve(path.dirname(where.file), fileName);
}

/** The YAML key of a camelCase name: `accessToken` → `access_token`. */
function yamlKeyOf(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Reads a secret given by reference: `<name>Env` (environment variable) or `<name>File` (first
 * line of a file, relative to the config file); errors name the YAML keys
 * (`<name in snake_case>_env`, `…_file`).
 * @throws ConfigError `CONFIG_SECRET_MISSING` naming the variable or file, never the value.
 */
export function readSecret(
  holder: object,
  name: string,
  where: { file: string; path: string },
  env: NodeJS.ProcessEnv = process.env,
): string {
  const refs = holder as Readonly<Record<string, unknown>>;
  const envName = refs[`${name}Env`];
  const fileName = refs[`${name}File`];
  const key = yamlKeyOf(name);
  if (typeof envName === 'string') {
    const v = env[envName];
    if (!v)
      throw new ConfigError(`environment variable ${envName} is not set`, {
        file: where.file,
        path: `${where.path}.${key}_env`,
        code: 'CONFIG_SECRET_MISSING',
      });
    return v;
  }
  if (typeof fileName === 'string') {
    const full = secretFilePath(where, fileName);
    try {
      const v = readFileSync(full, 'utf8').split('\n')[0]!.trim();
      if (v) return v;
    } catch {
      // reported below
    }
    throw new ConfigError(`cannot read a secret from ${full}`, {
      file: where.file,
      path: `${where.path}.${key}_file`,
      code: 'CONFIG_SECRET_MISSING',
    });
  }
  throw new ConfigError(`give ${key}_env or ${key}_file (secrets are never written inline)`, {
    file: where.file,
    path: where.path,
    code: 'CONFIG_SECRET_MISSING',
  });
}

/**
 * Checks that the config says how to log in to the site: `credentials`, or
 * credentials of every VO.
 * @throws ConfigError `CONFIG_INVALID` naming `credentials`.
 */
export function assertHasCredentials(config: SiteConfig): void {
  if (config.credentials || (config.vos.length > 0 && config.vos.every((vo) => vo.auth.credentials))) return;
  throw credentialsRequired(config);
}

/** The error for a config that gives no credentials where a command needs them; names `credentials`. */
export function credentialsRequired(config: SiteConfig): ConfigError {
  return new ConfigError('is required to contact the site (a type and a secret by reference)', {
    file: config.file,
    path: 'credentials',
  });
}

/** The site config files (`*.yaml`, `*.yml`, hidden files aside) of a directory, sorted: central mode's layout. */
export function listSiteConfigs(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('.'))
    .sort()
    .map((f) => path.join(dir, f));
}
