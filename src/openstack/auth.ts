// Keystone v3 authentication: password, application credential, token and OIDC (OS-FEDERATION).
import type { Logger } from '../log.js';
import { parseCatalog, type CatalogService } from './catalog.js';
import { joinUrl, redactUrl } from './keystone-url.js';
import { OpenStackError, isOpenStackStatus } from './openstack-error.js';
import { transportSend } from './transport.js';

/** How to authenticate to Keystone. */
export type AuthMethod =
  | {
      readonly kind: 'password';
      readonly username?: string;
      readonly userId?: string;
      /** Domain of the user (name); default `Default` when a username is given. */
      readonly userDomainName?: string;
      readonly userDomainId?: string;
      readonly password: string;
    }
  | {
      readonly kind: 'application-credential';
      readonly id?: string;
      readonly name?: string;
      readonly username?: string;
      readonly userDomainName?: string;
      readonly secret: string;
    }
  | { readonly kind: 'token'; readonly token: string }
  | {
      readonly kind: 'oidc';
      /** The OIDC access token, or a function returning a fresh one. */
      readonly accessToken: string | (() => Promise<string>);
      /** Identity provider id in Keystone; default `egi.eu`. */
      readonly identityProvider?: string;
      /** Federation protocol; when absent `openid` then `oidc` are tried. */
      readonly protocol?: string;
      /** Keystone v3 URL to send the federated login to, when it differs (an OIDC front). */
      readonly federationUrl?: string;
    };

/** What the token is scoped to. */
export type AuthScope =
  | { readonly projectId: string }
  | { readonly projectName: string; readonly projectDomainName?: string; readonly projectDomainId?: string }
  | { readonly system: 'all' }
  | { readonly domainName: string }
  | 'unscoped';

/** A Keystone token and what came with it. */
export interface KeystoneToken {
  readonly token: string;
  /** Expiry in epoch milliseconds. */
  readonly expiresAtMs: number;
  readonly userId: string;
  readonly userName: string | undefined;
  readonly project: { readonly id: string; readonly name: string } | undefined;
  readonly roles: readonly string[];
  readonly catalog: readonly CatalogService[];
  readonly methods: readonly string[];
}

/** Transport settings needed by every auth request. */
export interface AuthContext {
  /** Normalised Keystone v3 URL. */
  readonly authUrl: string;
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Aborts the login's requests. */
  readonly signal?: AbortSignal;
  /** CA bundle or directory for Keystone's certificate; default Node's roots. */
  readonly caPath?: string;
}

async function postTokens(ctx: AuthContext, body: unknown): Promise<KeystoneToken> {
  const res = await transportSend({
    service: 'identity',
    method: 'POST',
    url: joinUrl(ctx.authUrl, 'auth/tokens'),
    body,
    timeoutMs: ctx.timeoutMs,
    idempotent: true, // a token request creates nothing durable
    logger: ctx.logger,
    signal: ctx.signal,
    caPath: ctx.caPath,
  });
  return readToken(res);
}

async function readToken(res: Response): Promise<KeystoneToken> {
  const token = res.headers.get('x-subject-token');
  const where = {
    service: 'identity',
    method: 'POST',
    url: redactUrl(res.url),
    status: res.status,
    attempts: 1,
  };
  let body: { token?: Record<string, unknown> } | undefined;
  try {
    body = (await res.json()) as typeof body;
  } catch (error) {
    // e.g. an SSO portal's HTML page in front of Keystone
    throw new OpenStackError('OPENSTACK_BAD_RESPONSE', where, 'the token answer is not JSON', {
      cause: error,
    });
  }
  const t = body?.token ?? {};
  const user = (t.user ?? {}) as { id?: string; name?: string };
  const project = t.project as { id: string; name: string } | undefined;
  if (!token || typeof t.expires_at !== 'string') {
    throw new OpenStackError(
      'OPENSTACK_BAD_RESPONSE',
      where,
      'token response without X-Subject-Token or expires_at',
    );
  }
  return {
    token,
    expiresAtMs: Date.parse(t.expires_at),
    userId: String(user.id ?? ''),
    userName: user.name,
    project: project ? { id: project.id, name: project.name } : undefined,
    roles: Array.isArray(t.roles) ? t.roles.map((r: { name: string }) => r.name) : [],
    catalog: parseCatalog(t.catalog),
    methods: Array.isArray(t.methods) ? t.methods.map(String) : [],
  };
}

