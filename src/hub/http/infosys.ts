// The information-system API as one fastify plugin: cloud-info-api's read routes, flavors, health, publishing.
// The routes live in one file per resource: infosys-site-routes, -catalogue-routes, -glue-routes, -discovery-routes.
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from '../../log.js';
import type { HubAuth } from '../auth/hub-auth.js';
import { InfosysService } from '../infosys/index.js';
import type { HubStore } from '../store/hub-store.js';
import { hubErrorHandler } from './error-handler.js';
import type { ErrorShape } from './error-handler.js';
import { CATALOGUE_READS } from './infosys-catalogue-routes.js';
import { registerDiscoveryHealth, registerDiscoveryReport } from './infosys-discovery-routes.js';
import { registerGlueRoutes } from './infosys-glue-routes.js';
import { registerReads } from './infosys-routes.js';
import { registerSiteRemoval, SITE_READS } from './infosys-site-routes.js';
import { installAuth } from './route-auth.js';
import { installRouteSchemas, readBodiesAsText } from './route-schema.js';

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
  readBodiesAsText(app, options.bodyLimitBytes ?? 16 * 1024 * 1024);
  installRouteSchemas(app);
  installAuth(app, options.auth, 'public');
  app.setErrorHandler(hubErrorHandler(INFOSYS_ERROR_SHAPE));
  registerReads(app, infosys, SITE_READS);
  registerReads(app, infosys, CATALOGUE_READS);
  registerDiscoveryHealth(app, infosys);
  registerGlueRoutes(app, infosys);
  registerDiscoveryReport(app, infosys);
  registerSiteRemoval(app, infosys);
};
