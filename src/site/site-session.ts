// Builds OpenStack sessions from a site config: the service account, or a VO's own credentials, per project.
import { FedstackError } from '../errors.js';
import type { Logger } from '../log.js';
import {
  OpenStackSession,
  createOidcAccessTokenSource,
  type AuthMethod,
  type AuthScope,
} from '../openstack/index.js';
import { writeAtomically } from './write-atomically.js';
import {
  assertHasCredentials,
  credentialsRequired,
  secretFilePath,
  readSecret,
  type CredentialsConfig,
  type SiteConfig,
} from './site-config.js';

// One refreshing source per configured credentials, shared by every session
// built from them: a provider that rotates refresh tokens accepts each one
// once, so two sources holding the same refresh token would lock each other out.
const oidcTokenSources = new WeakMap<CredentialsConfig, () => Promise<string>>();

type OidcCredentials = Extract<CredentialsConfig, { type: 'oidc' }>;

/**
 * Stores a rotated refresh token where the config reads it: a `refresh_token_file` is replaced
 * atomically (owner-only), so the next run starts from the token the provider still accepts. A
 * token from an environment variable cannot be stored; that is logged once, without the token.
 */
async function keepRotatedToken(
  credentials: OidcCredentials,
  where: { file: string; path: string },
  token: string,
  logger: Logger | undefined,
): Promise<void> {
  if (credentials.refreshTokenFile === undefined) {
    if (!warnedEnv.has(credentials)) {
      warnedEnv.add(credentials);
      logger?.warn(
        { config: where.file, field: `${where.path}.refresh_token_env` },
        'the OIDC provider rotated the refresh token; it is kept in memory only (use refresh_token_file to store it)',
      );
    }
    return;
  }
  const file = secretFilePath(where, credentials.refreshTokenFile);
  try {
    await writeAtomically(file, `${token}\n`, 0o600);
  } catch (error) {
    throw new FedstackError(
      'OIDC_TOKEN',
      `cannot store the rotated refresh token in ${file} (${where.file}, ${where.path}.refresh_token_file): ${(error as Error).message}`,
      { cause: error },
    );
  }
}
const warnedEnv = new WeakSet<OidcCredentials>();

/** A fixed access token, or a source that refreshes one at the provider. */
function oidcAccessToken(
  credentials: OidcCredentials,
  where: { file: string; path: string },
  logger?: Logger,
): string | (() => Promise<string>) {
  if (!credentials.refreshTokenEnv && !credentials.refreshTokenFile)
    return readSecret(credentials, 'accessToken', where);
  const shared = oidcTokenSources.get(credentials);
  if (shared) return shared;
  const hasSecret = credentials.clientSecretEnv !== undefined || credentials.clientSecretFile !== undefined;
  const source = createOidcAccessTokenSource({
    issuerUrl: credentials.issuerUrl!,
    clientId: credentials.clientId!,
    clientSecret: hasSecret ? readSecret(credentials, 'clientSecret', where) : undefined,
    refreshToken: readSecret(credentials, 'refreshToken', where),
    scope: credentials.scope,
    onRotated: (token) => keepRotatedToken(credentials, where, token, logger),
  });
  oidcTokenSources.set(credentials, source);
  return source;
}

/** Turns configured credentials into an auth method, reading the referenced secret. */
export function authMethodOf(
  credentials: CredentialsConfig,
  where: { file: string; path: string },
  logger?: Logger,
): AuthMethod {
  switch (credentials.type) {
    case 'password':
      return {
        kind: 'password',
        username: credentials.username,
        userId: credentials.userId,
        userDomainName: credentials.userDomainName,
        password: readSecret(credentials, 'password', where),
      };
    case 'application_credential':
      return {
        kind: 'application-credential',
        id: credentials.id,
        secret: readSecret(credentials, 'secret', where),
      };
    case 'token':
      return { kind: 'token', token: readSecret(credentials, 'token', where) };
    case 'oidc':
      return {
        kind: 'oidc',
        accessToken: oidcAccessToken(credentials, where, logger),
        identityProvider: credentials.identityProvider,
        federationUrl: credentials.federationEndpoint,
      };
  }
}

