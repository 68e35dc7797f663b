// One call per site, all at once (bounded), each within the site's time limit: a dead or slow site
// costs its own line in the answer and never holds back the others.
import { describeError, FedstackError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { mapWithConcurrency } from '../map-with-concurrency.js';
import { OpenStackSession } from '../openstack/index.js';
import { withDeadline } from '../with-deadline.js';
import type { AccessToken, TokenClaims } from './access-token.js';
import type { ClientConfig } from './client-config.js';
import type { ClientSite } from './client-sites.js';
import { KeystoneTokenCache } from './keystone-cache.js';

/** What one site answered. */
export interface SiteOutcome<T> {
  readonly site: string;
  readonly ok: boolean;
  readonly value?: T;
  /** One line: what failed, naming the site. */
  readonly error?: string;
  readonly ms: number;
  /** Keystone logins this call made (0 when a cached token served). */
  readonly logins: number;
}

/** What every site call needs. */
export interface SiteCallContext {
  readonly config: ClientConfig;
  readonly accessToken: AccessToken;
  readonly claims: TokenClaims;
  readonly logger?: Logger;
}

/** An OpenStack session of `site` scoped to the VO's project, reusing cached Keystone tokens. */
export function siteSession(
  ctx: SiteCallContext,
  site: ClientSite,
  vo: string,
  onLogin: () => void = () => undefined,
): OpenStackSession {
  const projectId = site.projects[vo];
  if (!projectId) throw new FedstackError('CLIENT_NO_SITE', `site ${site.name} has no project of VO ${vo}`);
  const cache = new KeystoneTokenCache(
    ctx.config.cacheDir,
    `${ctx.claims.issuer ?? ''}\u0000${ctx.claims.subject ?? ''}`,
  );
  const cached = cache.get(site.endpoint, projectId);
  return new OpenStackSession({
    authUrl: site.endpoint,
    auth: {
      kind: 'oidc',
      // a fresh one at each login: a long run outlives a one-hour token
      accessToken: ctx.accessToken.fresh ?? ctx.accessToken.token,
      identityProvider: site.identityProvider,
      ...(site.protocol ? { protocol: site.protocol } : {}),
      ...(site.federationEndpoint ? { federationUrl: site.federationEndpoint } : {}),
    },
    scope: { projectId },
    timeoutMs: ctx.config.timeoutMs,
    ...(site.caPath ? { caPath: site.caPath } : {}),
    ...(cached ? { initialToken: cached } : {}),
    onToken: (token) => {
      onLogin();
      cache.put(site.endpoint, projectId, token);
    },
    logger: ctx.logger ?? silentLogger,
  });
}

function lineOf(site: ClientSite, error: unknown): string {
  const message = describeError(error);
  if (/certificate|CERT_|SELF_SIGNED|UNABLE_TO_VERIFY|unable to get local issuer/i.test(message)) {
    const extra = process.env.NODE_EXTRA_CA_CERTS;
    const against = site.caPath
      ? `the CAs in ${site.caPath}`
      : `Node's built-in roots${extra ? ` and NODE_EXTRA_CA_CERTS=${extra}` : ''}`;
    return `${message} (the certificate was checked against ${against}; ca_path in the client config names other CAs, e.g. /etc/grid-security/certificates)`;
  }
  if (error instanceof FedstackError && error.code === 'OPENSTACK_AUTH') {
    const protocols = site.protocol ?? 'openid, then oidc';
    return `${message} (identity provider ${site.identityProvider}, protocol ${protocols}, at ${site.federationEndpoint ?? site.endpoint})`;
  }
  return message;
}

/**
 * Calls `fn` for every site in parallel (at most `config.concurrency` at once), each with a
 * session of the VO's project and within `config.timeoutMs` for all its requests together.
 */
export async function callSites<T>(
  ctx: SiteCallContext,
  sites: readonly ClientSite[],
  vo: string,
  fn: (session: OpenStackSession, site: ClientSite) => Promise<T>,
): Promise<SiteOutcome<T>[]> {
  const outcomes = await mapWithConcurrency(sites, ctx.config.concurrency, async (site) => {
    const started = Date.now();
    let logins = 0;
    try {
      const value = await withDeadline(`site ${site.name}`, ctx.config.timeoutMs, (signal) =>
        fn(siteSession(ctx, site, vo, () => logins++).withSignal(signal), site),
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
