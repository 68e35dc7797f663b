// Shared plumbing of the AMS routes: JSON body reading with AMS errors, role checks, caller lookup.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { HubAuth } from '../auth/hub-auth.js';
import type { HubCaller, HubRole } from '../auth/hub-token.js';
import { FedstackError } from '../../errors.js';
import { AmsError, AMS_ERRORS } from '../messaging/ams-error.js';
import type { MessagingService } from '../messaging/messaging-service.js';
import { parseRequest } from './parse-request.js';
import { requestToken } from './request-token.js';

/** Options of the AMS plugin. */
export interface AmsPluginOptions {
  readonly messaging: MessagingService;
  readonly auth: HubAuth;
  /** Largest request body accepted, in bytes (several 1 MiB messages fit); default 32 MiB. */
  readonly bodyLimitBytes?: number;
}

const callers = new WeakMap<FastifyRequest, HubCaller>();

/** The authenticated caller of a request that passed {@link installAmsPlumbing}'s hook. */
export function callerOf(request: FastifyRequest): HubCaller {
  const caller = callers.get(request);
  if (!caller) throw AMS_ERRORS.unauthorized();
  return caller;
}

/** Throws AMS 403 unless the caller has one of `roles`. */
export function requireRole(request: FastifyRequest, ...roles: HubRole[]): HubCaller {
  const caller = callerOf(request);
  if (!roles.includes(caller.role)) throw AMS_ERRORS.forbidden();
  return caller;
}

/**
 * Parses a raw request body as JSON. An empty body counts as `{}`.
 * @throws AmsError 400 "Invalid Request Body" for bad JSON.
 */
export function readJson(body: unknown): unknown {
  if (typeof body !== 'string' || body.trim() === '') return {};
  try {
    return JSON.parse(body);
  } catch {
    throw AMS_ERRORS.invalidBody();
  }
}

/**
 * Parses a raw request body as JSON and checks it with `schema`. An empty body counts as `{}`.
 * @throws AmsError 400 "Invalid Request Body" for bad JSON, `onInvalid()` when the shape is wrong.
 */
export function readBody<S extends z.ZodType>(
  body: unknown,
  schema: S,
  onInvalid: () => AmsError,
): z.infer<S> {
  const value = readJson(body);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw onInvalid();
  return parsed.data;
}

/** The query of an AMS route that takes none (besides `key`). */
export const NO_QUERY = z.object({});
/** The query of an AMS list route: AMS's paging parameters, accepted (one page holds everything). */
export const LIST_QUERY = z.object({
  pageToken: z.string().optional(),
  pageSize: z
    .string()
    .regex(/^\d{1,9}$/, 'expected a whole number')
    .optional(),
});

/**
 * Reads a request's query string strictly against `schema` ({@link parseRequest}): a parameter the
 * route does not know, or one given twice, is refused by name. `key` (the token) is always allowed.
 * @throws AmsError 400 INVALID_ARGUMENT naming the parameter.
 */
export function readQuery<S extends z.ZodObject>(request: FastifyRequest, schema: S): z.infer<S> {
  try {
    return parseRequest(schema, request.query, 'query');
  } catch (error) {
    if (error instanceof FedstackError) throw AMS_ERRORS.invalidData(error.message);
    throw error;
  }
}

/**
 * Installs, in the AMS plugin's own context: a raw-text body parser for every content type (AMS
 * clients do not all send `application/json`), the token check, and the AMS error shape.
 */
export function installAmsPlumbing(app: FastifyInstance, options: AmsPluginOptions): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'string', bodyLimit: options.bodyLimitBytes ?? 32 * 1024 * 1024 },
    (_request, body, done) => done(null, body),
  );
  app.addHook('onRequest', async (request) => {
    const caller = await options.auth.authenticate(requestToken(request));
    if (!caller) throw AMS_ERRORS.unauthorized();
    callers.set(request, caller);
  });
  app.setNotFoundHandler((_request, reply) => sendAms(reply, AMS_ERRORS.noRoute()));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AmsError) return sendAms(reply, error);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendAms(reply, AMS_ERRORS.tooLarge());
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return sendAms(reply, AMS_ERRORS.invalidBody());
    }
    request.log.error({ err: error }, 'AMS request failed');
    return sendAms(reply, AMS_ERRORS.internal());
  });
}

function sendAms(reply: FastifyReply, error: AmsError): FastifyReply {
  return reply.code(error.httpStatus).type('application/json; charset=utf-8').send(error.toBody());
}