/**
 * The credentials for a VO's project (its own, else the service account) or,
 * without a VO, the service account (else the first VO's own account).
 * @throws ConfigError `CONFIG_INVALID` naming `credentials` when there are none.
 */
function pickCredentials(
  config: SiteConfig,
  voIndex: number | undefined,
): { credentials: CredentialsConfig; path: string } {
  const own = voIndex === undefined ? undefined : config.vos[voIndex]?.auth.credentials;
  if (own) return { credentials: own, path: `vos[${voIndex}].auth.credentials` };
  if (config.credentials) return { credentials: config.credentials, path: 'credentials' };
  const first = config.vos.findIndex((v) => v.auth.credentials);
  if (voIndex === undefined && first >= 0)
    return { credentials: config.vos[first]!.auth.credentials!, path: `vos[${first}].auth.credentials` };
  throw credentialsRequired(config);
}

/**
 * A session on the site for one project: the VO's own credentials when the
 * config gives them, else the site's service account. Application credentials
 * carry their own scope.
 */
export function createSiteSession(
  config: SiteConfig,
  options: { projectId?: string; voIndex?: number; logger?: Logger; timeoutMs?: number } = {},
): OpenStackSession {
  const { credentials, path } = pickCredentials(config, options.voIndex);
  const auth = authMethodOf(credentials, { file: config.file, path }, options.logger);
  const oidc = auth.kind === 'oidc' ? { ...auth, protocol: config.protocol } : auth;
  const scope: AuthScope = options.projectId ? { projectId: options.projectId } : 'unscoped';
  return new OpenStackSession({
    authUrl: config.endpoint,
    auth: oidc,
    scope: auth.kind === 'application-credential' ? 'unscoped' : scope,
    region: config.region,
    interface: config.interface,
    endpointOverrides: config.endpoints,
    timeoutMs: options.timeoutMs ?? config.timeoutSeconds * 1000,
    logger: options.logger,
  });
}

/** The secrets (by their `<name>Env`/`<name>File` name) a credentials block is read with. */
function secretNamesOf(credentials: CredentialsConfig): string[] {
  switch (credentials.type) {
    case 'password':
      return ['password'];
    case 'application_credential':
      return ['secret'];
    case 'token':
      return ['token'];
    case 'oidc': {
      if (!credentials.refreshTokenEnv && !credentials.refreshTokenFile) return ['accessToken'];
      const hasSecret =
        credentials.clientSecretEnv !== undefined || credentials.clientSecretFile !== undefined;
      return hasSecret ? ['refreshToken', 'clientSecret'] : ['refreshToken'];
    }
  }
}

/**
 * Checks, before anything is contacted, that the config says how to log in (see
 * {@link assertHasCredentials}) and that every secret it references can be read: the service
 * account's and each VO's own. So a missing variable or file is a config error (exit 2) whether
 * or not the site would have answered.
 * @throws ConfigError `CONFIG_INVALID` naming `credentials`, or `CONFIG_SECRET_MISSING` naming the
 *   `*_env`/`*_file` key (never a value).
 */
export function assertCredentialsReadable(config: SiteConfig, env: NodeJS.ProcessEnv = process.env): void {
  assertHasCredentials(config);
  const blocks: { credentials: CredentialsConfig; path: string }[] = [];
  if (config.credentials) blocks.push({ credentials: config.credentials, path: 'credentials' });
  for (const [i, vo] of config.vos.entries())
    if (vo.auth.credentials)
      blocks.push({ credentials: vo.auth.credentials, path: `vos[${i}].auth.credentials` });
  for (const { credentials, path } of blocks)
    for (const name of secretNamesOf(credentials))
      readSecret(credentials, name, { file: config.file, path }, env);
}
