// The registry as one fastify plugin: the REST API (/v1/registry) and GOCDB's read methods (/gocdbpi/public/).
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { FedstackError } from '../../errors.js';
import {
  downtimesXml,
  serviceEndpointsXml,
  serviceTypesXml,
  siteListXml,
  siteXml,
  type PageMeta,
  type RegistryDowntime,
} from '../../formats/gocdb/index.js';
import type { HubAuth } from '../auth/hub-auth.js';
import type { HubCaller, HubRole } from '../auth/hub-token.js';
import type { InfosysService } from '../infosys/index.js';
import type { Registry } from '../registry/index.js';
import { listSiteFreshness } from '../store/accounting-reads.js';
import type { HubStore } from '../store/hub-store.js';
import {
  DOWNTIMES_QUERY,
  DOWNTIMES_RESPONSE,
  DOWNTIME_BODY,
  DOWNTIME_RESPONSE,
  ENDPOINTS_QUERY,
  ENDPOINTS_RESPONSE,
  ENDPOINT_BODY,
  ENDPOINT_RESPONSE,
  GOCDB_QUERY,
  GOCDB_XML_RESPONSE,
  KEY_PARAMS,
  NO_CONTENT_RESPONSE,
  REGISTRY_ERROR_RESPONSES,
  REGISTRY_NO_QUERY,
  SERVICE_TYPES_RESPONSE,
  SITES_QUERY,
  SITES_RESPONSE,
  SITE_BODY,
  SITE_DETAIL_RESPONSE,
  SITE_PARAMS,
  SITE_RESPONSE,
} from './registry-schemas.js';
import { callerOf, installAuth, markPortalReads } from './route-auth.js';
import { installRouteSchemas } from './route-schema.js';

/** Options of {@link registryPlugin}. */
export interface RegistryPluginOptions {
  readonly registry: Registry;
  readonly infosys: InfosysService;
  readonly store: HubStore;
  readonly auth: HubAuth;
  readonly clock: () => number;
}

const TAGS = ['registry'];
const READERS: readonly HubRole[] = ['admin', 'consumer', 'publisher', 'vo-manager'];
const ADMIN: readonly HubRole[] = ['admin'];
/** Downtimes: admin, or a publisher token of the site itself. */
const DOWNTIME_EDITORS: readonly HubRole[] = ['admin', 'publisher'];
/** GOCDB's page size for paged methods. */
export const GOCDB_PAGE_SIZE = 100;

const iso = (seconds: number | null | undefined) =>
  seconds === null || seconds === undefined ? null : new Date(seconds * 1000).toISOString();
const seconds = (time: string) => Math.floor(Date.parse(time) / 1000);

function assertOwnSite(caller: HubCaller, site: string): void {
  if (caller.role === 'admin' || caller.site === site) return;
  throw new FedstackError(
    'HUB_FORBIDDEN',
    `this token is bound to site ${caller.site ?? '(none)'}, not ${site}`,
  );
}

