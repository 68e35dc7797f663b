// OpenStackSession: a cached, self-renewing token plus the request pipeline every operation uses.
import { describeError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { authenticate, type AuthMethod, type AuthScope, type KeystoneToken } from './auth.js';
import { selectEndpoint, type EndpointInterface } from './catalog.js';
import { joinUrl, normalizeKeystoneUrl, redactUrl } from './keystone-url.js';
import { OpenStackError, isOpenStackStatus } from './openstack-error.js';
import { isStreamBody } from '../http/index.js';
import { transportSend } from './transport.js';

/** Options of an {@link OpenStackSession}. */
export interface SessionOptions {
  /** Keystone URL in any usual spelling (`…/v3`, `…/v3/`, `…/identity`). */
  authUrl: string;
  auth: AuthMethod;
  /** Default: unscoped for OIDC and token auth, otherwise none sent (Keystone's default project). */
  scope?: AuthScope;
  region?: string;
  /** Endpoint interface; default `public`. */
  interface?: EndpointInterface;
  /** Per service type, a URL that replaces the catalog's (sites with broken catalogs). */
  endpointOverrides?: Readonly<Record<string, string>>;
  /** Per-attempt time limit of every call, ms; default 30 000. */
  timeoutMs?: number;
  /** Renew the token this long before `expires_at`, ms; default 120 000. */
  renewBeforeMs?: number;
  /** A PEM bundle file or a directory of hashed CA files (IGTF) for the site's certificates. */
  caPath?: string;
  /** A token obtained earlier (a cache on disk), used until it is due for renewal. */
  initialToken?: KeystoneToken;
  /** Called with every token a login obtains (to cache it). */
  onToken?: (token: KeystoneToken) => void;
  logger?: Logger;
}

/** A request of one operation, relative to a service endpoint. */
export interface ServiceRequest {
  /** Catalog service type: `compute`, `image`, `network`, `volumev3`, `identity`. */
  service: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** Path below the endpoint, or an absolute URL (a `next` link). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Microversion, sent as `OpenStack-API-Version: <service> <v>` (plus Nova's legacy header). */
  microversion?: string;
  idempotent?: boolean;
  retryOnConflict?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

const MICROVERSION_NAMES: Record<string, string> = { compute: 'compute', volumev3: 'volume', image: 'image' };

/**
 * An authenticated connection to one OpenStack site: holds the token (renewed
 * before it expires, and once after a 401), resolves endpoints and sends
 * requests through the shared transport.
 */
export class OpenStackSession {
  readonly authUrl: string;
  readonly region: string | undefined;
  readonly logger: Logger;
  readonly timeoutMs: number;
  readonly #options: SessionOptions;
  /** Token state, shared with the views {@link withSignal} makes. */
  readonly #auth: TokenState;
  /** Aborts every request of this view (see {@link withSignal}). */
  readonly #signal: AbortSignal | undefined;
  /** Counts requests per service; the accounting tests read it to prove API economy. */
  readonly requestCounts: Map<string, number>;

  constructor(options: SessionOptions);
  /** @internal a view of `shared` whose requests also follow `signal` */
  constructor(options: SessionOptions, shared: OpenStackSession, signal: AbortSignal);
  constructor(options: SessionOptions, shared?: OpenStackSession, signal?: AbortSignal) {
    this.authUrl = normalizeKeystoneUrl(options.authUrl);
    this.region = options.region;
    this.logger = options.logger ?? silentLogger;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.#options = options;
    this.#auth = shared
      ? shared.#auth
      : {
          token: options.initialToken,
          pending: undefined,
          renewMarginMs: options.initialToken ? (options.renewBeforeMs ?? 120_000) : 0,
        };
    this.requestCounts = shared ? shared.requestCounts : new Map();
    this.#signal = signal;
  }

  /**
   * The same session (one token, one login) for callers that may give up: every request made
   * through the returned view, by any operation, is aborted when `signal` aborts. For example
   * `await listFlavors(session.withSignal(AbortSignal.timeout(5000)))`.
   */
  withSignal(signal: AbortSignal): OpenStackSession {
    const combined = anySignal(this.#signal, signal)!;
    return new OpenStackSession(this.#options, this, combined);
  }

  /**
   * The current token, authenticating or renewing as needed. Concurrent callers share one login: a
   * caller whose `signal` aborts stops waiting for it while the others still get the token; once
   * every caller waiting for it has given up, the login itself is aborted (no request outlives
   * the runs that asked for it).
   */
  async token(signal?: AbortSignal): Promise<KeystoneToken> {
    const state = this.#auth;
    if (state.token && state.token.expiresAtMs - state.renewMarginMs > Date.now()) return state.token;
    if (!state.pending || !state.login) {
      const obtainedAtMs = Date.now();
      const login = { controller: new AbortController(), waiters: 0 };
      state.login = login;
      state.pending = authenticate(
        {
          authUrl: this.authUrl,
          timeoutMs: this.timeoutMs,
          logger: this.logger,
          signal: login.controller.signal,
          ...(this.#options.caPath ? { caPath: this.#options.caPath } : {}),
        },
        this.#options.auth,
        this.#options.scope ?? 'unscoped',
      )
        .then((token) => {
          state.token = token;
          // short-lived tokens: renew at half their life rather than on every call
          const lifetimeMs = token.expiresAtMs - obtainedAtMs;
          state.renewMarginMs = Math.min(this.#options.renewBeforeMs ?? 120_000, lifetimeMs / 2);
          this.#options.onToken?.(token);
          return token;
        })
        .finally(() => {
          state.pending = undefined;
          state.login = undefined;
        });
      // every caller may have given up waiting; a failed login then is nobody's unhandled error
      state.pending.catch(() => undefined);
    }
    const login = state.login;
    const waitSignal = anySignal(signal, this.#signal);
    login.waiters++;
    try {
      return await untilAborted(state.pending, waitSignal);
    } finally {
      login.waiters--;
      if (login.waiters === 0 && waitSignal?.aborted) login.controller.abort(waitSignal.reason);
    }
  }

  /** Forgets the cached token so the next call authenticates again. */
  invalidate(): void {
    this.#auth.token = undefined;
  }

  /** The project the token is scoped to. */
  async projectId(): Promise<string> {
    const t = await this.token();
    if (!t.project)
      throw new OpenStackError(
        'OPENSTACK_AUTH',
        { service: 'identity', method: 'POST', url: this.authUrl, attempts: 1 },
        'the token is not scoped to a project',
      );
    return t.project.id;
  }

  /** The endpoint URL of a service type (override, else the catalog). */
  async endpoint(service: string): Promise<string> {
    const override = this.#options.endpointOverrides?.[service];
    if (override) return override.replace(/\/+$/, '');
    if (service === 'identity') return this.authUrl;
    const t = await this.token();
    return selectEndpoint(t.catalog, service, this.#options.interface ?? 'public', this.region);
  }

  /** Sends a request and returns the raw response (body unread). */
  async send(request: ServiceRequest): Promise<Response> {
    const signal = anySignal(request.signal, this.#signal);
    const req = signal === request.signal ? request : { ...request, signal };
    const base = await this.endpoint(req.service);
    const url = new URL(joinUrl(base, req.path));
    for (const [k, v] of Object.entries(req.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    this.requestCounts.set(req.service, (this.requestCounts.get(req.service) ?? 0) + 1);
    const sendWith = (token: string): Promise<Response> => {
      const headers: Record<string, string> = { ...req.headers, 'X-Auth-Token': token };
      if (req.microversion) {
        headers['OpenStack-API-Version'] =
          `${MICROVERSION_NAMES[req.service] ?? req.service} ${req.microversion}`;
        if (req.service === 'compute') headers['X-OpenStack-Nova-API-Version'] = req.microversion;
      }
      return transportSend({
        service: req.service,
        method: req.method,
        url: url.toString(),
        headers,
        body: req.body,
        timeoutMs: req.timeoutMs ?? this.timeoutMs,
        idempotent: req.idempotent,
        retryOnConflict: req.retryOnConflict,
        signal: req.signal,
        logger: this.logger,
        ...(this.#options.caPath ? { caPath: this.#options.caPath } : {}),
      });
    };
    // obtained outside the retry below: a 401 from Keystone itself (wrong
    // credentials) must not be sent twice, which would count twice towards a lockout
    const token = (await this.token(request.signal)).token;
    try {
      return await sendWith(token);
    } catch (error) {
      // the service refused a token revoked or expired early: authenticate once more and repeat
      if (isOpenStackStatus(error, 401) && req.service !== 'identity' && !isStreamBody(req.body)) {
        // a concurrent request may have renewed it already; keep that one
        if (this.#auth.token?.token === token) this.invalidate();
        return sendWith((await this.token(request.signal)).token);
      }
      throw error;
    }
  }

  /**
   * Sends a request and parses the JSON answer (undefined for empty bodies).
   * @throws OpenStackError `OPENSTACK_NETWORK` when the body breaks off or does not arrive in
   *   time, `OPENSTACK_BAD_RESPONSE` when it is not JSON; both name the URL without query values.
   */
  async json<T = unknown>(req: ServiceRequest): Promise<T> {
    const res = await this.send(req);
    const where = {
      service: req.service,
      method: req.method,
      url: redactUrl(res.url),
      status: res.status,
      attempts: 1,
    };
    let text: string;
    try {
      text = await res.text();
    } catch (error) {
      if (req.signal?.aborted || this.#signal?.aborted) throw error;
      const reason =
        (error as Error | undefined)?.name === 'TimeoutError'
          ? `no complete answer within ${req.timeoutMs ?? this.timeoutMs} ms`
          : `the answer broke off (${describeError(error)})`;
      throw new OpenStackError('OPENSTACK_NETWORK', where, reason, { cause: error });
    }
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new OpenStackError('OPENSTACK_BAD_RESPONSE', where, 'the answer is not JSON', { cause: error });
    }
  }
}

/** The token state one session and its views share. */
interface TokenState {
  token: KeystoneToken | undefined;
  pending: Promise<KeystoneToken> | undefined;
  /** The login in flight: aborted when every caller waiting for it gave up. */
  login?: { readonly controller: AbortController; waiters: number };
  renewMarginMs: number;
}

/** Both signals (either may be absent) as one. */
function anySignal(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (!a) return b;
  if (!b || a === b) return a;
  return AbortSignal.any([a, b]);
}

/** `promise`, or a rejection with the abort reason as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
