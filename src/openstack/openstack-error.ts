// OpenStackError: what an OpenStack API call failed with, secret-free.
import { FedstackError, type ErrorCode } from '../errors.js';
import { redactUrl, redactUrlsInText } from '../redact-url.js';

/** Who is at fault for a failed call: the caller's request, or the service. */
export type Fault = 'client' | 'server';

/** The details of a failed OpenStack call. */
export interface OpenStackErrorDetails {
  /** Service type, e.g. `compute`, `identity`. */
  service: string;
  method: string;
  /** The URL without credentials or query string values that could carry secrets (redacted again here). */
  url: string;
  /** HTTP status, absent when no response arrived. */
  status?: number;
  /** The `x-openstack-request-id` (or `x-compute-request-id`) of the response. */
  requestId?: string;
  /** The message the service put in its error body. */
  serverMessage?: string;
  /** Number of attempts made, retries included. */
  attempts: number;
}

/**
 * A failed OpenStack API call: carries service, method, URL (no secrets),
 * status, request id and the service's own message.
 */
export class OpenStackError extends FedstackError implements OpenStackErrorDetails {
  readonly service: string;
  readonly method: string;
  readonly url: string;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly serverMessage: string | undefined;
  readonly attempts: number;
  readonly fault: Fault;

  constructor(
    code: ErrorCode,
    details: OpenStackErrorDetails,
    summary?: string,
    options?: { cause?: unknown },
  ) {
    // callers pass redacted URLs; redacting again here keeps any other path from printing a password
    const url = redactUrl(details.url);
    const serverMessage =
      details.serverMessage === undefined ? undefined : redactUrlsInText(details.serverMessage);
    const status = details.status === undefined ? '' : ` ${details.status}`;
    const reason = summary === undefined ? (serverMessage ?? '') : redactUrlsInText(summary);
    const req = details.requestId ? ` [request ${details.requestId}]` : '';
    super(
      code,
      `${details.service}: ${details.method} ${url}${status}${reason ? ': ' + reason : ''}${req}`,
      options,
    );
    this.service = details.service;
    this.method = details.method;
    this.url = url;
    this.status = details.status;
    this.requestId = details.requestId;
    this.serverMessage = serverMessage;
    this.attempts = details.attempts;
    this.fault = details.status !== undefined && details.status < 500 ? 'client' : 'server';
  }
}

/** True when `error` is an OpenStackError with the given HTTP status. */
export function isOpenStackStatus(error: unknown, status: number): error is OpenStackError {
  return error instanceof OpenStackError && error.status === status;
}
