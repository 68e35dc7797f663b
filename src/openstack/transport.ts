// The one HTTP transport of the OpenStack client: timeout, retry with backoff, error decoding.
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger, type Logger } from '../log.js';
import { OpenStackError } from './openstack-error.js';
import { redactUrl } from './keystone-url.js';
import { hasUrlUserinfo, redactUrlsInText } from '../redact-url.js';

/** A request as the transport sends it. */
export interface TransportRequest {
  /** Service type, for errors and logs. */
  service: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** JSON value, bytes or a stream; streams are never retried. */
  body?: unknown;
  /** Per-attempt time limit in ms. */
  timeoutMs: number;
  /** Whether the request may be sent again after a failure. Defaults by method (GET, HEAD, PUT, DELETE). */
  idempotent?: boolean;
  /** Also retry on 409 Conflict (operations whose conflict is a transient task state). */
  retryOnConflict?: boolean;
  /** Maximum attempts, retries included. Default 4. */
  maxAttempts?: number;
  signal?: AbortSignal;
  logger: Logger;
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

/** True for a request body that is a stream (a web stream or an async iterable): sent once, never repeated. */
export function isStream(body: unknown): boolean {
  return (
    body instanceof ReadableStream ||
    (typeof body === 'object' && body !== null && Symbol.asyncIterator in (body as object))
  );
}

function encodeBody(body: unknown, headers: Record<string, string>): RequestInit['body'] {
  if (body === undefined) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array || isStream(body))
    return body as RequestInit['body'];
  headers['Content-Type'] ??= 'application/json';
  return JSON.stringify(body);
}

function backoffMs(attempt: number, retryAfter: string | null): number {
  const seconds = retryAfter === null ? NaN : Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_DELAY_MS);
  return Math.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt); // full jitter
}

/** Waits `ms` before a retry, or stops with the caller's abort reason at once (as fetch does). */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    throw signal?.aborted ? (signal.reason as unknown) : error;
  }
}

/** Pulls the human message out of the error bodies OpenStack services send. */
export function extractServerMessage(text: string): string | undefined {
  if (!text) return undefined;
  try {
    const json = JSON.parse(text) as unknown;
    const seen: unknown[] = [json];
    while (seen.length) {
      const v = seen.shift();
      if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        for (const key of ['message', 'faultstring', 'title', 'detail', 'NeutronError']) {
          if (typeof o[key] === 'string' && o[key]) return String(o[key]).slice(0, 500);
        }
        seen.push(...Object.values(o));
      }
    }
  } catch {
    // plain text or HTML error page
  }
  return text
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

function requestIdOf(res: Response): string | undefined {
  return res.headers.get('x-openstack-request-id') ?? res.headers.get('x-compute-request-id') ?? undefined;
}

/**
 * Sends one request, retrying transient failures (connection errors, 429,
 * 502–504, and 409 when allowed) of idempotent requests with capped
 * full-jitter backoff; honours `Retry-After`. An abort of `signal` ends any
 * wait at once (rejecting with its reason). Resolves with a 2xx/3xx response
 * whose body is unread.
 * @throws OpenStackError `OPENSTACK_HTTP` for error statuses, `OPENSTACK_NETWORK` when unreachable,
 *   `TIMEOUT`-like `OPENSTACK_NETWORK` when the attempt timed out.
 */
