// The portal's sign-in at the OIDC provider: the authorization code flow with PKCE (S256), the
// code exchange, the ID token's check (signature, issuer, audience, nonce) and the refresh.
import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { decodeJwt } from 'jose/jwt/decode';
import { FedstackError, describeError } from '../../errors.js';
import { entitlementsOfClaims } from '../../formats/entitlements/index.js';
import { HttpError, httpRequest } from '../../http/index.js';
import { oauthRefusal, postOidcForm, readOidcDiscovery, type OidcEndpoints } from '../../openstack/index.js';
import type { PortalLogin } from './portal-config.js';

/** A random URL-safe string of `bytes` random bytes. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** The PKCE pair: the verifier kept by the hub, the S256 challenge sent to the provider. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomToken(48);
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** What a browser is sent to the provider with. */
export interface AuthorizationRequest {
  readonly state: string;
  readonly nonce: string;
  readonly challenge: string;
}

/** The provider's authorization URL for `req` (pure). */
export function authorizationUrl(endpoint: string, login: PortalLogin, req: AuthorizationRequest): string {
  const url = new URL(endpoint);
  const q = url.searchParams;
  q.set('response_type', 'code');
  q.set('client_id', login.clientId);
  q.set('redirect_uri', redirectUriOf(login));
  q.set('scope', login.scope);
  q.set('state', req.state);
  q.set('nonce', req.nonce);
  q.set('code_challenge', req.challenge);
  q.set('code_challenge_method', 'S256');
  // a refresh token for offline_access needs the consent prompt at most providers
  if (login.scope.split(/\s+/).includes('offline_access')) q.set('prompt', 'consent');
  return url.toString();
}

/** The redirect URI registered at the provider. */
export function redirectUriOf(login: PortalLogin): string {
  return `${login.publicUrl}/portal/callback`;
}

/** Tokens and who they belong to. */
export interface SignedIn {
  readonly subject: string;
  readonly name?: string;
  readonly email?: string;
  readonly entitlements: readonly string[];
  readonly accessToken: string;
  readonly refreshToken?: string;
  /** Epoch ms. */
  readonly accessExpiresAtMs: number;
  /** The ID token, for the provider's logout. */
  readonly idToken?: string;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** The provider's endpoints and keys, read once. */
export class OidcProvider {
  private endpoints: Promise<OidcEndpoints> | undefined;
  private keys: ReturnType<typeof createRemoteJWKSet> | undefined;

  constructor(
    private readonly login: PortalLogin,
    private readonly timeoutMs: number,
  ) {}

  /** The discovery document's endpoints (read again after a failure). */
  discovery(): Promise<OidcEndpoints> {
    this.endpoints ??= readOidcDiscovery(this.login.issuer, this.timeoutMs).catch((error: unknown) => {
      this.endpoints = undefined;
      throw error;
    });
    return this.endpoints;
  }

  /** Where to send the browser. */
  async authorizationUrl(req: AuthorizationRequest): Promise<string> {
    const { authorizationEndpoint } = await this.discovery();
    if (!authorizationEndpoint)
      throw new FedstackError('PORTAL_SIGN_IN', `${this.login.issuer} names no authorization_endpoint`);
    return authorizationUrl(authorizationEndpoint, this.login, req);
  }

