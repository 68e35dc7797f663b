// The CLI's side of calling the sites: the user's token from the login, Keystone tokens kept on
// disk under the cache directory (see src/federation/ for the calls themselves).
import type { Logger } from '../log.js';
import {
  callSites as callFederationSites,
  siteSession as federationSiteSession,
  type FederationSite,
  type SiteCaller,
  type SiteOutcome,
} from '../federation/index.js';
import type { OpenStackSession } from '../openstack/index.js';
import type { AccessToken, TokenClaims } from './access-token.js';
import type { ClientConfig } from './client-config.js';
import { KeystoneTokenCache } from './keystone-cache.js';

export type { SiteOutcome };

/** What every site call of a command needs. */
export interface SiteCallContext {
  readonly config: ClientConfig;
  readonly accessToken: AccessToken;
  readonly claims: TokenClaims;
  readonly logger?: Logger;
}

/** The command's caller of the sites: its token (fresh at each login), the on-disk Keystone cache. */
export function siteCallerOf(ctx: SiteCallContext): SiteCaller {
  const { token, fresh } = ctx.accessToken;
  return {
    accessToken: fresh ?? (() => Promise.resolve(token)),
    tokens: new KeystoneTokenCache(
      ctx.config.cacheDir,
      `${ctx.claims.issuer ?? ''}\u0000${ctx.claims.subject ?? ''}`,
    ),
    timeoutMs: ctx.config.timeoutMs,
    concurrency: ctx.config.concurrency,
    ...(ctx.logger ? { logger: ctx.logger } : {}),
  };
}

/** An OpenStack session of `site` scoped to the VO's project, reusing cached Keystone tokens. */
export function siteSession(ctx: SiteCallContext, site: FederationSite, vo: string): OpenStackSession {
  return federationSiteSession(siteCallerOf(ctx), site, vo);
}

/** Calls `fn` for every site at once, each within the config's time limit (see the federation's `callSites`). */
export function callSites<T>(
  ctx: SiteCallContext,
  sites: readonly FederationSite[],
  vo: string,
  fn: (session: OpenStackSession, site: FederationSite) => Promise<T>,
): Promise<SiteOutcome<T>[]> {
  return callFederationSites(siteCallerOf(ctx), sites, vo, fn);
}
