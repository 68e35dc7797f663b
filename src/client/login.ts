// `fedstack login`: the OAuth 2.0 device authorization grant (RFC 8628) against the issuer, and
// what a login leaves behind: `login.json` (mode 0600) in the client config directory, holding the
// refresh token (or the oidc-agent account, or a given access token) that later commands use.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FedstackError } from '../errors.js';
import { oauthRefusal, postOidcForm, readOidcDiscovery, type OidcFormAnswer } from '../openstack/index.js';

/** What `login.json` holds. */
export type StoredLogin =
  | {
      readonly kind: 'refresh-token';
      readonly issuer: string;
      readonly clientId: string;
      readonly clientSecret?: string;
      readonly refreshToken: string;
      readonly scope?: string;
      /** The last access token and its expiry (epoch ms), reused while good. */
      readonly accessToken?: string;
      readonly accessTokenExpiresAtMs?: number;
    }
  | { readonly kind: 'oidc-agent'; readonly account: string }
  | { readonly kind: 'access-token'; readonly accessToken: string };

/** `login.json` in `configDir`. */
export class LoginStore {
  readonly file: string;

  constructor(configDir: string) {
    this.file = path.join(configDir, 'login.json');
  }

  /** The stored login, or undefined when there is none (or it cannot be read). */
  read(): StoredLogin | undefined {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as StoredLogin;
    } catch {
      return undefined;
    }
  }

  /** Stores `login` (mode 0600, written whole or not at all). */
  write(login: StoredLogin): void {
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(login, null, 2) + '\n', { mode: 0o600 });
    renameSync(temp, this.file);
  }

  /** Forgets the login; true when there was one. */
  remove(): boolean {
    const had = this.read() !== undefined;
    rmSync(this.file, { force: true });
    return had;
  }
}

/** What the user must do to approve the login. */
export interface DevicePrompt {
  readonly verificationUri: string;
  /** The URI with the code filled in, when the provider gives one. */
  readonly verificationUriComplete?: string;
  readonly userCode: string;
  readonly expiresInSeconds: number;
}

/** Options of {@link deviceLogin}. */
export interface DeviceLoginOptions {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret?: string;
  /** Default `openid profile email eduperson_entitlement offline_access`. */
  readonly scope?: string;
  /** Per-request time limit, ms. */
  readonly timeoutMs: number;
  /** Shows the user where to go (printed on stderr by the command). */
  readonly onPrompt: (prompt: DevicePrompt) => void;
  readonly signal?: AbortSignal;
}

/** The tokens of a finished login. */
export interface DeviceLoginResult {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly expiresAtMs: number;
  readonly scope: string;
}

export const DEFAULT_LOGIN_SCOPE = 'openid profile email eduperson_entitlement offline_access';

/**
 * Runs the device flow: asks for a device code, shows the user the URL and code, and polls the
 * token endpoint at the provider's interval (slower when told) until the user approves, refuses
 * or the code expires.
 * @throws FedstackError `OIDC_TOKEN` naming what the provider said (never a token).
 */
export async function deviceLogin(options: DeviceLoginOptions): Promise<DeviceLoginResult> {
  const endpoints = await readOidcDiscovery(options.issuer, options.timeoutMs);
  if (!endpoints.deviceAuthorizationEndpoint)
    throw new FedstackError(
      'OIDC_TOKEN',
      `${options.issuer} offers no device authorization (its discovery document has no device_authorization_endpoint); log in with --token or --oidc-agent`,
    );
  const scope = options.scope ?? DEFAULT_LOGIN_SCOPE;
  const post = (url: string, form: URLSearchParams) =>
    postOidcForm(url, form, options, {
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  const refused = (answer: OidcFormAnswer) =>
    new FedstackError(
      'OIDC_TOKEN',
      `${options.issuer} refused the device login (${answer.ok ? 'no reason given' : oauthRefusal(answer)})`,
    );
  const start = await post(endpoints.deviceAuthorizationEndpoint, new URLSearchParams({ scope }));
  const b = start.body;
  if (!start.ok || typeof b.device_code !== 'string' || typeof b.user_code !== 'string') throw refused(start);
  const expiresInSeconds = typeof b.expires_in === 'number' ? b.expires_in : 600;
  options.onPrompt({
    verificationUri: String(b.verification_uri ?? b.verification_url ?? ''),
    ...(typeof b.verification_uri_complete === 'string'
      ? { verificationUriComplete: b.verification_uri_complete }
      : {}),
    userCode: b.user_code,
    expiresInSeconds,
  });
  let intervalMs = (typeof b.interval === 'number' ? b.interval : 5) * 1000;
  const deadline = Date.now() + expiresInSeconds * 1000;
  for (;;) {
    await sleep(intervalMs, undefined, options.signal ? { signal: options.signal } : undefined);
    const poll = await post(
      endpoints.tokenEndpoint,
      new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: b.device_code,
      }),
    );
    if (poll.ok && typeof poll.body.access_token === 'string') {
      const expiresIn = typeof poll.body.expires_in === 'number' ? poll.body.expires_in : 300;
      return {
        accessToken: poll.body.access_token,
        ...(typeof poll.body.refresh_token === 'string' ? { refreshToken: poll.body.refresh_token } : {}),
        expiresAtMs: Date.now() + expiresIn * 1000,
        scope: typeof poll.body.scope === 'string' ? poll.body.scope : scope,
      };
    }
    const error = poll.body.error;
    if (error === 'slow_down') intervalMs += 5000;
    else if (error === 'access_denied')
      throw new FedstackError('OIDC_TOKEN', 'the login was refused at the provider');
    else if (error === 'expired_token')
      throw new FedstackError(
        'OIDC_TOKEN',
        'the code expired before the login was approved; run fedstack login again',
      );
    else if (error !== 'authorization_pending') throw refused(poll);
    if (Date.now() > deadline)
      throw new FedstackError(
        'OIDC_TOKEN',
        'the code expired before the login was approved; run fedstack login again',
      );
  }
}
