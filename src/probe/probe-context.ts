// What every probe needs: the endpoint, an OIDC access token by reference, time limits, and a
// record of its steps with their times.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { FedstackError } from '../errors.js';
import {
  OpenStackSession,
  createOidcAccessTokenSource,
  listAuthProjects,
  type Project,
} from '../openstack/index.js';

/** The probes' common options. */
export interface ProbeOptions {
  readonly endpoint: string;
  readonly accessTokenFile?: string;
  /**
   * Instead of an access token: a file whose first line is an OIDC refresh token, exchanged at
   * `oidcIssuer` by client `oidcClientId` (secret in `oidcClientSecretFile`) through the OIDC
   * refresh support; a rotated refresh token is written back to the file.
   */
  readonly refreshTokenFile?: string;
  readonly oidcIssuer?: string;
  readonly oidcClientId?: string;
  readonly oidcClientSecretFile?: string;
  readonly identityProvider: string;
  readonly protocol?: string;
  readonly federationEndpoint?: string;
  /** Time limit of each request, s. */
  readonly timeout: number;
  readonly verbose?: boolean;
}

/** Steps with their durations, for --verbose and perfdata. */
export class StepLog {
  readonly steps: string[] = [];
  readonly perfdata: Record<string, number> = {};

  /** Runs `fn` as step `label`, timing it. */
  async step<T>(label: string, fn: () => Promise<T>, describe: (value: T) => string): Promise<T> {
    const started = process.hrtime.bigint();
    const value = await fn();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.perfdata[label] = seconds;
    this.steps.push(`${label}: ${describe(value)} (${Math.round(seconds * 1000) / 1000} s)`);
    return value;
  }
}

/**
 * The access token: the first line of `--access-token-file` (ARGO refreshes that file centrally),
 * else FEDSTACK_OIDC_ACCESS_TOKEN.
 * @throws FedstackError `CONFIG_INVALID` when there is none (an UNKNOWN result).
 */
export async function probeAccessToken(
  options: ProbeOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  if (options.refreshTokenFile) return refreshedAccessToken(options, options.refreshTokenFile);
  if (options.accessTokenFile) return firstLineOf(options.accessTokenFile, 'access token');
  if (env.FEDSTACK_OIDC_ACCESS_TOKEN) return env.FEDSTACK_OIDC_ACCESS_TOKEN.trim();
  throw new FedstackError(
    'CONFIG_INVALID',
    'give --access-token-file FILE, --refresh-token-file FILE with --oidc-issuer and --oidc-client-id, or FEDSTACK_OIDC_ACCESS_TOKEN',
  );
}

/** The first line of a credential file. @throws FedstackError `CONFIG_INVALID` (an UNKNOWN result). */
function firstLineOf(file: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new FedstackError(
      'CONFIG_INVALID',
      `cannot read the ${what} file ${file} (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  const line = text.split('\n')[0]!.trim();
  if (!line) throw new FedstackError('CONFIG_INVALID', `the ${what} file ${file} is empty`);
  return line;
}

/** An access token from the refresh token in `file`; a rotated refresh token replaces the file's. */
async function refreshedAccessToken(options: ProbeOptions, file: string): Promise<string> {
  if (!options.oidcIssuer || !options.oidcClientId)
    throw new FedstackError(
      'CONFIG_INVALID',
      '--refresh-token-file needs --oidc-issuer and --oidc-client-id',
    );
  const source = createOidcAccessTokenSource({
    issuerUrl: options.oidcIssuer,
    clientId: options.oidcClientId,
    ...(options.oidcClientSecretFile
      ? { clientSecret: firstLineOf(options.oidcClientSecretFile, 'client secret') }
      : {}),
    refreshToken: firstLineOf(file, 'refresh token'),
    timeoutMs: options.timeout * 1000,
    onRotated: (token) => {
      // replaced whole (write, then rename), so a concurrent run never reads half a token
      writeFileSync(`${file}.new`, `${token}\n`, { mode: 0o600 });
      renameSync(`${file}.new`, file);
    },
  });
  return source();
}

function sessionOf(options: ProbeOptions, token: string, projectId?: string): OpenStackSession {
  return new OpenStackSession({
    authUrl: options.endpoint,
    auth: {
      kind: 'oidc',
      accessToken: token,
      identityProvider: options.identityProvider,
      ...(options.protocol ? { protocol: options.protocol } : {}),
      ...(options.federationEndpoint ? { federationUrl: options.federationEndpoint } : {}),
    },
    ...(projectId ? { scope: { projectId } } : {}),
    timeoutMs: options.timeout * 1000,
  });
}

/** The project ARGO's probes take: the first whose name contains "ops", else the last one. */
export function monitoringProject(projects: readonly Project[]): Project | undefined {
  return projects.find((p) => p.name.includes('ops')) ?? projects[projects.length - 1];
}

/**
 * The OIDC login of the probes (openid, then oidc), the project choice and a scoped session.
 * @throws FedstackError when Keystone refuses the token or the user has no project.
 */
export async function scopedProbeSession(
  options: ProbeOptions,
  log: StepLog,
): Promise<{ session: OpenStackSession; project: Project }> {
  const token = await probeAccessToken(options);
  const unscoped = sessionOf(options, token);
  const projects = await log.step(
    'login',
    async () => {
      await unscoped.token();
      return listAuthProjects(unscoped);
    },
    (ps) => `unscoped token, projects ${ps.map((p) => p.name).join(', ') || 'none'}`,
  );
  const project = monitoringProject(projects);
  if (!project) throw new FedstackError('OPENSTACK_AUTH', 'the token maps to no project at this site');
  const session = sessionOf(options, token, project.id);
  await log.step(
    'scope',
    () => session.token(),
    () => `token scoped to project ${project.name}`,
  );
  return { session, project };
}
