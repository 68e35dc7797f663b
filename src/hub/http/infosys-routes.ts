// What the information system's route files share: tags, cached answers, read routes at every path, write options.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { CachedResponse, InfosysIndex, InfosysService } from '../infosys/index.js';
import { INFOSYS_ERROR_RESPONSES, NOT_MODIFIED_RESPONSE, SITE_PARAMS } from './infosys-schemas.js';
import type { Frozen } from './infosys-schemas.js';
import { requestCacheKey } from './parse-request.js';
import { ANY_ROLE } from './route-auth.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** The OpenAPI tags of every information-system route. */
export const INFOSYS_TAGS = ['information system'];

/** Options of the writes to one site (the service checks that the caller may write that site). */
export const SITE_WRITE = {
  config: { roles: ANY_ROLE },
  schema: { tags: INFOSYS_TAGS, params: SITE_PARAMS },
};

/** Options of a public information-system route with `schema` (summary, params, query). */
export function publicRoute<S extends object>(schema: S) {
  return { config: { roles: 'public' as const }, schema: { tags: INFOSYS_TAGS, ...schema } };
}

/** Sends a cached answer: 304 when the client has it, gzip when the client accepts it. */
export function sendCached(
  request: FastifyRequest,
  reply: FastifyReply,
  cached: CachedResponse,
  type = JSON_TYPE,
) {
  reply.type(type).header('etag', cached.etag).header('vary', 'accept-encoding');
  if (request.headers['if-none-match'] === cached.etag) return reply.code(304).send();
  const accepts = request.headers['accept-encoding'];
  if (cached.gzip && typeof accepts === 'string' && /\bgzip\b/.test(accepts)) {
    return reply.header('content-encoding', 'gzip').send(cached.gzip);
  }
  return reply.send(cached.body);
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

/** A read route's schemas: its path parameters (if any), its query and its JSON answer. */
interface ReadSchemas<P extends z.ZodObject | undefined, Q extends z.ZodObject, R extends z.ZodType> {
  readonly summary: string;
  readonly params?: P;
  readonly querystring: Q;
  readonly response: R;
}

/** A public read answered as JSON from the current index's cache; made by {@link infosysRead}. */
export interface InfosysRead {
  /** Path below `/v1`, e.g. `/site/:name`. */
  readonly path: string;
  readonly summary: string;
  readonly params?: z.ZodObject;
  readonly querystring: z.ZodObject;
  /** The JSON answer's schema (the answer itself is the index's cached text). */
  readonly response: z.ZodType;
  /** The cached answer to the parsed path parameters and query. */
  readonly read: (
    index: InfosysIndex,
    params: Record<string, unknown>,
    query: Record<string, unknown>,
  ) => CachedResponse;
}

/**
 * A read route at `path`. Its cache key is {@link requestCacheKey} of `cacheName` and the parsed path
 * parameters and query (queries are checked strictly by the route schemas), so no raw input can
 * alias another query's cached answer; `answer` computes the JSON answer on a cache miss, of the
 * `response` schema's type (the handler sends the cached text, so this is where it is checked).
 */
export function infosysRead<P extends z.ZodObject | undefined, Q extends z.ZodObject, R extends z.ZodType>(
  path: string,
  cacheName: string,
  schemas: ReadSchemas<P, Q, R>,
  answer: (index: InfosysIndex, params: Parsed<P>, query: z.output<Q>) => Frozen<z.output<R>>,
): InfosysRead {
  return {
    path,
    ...schemas,
    read: (index, params, query) =>
      index.json(requestCacheKey(cacheName, { ...params, ...query }), () =>
        answer(index, params as Parsed<P>, query as z.output<Q>),
      ),
  };
}

/**
 * Registers each read as a public GET route at `/v1<path>` and at the unversioned paths (with and
 * without `/`) cloud-info-api clients call today, answered from the current index.
 */
export function registerReads(
  app: FastifyInstance,
  infosys: InfosysService,
  reads: readonly InfosysRead[],
): void {
  const isSlashLenient =
    app.initialConfig.ignoreTrailingSlash === true ||
    app.initialConfig.routerOptions?.ignoreTrailingSlash === true;
  for (const { path, summary, params, querystring, response, read } of reads) {
    const urls = isSlashLenient ? [`/v1${path}`, path] : [`/v1${path}`, `/v1${path}/`, path, `${path}/`];
    for (const url of urls) {
      const isAlias = !url.startsWith('/v1');
      app.withTypeProvider<ZodTypeProvider>().get(
        url,
        publicRoute({
          summary: isAlias ? `${summary} (cloud-info-api path; same as /v1${path})` : summary,
          ...(params ? { params } : {}),
          querystring,
          response: { 200: response, 304: NOT_MODIFIED_RESPONSE, ...INFOSYS_ERROR_RESPONSES },
        }),
        async (request, reply) =>
          sendCached(
            request,
            reply,
            read(
              infosys.current(),
              request.params as Record<string, unknown>,
              request.query as Record<string, unknown>,
            ),
          ),
      );
    }
  }
}
