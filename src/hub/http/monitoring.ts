// The monitor's API: current status, a series' history, and availability/reliability reports (JSON or CSV).
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FedstackError } from '../../errors.js';
import type { HubAuth } from '../auth/hub-auth.js';
import { availabilityReport, type MonitorConfig, type ResultStore } from '../monitor/index.js';
import type { Registry } from '../registry/index.js';
import { ERROR_RESPONSES, jsonOrCsv } from './accounting-schemas.js';
import { toCsv, wantsCsv } from './csv.js';
import { installAuth } from './route-auth.js';
import { installRouteSchemas } from './route-schema.js';

/** Options of {@link monitoringPlugin}. */
export interface MonitoringPluginOptions {
  readonly results: ResultStore;
  readonly registry: Registry;
  readonly config: MonitorConfig;
  readonly auth: HubAuth;
  readonly clock: () => number;
}

const TAGS = ['monitoring'];
const DAY = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a day YYYY-MM-DD');

const STATUS_QUERY = z.object({ site: z.string().optional() });
const STATUS_RESPONSE = z.object({
  checks: z.array(
    z.object({
      site: z.string(),
      endpoint: z.string(),
      hostname: z.string(),
      serviceType: z.string(),
      metric: z.string(),
      status: z.string().describe('the last result'),
      hardStatus: z.string(),
      stateType: z.enum(['HARD', 'SOFT']),
      attempt: z.number(),
      lastCheck: z.string().nullable(),
      summary: z.string(),
    }),
  ),
});
const HISTORY_QUERY = z.object({
  endpoint: z.string(),
  metric: z.string(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(500),
});
const HISTORY_RESPONSE = z.object({
  results: z.array(
    z.object({
      at: z.string(),
      status: z.string(),
      durationMs: z.number(),
      summary: z.string(),
      perfdata: z.string(),
    }),
  ),
});
const AR_QUERY = z.object({
  from: DAY.describe('first day (UTC)'),
  to: DAY.describe('last day, included'),
  granularity: z.enum(['daily', 'monthly']).default('monthly'),
  level: z.enum(['site', 'service', 'endpoint']).default('site'),
  site: z.string().optional(),
  format: z.enum(['json', 'csv']).optional().describe('default JSON; csv also with Accept: text/csv'),
});
const AR_ROW = z.object({
  period: z.string(),
  site: z.string(),
  serviceType: z.string().optional(),
  endpoint: z.string().optional(),
  hostname: z.string().optional(),
  availability: z.number().nullable().describe('percent; null when nothing was known'),
  reliability: z.number().nullable(),
  up: z.number(),
  unknown: z.number(),
  downtime: z.number(),
  ola: z.object({ isMet: z.boolean(), failures: z.array(z.string()).readonly() }).optional(),
});
const AR_RESPONSE = z.object({ rows: z.array(AR_ROW) });
const AR_COLUMNS = [
  'period',
  'site',
  'serviceType',
  'endpoint',
  'hostname',
  'availability',
  'reliability',
  'up',
  'unknown',
  'downtime',
  'ola',
];

function registerStatus(app: FastifyInstance, o: MonitoringPluginOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/v1/monitoring/status',
    {
      config: { roles: 'public' },
      schema: {
        tags: TAGS,
        summary: 'The current state of every check',
        querystring: STATUS_QUERY,
        response: { 200: STATUS_RESPONSE, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const states = new Map((await o.results.states()).map((s) => [s.seriesId, s]));
      const series = (await o.results.allSeries()).filter(
        (s) => request.query.site === undefined || s.siteName === request.query.site,
      );
      return {
        checks: series.map((s) => {
          const st = states.get(s.id);
          return {
            site: s.siteName,
            endpoint: s.endpointKey,
            hostname: s.hostname,
            serviceType: s.serviceType,
            metric: s.metric,
            status: st?.state.status ?? 'PENDING',
            hardStatus: st?.state.hardStatus ?? 'PENDING',
            stateType: st?.state.type ?? 'HARD',
            attempt: st?.state.attempt ?? 0,
            lastCheck: st ? new Date(st.lastAtMs).toISOString() : null,
            summary: st?.summary ?? '',
          };
        }),
      };
    },
  );
  routes.get(
    '/v1/monitoring/results',
    {
      config: { roles: 'public' },
      schema: {
        tags: TAGS,
        summary: 'The stored (hard) results of one metric of one endpoint, newest first',
        querystring: HISTORY_QUERY,
        response: { 200: HISTORY_RESPONSE, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const q = request.query;
      const series = (await o.results.allSeries()).find(
        (s) => s.endpointKey === q.endpoint && s.metric === q.metric,
      );
      if (!series) throw new FedstackError('HUB_NOT_FOUND', `no check ${q.metric} of endpoint ${q.endpoint}`);
      const to = q.to ? Date.parse(q.to) : o.clock() + 1;
      const from = q.from ? Date.parse(q.from) : to - 7 * 86_400_000;
      const rows = await o.results.history(series.id, from, to, q.limit);
      return {
        results: rows.map((r) => ({
          at: new Date(r.atMs).toISOString(),
          status: r.status,
          durationMs: r.durationMs,
          summary: r.summary,
          perfdata: r.perfdata,
        })),
      };
    },
  );
}

function registerReport(app: FastifyInstance, o: MonitoringPluginOptions): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/monitoring/ar',
    {
      config: { roles: 'public' },
      schema: {
        tags: TAGS,
        summary:
          'Availability and reliability per site, service or endpoint, per day or month, with the OLA verdict (A ≥ 80 %, R ≥ 85 %, unknown ≤ 10 %)',
        querystring: AR_QUERY,
        response: { 200: { content: jsonOrCsv(AR_RESPONSE) }, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const q = request.query;
      let rows;
      try {
        rows = await availabilityReport(o.results, o.registry, o.config, {
          from: q.from,
          to: q.to,
          granularity: q.granularity,
          level: q.level,
          ...(q.site ? { site: q.site } : {}),
        });
      } catch (error) {
        if (error instanceof RangeError)
          throw new FedstackError('HUB_REQUEST_INVALID', `query parameter ${error.message}`);
        throw error;
      }
      if (!wantsCsv(request, q.format)) return { rows };
      const flat = rows.map((r) => ({
        ...r,
        ola: r.ola ? (r.ola.isMet ? 'met' : r.ola.failures.join('; ')) : '',
      }));
      return reply.type('text/csv; charset=utf-8').send(toCsv(AR_COLUMNS, flat));
    },
  );
}

/** The monitoring routes. */
export const monitoringPlugin: FastifyPluginAsync<MonitoringPluginOptions> = async (app, options) => {
  installRouteSchemas(app);
  installAuth(app, options.auth);
  registerStatus(app, options);
  registerReport(app, options);
};
