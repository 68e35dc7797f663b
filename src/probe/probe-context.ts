// What every probe needs: the endpoint, an OIDC access token by reference, time limits, and a
// record of its steps with their times.
import { readFileSync } from 'node:fs';
import { FedstackError } from '../errors.js';
import { OpenStackSession, listAuthProjects, type Project } from '../openstack/index.js';

/** The probes' common options. */
export interface ProbeOptions {
  readonly endpoint: string;
  readonly accessTokenFile?: string;
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
export function probeAccessToken(options: ProbeOptions, env: NodeJS.ProcessEnv = process.env): string {
  if (options.accessTokenFile) {
    let text: string;
    try {
      text = readFileSync(options.accessTokenFile, 'utf8');
    } catch (error) {
      throw new FedstackError(
        'CONFIG_INVALID',
        `cannot read the access token file ${options.accessTokenFile} (${(error as NodeJS.ErrnoException).code})`,
      );
    }
    const token = text.split('\n')[0]!.trim();
    if (token) return token;
    throw new FedstackError('CONFIG_INVALID', `the access token file ${options.accessTokenFile} is empty`);
  }
  if (env.FEDSTACK_OIDC_ACCESS_TOKEN) return env.FEDSTACK_OIDC_ACCESS_TOKEN.trim();
  throw new FedstackError('CONFIG_INVALID', 'give --access-token-file FILE (or FEDSTACK_OIDC_ACCESS_TOKEN)');
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
  const token = probeAccessToken(options);
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
