// OIDC access tokens from a refresh token (as oidc-agent and fedcloudclient do), cached until shortly before expiry.
import { FedstackError, describeError } from '../errors.js';
import { HttpError, httpRequest } from '../http/index.js';
import { redactUrl } from '../redact-url.js';

/** Where and how to refresh. */
export interface OidcRefreshOptions {
  /** The provider's issuer URL; its `/.well-known/openid-configuration` names the token endpoint. */
  readonly issuerUrl: string;
  readonly clientId: string;
  /** Absent for public clients. */
  readonly clientSecret?: string;
  readonly refreshToken: string;
  /** Scopes to ask for; default the refresh token's own. */
  readonly scope?: string;
  /** Per-request time limit, ms; default 10 000. */
  readonly timeoutMs?: number;
  /**
   * Called with the new refresh token when the provider rotates it, before the access token is
   * handed out: a provider that rotates accepts the old one no more, so a caller that keeps the
   * token (in a file) must store the new one. A throw or rejection fails this refresh (the new token is still
   * used in memory).
   */
  readonly onRotated?: (refreshToken: string) => void | Promise<void>;
}

/** The JSON of an answer, or `{}` when it is none. */
async function jsonOf(res: Response): Promise<Record<string, unknown>> {
  const body = (await res.json().catch(() => ({}))) as unknown;
  return body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
}

/** The OAuth error of a refused call (`invalid_grant: …`), or its status. */
function refusalOf(error: HttpError): string {
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(error.bodyText ?? '') as Record<string, unknown>;
  } catch {
    // not JSON: the status says enough
  }
  return [body.error, body.error_description].filter(Boolean).join(': ') || `HTTP ${error.status}`;
}

/** POSTs the refresh grant once: a provider that rotates refresh tokens takes each one once, so no retry. */
async function postForm(
  url: string,
  form: URLSearchParams,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  try {
    const res = await httpRequest(
      {
        method: 'POST',
        url,
        headers: {
          ...headers,
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: form,
      },
      { timeoutMs, logName: 'oidc' },
    );
    return await jsonOf(res);
  } catch (error) {
    if (error instanceof HttpError && error.kind === 'status')
      throw new FedstackError(
        'OIDC_TOKEN',
        `OIDC token endpoint ${error.url} refused the refresh token (${refusalOf(error)})`,
      );
    const reason = error instanceof HttpError ? error.summary : describeError(error);
    throw new FedstackError('OIDC_TOKEN', `OIDC token endpoint ${redactUrl(url)} unreachable: ${reason}`, {
      cause: error,
    });
  }
}

/** The endpoints of an OIDC provider's discovery document that Fedstack uses. */
export interface OidcEndpoints {
  readonly tokenEndpoint: string;
  /** RFC 8628 device authorization, when the provider offers it. */
  readonly deviceAuthorizationEndpoint?: string;
}

/**
 * Reads `<issuer>/.well-known/openid-configuration`.
 * @throws FedstackError `OIDC_TOKEN` when it cannot be read or names no token endpoint.
 */
export async function readOidcDiscovery(issuerUrl: string, timeoutMs = 10_000): Promise<OidcEndpoints> {
  const url = `${issuerUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let doc: { token_endpoint?: unknown; device_authorization_endpoint?: unknown };
  try {
    const res = await httpRequest(
      { method: 'GET', url, headers: { Accept: 'application/json' } },
      { timeoutMs, logName: 'oidc' },
    );
    doc = (await res.json()) as typeof doc;
  } catch (error) {
    const reason = error instanceof HttpError ? error.summary : describeError(error);
    throw new FedstackError(
      'OIDC_TOKEN',
      `cannot read the OIDC discovery document ${redactUrl(url)}: ${reason}`,
      {
        cause: error,
      },
    );
  }
  if (typeof doc.token_endpoint !== 'string')
    throw new FedstackError('OIDC_TOKEN', `${url} names no token_endpoint`);
  return {
    tokenEndpoint: doc.token_endpoint,
    ...(typeof doc.device_authorization_endpoint === 'string'
      ? { deviceAuthorizationEndpoint: doc.device_authorization_endpoint }
      : {}),
  };
}

/**
 * Returns a function that yields a valid access token, refreshing it with the
 * refresh token when none is cached or the cached one expires within 60 s (or
 * half its life). A rotated refresh token replaces the old one. Calls that
 * come while a refresh runs wait for it rather than refreshing again: a
 * provider that rotates refresh tokens accepts each one once.
 * @throws FedstackError `OIDC_TOKEN` when discovery or the refresh fails (never with a token in the message).
 */
export function createOidcAccessTokenSource(options: OidcRefreshOptions): () => Promise<string> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let tokenEndpoint: string | undefined;
  let refreshToken = options.refreshToken;
  let cached: { token: string; renewAtMs: number } | undefined;
  let pending: Promise<string> | undefined;
  const refresh = async (): Promise<string> => {
    tokenEndpoint ??= (await readOidcDiscovery(options.issuerUrl, timeoutMs)).tokenEndpoint;
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: options.clientId,
    });
    if (options.scope) form.set('scope', options.scope);
    const headers: Record<string, string> = {};
    if (options.clientSecret !== undefined)
      headers.Authorization = `Basic ${Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64')}`;
    const body = await postForm(tokenEndpoint, form, headers, timeoutMs);
    if (typeof body.access_token !== 'string')
      throw new FedstackError('OIDC_TOKEN', `${tokenEndpoint} returned no access_token`);
    if (typeof body.refresh_token === 'string' && body.refresh_token !== refreshToken) {
      refreshToken = body.refresh_token;
      await options.onRotated?.(refreshToken);
    }
    const lifeMs = (typeof body.expires_in === 'number' ? body.expires_in : 300) * 1000;
    cached = { token: body.access_token, renewAtMs: Date.now() + Math.max(lifeMs / 2, lifeMs - 60_000) };
    return cached.token;
  };
  return async () => {
    if (cached && Date.now() < cached.renewAtMs) return cached.token;
    pending ??= refresh().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
