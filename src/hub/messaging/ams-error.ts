// AMS-shaped errors of the hub's messaging API: `{"error":{"code","message","status"}}`.
import { FedstackError } from '../../errors.js';

/** An AMS API failure with the HTTP status and the AMS status word the client sees. */
export class AmsError extends FedstackError {
  readonly httpStatus: number;
  readonly status: string;

  constructor(httpStatus: number, status: string, message: string) {
    super('AMS_ERROR', message);
    this.httpStatus = httpStatus;
    this.status = status;
  }

  /** The response body, as ARGO AMS writes it. */
  toBody(): { error: { code: number; message: string; status: string } } {
    return { error: { code: this.httpStatus, message: this.message, status: this.status } };
  }
}

/** The AMS errors the hub raises, with AMS's own wording (argo-messaging handlers/errors.go). */
export const AMS_ERRORS = {
  /** 400: the request body is not JSON of the expected shape. */
  invalidBody: () => new AmsError(400, 'BAD_REQUEST', 'Invalid Request Body'),
  /** 400: a name in the path is not `[A-Za-z0-9_-]+`. */
  invalidName: (what: string) => new AmsError(400, 'INVALID_ARGUMENT', `Invalid ${what} name`),
  /** 400: arguments of `resource` are invalid. */
  invalidArguments: (resource: string) =>
    new AmsError(400, 'INVALID_ARGUMENT', `Invalid ${resource} Arguments`),
  /** 400: free-text invalid data. */
  invalidData: (message: string) => new AmsError(400, 'INVALID_ARGUMENT', message),
  /** 401: no token or an unknown token. */
  unauthorized: () => new AmsError(401, 'UNAUTHORIZED', 'Unauthorized'),
  /** 403: the token's role may not do this. */
  forbidden: () => new AmsError(403, 'FORBIDDEN', 'Access to this resource is forbidden'),
  /** 404: `what` does not exist. */
  notFound: (what: string) => new AmsError(404, 'NOT_FOUND', `${what} doesn't exist`),
  /** 404: no such operation (unknown `:action`). */
  noRoute: () => new AmsError(404, 'NOT_FOUND', 'API call not found'),
  /** 408: acknowledged after the ack deadline. */
  ackTimeout: () => new AmsError(408, 'TIMEOUT', 'ack timeout'),
  /** 409: `what` already exists. */
  alreadyExists: (what: string) => new AmsError(409, 'ALREADY_EXISTS', `${what} already exists`),
  /** 409: generic conflict. */
  conflict: (message: string) => new AmsError(409, 'CONFLICT', message),
  /** 413: a message's data exceeds the size limit. */
  tooLarge: () => new AmsError(413, 'INVALID_ARGUMENT', 'Message size is too large'),
  /** 500: anything unexpected (details only in the log). */
  internal: () => new AmsError(500, 'INTERNAL_SERVER_ERROR', 'Internal error while querying datastore'),
} as const;
