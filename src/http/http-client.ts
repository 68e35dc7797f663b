/**
 * The one outbound HTTP call of Fedstack: per-attempt timeout, caller's abort signal and deadline,
 * retries by the retry strategy, redirects kept on their origin, a custom CA, progress of long
 * transfers, and one {@link HttpError} for every failure.
 * @module
 */
import { STATUS_CODES } from 'node:http';
import { Readable, Transform, pipeline } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import { request as undiciRequest, type Dispatcher } from 'undici';
import { silentLogger, type Logger } from '../log.js';
import { hasUrlUserinfo, redactUrl, redactUrlsInText } from '../redact-url.js';
import { caAgentFor } from './ca-bundle.js';
import { HttpError } from './http-error.js';
import { contentLengthOf, countBytes, type HttpProgressListener } from './progress.js';
import { isSecretHeaderName } from './redact-headers.js';
import {
  IDEMPOTENT_METHODS,
  RetryBudget,
  classifyStatus,
  parseRetryAfterMs,
  planRetry,
  type BackoffOptions,
  type HttpErrorClass,
} from './retry-strategy.js';

/** A request body: bytes or text are sent as they are; a stream is sent once and never repeated. */
export type HttpBody =
  string | Uint8Array | URLSearchParams | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * How redirects are treated: `same-origin` (default) follows them on the request's own origin and
 * refuses others, so credential headers never reach another host; `follow` also follows them
 * elsewhere, without the secret headers (see {@link isSecretHeaderName}); `manual` hands every
 * 3xx back.
 */
export type HttpRedirectMode = 'same-origin' | 'follow' | 'manual';

/** One request. */
export interface HttpRequest {
  readonly method: string;
  readonly url: string | URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: HttpBody;
  /** Time limit of each attempt (until the response headers, and then of reading its body), ms. */
  readonly timeoutMs?: number;
  /** An instant (`Date.now()` clock) no attempt and no wait between attempts goes past. */
  readonly deadlineAtMs?: number;
  readonly signal?: AbortSignal;
  /** Whether the request may be sent again after a failure; default by method (GET, HEAD, PUT, DELETE, OPTIONS). */
  readonly isRetrySafe?: boolean;
  /** Also retry after 409 Conflict (operations whose conflict is a passing task state). */
  readonly isConflictTransient?: boolean;
  /** Attempts at most, retries included; default 4 (1 for requests that are not retry-safe). */
  readonly maxAttempts?: number;
  readonly redirect?: HttpRedirectMode;
  /** Size of a streamed body, for upload progress. */
  readonly bodySizeBytes?: number;
  readonly onProgress?: HttpProgressListener;
}

/** Defaults and shared parts of every request of a client. */
export interface HttpClientOptions {
  /** Per-attempt time limit, ms; default 30 000. */
  readonly timeoutMs?: number;
  /** A PEM bundle file or a directory of hashed `*.0` CA files; default Node's built-in roots. */
  readonly caPath?: string;
  /** Retries of this client draw on this budget; default one budget per origin for the process. */
  readonly retryBudget?: RetryBudget;
  /** Longest `Retry-After` worth waiting for, ms; default 30 000 (a longer one ends the retries). */
  readonly maxRetryAfterMs?: number;
  readonly backoff?: BackoffOptions;
  /** Numbers in [0, 1) for the backoff jitter; default `Math.random`. */
  readonly random?: () => number;
  readonly logger?: Logger;
  /** Start of the debug log messages (`<logName> request`); default `http`. */
  readonly logName?: string;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
const MAX_ERROR_BODY_CHARS = 65_536;
const budgets = new Map<string, RetryBudget>();

function budgetFor(origin: string, options: HttpClientOptions): RetryBudget {
  if (options.retryBudget) return options.retryBudget;
  let budget = budgets.get(origin);
  if (!budget) budgets.set(origin, (budget = new RetryBudget()));
  return budget;
}

/** True for a body that is a stream (a web stream or an async iterable): sent once, never repeated. */
export function isStreamBody(body: unknown): body is ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> {
  return (
    body instanceof ReadableStream ||
    (typeof body === 'object' && body !== null && Symbol.asyncIterator in (body as object))
  );
}

function streamOf(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  return body instanceof ReadableStream ? body : ReadableStream.from(body);
}

/** Waits `ms`, or stops with the caller's abort reason at once (as fetch does). */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    throw signal?.aborted ? (signal.reason as unknown) : error;
  }
}