  /**
   * Exchanges the code for tokens and checks the ID token.
   * @throws FedstackError `PORTAL_SIGN_IN` naming what the provider refused (never a token).
   */
  async exchange(code: string, verifier: string, nonce: string): Promise<SignedIn> {
    const endpoints = await this.discovery();
    const answer = await postOidcForm(
      endpoints.tokenEndpoint,
      new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUriOf(this.login),
        code_verifier: verifier,
      }),
      this.login,
      { timeoutMs: this.timeoutMs },
    );
    if (!answer.ok)
      throw new FedstackError('PORTAL_SIGN_IN', `the provider refused the sign-in (${oauthRefusal(answer)})`);
    const body = answer.body;
    const accessToken = str(body.access_token);
    const idToken = str(body.id_token);
    if (!accessToken || !idToken)
      throw new FedstackError('PORTAL_SIGN_IN', 'the provider returned no access token or no ID token');
    const id = await this.verifyIdToken(idToken, endpoints);
    if (id.nonce !== nonce) throw new FedstackError('PORTAL_SIGN_IN', 'the ID token has another nonce');
    const claims: Record<string, unknown> = { ...id, ...accessClaims(accessToken) };
    if (entitlementsOfClaims(claims).length === 0 && endpoints.userinfoEndpoint)
      Object.assign(claims, await this.userinfo(endpoints.userinfoEndpoint, accessToken));
    return {
      subject: id.sub!,
      ...(str(claims.name) ? { name: str(claims.name) } : {}),
      ...(str(claims.email) ? { email: str(claims.email) } : {}),
      entitlements: entitlementsOfClaims(claims),
      accessToken,
      ...(str(body.refresh_token) ? { refreshToken: str(body.refresh_token) } : {}),
      accessExpiresAtMs: Date.now() + (typeof body.expires_in === 'number' ? body.expires_in : 300) * 1000,
      idToken,
    };
  }

  /**
   * A new access token from the refresh token (and the rotated refresh token, if any).
   * @throws FedstackError `PORTAL_SIGN_IN` when the provider refuses it: the session has ended.
   */
  async refresh(
    refreshToken: string,
  ): Promise<{ accessToken: string; refreshToken: string; expiresAtMs: number }> {
    const { tokenEndpoint } = await this.discovery();
    const answer = await postOidcForm(
      tokenEndpoint,
      new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
      this.login,
      { timeoutMs: this.timeoutMs },
    );
    const accessToken = answer.ok ? str(answer.body.access_token) : undefined;
    if (!answer.ok || !accessToken)
      throw new FedstackError(
        'PORTAL_SIGN_IN',
        `your session has ended: the provider refused to renew it (${answer.ok ? 'no access token' : oauthRefusal(answer)}); sign in again`,
      );
    return {
      accessToken,
      refreshToken: str(answer.body.refresh_token) ?? refreshToken,
      expiresAtMs:
        Date.now() + (typeof answer.body.expires_in === 'number' ? answer.body.expires_in : 300) * 1000,
    };
  }

  private async verifyIdToken(idToken: string, endpoints: OidcEndpoints): Promise<JWTPayload> {
    if (!endpoints.jwksUri)
      throw new FedstackError('PORTAL_SIGN_IN', `${this.login.issuer} names no jwks_uri`);
    this.keys ??= createRemoteJWKSet(new URL(endpoints.jwksUri), { timeoutDuration: this.timeoutMs });
    try {
      const { payload } = await jwtVerify(idToken, this.keys, {
        // the discovery document's issuer: a provider may be reached at another URL than its name
        issuer: endpoints.issuer ?? this.login.issuer,
        audience: this.login.clientId,
      });
      if (!payload.sub) throw new Error('no sub claim');
      return payload;
    } catch (error) {
      throw new FedstackError('PORTAL_SIGN_IN', `the ID token does not verify: ${describeError(error)}`);
    }
  }

  private async userinfo(url: string, accessToken: string): Promise<Record<string, unknown>> {
    try {
      const res = await httpRequest(
        {
          method: 'GET',
          url,
          headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
        },
        { timeoutMs: this.timeoutMs, logName: 'oidc' },
      );
      const body = (await res.json()) as unknown;
      return body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
    } catch (error) {
      const reason = error instanceof HttpError ? error.summary : describeError(error);
      throw new FedstackError('PORTAL_SIGN_IN', `the provider's userinfo cannot be read: ${reason}`);
    }
  }
}

/** The claims of a JWT access token (unverified: the sites verify it); none for an opaque token. */
function accessClaims(token: string): Record<string, unknown> {
  try {
    return decodeJwt(token);
  } catch {
    return {};
  }
}
