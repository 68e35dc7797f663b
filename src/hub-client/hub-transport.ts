// One call of the hub client over src/http: URL, token header, query, body, and every failure as a HubClientError.
import { FedstackError } from '../errors.js';
import { HttpError, httpRequest, type HttpClientOptions } from '../http/index.js';
import type { Logger } from '../log.js';
import { redactUrl } from '../redact-url.js';
import { HubClientError, hubErrorOf, type HubArea, type HubCallSite } from './hub-client-error.js';

/** How to reach a hub. */
export interface HubClientOptions {
  /** Base URL of the hub (or of an ARGO AMS, for the AMS calls), e.g. `https://hub.example.org`. */
  readonly url: string;
  /** A hub token, sent as `x-api-key`; never logged nor put in errors. Reads of the information system need none. */
  readonly token?: string;
  /** Time limit of each attempt, ms; default 30 000. */
  readonly timeoutMs?: number;
  /** A PEM bundle file or a directory of hashed CA files the hub's certificate is checked against. */
  readonly caPath?: string;
  /** Debug lines of each request (method, URL without secrets, status, time); default silent. */
  readonly logger?: Logger;
  /**
   * The information system's reads at cloud-info-api's unversioned paths (`/sites/`, `/images/`, …),
   * which the hub answers too, instead of `/v1/…`: for clients that may point at either.
   */
  readonly cloudInfoApiPaths?: boolean;
}

/** Per-call settings. */
export interface HubCallOptions {
  /** Aborts the call; it then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Time limit of each attempt, ms, instead of the client's. */
  readonly timeoutMs?: number;
  /** An instant (`Date.now()` clock) no attempt and no retry wait goes past. */
  readonly deadlineAtMs?: number;
}

/** A query value: lists are sent comma-separated, booleans as `true`/`false`; undefined is left out. */
export type QueryValue = string | number | boolean | readonly string[] | undefined;

/** One call. */
export interface HubCall {
  readonly area: HubArea;
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Path from the base URL, its segments already encoded: `/v1/site/SITE-A/glue`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** A JSON value (sent as JSON) or text (sent as it is). */
  readonly body?: unknown;
  readonly accept?: string;
  /** Whether a failed attempt may be sent again; default by method (GET, PUT, DELETE yes; POST no). */
  readonly isRetrySafe?: boolean;
  readonly options?: HubCallOptions;
}

/** Encodes one path segment. */
export const seg = (value: string): string => encodeURIComponent(value);

function queryString(query: Readonly<Record<string, QueryValue>> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    params.append(name, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The parts of a call site an error shows (the token stays out). */
function whereOf(site: HubCallSite) {
  return { area: site.area, hubUrl: site.hubUrl, method: site.method, path: site.path };
}

/** Sends the hub client's calls; holds the token out of sight (a private field, never enumerated). */
export class HubTransport {
  /** The base URL without trailing slashes (as given: it may carry credentials the HTTP layer refuses). */
  readonly #base: string;
  readonly #token: string | undefined;
  readonly #http: HttpClientOptions;
  /** The base URL without credentials, for messages. */
  readonly shownUrl: string;

  constructor(options: HubClientOptions) {
    const base = String(options.url ?? '').replace(/\/+$/, '');
    let protocol: string | undefined;
    try {
      protocol = new URL(base).protocol;
    } catch {
      protocol = undefined;
    }
    if (protocol !== 'http:' && protocol !== 'https:')
      throw new FedstackError('CONFIG_INVALID', `hub URL ${redactUrl(base)} is not an http(s) URL`);
    this.#base = base;
    this.#token = options.token || undefined;
    this.shownUrl = redactUrl(base);
    // no retry budget of its own: calls to one origin share the process's budget for it
    this.#http = {
      timeoutMs: options.timeoutMs ?? 30_000,
      logName: 'hub',
      ...(options.caPath ? { caPath: options.caPath } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    };
  }

  #site(call: HubCall, path: string): HubCallSite {
    return { area: call.area, hubUrl: this.shownUrl, method: call.method, path, token: this.#token };
  }

  /** Sends `call`, resolves with its body as text once it succeeded. @throws HubClientError */
  async text(call: HubCall): Promise<{ status: number; text: string }> {
    const path = call.path + queryString(call.query);
    const site = this.#site(call, path);
    const headers: Record<string, string> = { accept: call.accept ?? 'application/json' };
    if (this.#token) headers['x-api-key'] = this.#token;
    let body: string | undefined;
    if (call.body !== undefined) {
      body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
      headers['content-type'] = 'application/json';
    }
    const o = call.options ?? {};
    let res: Response;
    try {
      res = await httpRequest(
        {
          method: call.method,
          url: this.#base + path,
          headers,
          ...(body === undefined ? {} : { body }),
          ...(call.isRetrySafe === undefined ? {} : { isRetrySafe: call.isRetrySafe }),
          ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
          ...(o.deadlineAtMs === undefined ? {} : { deadlineAtMs: o.deadlineAtMs }),
          ...(o.signal ? { signal: o.signal } : {}),
        },
        this.#http,
      );
    } catch (error) {
      if (error instanceof HttpError) throw hubErrorOf(site, error);
      throw error; // the caller's abort reason
    }
    try {
      return { status: res.status, text: await res.text() };
    } catch (error) {
      if (o.signal?.aborted) throw o.signal.reason;
      const timedOut = (error as { name?: string } | null)?.name === 'TimeoutError';
      throw new HubClientError(
        {
          ...whereOf(site),
          kind: timedOut ? 'timeout' : 'network',
          status: res.status,
          attempts: 1,
          summary: timedOut ? 'the answer did not arrive in time' : 'the answer broke off',
        },
        { cause: error },
      );
    }
  }

  /** Sends `call`, resolves with its answer read as JSON (typed by the caller from the route's schema). */
  async json<T>(call: HubCall): Promise<T> {
    const { status, text } = await this.text(call);
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw this.badAnswer(call, status, 'answered with a body that is not JSON', error);
    }
  }

  /** Sends `call` and discards the answer (204, or AMS's `{}`). */
  async none(call: HubCall): Promise<void> {
    await this.text(call);
  }

  /** A {@link HubClientError} for an answer that does not have the expected shape. */
  badAnswer(call: HubCall, status: number, summary: string, cause?: unknown): HubClientError {
    const path = call.path + queryString(call.query);
    return new HubClientError(
      { ...whereOf(this.#site(call, path)), kind: 'response', status, attempts: 1, summary },
      cause === undefined ? undefined : { cause },
    );
  }
}
