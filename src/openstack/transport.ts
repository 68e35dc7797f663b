// The HTTP transport of the OpenStack client: the outbound HTTP layer with OpenStack's errors.
import { HttpError, httpRequest, isStreamBody, type HttpBody } from '../http/index.js';
import { silentLogger, type Logger } from '../log.js';
import { OpenStackError } from './openstack-error.js';
import { redactUrl } from './keystone-url.js';

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
  /** A PEM bundle file or a directory of hashed CA files to check the service's certificate against. */
  caPath?: string;
}

function encodeBody(body: unknown, headers: Record<string, string>): HttpBody | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array || isStreamBody(body)) return body as HttpBody;
  headers['Content-Type'] ??= 'application/json';
  return JSON.stringify(body);
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

function requestIdOf(headers: Headers | undefined): string | undefined {
  return headers?.get('x-openstack-request-id') ?? headers?.get('x-compute-request-id') ?? undefined;
}

/** One outbound layer for every OpenStack call; only the error vocabulary is OpenStack's own. */
function toOpenStackError(req: TransportRequest, error: HttpError): OpenStackError {
  const details = {
    service: req.service,
    method: error.method,
    url: redactUrl(error.url),
    attempts: error.attempts,
  };
  if (error.kind === 'status') {
    return new OpenStackError(error.status === 401 ? 'OPENSTACK_AUTH' : 'OPENSTACK_HTTP', {
      ...details,
      status: error.status,
      requestId: requestIdOf(error.headers),
      serverMessage: extractServerMessage(error.bodyText ?? ''),
    });
  }
  if (error.kind === 'redirect')
    return new OpenStackError('OPENSTACK_HTTP', { ...details, status: error.status }, error.summary);
  return new OpenStackError('OPENSTACK_NETWORK', details, error.summary, { cause: error.cause });
}

/**
 * Sends one request through the outbound HTTP layer (see `httpRequest`): transient failures
 * (connection errors, 429, 502–504, and 409 when allowed) of idempotent requests are retried with
 * capped full-jitter backoff, honouring `Retry-After`; an abort of `signal` ends any wait at once
 * (rejecting with its reason). Resolves with a 2xx/3xx response whose body is unread.
 * @throws OpenStackError `OPENSTACK_HTTP` for error statuses (`OPENSTACK_AUTH` for 401),
 *   `OPENSTACK_NETWORK` when unreachable or silent past the attempt's time limit.
 */
export async function transportSend(req: TransportRequest): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...req.headers };
  const body = encodeBody(req.body, headers);
  try {
    return await httpRequest(
      {
        method: req.method,
        url: req.url,
        headers,
        body,
        timeoutMs: req.timeoutMs,
        signal: req.signal,
        isRetrySafe: req.idempotent,
        isConflictTransient: req.retryOnConflict,
        maxAttempts: req.maxAttempts,
      },
      {
        logger: req.logger,
        logName: `openstack ${req.service}`,
        ...(req.caPath ? { caPath: req.caPath } : {}),
      },
    );
  } catch (error) {
    throw error instanceof HttpError ? toOpenStackError(req, error) : error;
  }
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
