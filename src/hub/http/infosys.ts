// The information-system API as one fastify plugin: cloud-info-api's read routes, flavors, health, publishing.
import type {
  FastifyError,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import { FedstackError, type ErrorCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import { readGlueDocument, renderLdif } from '../../formats/glue/index.js';
import type { HubAuth } from '../auth/hub-auth.js';
import type { HubCaller } from '../auth/hub-token.js';
import type { CachedResponse, InfosysIndex } from '../infosys/index.js';
import { InfosysService } from '../infosys/index.js';
import type { HubStore } from '../store/hub-store.js';
import {
  FLAVORS_QUERY,
  GLUE_QUERY,
  IMAGES_QUERY,
  NO_QUERY,
  REPORT_BODY,
  SITES_QUERY,
  SITE_QUERY,
} from './infosys-schemas.js';
import { parseRequest, requestCacheKey } from './parse-request.js';
import { requestToken } from './request-token.js';

/** Options of {@link infosysPlugin}: the service, or the store to open one on. */
export interface InfosysPluginOptions {
  readonly infosys?: InfosysService;
  /** Opens an {@link InfosysService} on this store when `infosys` is not given. */
  readonly store?: HubStore;
  /** Clock in epoch milliseconds for a service opened here; default `Date.now`. */
  readonly now?: () => number;
  readonly auth: HubAuth;
  /** Largest GLUE document accepted, in bytes; default 16 MiB. */
  readonly bodyLimitBytes?: number;
}

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  HUB_UNAUTHENTICATED: 401,
  HUB_FORBIDDEN: 403,
  HUB_NOT_FOUND: 404,
  HUB_REQUEST_INVALID: 400,
  GLUE_INVALID: 400,
  STORE_ERROR: 503,
};

type Params = Record<string, string>;
type Reader = (index: InfosysIndex, params: Params, query: unknown) => CachedResponse;

const JSON_TYPE = 'application/json; charset=utf-8';

/** Sends a cached answer: 304 when the client has it, gzip when the client accepts it. */
function sendCached(request: FastifyRequest, reply: FastifyReply, cached: CachedResponse, type = JSON_TYPE) {
  reply.type(type).header('etag', cached.etag).header('vary', 'accept-encoding');
  if (request.headers['if-none-match'] === cached.etag) return reply.code(304).send();
  const accepts = request.headers['accept-encoding'];
  if (cached.gzip && typeof accepts === 'string' && /\bgzip\b/.test(accepts)) {
    return reply.header('content-encoding', 'gzip').send(cached.gzip);
  }
  return reply.send(cached.body);
}

function sendError(reply: FastifyReply, code: string, message: string, status: number): FastifyReply {
  // `detail` is what FastAPI (cloud-info-api) puts in its error bodies; `error` is Fedstack's shape.
  return reply.code(status).send({ error: { code, message }, detail: message });
}

/** Registers a GET route at `/v1<path>` and at the unversioned paths (with and without `/`) clients call today. */
function getEverywhere(app: FastifyInstance, infosys: InfosysService, path: string, read: Reader): void {
  const isSlashLenient =
    app.initialConfig.ignoreTrailingSlash === true ||
    app.initialConfig.routerOptions?.ignoreTrailingSlash === true;
  const urls = isSlashLenient ? [`/v1${path}`, path] : [`/v1${path}`, `/v1${path}/`, path, `${path}/`];
  for (const url of urls) {
    app.get(url, async (request, reply) =>
      sendCached(request, reply, read(infosys.current(), request.params as Params, request.query)),
    );
  }
}

/**
 * The read routes. Every query goes through {@link parseRequest} (unknown or repeated parameters
 * are refused by name) and every cache key is built by {@link requestCacheKey} from the parsed
 * values and path parameters, so no raw input can alias another query's cached answer.
 */
function registerReads(app: FastifyInstance, infosys: InfosysService): void {
  getEverywhere(app, infosys, '/sites', (index, _p, query) => {
    const q = parseRequest(SITES_QUERY, query, 'query');
    return index.json(requestCacheKey('sites', q), () =>
      index.sites({ vo: q.vo_name, siteName: q.site_name, includeProjects: q.include_projects }),
    );
  });
  getEverywhere(app, infosys, '/site/:name', (index, p, query) => {
    const q = parseRequest(SITE_QUERY, query, 'query');
    return index.json(requestCacheKey('site', { name: p.name, ...q }), () =>
      index.site(p.name!, q.include_projects),
    );
  });
  getEverywhere(app, infosys, '/site/:name/projects', (index, p, query) => {
    parseRequest(NO_QUERY, query, 'query');
    return index.json(requestCacheKey('projects', { name: p.name }), () => index.projects(p.name!));
  });
  getEverywhere(app, infosys, '/site/:name/images', (index, p, query) => {
    const q = parseRequest(IMAGES_QUERY, query, 'query');
    return index.json(requestCacheKey('site-images', { name: p.name, ...q }), () =>
      index.siteImages(p.name!, undefined, q.only_egi_images),
    );
  });
  getEverywhere(app, infosys, '/site/:name/:vo/project', (index, p, query) => {
    parseRequest(NO_QUERY, query, 'query');
    return index.json(requestCacheKey('project', { name: p.name, vo: p.vo }), () => {
      const share = index.share(p.name!, p.vo!);
      return { id: share.projectId, name: share.vo };
    });
  });
  getEverywhere(app, infosys, '/site/:name/:vo/images', (index, p, query) => {
    const q = parseRequest(IMAGES_QUERY, query, 'query');
    return index.json(requestCacheKey('vo-images', { name: p.name, vo: p.vo, ...q }), () =>
      index.siteImages(p.name!, p.vo!, q.only_egi_images),
    );
  });
  getEverywhere(app, infosys, '/images', (index, _p, query) => {
    const q = parseRequest(IMAGES_QUERY, query, 'query');
    return index.json(requestCacheKey('images', q), () => index.images(q.vo_name, q.only_egi_images));
  });
  getEverywhere(app, infosys, '/vos', (index, _p, query) => {
    parseRequest(NO_QUERY, query, 'query');
    return index.json('vos', () => index.vos());
  });
  getEverywhere(app, infosys, '/flavors', (index, _p, query) => {
    const q = parseRequest(FLAVORS_QUERY, query, 'query');
    return index.json(requestCacheKey('flavors', q), () =>
      index.flavors({
        vo: q.vo,
        site: q.site,
        minCpu: q.min_cpu,
        minRamMb: q.min_ram,
        gpuVendor: q.gpu_vendor,
        minGpus: q.min_gpus,
      }),
    );
  });
  app.get('/v1/discovery', async (request, reply) => {
    parseRequest(NO_QUERY, request.query, 'query');
    const index = infosys.current();
    return sendCached(
      request,
      reply,
      index.json('health', () => index.health()),
    );
  });
  app.get('/v1/site/:name/glue', async (request, reply) => {
    const { name } = request.params as Params;
    const q = parseRequest(GLUE_QUERY, request.query, 'query');
    const index = infosys.current();
    const key = requestCacheKey('glue', { name, ...q });
    if (q.format === 'json')
      return sendCached(
        request,
        reply,
        index.text(key, () => index.document(name!)),
      );
    const ldif = index.text(key, () => renderLdif(readGlueDocument(index.document(name!))));
    return sendCached(request, reply, ldif, 'text/plain; charset=utf-8');
  });
}

const callers = new WeakMap<FastifyRequest, HubCaller>();

async function authenticate(auth: HubAuth, request: FastifyRequest): Promise<void> {
  const caller = await auth.authenticate(requestToken(request));
  if (!caller) throw new FedstackError('HUB_UNAUTHENTICATED', 'a valid hub token is required to publish');
  callers.set(request, caller);
}

function callerOf(request: FastifyRequest): HubCaller {
  const caller = callers.get(request);
  if (!caller) throw new FedstackError('HUB_UNAUTHENTICATED', 'a valid hub token is required to publish');
  return caller;
}

function registerWrites(app: FastifyInstance, infosys: InfosysService, auth: HubAuth): void {
  const preHandler = (request: FastifyRequest): Promise<void> => authenticate(auth, request);
  const publish = async (request: FastifyRequest, reply: FastifyReply) => {
    const { name } = request.params as Params;
    const outcome = await infosys.publish(name!, request.body, callerOf(request));
    return reply.code(200).send({
      site: outcome.site,
      shares: outcome.shares,
      expires_at: outcome.expiresAt,
      state: outcome.state,
    });
  };
  app.put('/v1/site/:name/glue', { preHandler }, publish);
  app.post('/v1/site/:name/glue', { preHandler }, publish);
  app.put('/v1/site/:name/discovery', { preHandler }, async (request, reply) => {
    const { name } = request.params as Params;
    let body: unknown = request.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        throw new FedstackError('HUB_REQUEST_INVALID', 'body: expected a JSON object {state, error}');
      }
    }
    await infosys.report(name!, parseRequest(REPORT_BODY, body, 'body'), callerOf(request));
    return reply.code(204).send();
  });
  app.delete('/v1/site/:name', { preHandler }, async (request, reply) => {
    await infosys.remove((request.params as Params).name!, callerOf(request));
    return reply.code(204).send();
  });
}

