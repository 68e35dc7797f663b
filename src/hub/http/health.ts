// The hub's health and metrics: /healthz (liveness), /readyz (the database answers), /metrics (Prometheus).
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import { withDeadline } from '../../with-deadline.js';
import type { HubStore } from '../store/hub-store.js';
import { installRouteSchemas } from './route-schema.js';

/** How long /readyz waits for the database. */
const READY_TIMEOUT_MS = 2_000;

/** Options of {@link installHealth}. */
export interface HealthPluginOptions {
  readonly store: HubStore;
}

const Health = z.object({ status: z.literal('ok') });
const Unready = z.object({ status: z.literal('unavailable'), reason: z.string() });

/**
 * Registers `/healthz` (200 while the process serves), `/readyz` (200 once the database answers a
 * query within 2 s, else 503 with the reason) and `/metrics` (the Prometheus text format: the
 * process's own metrics and, per route and status, the requests served and their durations).
 * All three are public: they tell nothing a token protects. Installed on the root instance (not
 * registered as a plugin) so that its response hook counts the requests of every route.
 */
export async function installHealth(app: FastifyInstance, options: HealthPluginOptions): Promise<void> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'fedstack_hub_' });
  const requests = new Counter({
    name: 'fedstack_hub_http_requests_total',
    help: 'HTTP requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'fedstack_hub_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // the route pattern, never the URL: a URL holds names and, for AMS, maybe a ?key=
    const route = request.routeOptions.url ?? 'unknown';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    durations.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  await app.register(async (scope) => {
    installRouteSchemas(scope);
    scope.get(
      '/healthz',
      {
        config: { roles: 'public' },
        schema: { tags: ['hub'], summary: 'Liveness: 200 while the hub serves', response: { 200: Health } },
      },
      async () => ({ status: 'ok' as const }),
    );
    scope.get(
      '/readyz',
      {
        config: { roles: 'public' },
        schema: {
          tags: ['hub'],
          summary: 'Readiness: 200 once the database answers, 503 with the reason otherwise',
          response: { 200: Health, 503: Unready },
        },
      },
      async (_request, reply) => {
        try {
          await withDeadline('the database', READY_TIMEOUT_MS, () => sql`select 1`.execute(options.store.db));
          return { status: 'ok' as const };
        } catch (error) {
          return reply.code(503).send({ status: 'unavailable' as const, reason: (error as Error).message });
        }
      },
    );
    scope.get(
      '/metrics',
      {
        config: { roles: 'public' },
        schema: { tags: ['hub'], summary: 'Prometheus metrics (text format 0.0.4)', hide: true },
      },
      async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
    );
  });
}