/** Why a request got no answer; fetch quotes the URL in some messages, so URLs in it are redacted. */
function networkReason(error: unknown): string {
  // fetch wraps the reason in a TypeError's cause; undici's request() throws it as it is
  const { cause, code } = error as { cause?: { code?: string; message?: string }; code?: string };
  return redactUrlsInText(
    cause?.code ?? cause?.message ?? code ?? (error instanceof Error ? error.message : String(error)),
  );
}

function requestIdOf(res: { readonly headers: Headers }): string | undefined {
  const h = res.headers;
  return (
    h.get('x-openstack-request-id') ?? h.get('x-compute-request-id') ?? h.get('x-request-id') ?? undefined
  );
}

async function readErrorBody(res: Answer): Promise<string> {
  const text = await res.text().catch(() => '');
  return text.slice(0, MAX_ERROR_BODY_CHARS);
}

function withDownloadProgress(res: Response, onProgress: HttpProgressListener): Response {
  if (!res.body) return res;
  const totalBytes = contentLengthOf(res.headers);
  const body = countBytes(res.body, (doneBytes) =>
    onProgress({ direction: 'download', doneBytes, totalBytes }),
  );
  const wrapped = new Response(body, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
  Object.defineProperty(wrapped, 'url', { value: res.url });
  return wrapped;
}

/** Reports a body sent whole (not streamed) as done once its answer came. */
function reportUploadDone(request: HttpRequest, isStreamed: boolean): void {
  const body = request.body;
  if (isStreamed || body === undefined || !request.onProgress) return;
  const totalBytes =
    request.bodySizeBytes ??
    (typeof body === 'string'
      ? Buffer.byteLength(body)
      : body instanceof Uint8Array
        ? body.byteLength
        : Buffer.byteLength(String(body)));
  request.onProgress({ direction: 'upload', doneBytes: totalBytes, totalBytes });
}

/** One answer of a transport, before the call's policy decides on it. */
interface Answer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  /** Drops the unread body. */
  cancel(): Promise<void>;
  /** The body as text (for an error report). */
  text(): Promise<string>;
}

/** Sends one attempt of a call. */
type Transport<A extends Answer> = (
  state: CallState,
  signal: AbortSignal,
  dispatcher: Dispatcher | undefined,
  isStreamed: boolean,
) => Promise<A>;

const fetchTransport: Transport<Answer & { readonly response: Response }> = async (
  state,
  signal,
  dispatcher,
  isStreamed,
) => {
  const response = await fetch(state.url, {
    method: state.method,
    headers: state.headers,
    body: state.body,
    signal,
    redirect: 'manual',
    ...(isStreamed ? { duplex: 'half' } : {}),
    ...(dispatcher ? { dispatcher } : {}),
  } as RequestInit);
  return {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
    cancel: async () => await response.body?.cancel(),
    text: () => response.text(),
    response,
  };
};

/** A response of {@link httpRequestStream}: status below 400, body a Node stream (unread). */
export interface HttpStreamResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  /** The URL answered, after redirects. */
  readonly url: string;
  readonly body: Readable;
}

const STREAM_HIGH_WATER_MARK = 1 << 20;

/** A request body as undici's `request()` takes it. */
function undiciBodyOf(state: CallState): Readable | string | Uint8Array | undefined {
  const body = state.body;
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof URLSearchParams) {
    if (!Object.keys(state.headers).some((name) => name.toLowerCase() === 'content-type'))
      state.headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
    return body.toString();
  }
  if (body instanceof ReadableStream) return Readable.fromWeb(body as NodeReadableStream<Uint8Array>);
  throw new TypeError('unsupported request body');
}

