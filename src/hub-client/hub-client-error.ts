// HubClientError: what a call of the hub client failed with, naming the hub, the status and the hub's own error.
import { ERROR_CODES, FedstackError, type ErrorCode } from '../errors.js';
import { faultOf, type HttpError, type HttpFailureKind, type HttpFault } from '../http/index.js';
import { redactUrl, redactUrlsInText } from '../redact-url.js';

/** Which error body a route answers with: the REST `{error:{code,message}}`, or AMS's `{error:{code,message,status}}`. */
export type HubArea = 'rest' | 'ams';

/** How a call failed: as the HTTP layer says (`status`, `network`, `timeout`, …), or an unreadable answer (`response`). */
export type HubFailureKind = HttpFailureKind | 'response';

/** The details of a failed call. */
export interface HubClientErrorDetails {
  readonly kind: HubFailureKind;
  readonly area: HubArea;
  /** The hub's base URL, without credentials. */
  readonly hubUrl: string;
  readonly method: string;
  /** Path and query of the call (secret query values redacted). */
  readonly path: string;
  readonly status?: number;
  /** The hub's error code (`HUB_FORBIDDEN`), or AMS's status word (`NOT_FOUND`) on the AMS routes. */
  readonly hubCode?: string;
  /** The hub's own error message. */
  readonly hubMessage?: string;
  /** The start of the answer's body, when it had no error body the client could read. */
  readonly bodyText?: string;
  readonly attempts: number;
  /** Why, in a few words, without the URL. */
  readonly summary: string;
}

/**
 * A failed call of the hub client. Its code is the hub's own error code when the hub answered
 * with one Fedstack knows (`HUB_FORBIDDEN`, `GLUE_INVALID`, …), `AMS_ERROR` for an error status
 * or an unreadable answer of the AMS routes, and `HTTP_REQUEST_FAILED` otherwise (no answer, no
 * answer in time, an error status without a hub error body). The message names the hub URL, the
 * call, the status and the hub's code and message; never the token.
 */
export class HubClientError extends FedstackError {
  readonly kind: HubFailureKind;
  readonly area: HubArea;
  readonly hubUrl: string;
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly hubCode: string | undefined;
  readonly hubMessage: string | undefined;
  readonly bodyText: string | undefined;
  readonly attempts: number;
  readonly fault: HttpFault;
  readonly summary: string;

  constructor(details: HubClientErrorDetails, options?: { cause?: unknown }) {
    const hubUrl = redactUrl(details.hubUrl);
    const path = redactUrl(details.path);
    super(codeOf(details), `hub ${hubUrl}: ${details.method} ${path} ${details.summary}`, options);
    this.kind = details.kind;
    this.area = details.area;
    this.hubUrl = hubUrl;
    this.method = details.method;
    this.path = path;
    this.status = details.status;
    this.hubCode = details.hubCode;
    this.hubMessage = details.hubMessage;
    this.bodyText = details.bodyText;
    this.attempts = details.attempts;
    this.fault =
      details.kind === 'response' ? 'server' : faultOf(details.status, details.kind as HttpFailureKind);
    this.summary = details.summary;
  }
}

function codeOf(details: HubClientErrorDetails): ErrorCode {
  const answered = details.kind === 'status' || details.kind === 'response';
  if (details.area === 'ams') return answered ? 'AMS_ERROR' : 'HTTP_REQUEST_FAILED';
  const code = details.hubCode;
  return code !== undefined && Object.hasOwn(ERROR_CODES, code) ? (code as ErrorCode) : 'HTTP_REQUEST_FAILED';
}

/** Replaces every occurrence of `secret` in `text` (a remote that echoes the token must not put it in an error). */
export function withoutSecret(text: string, secret: string | undefined): string {
  const clean = redactUrlsInText(text);
  return secret ? clean.split(secret).join('[redacted]') : clean;
}

/** The hub's code and message in an error body of `area`, or undefined when the body is not one. */
function readErrorBody(
  area: HubArea,
  text: string | undefined,
): { code: string | undefined; message: string } | undefined {
  if (!text) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  const error = (body as { error?: unknown } | null)?.error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, status } = error as { code?: unknown; message?: unknown; status?: unknown };
  if (typeof message !== 'string') return undefined;
  const word = area === 'ams' ? status : code;
  return { code: typeof word === 'string' && word !== '' ? word : undefined, message };
}

/** Where a call went, for its errors. */
export interface HubCallSite {
  readonly area: HubArea;
  readonly hubUrl: string;
  readonly method: string;
  readonly path: string;
  /** Scrubbed from every text the error carries. */
  readonly token: string | undefined;
}

/** The {@link HubClientError} of a failed HTTP call: the hub's error body read, secrets kept out. */
export function hubErrorOf(site: HubCallSite, error: HttpError): HubClientError {
  const bodyText = error.bodyText === undefined ? undefined : withoutSecret(error.bodyText, site.token);
  const hub = error.kind === 'status' ? readErrorBody(site.area, bodyText) : undefined;
  let summary = withoutSecret(error.summary, site.token);
  if (hub) summary = `answered ${error.status}${hub.code ? ` ${hub.code}` : ''}: ${hub.message}`;
  return new HubClientError(
    {
      kind: error.kind,
      area: site.area,
      hubUrl: site.hubUrl,
      method: site.method,
      path: site.path,
      status: error.status,
      hubCode: hub?.code,
      hubMessage: hub?.message,
      bodyText: hub ? undefined : bodyText?.slice(0, 1000),
      attempts: error.attempts,
      summary,
    },
    // the HTTP error keeps the raw body: left out in the rare case it echoes the token
    site.token && error.bodyText?.includes(site.token) ? undefined : { cause: error },
  );
}
