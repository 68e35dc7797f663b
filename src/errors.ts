/**
 * The one error hierarchy of Fedstack: every failure we raise on purpose is a
 * `FedstackError` with a stable `code` from {@link ERROR_CODES}. Each code is
 * documented in docs/errors.md; a unit test keeps the two in step. Codes are
 * never reused.
 * @module
 */

/** Every error code Fedstack raises, with a one-line meaning. */
export const ERROR_CODES = {
  CONFIG_INVALID: 'a configuration file is missing, unreadable or fails validation',
  CONFIG_SECRET_MISSING: 'a credential given by reference (environment variable or file) cannot be read',
  OPENSTACK_HTTP: 'an OpenStack API answered with an error status',
  OPENSTACK_NETWORK: 'an OpenStack API could not be reached (refused, reset, DNS)',
  OPENSTACK_AUTH: 'Keystone refused the credentials or the scope',
  OPENSTACK_NO_ENDPOINT:
    'the service catalog has no endpoint for the requested service, interface and region',
  OPENSTACK_BAD_RESPONSE: 'an OpenStack API answered with a body that does not have the expected shape',
  OPENSTACK_WAIT_TIMEOUT: 'a resource did not reach the wanted status in time',
  OIDC_TOKEN: 'an OIDC provider refused to issue an access token (discovery or refresh failed)',
  TIMEOUT: 'an operation did not finish within its time limit',
  HTTP_REQUEST_FAILED: 'an outbound HTTP request got an error status, no answer or no answer in time',
  APEL_MESSAGE_INVALID: 'an APEL message cannot be read at all (header, JSON or XML structure)',
  APEL_FIELD_INVALID: 'a record of an APEL message has a missing, malformed or unknown field',
  IMAGE_LIST_INVALID:
    'a HEPiX image list cannot be read or written at all (JSON structure or a list-level field)',
  IMAGE_INVALID: 'an image of a HEPiX image list has a missing or malformed field',
  SMIME_INVALID:
    'an S/MIME document cannot be read (MIME structure, CMS encoding, certificates) or its signature is refused',
  APEL_RECORD_TOO_LARGE: 'one APEL record alone serialises to more bytes than the message size limit',
  GOCDB_XML_INVALID:
    'a GOCDB programmatic-interface XML document cannot be read, or one of its records has a missing or malformed field',
  REGISTRY_INVALID:
    'a registry change is refused: unknown service type, a downtime ending before it starts, an endpoint of another site',
  IMAGE_VERIFY_FAILED:
    'a downloaded image file does not have the size or checksum its image list declares; it was discarded',
  IMAGE_CACHE_IO: 'the image cache directory cannot be written or read, or has too little free space',
  IMAGE_CONVERT_FAILED:
    'an image file cannot be converted (qemu-img failed, or the file is not a self-contained disk image)',
  OUTBOX_IO: 'the outbox directory cannot be written or read',
  STATE_IO: 'the watermark state cannot be written or read',
  AMS_ERROR: 'an AMS (messaging) endpoint refused a request',
  STORE_ERROR: 'the database refused an operation or is at an unexpected schema version',
  GLUE_INVALID: 'a GLUE 2.1 document does not validate',
  DISCOVERY_PUBLISH_FAILED: 'the hub refused a discovery document or run report, or did not answer',
  HUB_UNAUTHENTICATED: 'a hub request carries no token, or a token the hub does not know',
  HUB_FORBIDDEN: "the token's role does not allow this hub operation",
  HUB_REQUEST_INVALID: 'a hub request has a malformed path, query or body',
  HUB_NOT_FOUND: 'the hub has no such resource',
  HUB_SITE_MISMATCH: "an accounting record names a site other than the publishing token's site",
  HUB_RECORD_CONFLICT: 'an accounting record reuses the key of a record another site published',
  HUB_INGEST_FAILED:
    'an accounting message passed validation but could not be stored; ingest set it aside and went on',
  HUB_INTERNAL: 'the hub failed on a request in an unexpected way (details only in its log)',
  HUB_IMAGE_LIST_UNSIGNED:
    'the hub has no image list signing certificate and key configured, so it cannot serve signed lists',
  CLIENT_NO_TOKEN:
    'no OIDC access token: none given (--token, FEDSTACK_OIDC_ACCESS_TOKEN), no oidc-agent account, no fedstack login',
  CLIENT_VO_NOT_ALLOWED:
    "the token does not hold the VO's cloud entitlement (vm_operator), so it may not launch VMs",
  CLIENT_NO_SITE: 'no site of the information system (or of the client config) fits the request',
  PORTAL_SIGN_IN:
    'the portal has no sign-in configured, the sign-in at the OIDC provider failed, or the session has ended',
} as const;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The HTTP status the hub answers with for each code. Every code has one, so a new code does not
 * compile without it; codes the hub never raises on a request (site-side failures) answer 500.
 * AMS errors (`AMS_ERROR`) carry their own AMS status, which wins over this one.
 */
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  CONFIG_INVALID: 500,
  CONFIG_SECRET_MISSING: 500,
  OPENSTACK_HTTP: 500,
  OPENSTACK_NETWORK: 500,
  OPENSTACK_AUTH: 500,
  OPENSTACK_NO_ENDPOINT: 500,
  OPENSTACK_BAD_RESPONSE: 500,
  OPENSTACK_WAIT_TIMEOUT: 500,
  OIDC_TOKEN: 500,
  TIMEOUT: 500,
  HTTP_REQUEST_FAILED: 500,
  APEL_MESSAGE_INVALID: 400,
  APEL_FIELD_INVALID: 400,
  IMAGE_LIST_INVALID: 400,
  IMAGE_INVALID: 400,
  SMIME_INVALID: 400,
  APEL_RECORD_TOO_LARGE: 400,
  GOCDB_XML_INVALID: 400,
  REGISTRY_INVALID: 400,
  IMAGE_VERIFY_FAILED: 500,
  IMAGE_CACHE_IO: 500,
  IMAGE_CONVERT_FAILED: 500,
  OUTBOX_IO: 500,
  STATE_IO: 500,
  AMS_ERROR: 500,
  STORE_ERROR: 503,
  GLUE_INVALID: 400,
  DISCOVERY_PUBLISH_FAILED: 500,
  HUB_UNAUTHENTICATED: 401,
  HUB_FORBIDDEN: 403,
  HUB_REQUEST_INVALID: 400,
  HUB_NOT_FOUND: 404,
  HUB_SITE_MISMATCH: 403,
  HUB_RECORD_CONFLICT: 409,
  HUB_INGEST_FAILED: 500,
  HUB_INTERNAL: 500,
  HUB_IMAGE_LIST_UNSIGNED: 503,
  CLIENT_NO_TOKEN: 401,
  CLIENT_VO_NOT_ALLOWED: 403,
  CLIENT_NO_SITE: 404,
  PORTAL_SIGN_IN: 401,
};

