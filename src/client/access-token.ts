// Where the researcher's OIDC access token comes from (an option, the environment, or an
// oidc-agent account through `oidc-token`) and what it says (issuer, subject, expiry,
// entitlements). The token itself is never printed or logged unless asked for.
import { execFile } from 'node:child_process';
import { decodeJwt } from 'jose/jwt/decode';
import { FedstackError, describeError } from '../errors.js';
import { entitlementsOfClaims } from '../formats/entitlements/index.js';
import { createOidcAccessTokenSource } from '../openstack/index.js';
import type { LoginStore, StoredLogin } from './login.js';

/** An access token and where it came from. */
export interface AccessToken {
  readonly token: string;
  readonly source: 'option' | 'environment' | 'oidc-agent' | 'login';
  /**
   * A good token at the moment of the call (refreshed when about to expire), for logins late in a
   * long run; absent when the token cannot be renewed (given as it is).
   */
  readonly fresh?: () => Promise<string>;
}

/** How to find the token. */
export interface AccessTokenOptions {
  /** `--token`. */
  readonly token?: string;
  /** `--oidc-agent ACCOUNT` (or `FEDSTACK_OIDC_AGENT_ACCOUNT`). */
  readonly oidcAgent?: string;
  /** What `fedstack login` stored, the last source. */
  readonly store?: LoginStore;
  /** Time limit of a refresh at the provider, ms. */
  readonly timeoutMs?: number;
}

const OIDC_TOKEN_TIMEOUT_MS = 15_000;

/** Asks oidc-agent for a token of `account` (`oidc-token ACCOUNT`), within 15 s. */
function fromOidcAgent(account: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('oidc-token', [account], { timeout: OIDC_TOKEN_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error) {
        const why =
          (error as NodeJS.ErrnoException).code === 'ENOENT'
            ? 'oidc-token is not installed (Debian package oidc-agent)'
            : stderr.trim() || describeError(error);
        return reject(
          new FedstackError('CLIENT_NO_TOKEN', `oidc-agent account ${account}: ${why}`, { cause: error }),
        );
      }
      const token = stdout.trim();
      if (!token)
        return reject(
          new FedstackError('CLIENT_NO_TOKEN', `oidc-agent account ${account}: oidc-token printed no token`),
        );
      resolve(token);
    });
  });
}

/** The expiry of a JWT access token, epoch ms; five minutes from now when it says none. */
function expiryOf(token: string): number {
  try {
    const exp = claimsOf(token).expiresAtMs;
    if (exp !== undefined) return exp;
  } catch {
    // an opaque token: assume a short life
  }
  return Date.now() + 300_000;
}

/**
 * Access tokens from a stored refresh token: the stored access token while it is good for a minute
 * more, else a refresh at the issuer; the new access token (and a rotated refresh token) are stored.
 */
function fromStoredRefreshToken(
  store: LoginStore,
  login: Extract<StoredLogin, { kind: 'refresh-token' }>,
  timeoutMs: number,
): () => Promise<string> {
  let current = login;
  const refresh = createOidcAccessTokenSource({
    issuerUrl: login.issuer,
    clientId: login.clientId,
    ...(login.clientSecret !== undefined ? { clientSecret: login.clientSecret } : {}),
    refreshToken: login.refreshToken,
    timeoutMs,
    onRotated: (refreshToken) => {
      current = { ...current, refreshToken };
      store.write(current);
    },
  });
  return async () => {
    if (current.accessToken && (current.accessTokenExpiresAtMs ?? 0) - 60_000 > Date.now())
      return current.accessToken;
    const token = await refresh();
    current = { ...current, accessToken: token, accessTokenExpiresAtMs: expiryOf(token) };
    store.write(current);
    return token;
  };
}

/**
 * The access token: `--token`, else `FEDSTACK_OIDC_ACCESS_TOKEN`, else the oidc-agent account,
 * else what `fedstack login` stored.
 * @throws FedstackError `CLIENT_NO_TOKEN` saying where it looked; `OIDC_TOKEN` when a stored
 * refresh token is refused.
 */
export async function findAccessToken(
  options: AccessTokenOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AccessToken> {
  if (options.token) return { token: options.token.trim(), source: 'option' };
  if (env.FEDSTACK_OIDC_ACCESS_TOKEN)
    return { token: env.FEDSTACK_OIDC_ACCESS_TOKEN.trim(), source: 'environment' };
  const account = options.oidcAgent || env.FEDSTACK_OIDC_AGENT_ACCOUNT;
  if (account)
    return { token: await fromOidcAgent(account), source: 'oidc-agent', fresh: () => fromOidcAgent(account) };
  const login = options.store?.read();
  if (login?.kind === 'oidc-agent')
    return {
      token: await fromOidcAgent(login.account),
      source: 'login',
      fresh: () => fromOidcAgent(login.account),
    };
  if (login?.kind === 'access-token') return { token: login.accessToken, source: 'login' };
  if (login?.kind === 'refresh-token') {
    const fresh = fromStoredRefreshToken(options.store!, login, options.timeoutMs ?? 10_000);
    return { token: await fresh(), source: 'login', fresh };
  }
  throw new FedstackError(
    'CLIENT_NO_TOKEN',
    'no OIDC access token: run fedstack login, give --token or FEDSTACK_OIDC_ACCESS_TOKEN, or an oidc-agent account with --oidc-agent ACCOUNT (FEDSTACK_OIDC_AGENT_ACCOUNT)',
  );
}

/** What an access token says about itself. */
export interface TokenClaims {
  readonly issuer?: string;
  readonly subject?: string;
  /** Epoch ms. */
  readonly expiresAtMs?: number;
  readonly issuedAtMs?: number;
  readonly entitlements: readonly string[];
  readonly name?: string;
  readonly email?: string;
}

/**
 * The claims of a JWT access token (not verified: the sites verify it; this is for showing it and
 * for choosing VOs).
 * @throws FedstackError `CLIENT_NO_TOKEN` when the token is no JWT.
 */
export function claimsOf(token: string): TokenClaims {
  let payload: Record<string, unknown>;
  try {
    payload = decodeJwt(token);
  } catch (error) {
    throw new FedstackError('CLIENT_NO_TOKEN', `the access token is no JWT (${(error as Error).message})`, {
      cause: error,
    });
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    ...(str(payload.iss) ? { issuer: str(payload.iss) } : {}),
    ...(str(payload.sub) ? { subject: str(payload.sub) } : {}),
    ...(typeof payload.exp === 'number' ? { expiresAtMs: payload.exp * 1000 } : {}),
    ...(typeof payload.iat === 'number' ? { issuedAtMs: payload.iat * 1000 } : {}),
    ...(str(payload.name) ? { name: str(payload.name) } : {}),
    ...(str(payload.email) ? { email: str(payload.email) } : {}),
    entitlements: entitlementsOfClaims(payload),
  };
}
