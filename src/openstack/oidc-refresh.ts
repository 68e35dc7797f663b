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

/** The OIDC client that sends a form: its secret, when it has one, goes as HTTP Basic. */
export interface OidcClient {
  readonly clientId: string;
  readonly clientSecret?: string;
}

/** A token endpoint's answer: its JSON, and whether it was a success or an OAuth refusal. */
export type OidcFormAnswer =
  | { readonly ok: true; readonly body: Record<string, unknown> }
  | { readonly ok: false; readonly status: number; readonly body: Record<string, unknown> };

/** The OAuth error of a refusal (`invalid_grant: …`), or its status. */
export function oauthRefusal(answer: Extract<OidcFormAnswer, { ok: false }>): string {
  const { error, error_description: description } = answer.body;
  return [error, description].filter((v) => typeof v === 'string' && v).join(': ') || `HTTP ${answer.status}`;
}

function jsonObject(text: string | undefined): Record<string, unknown> {
  try {
    const body = JSON.parse(text ?? '') as unknown;
    return body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * POSTs `form` to an OIDC endpoint once (a provider that rotates refresh tokens takes each one
 * once, and a device code poll must not be doubled), with `client_id` in the form and the secret
 * as HTTP Basic. An error status is an answer (`ok: false`), not a throw.
 * @throws FedstackError `OIDC_TOKEN` when the endpoint cannot be reached (never with a secret).
 */
export async function postOidcForm(
  url: string,
  form: URLSearchParams,
  client: OidcClient,
  options: { readonly timeoutMs: number; readonly signal?: AbortSignal },
): Promise<OidcFormAnswer> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  };
  form.set('client_id', client.clientId);
  if (client.clientSecret !== undefined)
    headers.Authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`;
  try {
    const res = await httpRequest(
      { method: 'POST', url, headers, body: form, ...(options.signal ? { signal: options.signal } : {}) },
      { timeoutMs: options.timeoutMs, logName: 'oidc' },
    );
    return { ok: true, body: jsonObject(await res.text()) };
  } catch (error) {
    if (error instanceof HttpError && error.kind === 'status')
      return { ok: false, status: error.status ?? 0, body: jsonObject(error.bodyText) };
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
  /** Where a browser is sent to log in (authorization code flow). */
  readonly authorizationEndpoint?: string;
  /** The provider's signing keys (to check ID tokens). */
  readonly jwksUri?: string;
  readonly userinfoEndpoint?: string;
  /** RP-initiated logout, when the provider offers it. */
  readonly endSessionEndpoint?: string;
  /** The `iss` its tokens carry (the document's `issuer`). */
  readonly issuer?: string;
}

/**
 * Reads `<issuer>/.well-known/openid-configuration`.
 * @throws FedstackError `OIDC_TOKEN` when it cannot be read or names no token endpoint.
 */
export async function readOidcDiscovery(issuerUrl: string, timeoutMs = 10_000): Promise<OidcEndpoints> {
  const url = `${issuerUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let doc: Record<string, unknown>;
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
  const optional = (key: string) => (typeof doc[key] === 'string' ? doc[key] : undefined);
  const named = {
    deviceAuthorizationEndpoint: optional('device_authorization_endpoint'),
    authorizationEndpoint: optional('authorization_endpoint'),
    jwksUri: optional('jwks_uri'),
    userinfoEndpoint: optional('userinfo_endpoint'),
    endSessionEndpoint: optional('end_session_endpoint'),
    issuer: optional('issuer'),
  };
  return {
    tokenEndpoint: doc.token_endpoint,
    ...Object.fromEntries(Object.entries(named).filter(([, v]) => v !== undefined)),
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
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
    if (options.scope) form.set('scope', options.scope);
    const answer = await postOidcForm(tokenEndpoint, form, options, { timeoutMs });
    if (!answer.ok)
      throw new FedstackError(
        'OIDC_TOKEN',
        `OIDC token endpoint ${redactUrl(tokenEndpoint)} refused the refresh token (${oauthRefusal(answer)})`,
      );
    const { body } = answer;
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