async function undiciTransport(
  state: CallState,
  signal: AbortSignal,
  dispatcher: Dispatcher | undefined,
  highWaterMark: number,
): Promise<Answer & { readonly body: Readable; readonly url: string }> {
  const url = state.url.toString();
  const res = await undiciRequest(url, {
    method: state.method as Dispatcher.HttpMethod,
    headers: state.headers,
    body: undiciBodyOf(state),
    signal,
    highWaterMark,
    ...(dispatcher ? { dispatcher } : {}),
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return {
    status: res.statusCode,
    statusText: STATUS_CODES[res.statusCode] ?? '',
    headers,
    cancel: async () => {
      res.body.on('error', () => undefined); // the abort error of the dropped body
      res.body.destroy();
    },
    text: () => res.body.text(),
    body: res.body,
    url,
  };
}

/** The state of one call across its attempts and redirects. */
interface CallState {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: RequestInit['body'] | undefined;
  redirects: number;
}

/**
 * Where a redirect leads, or why it is not followed; updates `state` to send the next request
 * there (303, and 301/302 of a POST, become a GET without body, as browsers and fetch do).
 */
function followRedirect(
  state: CallState,
  location: string,
  isStreamed: boolean,
  mode: HttpRedirectMode,
): string | undefined {
  const target = new URL(location, state.url);
  if (target.origin !== state.url.origin) {
    if (mode !== 'follow')
      return `refused to follow a redirect to ${target.origin} (the credentials would go with it)`;
    state.headers = Object.fromEntries(
      Object.entries(state.headers).filter(([name]) => !isSecretHeaderName(name)),
    );
  }
  if (isStreamed || ++state.redirects > MAX_REDIRECTS)
    return 'too many redirects, or a redirect of a streamed upload';
  state.url = target;
  return undefined;
}

function becomesGet(status: number, method: string): boolean {
  return status === 303 ? method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST';
}

/** The policy of every call (see {@link httpRequest}), over one way of sending an attempt. */
async function sendWithPolicy<A extends Answer>(
  request: HttpRequest,
  options: HttpClientOptions,
  transport: Transport<A>,
): Promise<A> {
  const logger = options.logger ?? silentLogger;
  const logName = options.logName ?? 'http';
  const random = options.random ?? Math.random;
  const timeoutMs = request.timeoutMs ?? options.timeoutMs ?? 30_000;
  const isStreamed = isStreamBody(request.body);
  const method = request.method.toUpperCase();
  const isRetrySafe = !isStreamed && (request.isRetrySafe ?? IDEMPOTENT_METHODS.has(method));
  const maxAttempts = isRetrySafe ? (request.maxAttempts ?? 4) : 1;
  const dispatcher: Dispatcher | undefined = options.caPath ? caAgentFor(options.caPath) : undefined;
  const rawUrl = String(request.url);
  const state: CallState = {
    url: undefined as unknown as URL,
    method,
    headers: { ...request.headers },
    body: undefined,
    redirects: 0,
  };
  const fail = (
    details: Omit<ConstructorParameters<typeof HttpError>[0], 'method' | 'url'>,
    summary: string,
    cause?: unknown,
  ) =>
    new HttpError({ ...details, method: state.method, url: state.url?.toString() ?? rawUrl }, summary, {
      cause,
    });
  // fetch refuses such URLs (quoting them, password and all); it is no transient failure to retry
  if (hasUrlUserinfo(rawUrl))
    throw fail(
      { kind: 'refused', attempts: 1 },
      'not sent: the URL carries credentials (user:password@); give them as credentials, not in a URL',
    );
  state.url = new URL(rawUrl);
  const budget = budgetFor(state.url.origin, options);
  let tokensTaken = 0;
  if (isStreamBody(request.body)) {
    const listener = request.onProgress;
    state.body = listener
      ? countBytes(streamOf(request.body), (doneBytes) =>
          listener({ direction: 'upload', doneBytes, totalBytes: request.bodySizeBytes }),
        )
      : streamOf(request.body);
  } else state.body = request.body as RequestInit['body'] | undefined;

  for (let attempt = 1; ; attempt++) {
    const shownUrl = redactUrl(state.url.toString());
    const remainingMs = request.deadlineAtMs === undefined ? undefined : request.deadlineAtMs - Date.now();
    if (remainingMs !== undefined && remainingMs <= 0)
      throw fail({ kind: 'timeout', attempts: attempt - 1 }, 'the deadline passed before an answer came');
    const attemptMs = remainingMs === undefined ? timeoutMs : Math.min(timeoutMs, remainingMs);
    const timeout = AbortSignal.timeout(attemptMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    const started = performance.now();
    /** The wait before the next attempt (its tokens taken from the budget), or undefined for none. */
    const decideRetry = (
      errorClass: HttpErrorClass,
      retryAfterMs: number | undefined,
    ): number | undefined => {
      const plan = planRetry({
        attempt,
        maxAttempts,
        errorClass,
        isRetrySafe,
        retryAfterMs,
        maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
        remainingMs: request.deadlineAtMs === undefined ? undefined : request.deadlineAtMs - Date.now(),
        random,
        backoff: options.backoff,
      });
      if (plan.kind === 'stop') return undefined;
      const cost = budget.acquire(timeout.aborted);
      if (cost === undefined) return undefined;
      tokensTaken += cost;
      return plan.delayMs;
    };
    let res: A;
    try {
      // redirects are followed by hand below: fetch would carry X-Auth-Token or x-api-key to any host one names
      res = await transport(state, signal, dispatcher, isStreamed);
    } catch (error) {
      const timedOut = timeout.aborted;
      logger.debug({ method: state.method, url: shownUrl, attempt, timedOut }, `${logName} request failed`);
      if (request.signal?.aborted) throw error;
      const delayMs = decideRetry('transient', undefined);
      if (delayMs !== undefined) {
        await pause(delayMs, request.signal);
        continue;
      }
      const summary = timedOut ? `no answer within ${attemptMs} ms` : `unreachable (${networkReason(error)})`;
      throw fail(
        { kind: timedOut ? 'timeout' : 'network', attempts: attempt, errorClass: 'transient' },
        summary,
        error,
      );
    }
    logger.debug(
      {
        method: state.method,
        url: shownUrl,
        status: res.status,
        ms: Math.round(performance.now() - started),
        requestId: requestIdOf(res),
        attempt,
      },
      `${logName} request`,
    );
    const location = REDIRECT_STATUSES.has(res.status) ? res.headers.get('location') : null;
    if (location !== null && request.redirect !== 'manual') {
      await res.cancel();
      const refusal = followRedirect(state, location, isStreamed, request.redirect ?? 'same-origin');
      if (refusal !== undefined)
        throw fail({ kind: 'redirect', status: res.status, attempts: attempt }, refusal);
      if (becomesGet(res.status, state.method)) {
        state.method = 'GET';
        state.body = undefined;
        state.headers = Object.fromEntries(
          Object.entries(state.headers).filter(([k]) => k.toLowerCase() !== 'content-type'),
        );
      }
      attempt--; // a redirect is not a failed attempt
      continue;
    }
    if (res.status < 400) {
      budget.release(tokensTaken);
      if (request.onProgress) reportUploadDone(request, isStreamed);
      return res;
    }
    const errorClass = classifyStatus(res.status, request.isConflictTransient);
    const retryAfterMs = parseRetryAfterMs(res.headers.get('retry-after'), Date.now());
    const delayMs = decideRetry(errorClass, retryAfterMs);
    if (delayMs !== undefined) {
      await res.cancel();
      await pause(delayMs, request.signal);
      continue;
    }
    const bodyText = await readErrorBody(res);
    throw fail(
      { kind: 'status', status: res.status, attempts: attempt, errorClass, bodyText, headers: res.headers },
      `answered ${res.status}${res.statusText ? ' ' + res.statusText : ''}`,
    );
  }
}

/**
 * Sends one request and resolves with its response (status below 400, body unread) once it
 * succeeds. Transient failures (connection errors, 429, 502–504, 409 when allowed) of retry-safe
 * requests are retried with capped full-jitter backoff, drawing on the retry budget; `Retry-After`
 * is honoured but never waited for past `deadlineAtMs`. An abort of `signal` ends the call at once
 * and rejects with its reason.
 * @example const res = await httpRequest({ method: 'GET', url: 'https://goc.egi.eu/gocdbpi/public/?method=get_site' }, { timeoutMs: 10_000 })
 * @throws HttpError `HTTP_REQUEST_FAILED` for an error status (with `status`, `bodyText`), no
 *   answer (`network`), no answer in time (`timeout`), a refused redirect or a URL with credentials.
 */
export async function httpRequest(request: HttpRequest, options: HttpClientOptions = {}): Promise<Response> {
  // fetch reads a streamed request body ahead of what the socket takes (a whole image ends up in
  // memory), so streamed uploads go through undici's request(), which waits for the socket
  const res = isStreamBody(request.body)
    ? await sendStreamedUpload(request, options)
    : (await sendWithPolicy(request, options, fetchTransport)).response;
  return request.onProgress ? withDownloadProgress(res, request.onProgress) : res;
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** A streamed upload sent with undici's `request()`, answered as a fetch `Response`. */
async function sendStreamedUpload(request: HttpRequest, options: HttpClientOptions): Promise<Response> {
  const answer = await sendWithPolicy(request, options, (state, signal, dispatcher) =>
    undiciTransport(state, signal, dispatcher, STREAM_HIGH_WATER_MARK),
  );
  let body: ReadableStream<Uint8Array> | null = null;
  if (NULL_BODY_STATUSES.has(answer.status)) await answer.cancel();
  else body = Readable.toWeb(answer.body) as ReadableStream<Uint8Array>;
  const res = new Response(body, {
    status: answer.status,
    statusText: answer.statusText,
    headers: answer.headers,
  });
  Object.defineProperty(res, 'url', { value: answer.url });
  return res;
}

/**
 * Like {@link httpRequest} (the same timeouts, abort, retries, redirect rules, CA and errors), but
 * sent with undici's `request()` and answered with the body as a Node `Readable` of large chunks
 * (`highWaterMark` 1 MiB by default), for bulk downloads where the web streams of fetch cost more
 * than the bytes: no `Response` is built and no chunk goes through a promise of its own. The body
 * is not decoded (a `Content-Encoding` reaches the caller as sent). The attempt's time limit and
 * `signal` still end the body once it is returned: it then fails with the abort reason. Read or
 * `destroy()` the body, or its connection stays taken.
 * @example const res = await httpRequestStream({ method: 'GET', url: imageUrl, timeoutMs: 3_600_000 }); res.body.pipe(file)
 * @throws HttpError `HTTP_REQUEST_FAILED`, as {@link httpRequest} does.
 */
export async function httpRequestStream(
  request: HttpRequest & { readonly highWaterMark?: number },
  options: HttpClientOptions = {},
): Promise<HttpStreamResponse> {
  const answer = await sendWithPolicy(request, options, (state, signal, dispatcher) =>
    undiciTransport(state, signal, dispatcher, request.highWaterMark ?? STREAM_HIGH_WATER_MARK),
  );
  const { status, statusText, headers, url } = answer;
  let body: Readable = answer.body;
  const onProgress = request.onProgress;
  if (onProgress) {
    const totalBytes = contentLengthOf(headers);
    let doneBytes = 0;
    const counter = new Transform({
      highWaterMark: request.highWaterMark ?? STREAM_HIGH_WATER_MARK,
      transform(chunk: Buffer, _encoding, done) {
        doneBytes += chunk.byteLength;
        onProgress({ direction: 'download', doneBytes, totalBytes });
        done(null, chunk);
      },
    });
    body = pipeline(answer.body, counter, () => undefined);
  }
  return { status, statusText, headers, url, body };
}

/** A set of request defaults (timeout, CA, budget, logger) for calls to one kind of remote. */
export class HttpClient {
  readonly options: HttpClientOptions;

  constructor(options: HttpClientOptions = {}) {
    this.options = { ...options, retryBudget: options.retryBudget ?? new RetryBudget() };
  }

  /** Sends `request` with this client's defaults; see {@link httpRequest}. */
  request(request: HttpRequest): Promise<Response> {
    return httpRequest(request, this.options);
  }

  /** Sends `request` with this client's defaults, the body as a Node stream; see {@link httpRequestStream}. */
  requestStream(request: HttpRequest & { readonly highWaterMark?: number }): Promise<HttpStreamResponse> {
    return httpRequestStream(request, this.options);
  }
}
