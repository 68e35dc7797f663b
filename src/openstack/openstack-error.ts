// OpenStackError: what an OpenStack API call failed with, secret-free.
import { FedstackError, type ErrorCode } from '../errors.js';

/** Who is at fault for a failed call: the caller's request, or the service. */
export type Fault = 'client' | 'server';

/** The details of a failed OpenStack call. */
export interface OpenStackErrorDetails {
  /** Service type, e.g. `compute`, `identity`. */
  service: string;
  method: string;
  /** The URL without query string values that could carry secrets. */
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
    const status = details.status === undefined ? '' : ` ${details.status}`;
    const reason = summary ?? details.serverMessage ?? '';
    const req = details.requestId ? ` [request ${details.requestId}]` : '';
    super(
      code,
      `${details.service}: ${details.method} ${details.url}${status}${reason ? ': ' + reason : ''}${req}`,
      options,
    );
    this.service = details.service;
    this.method = details.method;
    this.url = details.url;
    this.status = details.status;
    this.requestId = details.requestId;
    this.serverMessage = details.serverMessage;
    this.attempts = details.attempts;
    this.fault = details.status !== undefined && details.status < 500 ? 'client' : 'server';
  }
}

/** True when `error` is an OpenStackError with the given HTTP status. */
export function isOpenStackStatus(error: unknown, status: number): error is OpenStackError {
  return error instanceof OpenStackError && error.status === status;
}
