// The information-system API as one fastify plugin: cloud-info-api's read routes, flavors, health, publishing.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { Logger } from '../../log.js';
import { readGlueDocument, renderLdif } from '../../formats/glue/index.js';
import type { HubAuth } from '../auth/hub-auth.js';
import type { CachedResponse, InfosysIndex } from '../infosys/index.js';
import { InfosysService } from '../infosys/index.js';
import type { HubStore } from '../store/hub-store.js';
import { hubErrorHandler } from './error-handler.js';
import type { ErrorShape } from './error-handler.js';
import {
  FLAVORS_QUERY,
  GLUE_QUERY,
  IMAGES_QUERY,
  NO_QUERY,
  REPORT_BODY,
  SITES_QUERY,
  SITE_PARAMS,
  SITE_QUERY,
  SITE_VO_PARAMS,
} from './infosys-schemas.js';
import { requestCacheKey } from './parse-request.js';
import { ANY_ROLE, callerOf, installAuth } from './route-auth.js';
import { installRouteSchemas } from './route-schema.js';

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

/**
 * The information system's error shape: Fedstack's `{error:{code,message}}` plus `detail`, what
 * FastAPI (cloud-info-api) puts in its error bodies, for the clients written against it.
 */
export const INFOSYS_ERROR_SHAPE: ErrorShape = (failure) => {
  const message =
    failure.kind === 'too-large' ? 'the document is larger than the hub accepts' : failure.message;
  return { status: failure.status, body: { error: { code: failure.code, message }, detail: message } };
};

const JSON_TYPE = 'application/json; charset=utf-8';
const TAGS = ['information system'];

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

/** A read route's schemas: its path (if any) and its query. */
interface ReadSchemas<P extends z.ZodObject | undefined, Q extends z.ZodObject> {
  readonly summary: string;
  readonly params?: P;
  readonly querystring: Q;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

/**
 * Registers a public GET route at `/v1<path>` and at the unversioned paths (with and without `/`)
 * cloud-info-api clients call today. `read` gets the parsed path and query and answers from the
 * current index's cache.
 */
function getEverywhere<P extends z.ZodObject | undefined, Q extends z.ZodObject>(
  app: FastifyInstance,
  infosys: InfosysService,
  path: string,
  schemas: ReadSchemas<P, Q>,
  read: (index: InfosysIndex, params: Parsed<P>, query: z.output<Q>) => CachedResponse,
): void {
  const isSlashLenient =
    app.initialConfig.ignoreTrailingSlash === true ||
    app.initialConfig.routerOptions?.ignoreTrailingSlash === true;
  const urls = isSlashLenient ? [`/v1${path}`, path] : [`/v1${path}`, `/v1${path}/`, path, `${path}/`];
  const { summary, params, querystring } = schemas;
  for (const url of urls) {
    const isAlias = !url.startsWith('/v1');
    app.withTypeProvider<ZodTypeProvider>().get(
      url,
      {
        config: { roles: 'public' },
        schema: {
          tags: TAGS,
          summary: isAlias ? `${summary} (cloud-info-api path; same as /v1${path})` : summary,
          ...(params ? { params } : {}),
          querystring,
        },
      },
      async (request, reply) =>
        sendCached(
          request,
          reply,
          read(infosys.current(), request.params as Parsed<P>, request.query as z.output<Q>),
        ),
    );
  }
}

/**
 * The read routes of one site. Every cache key is built by {@link requestCacheKey} from the parsed
 * values and path parameters (queries are checked strictly by the route schemas), so no raw input
 * can alias another query's cached answer.
 */
function registerSiteReads(app: FastifyInstance, infosys: InfosysService): void {
  getEverywhere(
    app,
    infosys,
    '/site/:name',
    { summary: 'One site', params: SITE_PARAMS, querystring: SITE_QUERY },
    (index, p, q) =>
      index.json(requestCacheKey('site', { name: p.name, ...q }), () =>
        index.site(p.name, q.include_projects),
      ),
  );
  getEverywhere(
    app,
    infosys,
    '/site/:name/projects',
    { summary: 'The projects of a site’s shares', params: SITE_PARAMS, querystring: NO_QUERY },
    (index, p) => index.json(requestCacheKey('projects', { name: p.name }), () => index.projects(p.name)),
  );
  getEverywhere(
    app,
    infosys,
    '/site/:name/images',
    { summary: 'The images of a site', params: SITE_PARAMS, querystring: IMAGES_QUERY },
    (index, p, q) =>
      index.json(requestCacheKey('site-images', { name: p.name, ...q }), () =>
        index.siteImages(p.name, undefined, q.only_egi_images),
      ),
  );
  getEverywhere(
    app,
    infosys,
    '/site/:name/:vo/project',
    { summary: 'The project of a VO at a site', params: SITE_VO_PARAMS, querystring: NO_QUERY },
    (index, p) =>
      index.json(requestCacheKey('project', { name: p.name, vo: p.vo }), () => {
        const share = index.share(p.name, p.vo);
        return { id: share.projectId, name: share.vo };
      }),
  );
  getEverywhere(
    app,
    infosys,
    '/site/:name/:vo/images',
    { summary: 'The images of a VO at a site', params: SITE_VO_PARAMS, querystring: IMAGES_QUERY },
    (index, p, q) =>
      index.json(requestCacheKey('vo-images', { name: p.name, vo: p.vo, ...q }), () =>
        index.siteImages(p.name, p.vo, q.only_egi_images),
      ),
  );
}

/** The read routes across sites: sites, images, VOs, flavors. */
function registerCatalogueReads(app: FastifyInstance, infosys: InfosysService): void {
  getEverywhere(
    app,
    infosys,
    '/sites',
    { summary: 'Sites with their shares (cloud-info-api)', querystring: SITES_QUERY },
    (index, _p, q) =>
      index.json(requestCacheKey('sites', q), () =>
        index.sites({ vo: q.vo_name, siteName: q.site_name, includeProjects: q.include_projects }),
      ),
  );
  getEverywhere(
    app,
    infosys,
    '/images',
    { summary: 'Images across sites', querystring: IMAGES_QUERY },
    (index, _p, q) =>
      index.json(requestCacheKey('images', q), () => index.images(q.vo_name, q.only_egi_images)),
  );
  getEverywhere(
    app,
    infosys,
    '/vos',
    { summary: 'The VOs with a share at some site', querystring: NO_QUERY },
    (index) => index.json('vos', () => index.vos()),
  );
  getEverywhere(
    app,
    infosys,
    '/flavors',
    { summary: 'Flavors across sites, filtered by CPU, RAM and GPU', querystring: FLAVORS_QUERY },
    (index, _p, q) =>
      index.json(requestCacheKey('flavors', q), () =>
        index.flavors({
          vo: q.vo,
          site: q.site,
          minCpu: q.min_cpu,
          minRamMb: q.min_ram,
          gpuVendor: q.gpu_vendor,
          minGpus: q.min_gpus,
        }),
      ),
  );
}

/** `/v1/discovery` (health per site) and `/v1/site/{name}/glue` (the document, JSON or LDIF). */
function registerDocumentReads(app: FastifyInstance, infosys: InfosysService): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/v1/discovery',
    {
      config: { roles: 'public' },
      schema: {
        tags: TAGS,
        summary: 'Discovery health per site: state, error, expiry',
        querystring: NO_QUERY,
      },
    },
    async (request, reply) => {
      const index = infosys.current();
      return sendCached(
        request,
        reply,
        index.json('health', () => index.health()),
      );
    },
  );
  routes.get(
    '/v1/site/:name/glue',
    {
      config: { roles: 'public' },
      schema: {
        tags: TAGS,
        summary: 'The site’s latest GLUE 2.1 document, as published or as LDIF',
        params: SITE_PARAMS,
        querystring: GLUE_QUERY,
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const q = request.query;
      const index = infosys.current();
      const key = requestCacheKey('glue', { name, ...q });
      if (q.format === 'json')
        return sendCached(
          request,
          reply,
          index.text(key, () => index.document(name)),
        );
      const ldif = index.text(key, () => renderLdif(readGlueDocument(index.document(name))));
      return sendCached(request, reply, ldif, 'text/plain; charset=utf-8');
    },
  );
}