function scopeBody(scope: AuthScope): unknown {
  if (scope === 'unscoped') return undefined;
  if ('projectId' in scope) return { project: { id: scope.projectId } };
  if ('projectName' in scope) {
    const domain = scope.projectDomainId
      ? { id: scope.projectDomainId }
      : { name: scope.projectDomainName ?? 'Default' };
    return { project: { name: scope.projectName, domain } };
  }
  if ('system' in scope) return { system: { all: true } };
  return { domain: { name: scope.domainName } };
}

function identityBody(method: Exclude<AuthMethod, { kind: 'oidc' }>): unknown {
  switch (method.kind) {
    case 'password': {
      const user = method.userId
        ? { id: method.userId, password: method.password }
        : {
            name: method.username,
            domain: method.userDomainId
              ? { id: method.userDomainId }
              : { name: method.userDomainName ?? 'Default' },
            password: method.password,
          };
      return { methods: ['password'], password: { user } };
    }
    case 'application-credential': {
      const cred = method.id
        ? { id: method.id, secret: method.secret }
        : {
            name: method.name,
            secret: method.secret,
            user: { name: method.username, domain: { name: method.userDomainName ?? 'Default' } },
          };
      return { methods: ['application_credential'], application_credential: cred };
    }
    case 'token':
      return { methods: ['token'], token: { id: method.token } };
  }
}

/** Exchanges an existing token for one with another scope. */
export function rescopeToken(ctx: AuthContext, token: string, scope: AuthScope): Promise<KeystoneToken> {
  const s = scopeBody(scope);
  return postTokens(ctx, {
    auth: { identity: identityBody({ kind: 'token', token }), ...(s ? { scope: s } : {}) },
  });
}

/**
 * Federated login: posts the OIDC access token to OS-FEDERATION and returns the
 * unscoped token. Tries `openid` then `oidc` when no protocol is configured.
 */
export async function federatedLogin(
  ctx: AuthContext,
  method: Extract<AuthMethod, { kind: 'oidc' }>,
): Promise<KeystoneToken> {
  const accessToken =
    typeof method.accessToken === 'string' ? method.accessToken : await method.accessToken();
  const base = method.federationUrl ?? ctx.authUrl;
  const idp = method.identityProvider ?? 'egi.eu';
  const protocols = method.protocol ? [method.protocol] : ['openid', 'oidc'];
  let lastError: unknown;
  for (const protocol of protocols) {
    try {
      const res = await transportSend({
        service: 'identity',
        method: 'POST',
        url: joinUrl(
          base,
          `OS-FEDERATION/identity_providers/${encodeURIComponent(idp)}/protocols/${protocol}/auth`,
        ),
        headers: { Authorization: `Bearer ${accessToken}` },
        timeoutMs: ctx.timeoutMs,
        idempotent: true,
        logger: ctx.logger,
        signal: ctx.signal,
        caPath: ctx.caPath,
      });
      return await readToken(res);
    } catch (error) {
      lastError = error;
      // a missing protocol answers 404; anything else is the real answer
      if (!isOpenStackStatus(error, 404)) break;
    }
  }
  if (isOpenStackStatus(lastError, 401)) {
    throw new OpenStackError(
      'OPENSTACK_AUTH',
      { ...lastError, serverMessage: lastError.serverMessage },
      'the identity provider token was refused (expired, wrong signature, or no entitlement maps to a project)',
      { cause: lastError },
    );
  }
  throw lastError;
}

/**
 * Authenticates with `method` and returns a token with the requested scope.
 * Federated logins are rescoped through the `token` method; an unscoped OIDC
 * login with a single project available is left unscoped unless a scope is given.
 * @throws OpenStackError `OPENSTACK_AUTH` when Keystone refuses the credentials or the scope.
 */
export async function authenticate(
  ctx: AuthContext,
  method: AuthMethod,
  scope: AuthScope,
): Promise<KeystoneToken> {
  try {
    if (method.kind === 'oidc') {
      const unscoped = await federatedLogin(ctx, method);
      return scope === 'unscoped' ? unscoped : await rescopeToken(ctx, unscoped.token, scope);
    }
    // application credentials carry their own scope; sending another one is an error
    const s = method.kind === 'application-credential' ? undefined : scopeBody(scope);
    return await postTokens(ctx, { auth: { identity: identityBody(method), ...(s ? { scope: s } : {}) } });
  } catch (error) {
    if (
      error instanceof OpenStackError &&
      (error.status === 401 || error.status === 403) &&
      error.code !== 'OPENSTACK_AUTH'
    ) {
      throw new OpenStackError('OPENSTACK_AUTH', error, undefined, { cause: error });
    }
    throw error;
  }
}
