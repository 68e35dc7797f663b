// Discovery runs in the information system: health per site (`GET /v1/discovery`) and a site's run report.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { InfosysService } from '../infosys/index.js';
import { z } from 'zod';
import {
  INFOSYS_ERROR_RESPONSES,
  NO_CONTENT_RESPONSE,
  NO_QUERY,
  NOT_MODIFIED_RESPONSE,
  REPORT_BODY,
  SITE_HEALTH_RESPONSE,
} from './infosys-schemas.js';
import type { Frozen } from './infosys-schemas.js';
import { publicRoute, sendCached, SITE_WRITE } from './infosys-routes.js';
import { callerOf } from './route-auth.js';

const HEALTH_RESPONSE = z.array(SITE_HEALTH_RESPONSE);

/** `GET /v1/discovery`: health per site (state, error, expiry), public. */
export function registerDiscoveryHealth(app: FastifyInstance, infosys: InfosysService): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/discovery',
    publicRoute({
      summary: 'Discovery health per site: state, error, expiry',
      querystring: NO_QUERY,
      response: { 200: HEALTH_RESPONSE, 304: NOT_MODIFIED_RESPONSE, ...INFOSYS_ERROR_RESPONSES },
    }),
    async (request, reply) => {
      const index = infosys.current();
      return sendCached(
        request,
        reply,
        index.json('health', (): Frozen<z.output<typeof HEALTH_RESPONSE>> => index.health()),
      );
    },
  );
}

/** `PUT /v1/site/{name}/discovery`: a site reports a discovery run that produced no document. */
export function registerDiscoveryReport(app: FastifyInstance, infosys: InfosysService): void {
  app.withTypeProvider<ZodTypeProvider>().put(
    '/v1/site/:name/discovery',
    {
      ...SITE_WRITE,
      schema: {
        ...SITE_WRITE.schema,
        summary: 'Report a discovery run that produced no document',
        body: REPORT_BODY,
        response: { 204: NO_CONTENT_RESPONSE, ...INFOSYS_ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      await infosys.report(request.params.name, request.body, callerOf(request));
      return reply.code(204).send();
    },
  );
}
