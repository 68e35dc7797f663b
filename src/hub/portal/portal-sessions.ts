// The portal's sessions, kept in the hub's memory: a browser holds only a random session id (an
// HttpOnly cookie); the user's tokens stay here, are renewed with the refresh token before they
// expire, and are dropped at sign-out or when the session ends. A hub restart signs everyone out.
import { FedstackError } from '../../errors.js';
import { voAccessOf, type VoAccess } from '../../formats/entitlements/index.js';
import type { KeystoneToken } from '../../openstack/index.js';
import type { KeystoneTokenStore } from '../../federation/index.js';
import {
  pkcePair,
  randomToken,
  type AuthorizationRequest,
  type OidcProvider,
  type SignedIn,
} from './oidc-code-flow.js';
import type { PortalOptions } from './portal-config.js';

/** A sign-in under way (between the redirect to the provider and its callback). */
interface PendingSignIn {
  readonly verifier: string;
  readonly nonce: string;
  readonly returnTo: string;
  readonly createdMs: number;
}

/** A signed-in user. */
export interface PortalSession {
  readonly id: string;
  readonly subject: string;
  readonly name?: string;
  readonly email?: string;
  readonly vos: readonly VoAccess[];
  readonly isAdmin: boolean;
  readonly createdMs: number;
  /** Keystone tokens of this user, per (Keystone, project). */
  readonly keystone: KeystoneTokenStore;
}

interface Held {
  session: PortalSession;
  accessToken: string;
  refreshToken: string | undefined;
  accessExpiresAtMs: number;
  renewing: Promise<string> | undefined;
}

/** A sign-in has this long to come back from the provider. */
const PENDING_MS = 10 * 60_000;
/** At most this many sign-ins under way (the oldest are dropped first). */
const MAX_PENDING = 10_000;
/** An access token is renewed this long before it expires. */
const RENEW_MARGIN_MS = 60_000;
/** A Keystone token is reused until this long before it expires. */
const KEYSTONE_MARGIN_MS = 5 * 60_000;

function keystoneStore(clock: () => number): KeystoneTokenStore {
  const kept = new Map<string, KeystoneToken>();
  return {
    get: (authUrl, projectId) => {
      const token = kept.get(`${authUrl}\u0000${projectId}`);
      return token && token.expiresAtMs - KEYSTONE_MARGIN_MS > clock() ? token : undefined;
    },
    put: (authUrl, projectId, token) => void kept.set(`${authUrl}\u0000${projectId}`, token),
  };
}

/** Why a request has no session: none was presented, or the one presented has ended. */
export type NoSession = 'none' | 'ended';

/** The portal's sign-ins and sessions. */
export class PortalSessions {
  private readonly pending = new Map<string, PendingSignIn>();
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly provider: OidcProvider,
    private readonly options: PortalOptions,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Starts a sign-in: where to send the browser, and its state (the callback brings it back). */
  async begin(returnTo: string): Promise<{ url: string; state: string }> {
    this.sweep();
    const { verifier, challenge } = pkcePair();
    const req: AuthorizationRequest = { state: randomToken(), nonce: randomToken(), challenge };
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(req.state, { verifier, nonce: req.nonce, returnTo, createdMs: this.clock() });
    return { url: await this.provider.authorizationUrl(req), state: req.state };
  }

  /**
   * Finishes a sign-in: the code is exchanged (once: the state is used up) and a session made.
   * @throws FedstackError `PORTAL_SIGN_IN` for an unknown or old state, or what the provider refused.
   */
  async finish(state: string, code: string): Promise<{ session: PortalSession; returnTo: string }> {
    const pending = this.pending.get(state);
    this.pending.delete(state);
    if (!pending || this.clock() - pending.createdMs > PENDING_MS)
      throw new FedstackError(
        'PORTAL_SIGN_IN',
        'this sign-in is unknown or took longer than 10 minutes; start it again',
      );
    const signedIn = await this.provider.exchange(code, pending.verifier, pending.nonce);
    return { session: this.open(signedIn), returnTo: pending.returnTo };
  }

  private open(s: SignedIn): PortalSession {
    const session: PortalSession = {
      id: randomToken(),
      subject: s.subject,
      ...(s.name ? { name: s.name } : {}),
      ...(s.email ? { email: s.email } : {}),
      vos: voAccessOf(s.entitlements, { mappings: this.options.voMappings }),
      isAdmin: this.options.admins.includes(s.subject),
      createdMs: this.clock(),
      keystone: keystoneStore(this.clock),
    };
    this.held.set(session.id, {
      session,
      accessToken: s.accessToken,
      refreshToken: s.refreshToken,
      accessExpiresAtMs: s.accessExpiresAtMs,
      renewing: undefined,
    });
    return session;
  }

  /** The session of `id`, or why there is none. */
  find(id: string | undefined): PortalSession | NoSession {
    if (!id) return 'none';
    const held = this.held.get(id);
    if (!held) return 'ended';
    if (this.clock() - held.session.createdMs > this.options.sessionMaxMs) {
      this.held.delete(id);
      return 'ended';
    }
    // without a refresh token the session ends with its access token
    if (!held.refreshToken && held.accessExpiresAtMs <= this.clock()) {
      this.held.delete(id);
      return 'ended';
    }
    return held.session;
  }

  /**
   * The session's access token, renewed first when it expires within a minute (one renewal at a
   * time per session).
   * @throws FedstackError `PORTAL_SIGN_IN` when the session has ended or cannot be renewed.
   */
  async accessToken(session: PortalSession): Promise<string> {
    const held = this.held.get(session.id);
    if (!held) throw new FedstackError('PORTAL_SIGN_IN', 'your session has ended; sign in again');
    if (held.accessExpiresAtMs - RENEW_MARGIN_MS > this.clock()) return held.accessToken;
    if (!held.refreshToken) {
      this.held.delete(session.id);
      throw new FedstackError('PORTAL_SIGN_IN', 'your session has ended; sign in again');
    }
    const refreshToken = held.refreshToken;
    held.renewing ??= this.provider
      .refresh(refreshToken)
      .then((fresh) => {
        held.accessToken = fresh.accessToken;
        held.refreshToken = fresh.refreshToken;
        held.accessExpiresAtMs = fresh.expiresAtMs;
        return fresh.accessToken;
      })
      .catch((error: unknown) => {
        this.held.delete(session.id);
        throw error;
      })
      .finally(() => {
        held.renewing = undefined;
      });
    return held.renewing;
  }

  /** Ends a session (sign-out); its tokens are forgotten. */
  end(id: string | undefined): void {
    if (id) this.held.delete(id);
  }

  /** Drops old pending sign-ins and ended sessions. */
  private sweep(): void {
    const now = this.clock();
    for (const [state, p] of this.pending) if (now - p.createdMs > PENDING_MS) this.pending.delete(state);
    for (const id of this.held.keys()) this.find(id);
  }
}