/**
 * The information system's HTTP API. Reads (no token): cloud-info-api's `/sites`, `/site/{name}`,
 * `/site/{name}/projects`, `/site/{name}/images`, `/site/{name}/{vo}/project`, `/site/{name}/{vo}/images`,
 * `/images`, `/vos`, plus `/flavors`; each at `/v1/...` and at the unversioned path (trailing `/`
 * allowed). Also `/v1/discovery` (per-site health) and `/v1/site/{name}/glue[?format=ldif]`.
 * Writes (a publisher token of that site, or admin): `PUT|POST /v1/site/{name}/glue` (a GLUE 2.1
 * document), `PUT /v1/site/{name}/discovery` (a run report), `DELETE /v1/site/{name}` (admin).
 * Register without a prefix; its body parser and error handler stay inside this plugin.
 */
export const infosysPlugin: FastifyPluginAsync<InfosysPluginOptions> = async (app, options) => {
  if ((!options.infosys && !options.store) || !options.auth)
    throw new Error('infosysPlugin needs infosys (or store) and auth');
  const infosys =
    options.infosys ??
    (await InfosysService.open(options.store!, { now: options.now, logger: app.log as unknown as Logger }));
  // GLUE documents are stored as published: read every body as text and parse it in the service.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'string', bodyLimit: options.bodyLimitBytes ?? 16 * 1024 * 1024 },
    (_request, body, done) => done(null, body),
  );
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof FedstackError) {
      return sendError(reply, error.code, error.message, STATUS_BY_CODE[error.code] ?? 500);
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, 'HUB_REQUEST_INVALID', 'the document is larger than the hub accepts', 413);
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, 'HUB_REQUEST_INVALID', error.message, error.statusCode);
    }
    request.log.error({ err: error }, 'information system request failed');
    return sendError(reply, 'HUB_INTERNAL', `internal error; request id ${String(request.id)}`, 500);
  });
  registerReads(app, infosys);
  registerWrites(app, infosys, options.auth);
};