/** The writes: publish a document, report a run, remove a site (the service checks the site). */
function registerWrites(app: FastifyInstance, infosys: InfosysService): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const publish = {
    config: { roles: ANY_ROLE },
    schema: { tags: TAGS, params: SITE_PARAMS },
  };
  const handler = async (request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
    const outcome = await infosys.publish(request.params.name, request.body, callerOf(request));
    return reply.code(200).send({
      site: outcome.site,
      shares: outcome.shares,
      expires_at: outcome.expiresAt,
      state: outcome.state,
    });
  };
  routes.put(
    '/v1/site/:name/glue',
    {
      ...publish,
      schema: {
        ...publish.schema,
        summary: 'Publish a GLUE 2.1 document for the site (validated against the shipped schema)',
      },
    },
    handler,
  );
  routes.post(
    '/v1/site/:name/glue',
    { ...publish, schema: { ...publish.schema, summary: 'Publish a GLUE 2.1 document (same as PUT)' } },
    handler,
  );
  routes.put(
    '/v1/site/:name/discovery',
    {
      ...publish,
      schema: {
        ...publish.schema,
        summary: 'Report a discovery run that produced no document',
        body: REPORT_BODY,
      },
    },
    async (request, reply) => {
      await infosys.report(request.params.name, request.body, callerOf(request));
      return reply.code(204).send();
    },
  );
  routes.delete(
    '/v1/site/:name',
    {
      ...publish,
      schema: { ...publish.schema, summary: 'Remove a site from the information system (admin)' },
    },
    async (request, reply) => {
      await infosys.remove(request.params.name, callerOf(request));
      return reply.code(204).send();
    },
  );
}

/**
 * The information system's HTTP API. Reads (no token): cloud-info-api's `/sites`, `/site/{name}`,
 * `/site/{name}/projects`, `/site/{name}/images`, `/site/{name}/{vo}/project`, `/site/{name}/{vo}/images`,
 * `/images`, `/vos`, plus `/flavors`; each at `/v1/...` and at the unversioned path (trailing `/`
 * allowed). Also `/v1/discovery` (per-site health) and `/v1/site/{name}/glue[?format=ldif]`.
 * Writes (a publisher token of that site, or admin): `PUT|POST /v1/site/{name}/glue` (a GLUE 2.1
 * document), `PUT /v1/site/{name}/discovery` (a run report), `DELETE /v1/site/{name}` (admin).
 * Register without a prefix; its body parser and error shape stay inside this plugin.
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
  installRouteSchemas(app);
  installAuth(app, options.auth, 'public');
  app.setErrorHandler(hubErrorHandler(INFOSYS_ERROR_SHAPE));
  registerSiteReads(app, infosys);
  registerCatalogueReads(app, infosys);
  registerDocumentReads(app, infosys);
  registerWrites(app, infosys);
};
