// One call per site, all at once (bounded), each within the site's time limit: a dead or slow site
// costs its own line in the answer and never holds back the others.
import { describeError, FedstackError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { mapWithConcurrency } from '../map-with-concurrency.js';
import { OpenStackSession, type KeystoneToken } from '../openstack/index.js';
import { withDeadline } from '../with-deadline.js';
import type { FederationSite } from './federation-site.js';

/** What one site answered. */
export interface SiteOutcome<T> {
  readonly site: string;
  readonly ok: boolean;
  readonly value?: T;
  /** One line: what failed, naming the site. */
  readonly error?: string;
  readonly ms: number;
  /** Keystone logins this call made (0 when a kept token served). */
  readonly logins: number;
}

/** Keystone tokens of one user kept between calls (on disk for the CLI, in memory for the portal). */
export interface KeystoneTokenStore {
  /** The kept token of (Keystone, project) while it is still good to use. */
  get(authUrl: string, projectId: string): KeystoneToken | undefined;
  put(authUrl: string, projectId: string, token: KeystoneToken): void;
}

/** Who calls the sites, and how. */
export interface SiteCaller {
  /** The user's OIDC access token, good at the moment of the call (a long run outlives one). */
  readonly accessToken: () => Promise<string>;
  /** Where Keystone tokens are kept between calls; none: a login per session. */
  readonly tokens?: KeystoneTokenStore;
  /** Each site's time limit, for all its requests of one call together. */
  readonly timeoutMs: number;
  /** Sites called at the same time. */
  readonly concurrency: number;
  readonly logger?: Logger;
}

/** An OpenStack session of `site` scoped to the VO's project, reusing kept Keystone tokens. */
export function siteSession(
  caller: SiteCaller,
  site: FederationSite,
  vo: string,
  onLogin: () => void = () => undefined,
): OpenStackSession {
  const projectId = site.projects[vo];
  if (!projectId) throw new FedstackError('CLIENT_NO_SITE', `site ${site.name} has no project of VO ${vo}`);
  const kept = caller.tokens?.get(site.endpoint, projectId);
  return new OpenStackSession({
    authUrl: site.endpoint,
    auth: {
      kind: 'oidc',
      accessToken: caller.accessToken,
      identityProvider: site.identityProvider,
      ...(site.protocol ? { protocol: site.protocol } : {}),
      ...(site.federationEndpoint ? { federationUrl: site.federationEndpoint } : {}),
    },
    scope: { projectId },
    timeoutMs: caller.timeoutMs,
    ...(site.caPath ? { caPath: site.caPath } : {}),
    ...(kept ? { initialToken: kept } : {}),
    onToken: (token) => {
      onLogin();
      caller.tokens?.put(site.endpoint, projectId, token);
    },
    logger: caller.logger ?? silentLogger,
  });
}

function lineOf(site: FederationSite, error: unknown): string {
  const message = describeError(error);
  if (/certificate|CERT_|SELF_SIGNED|UNABLE_TO_VERIFY|unable to get local issuer/i.test(message)) {
    const extra = process.env.NODE_EXTRA_CA_CERTS;
    const against = site.caPath
      ? `the CAs in ${site.caPath}`
      : `Node's built-in roots${extra ? ` and NODE_EXTRA_CA_CERTS=${extra}` : ''}`;
    return `${message} (the certificate was checked against ${against}; ca_path in the config names other CAs, e.g. /etc/grid-security/certificates)`;
  }
  if (error instanceof FedstackError && error.code === 'OPENSTACK_AUTH') {
    const protocols = site.protocol ?? 'openid, then oidc';
    return `${message} (identity provider ${site.identityProvider}, protocol ${protocols}, at ${site.federationEndpoint ?? site.endpoint})`;
  }
  return message;
}

/**
 * Calls `fn` for every site in parallel (at most `caller.concurrency` at once), each with a
 * session of the VO's project and within `caller.timeoutMs` for all its requests together.
 */
export async function callSites<T>(
  caller: SiteCaller,
  sites: readonly FederationSite[],
  vo: string,
  fn: (session: OpenStackSession, site: FederationSite) => Promise<T>,
): Promise<SiteOutcome<T>[]> {
  const outcomes = await mapWithConcurrency(sites, caller.concurrency, async (site) => {
    const started = Date.now();
    let logins = 0;
    try {
      const value = await withDeadline(`site ${site.name}`, caller.timeoutMs, (signal) =>
        fn(siteSession(caller, site, vo, () => logins++).withSignal(signal), site),
      );
      return { site: site.name, ok: true, value, ms: Date.now() - started, logins };
    } catch (error) {
      return {
        site: site.name,
        ok: false,
        error: `${site.name}: ${lineOf(site, error)}`,
        ms: Date.now() - started,
        logins,
      };
    }
  });
  return outcomes.map((o) =>
    o.status === 'fulfilled'
      ? o.value
      : { site: '?', ok: false, error: describeError(o.reason), ms: 0, logins: 0 },
  );
}
