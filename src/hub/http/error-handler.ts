// The hub's one error handler: every failure becomes a HubFailure, which each area's error shape writes.
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  preHandlerHookHandler,
} from 'fastify';
import { FedstackError, HTTP_STATUS_BY_CODE } from '../../errors.js';
import type { ErrorCode } from '../../errors.js';

/** What went wrong, before an area writes it in its own shape. */
export interface HubFailure {
  /** `refused`: a FedstackError; `client`: fastify refused the request (bad JSON, content type, URL). */
  readonly kind: 'refused' | 'not-found' | 'too-large' | 'client' | 'internal';
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
  /** The error raised on purpose, for `refused`. */
  readonly error?: FedstackError;
  /** The part of the request whose schema refused it, when validation did. */
  readonly part?: string;
  /** Fastify's own code of a `client` failure (`FST_ERR_BAD_URL`, `FST_ERR_CTP_INVALID_MEDIA_TYPE`, …). */
  readonly fastifyCode?: string;
}

/** Writes a failure as one area's error body, with the status to answer. */
export type ErrorShape = (failure: HubFailure, request: FastifyRequest) => { status: number; body: unknown };

/** The REST shape: `{error:{code,message}}` with the status of the code (docs/errors.md). */
export const REST_ERROR_SHAPE: ErrorShape = (failure) => ({
  status: failure.status,
  body: { error: { code: failure.code, message: failure.message } },
});

function isClientError(error: FastifyError): boolean {
  return typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500;
}

/**
 * Classifies anything a route, hook, body parser or validator threw. A FedstackError answers with
 * the status of its code (an AMS error's own status wins); fastify's own client errors become
 * HUB_REQUEST_INVALID with fastify's status; anything else is `internal`, with only the request id.
 */
export function toHubFailure(error: unknown, request: FastifyRequest): HubFailure {
  const part = (error as { validationContext?: string } | null)?.validationContext;
  if (error instanceof FedstackError) {
    const own = (error as { httpStatus?: unknown }).httpStatus;
    const status = typeof own === 'number' ? own : HTTP_STATUS_BY_CODE[error.code];
    return {
      kind: 'refused',
      status,
      code: error.code,
      message: error.message,
      error,
      ...(part ? { part } : {}),
    };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { kind: 'too-large', status: 413, code: 'HUB_REQUEST_INVALID', message: fastifyError.message };
  }
  if (fastifyError && isClientError(fastifyError)) {
    const message =
      fastifyError.code === 'FST_ERR_BAD_URL'
        ? 'the request path is not valid percent-encoding'
        : fastifyError.message;
    return {
      kind: 'client',
      status: fastifyError.statusCode!,
      code: 'HUB_REQUEST_INVALID',
      message,
      ...(typeof fastifyError.code === 'string' ? { fastifyCode: fastifyError.code } : {}),
    };
  }
  return {
    kind: 'internal',
    status: 500,
    code: 'HUB_INTERNAL',
    message: `internal error; request id ${String(request.id)}`,
  };
}

/** Answers `failure` in `shape`. */
export function sendFailure(reply: FastifyReply, shape: ErrorShape, failure: HubFailure): FastifyReply {
  const { status, body } = shape(failure, reply.request);
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/** The error handler of one area: classify, log what failed on the hub's side, answer in `shape`. */
export function hubErrorHandler(shape: ErrorShape) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const failure = toHubFailure(error, request);
    if (failure.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendFailure(reply, shape, failure);
  };
}

/**
 * Installs the error and not-found handlers of one area (its plugin context, or the root) in
 * `shape`. Every area uses this one handler; only the body shape differs (AMS's, the information
 * system's with `detail`, the REST one). `notFoundHook` runs before a 404 (AMS checks the token
 * first, as argo-messaging does).
 */
export function installErrorHandler(
  app: FastifyInstance,
  shape: ErrorShape = REST_ERROR_SHAPE,
  notFoundHook?: preHandlerHookHandler,
): void {
  app.setNotFoundHandler({ ...(notFoundHook ? { preHandler: notFoundHook } : {}) }, (request, reply) =>
    sendFailure(reply, shape, {
      kind: 'not-found',
      status: 404,
      code: 'HUB_NOT_FOUND',
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
    }),
  );
  app.setErrorHandler(hubErrorHandler(shape));
}
