// Serves /openapi.json, built from every route registered on the app (collected with an onRoute hook).
import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument } from './openapi-document.js';
import type { RouteInfo } from './openapi-document.js';

/**
 * Adds `GET /openapi.json` (public) to `app` and starts collecting routes. Call it on the root
 * instance before registering the area plugins, so their routes are seen.
 */
export function installOpenApi(app: FastifyInstance): void {
  const routes: RouteInfo[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method: String(method), url: route.url });
  });
  let document: Record<string, unknown> | undefined;
  app.get('/openapi.json', async () => (document ??= buildOpenApiDocument(routes)));
}