function registerSiteRoutes(app: FastifyInstance, o: RegistryPluginOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { registry } = o;
  routes.get(
    '/v1/registry/sites',
    {
      config: { roles: READERS },
      schema: {
        tags: TAGS,
        summary: 'Registered sites',
        querystring: SITES_QUERY,
        response: { 200: SITES_RESPONSE, ...REGISTRY_ERROR_RESPONSES },
      },
    },
    async (request) => {
      const q = request.query;
      return {
        sites: await registry.sites({
          ...(q.country ? { country: q.country } : {}),
          ...(q.roc ? { roc: q.roc } : {}),
          ...(q.certification_status ? { certificationStatus: q.certification_status } : {}),
          ...(q.production_status ? { productionStatus: q.production_status } : {}),
        }),
      };
    },
  );
  routes.get(
    '/v1/registry/sites/:site',
    {
      config: { roles: READERS },
      schema: {
        tags: TAGS,
        summary: 'A site with its endpoints, downtimes, and when it last published discovery and accounting',
        params: SITE_PARAMS,
        querystring: REGISTRY_NO_QUERY,
        response: { 200: SITE_DETAIL_RESPONSE, ...REGISTRY_ERROR_RESPONSES },
      },
    },
    async (request) => {
      const name = request.params.site;
      const site = await registry.site(name);
      const health = o.infosys
        .current()
        .health()
        .find((h) => h.site === name);
      const accounting = (await listSiteFreshness(o.store.db)).find((r) => r.site_name === name);
      return {
        site,
        endpoints: await registry.endpoints({ siteName: name }),
        downtimes: await registry.downtimes({ siteName: name }),
        freshness: {
          discovery: { publishedAt: health?.published_at ?? null, status: health?.state ?? null },
          accounting: {
            lastReceivedAt: iso(accounting?.last_received_at),
            lastMeasurementTime: iso(accounting?.last_measurement_time),
          },
        },
      };
    },
  );
  routes.put(
    '/v1/registry/sites/:site',
    {
      config: { roles: ADMIN },
      schema: {
        tags: TAGS,
        summary: 'Register a site or change it (admin)',
        params: SITE_PARAMS,
        querystring: REGISTRY_NO_QUERY,
        body: SITE_BODY,
        response: { 200: SITE_RESPONSE, 201: SITE_RESPONSE, ...REGISTRY_ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const { site, isCreated } = await registry.putSite(request.params.site, request.body);
      return reply.code(isCreated ? 201 : 200).send(site);
    },
  );
  routes.delete(
    '/v1/registry/sites/:site',
    {
      config: { roles: ADMIN },
      schema: {
        tags: TAGS,
        summary: 'Remove a site with its endpoints and downtimes (admin)',
        params: SITE_PARAMS,
        querystring: REGISTRY_NO_QUERY,
        response: { 204: NO_CONTENT_RESPONSE, ...REGISTRY_ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      await registry.deleteSite(request.params.site);
      return reply.code(204).send();
    },
  );
}

function registerEndpointRoutes(app: FastifyInstance, { registry }: RegistryPluginOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/v1/registry/endpoints',
    {
      config: { roles: READERS },
      schema: {
        tags: TAGS,
        summary: 'Registered service endpoints',
        querystring: ENDPOINTS_QUERY,
        response: { 200: ENDPOINTS_RESPONSE, ...REGISTRY_ERROR_RESPONSES },
      },
    },
    async (request) => {
      const q = request.query;
      return {
        endpoints: await registry.endpoints({
          ...(q.site ? { siteName: q.site } : {}),
          ...(q.service_type ? { serviceType: q.service_type } : {}),
          ...(q.hostname ? { hostname: q.hostname } : {}),
        }),
      };
    },
  );
  routes.post(
    '/v1/registry/sites/:site/endpoints',
    {
      config: { roles: ADMIN },
      schema: {
        tags: TAGS,
        summary: 'Register a service endpoint of a site (admin)',
        params: SITE_PARAMS,
        querystring: REGISTRY_NO_QUERY,
        body: ENDPOINT_BODY,
        response: { 201: ENDPOINT_RESPONSE, ...REGISTRY_ERROR_RESPONSES },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await registry.addEndpoint(request.params.site, request.body)),
  );
  routes.put(
    '/v1/registry/endpoints/:key',
    {
      config: { roles: ADMIN },
      schema: {
        tags: TAGS,
        summary: 'Change a service endpoint (admin)',
        params: KEY_PARAMS,
        querystring: REGISTRY_NO_QUERY,
        body: ENDPOINT_BODY,
        response: { 200: ENDPOINT_RESPONSE, ...REGISTRY_ERROR_RESPONSES },
      },
    },
    async (request) => registry.putEndpoint(request.params.key, request.body),
  );
  routes.delete(
    '/v1/registry/endpoints/:key',
    {
      config: { roles: ADMIN },
      schema: {
        tags: TAGS,
        summary: 'Remove a service endpoint (admin)',
        params: KEY_PARAMS,
        querystring: REGISTRY_NO_QUERY,
        response: { 204: NO_CONTENT_RESPONSE, ...REGISTRY_ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      await registry.deleteEndpoint(request.params.key);
      return reply.code(204).send();
    },
  );
  routes.get(
    '/v1/registry/service-types',
    {
      config: { roles: 'public' },
      schema: {
        tags: TAGS,
        summary: 'The service types endpoints may have',
        querystring: REGISTRY_NO_QUERY,
        response: { 200: SERVICE_TYPES_RESPONSE, ...REGISTRY_ERROR_RESPONSES },
      },
    },
    async () => ({ serviceTypes: registry.serviceTypes }),
  );
}

function registerDowntimeRoutes(app: FastifyInstance, { registry, clock }: RegistryPluginOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/v1/registry/downtimes',
    {
      config: { roles: READERS },
      schema: {
        tags: TAGS,
        summary: 'Declared downtimes',
        querystring: DOWNTIMES_QUERY,
        response: { 200: DOWNTIMES_RESPONSE, ...REGISTRY_ERROR_RESPONSES },
      },
    },
    async (request) => {
      const q = request.query;
      const now = Math.floor(clock() / 1000);
      return {
        downtimes: await registry.downtimes({
          ...(q.site ? { siteName: q.site } : {}),
          ...(q.ongoing === 'true' ? { endsAfter: now, startsBefore: now } : {}),
          ...(q.from ? { endsAfter: seconds(q.from) } : {}),
          ...(q.to ? { startsBefore: seconds(q.to) } : {}),
        }),
      };
    },
  );
  routes.post(
    '/v1/registry/sites/:site/downtimes',
    {
      config: { roles: DOWNTIME_EDITORS },
      schema: {
        tags: TAGS,
        summary: 'Declare a downtime of a site’s endpoints (admin, or the site’s own publisher token)',
        params: SITE_PARAMS,
        querystring: REGISTRY_NO_QUERY,
        body: DOWNTIME_BODY,
        response: { 201: DOWNTIME_RESPONSE, ...REGISTRY_ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const site = request.params.site;
      assertOwnSite(callerOf(request), site);
      const b = request.body;
      const downtime = await registry.addDowntime(site, {
        classification: b.classification,
        severity: b.severity,
        description: b.description,
        start: seconds(b.start),
        end: seconds(b.end),
        ...(b.endpoints ? { endpoints: b.endpoints } : {}),
      });
      return reply.code(201).send(downtime);
    },
  );
  routes.delete(
    '/v1/registry/downtimes/:key',
    {
      config: { roles: DOWNTIME_EDITORS },
      schema: {
        tags: TAGS,
        summary: 'Remove a downtime (admin, or its site’s publisher token)',
        params: KEY_PARAMS,
        querystring: REGISTRY_NO_QUERY,
        response: { 204: NO_CONTENT_RESPONSE, ...REGISTRY_ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      assertOwnSite(callerOf(request), await registry.downtimeSite(request.params.key));
      await registry.deleteDowntime(request.params.key);
      return reply.code(204).send();
    },
  );
}

type GocdbQuery = z.output<typeof GOCDB_QUERY>;

/** A GOCDB date filter (`YYYY-MM-DD`, or epoch seconds) as epoch seconds; `endOfDay` for the upper bound. */
function dayOf(value: string | undefined, name: string, endOfDay: boolean): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const m = value.match(/^(\d{4})-(\d{2})-(\d{2})$/);
  if (!m)
    throw new FedstackError(
      'HUB_REQUEST_INVALID',
      `query parameter ${name}: expected YYYY-MM-DD (found ${value})`,
    );
  const start = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!) / 1000;
  return endOfDay ? start + 86_399 : start;
}

/** The meta block of a paged answer, with links that keep the request's other parameters. */
function pageMeta(url: string, cursor: string, count: number, nextCursor: string | undefined): PageMeta {
  const self = new URL(url, 'http://hub.invalid');
  const linkWith = (c: string) => {
    const u = new URL(self);
    u.searchParams.set('next_cursor', c);
    return `${u.pathname}${u.search}`;
  };
  return {
    self: linkWith(cursor),
    start: linkWith('0'),
    ...(nextCursor ? { next: linkWith(nextCursor) } : {}),
    count,
    maxPageSize: GOCDB_PAGE_SIZE,
  };
}

async function gocdbAnswer(registry: Registry, q: GocdbQuery, url: string, now: number): Promise<string> {
  const isPaged = q.next_cursor !== undefined;
  const afterKey = isPaged && q.next_cursor !== '0' ? q.next_cursor : undefined;
  const limit = isPaged ? GOCDB_PAGE_SIZE : undefined;
  const page = <T extends { primaryKey: string }>(rows: T[]): PageMeta | undefined =>
    isPaged
      ? pageMeta(
          url,
          q.next_cursor!,
          rows.length,
          rows.length === GOCDB_PAGE_SIZE ? rows[rows.length - 1]!.primaryKey : undefined,
        )
      : undefined;
  const siteFilter = {
    ...(q.sitename ? { shortName: q.sitename } : {}),
    ...(q.roc ? { roc: q.roc } : {}),
    ...(q.country ? { country: q.country } : {}),
    ...(q.certification_status ? { certificationStatus: q.certification_status } : {}),
    ...(q.exclude_certification_status ? { excludeCertificationStatus: q.exclude_certification_status } : {}),
    ...(q.production_status ? { productionStatus: q.production_status } : {}),
  };
  switch (q.method) {
    case 'get_site_list':
      return siteListXml(await registry.sites(siteFilter));
    case 'get_site':
      // contacts are GOCDB's protected level: the public interface leaves them out
      return siteXml(await registry.sites(siteFilter), { withContacts: false });
    case 'get_service':
    case 'get_service_endpoint': {
      const endpoints = await registry.endpoints({
        ...(q.sitename ? { siteName: q.sitename } : {}),
        ...(q.service_type ? { serviceType: q.service_type } : {}),
        ...(q.hostname ? { hostname: q.hostname } : {}),
        ...(q.monitored ? { isMonitored: q.monitored === 'Y' } : {}),
        ...(q.country ? { country: q.country } : {}),
        ...(q.roc ? { roc: q.roc } : {}),
        ...(afterKey ? { afterKey } : {}),
        ...(limit ? { limit } : {}),
      });
      const sites = new Map((await registry.sites()).map((s) => [s.shortName, s]));
      return serviceEndpointsXml(endpoints, (name) => sites.get(name), page(endpoints));
    }
    case 'get_downtime':
    case 'get_downtime_nested_services': {
      const downtimes = await readDowntimes(registry, q, now, afterKey, limit);
      return downtimesXml(downtimes, q.method === 'get_downtime_nested_services', page(downtimes));
    }
    case 'get_service_types':
      return serviceTypesXml(registry.serviceTypes);
    default:
      throw new FedstackError(
        'HUB_REQUEST_INVALID',
        `query parameter method: ${q.method} is not one this registry answers (get_site_list, get_site, get_service_endpoint, get_service, get_downtime, get_downtime_nested_services, get_service_types)`,
      );
  }
}

async function readDowntimes(
  registry: Registry,
  q: GocdbQuery,
  now: number,
  afterKey: string | undefined,
  limit: number | undefined,
): Promise<RegistryDowntime[]> {
  const endsAfter = q.ongoing_only === 'yes' ? now : dayOf(q.startdate ?? q.windowstart, 'startdate', false);
  const startsBefore = q.ongoing_only === 'yes' ? now : dayOf(q.enddate ?? q.windowend, 'enddate', true);
  // topentity names a site or a host; a registered site name wins
  const entity = q.topentity;
  const isSite = entity !== undefined && (await registry.sites({ shortName: entity })).length > 0;
  return registry.downtimes({
    ...(isSite ? { siteName: entity } : entity !== undefined ? { hostname: entity } : {}),
    ...(endsAfter !== undefined ? { endsAfter } : {}),
    ...(startsBefore !== undefined ? { startsBefore } : {}),
    ...(afterKey ? { afterKey } : {}),
    ...(limit ? { limit } : {}),
  });
}

function registerGocdbRoutes(app: FastifyInstance, { registry, clock }: RegistryPluginOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  // GOCDB's clients write the path with and without the trailing slash
  for (const path of ['/gocdbpi/public/', '/gocdbpi/public'])
    routes.get(
      path,
      {
        config: { roles: 'public' },
        schema: {
          tags: TAGS,
          summary:
            'GOCDB’s programmatic interface (read methods, GOCDB’s XML), for GOCDB clients and probe configuration tools',
          querystring: GOCDB_QUERY,
          response: {
            200: { content: { 'application/xml': { schema: GOCDB_XML_RESPONSE } } },
            ...REGISTRY_ERROR_RESPONSES,
          },
        },
      },
      async (request, reply) => {
        const xml = await gocdbAnswer(registry, request.query, request.url, Math.floor(clock() / 1000));
        return reply.type('application/xml; charset=utf-8').send(xml);
      },
    );
}

/** The registry's routes. */
export const registryPlugin: FastifyPluginAsync<RegistryPluginOptions> = async (app, options) => {
  installRouteSchemas(app);
  installAuth(app, options.auth);
  markPortalReads(app, (url) => url.startsWith('/v1/registry/'));
  registerSiteRoutes(app, options);
  registerEndpointRoutes(app, options);
  registerDowntimeRoutes(app, options);
  registerGocdbRoutes(app, options);
};
