// The hub's REST error shape: a FedstackError becomes `{error:{code,message}}`; anything else a bare 500.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FedstackError } from '../../errors.js';
import type { ErrorCode } from '../../errors.js';

/** HTTP status of each error code the hub's REST routes raise; other codes answer 500. */
export const HUB_STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  HUB_REQUEST_INVALID: 400,
  HUB_UNAUTHENTICATED: 401,
  HUB_FORBIDDEN: 403,
  HUB_NOT_FOUND: 404,
  STORE_ERROR: 503,
};

/** Sends a FedstackError as `{error:{code,message}}` with the status of its code. */
export function sendFedstackError(reply: FastifyReply, error: FedstackError): FastifyReply {
  return reply
    .code(HUB_STATUS_BY_CODE[error.code] ?? 500)
    .send({ error: { code: error.code, message: error.message } });
}

/**
 * Installs the root error and not-found handlers (plugins such as AMS keep their own shape).
 * Fastify's own client errors (bad JSON, wrong content type, body too large) become
 * HUB_REQUEST_INVALID; anything unexpected is logged with its stack and answered with only the
 * request id.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    sendFedstackError(
      reply,
      new FedstackError('HUB_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof FedstackError) return sendFedstackError(reply, error);
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return sendFedstackError(reply, new FedstackError('HUB_REQUEST_INVALID', error.message));
    }
    request.log.error({ err: error }, 'request failed');
    return reply
      .code(500)
      .send({ error: { code: 'HUB_INTERNAL', message: `internal error; request id ${String(request.id)}` } });
  });
}
