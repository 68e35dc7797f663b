// HttpError: what an outbound HTTP call failed with, secret-free.
import { FedstackError } from '../errors.js';
import { redactUrl, redactUrlsInText } from '../redact-url.js';
import type { HttpErrorClass } from './retry-strategy.js';

/** Who is at fault for a failed call: the caller's request, or the remote side (or the path to it). */
export type HttpFault = 'client' | 'server';

/**
 * How the call failed: an error `status`; no answer (`network`); no answer in time (`timeout`);
 * a `redirect` the client would not follow; or a URL it would not send (`refused`).
 */
export type HttpFailureKind = 'status' | 'network' | 'timeout' | 'redirect' | 'refused';

/** The details of a failed call. */
export interface HttpErrorDetails {
  readonly kind: HttpFailureKind;
  readonly method: string;
  /** The URL; redacted again by the error, so a raw one never reaches its message. */
  readonly url: string;
  /** HTTP status, absent when no response arrived. */
  readonly status?: number;
  /** Attempts made, retries included. */
  readonly attempts: number;
  /** The class the retry strategy gave the last failure. */
  readonly errorClass?: HttpErrorClass;
  /** The start of the error body (at most 64 KiB), for callers that read the remote's own message. */
  readonly bodyText?: string;
  /** Headers of the error response. */
  readonly headers?: Headers;
}

/** `client` for a 4xx status or a refused request, otherwise `server`. */
export function faultOf(status: number | undefined, kind?: HttpFailureKind): HttpFault {
  if (kind === 'refused') return 'client';
  return status !== undefined && status < 500 ? 'client' : 'server';
}

/**
 * A failed outbound HTTP call (code `HTTP_REQUEST_FAILED`): method, URL without secrets, status,
 * attempts and fault. Its message never holds a token: URLs are redacted and headers left out.
 */
export class HttpError extends FedstackError {
  readonly kind: HttpFailureKind;
  readonly method: string;
  readonly url: string;
  readonly status: number | undefined;
  readonly attempts: number;
  readonly fault: HttpFault;
  readonly errorClass: HttpErrorClass | undefined;
  readonly bodyText: string | undefined;
  readonly headers: Headers | undefined;
  /** Why, in a few words (`no answer within 300 ms`, `unreachable (ECONNREFUSED)`), without the URL. */
  readonly summary: string;

  constructor(details: HttpErrorDetails, summary: string, options?: { cause?: unknown }) {
    const url = redactUrl(details.url);
    const reason = redactUrlsInText(summary);
    const status = details.status === undefined ? '' : ` ${details.status}`;
    super('HTTP_REQUEST_FAILED', `${details.method} ${url}${status}: ${reason}`, options);
    this.kind = details.kind;
    this.method = details.method;
    this.url = url;
    this.status = details.status;
    this.attempts = details.attempts;
    this.fault = faultOf(details.status, details.kind);
    this.errorClass = details.errorClass;
    this.bodyText = details.bodyText;
    this.headers = details.headers;
    this.summary = reason;
  }
}