/** Base class of all deliberate Fedstack errors. */
export class FedstackError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration file or value failed validation; names file and key path. */
export class ConfigError extends FedstackError {
  readonly file: string | undefined;
  readonly path: string | undefined;

  constructor(
    message: string,
    where: { file?: string; path?: string; code?: ErrorCode } = {},
    options?: { cause?: unknown },
  ) {
    const place = [where.file, where.path].filter(Boolean).join(': ');
    super(where.code ?? 'CONFIG_INVALID', place ? `${place}: ${message}` : message, options);
    this.file = where.file;
    this.path = where.path;
  }
}

/** A record or message of a wire format is malformed; names record index and field. */
export class FormatError extends FedstackError {
  readonly file: string | undefined;
  readonly recordIndex: number | undefined;
  readonly field: string | undefined;
  readonly expected: string;
  readonly found: string | undefined;

  constructor(
    code: ErrorCode,
    where: { file?: string; recordIndex?: number; field?: string },
    expected: string,
    found?: string,
  ) {
    const place = [
      where.file,
      where.recordIndex === undefined ? undefined : `record ${where.recordIndex}`,
      where.field === undefined ? undefined : `field ${where.field}`,
    ]
      .filter(Boolean)
      .join(', ');
    const got = found === undefined ? '' : ` (found ${found})`;
    super(code, `${place ? place + ': ' : ''}expected ${expected}${got}`);
    this.file = where.file;
    this.recordIndex = where.recordIndex;
    this.field = where.field;
    this.expected = expected;
    this.found = found;
  }
}

/** An operation ran out of time. */
export class TimeoutError extends FedstackError {
  readonly timeoutMs: number;

  constructor(what: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('TIMEOUT', `${what} did not finish within ${timeoutMs} ms`, options);
    this.timeoutMs = timeoutMs;
  }
}

/** The database refused an operation. */
export class StoreError extends FedstackError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_ERROR', message, options);
  }
}

/** Short, secret-free description of any thrown value, for one-line reports. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