export async function transportSend(req: TransportRequest): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...req.headers };
  const body = encodeBody(req.body, headers);
  const streaming = isStream(req.body);
  const canRetry = !streaming && (req.idempotent ?? IDEMPOTENT_METHODS.has(req.method));
  const maxAttempts = canRetry ? (req.maxAttempts ?? 4) : 1;
  let url = req.url;
  let redirects = 0;
  for (let attempt = 1; ; attempt++) {
    const shownUrl = redactUrl(url);
    // fetch refuses such URLs (quoting them, password and all); it is no transient failure to retry
    if (hasUrlUserinfo(url))
      throw new OpenStackError(
        'OPENSTACK_NETWORK',
        { service: req.service, method: req.method, url: shownUrl, attempts: attempt },
        'not sent: the URL carries credentials (user:password@); give them as credentials, not in a URL',
      );
    const timeout = AbortSignal.timeout(req.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const started = performance.now();
    let res: Response;
    try {
      res = await fetch(url, {
        method: req.method,
        headers,
        body,
        signal,
        // followed by hand below: fetch would carry X-Auth-Token to any host a redirect names
        redirect: 'manual',
        ...(streaming ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (error) {
      const timedOut = timeout.aborted;
      req.logger.debug(
        { service: req.service, method: req.method, url: shownUrl, attempt, timedOut },
        'openstack request failed',
      );
      if (req.signal?.aborted) throw error;
      if (attempt < maxAttempts) {
        await pause(backoffMs(attempt, null), req.signal);
        continue;
      }
      const reason = timedOut
        ? `no answer within ${req.timeoutMs} ms`
        : `unreachable (${networkReason(error)})`;
      throw new OpenStackError(
        'OPENSTACK_NETWORK',
        { service: req.service, method: req.method, url: shownUrl, attempts: attempt },
        reason,
        { cause: error },
      );
    }
    const ms = Math.round(performance.now() - started);
    req.logger.debug(
      {
        service: req.service,
        method: req.method,
        url: shownUrl,
        status: res.status,
        ms,
        requestId: requestIdOf(res),
        attempt,
      },
      'openstack request',
    );
    const location = REDIRECT_STATUSES.has(res.status) ? res.headers.get('location') : null;
    if (location !== null) {
      await res.body?.cancel();
      const target = new URL(location, url);
      if (target.origin !== new URL(url).origin || streaming || ++redirects > MAX_REDIRECTS) {
        throw new OpenStackError(
          'OPENSTACK_HTTP',
          { service: req.service, method: req.method, url: shownUrl, status: res.status, attempts: attempt },
          target.origin !== new URL(url).origin
            ? `refused to follow a redirect to ${target.origin} (the token would go with it)`
            : 'too many redirects, or a redirect of a streamed upload',
        );
      }
      url = target.toString();
      attempt--; // a redirect is not a failed attempt
      continue;
    }
    if (res.ok || (res.status >= 300 && res.status < 400)) return res;
    const retriable = RETRY_STATUSES.has(res.status) || (res.status === 409 && req.retryOnConflict === true);
    if (retriable && attempt < maxAttempts) {
      await res.body?.cancel();
      await pause(backoffMs(attempt, res.headers.get('retry-after')), req.signal);
      continue;
    }
    const text = await res.text().catch(() => '');
    throw new OpenStackError(res.status === 401 ? 'OPENSTACK_AUTH' : 'OPENSTACK_HTTP', {
      service: req.service,
      method: req.method,
      url: shownUrl,
      status: res.status,
      requestId: requestIdOf(res),
      serverMessage: extractServerMessage(text),
      attempts: attempt,
    });
  }
}

/** Why a request got no answer; fetch quotes the URL in some messages, so URLs in it are redacted. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return redactUrlsInText(
    cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error)),
  );
}

/**
 * Checks that a URL answers HTTP at all (any status); returns the status.
 * @throws OpenStackError `OPENSTACK_NETWORK` when it is unreachable or silent past `timeoutMs`.
 */
export async function probeEndpoint(url: string, timeoutMs: number, logger?: Logger): Promise<number> {
  try {
    const res = await transportSend({
      service: 'probe',
      method: 'GET',
      url,
      timeoutMs,
      maxAttempts: 1,
      logger: logger ?? silentLogger,
    });
    await res.body?.cancel();
    return res.status;
  } catch (error) {
    if (error instanceof OpenStackError && error.status !== undefined) return error.status;
    throw error;
  }
}
