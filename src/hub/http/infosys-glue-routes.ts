// The GLUE document of a site: `GET /v1/site/{name}/glue` (as published, or LDIF) and publishing it (PUT, POST).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { readGlueDocument, renderLdif } from '../../formats/glue/index.js';
import type { InfosysService } from '../infosys/index.js';
import {
  GLUE_DOCUMENT_RESPONSE,
  GLUE_PUBLISH_RESPONSE,
  GLUE_QUERY,
  INFOSYS_ERROR_RESPONSES,
  LDIF_RESPONSE,
  NOT_MODIFIED_RESPONSE,
  SITE_PARAMS,
} from './infosys-schemas.js';
import { publicRoute, sendCached, SITE_WRITE } from './infosys-routes.js';
import { requestCacheKey } from './parse-request.js';
import { callerOf } from './route-auth.js';

/** Registers `GET`, then `PUT` and `POST` (the same publish) of `/v1/site/{name}/glue`. */
export function registerGlueRoutes(app: FastifyInstance, infosys: InfosysService): void {
  registerGlueRead(app, infosys);
  registerGluePublish(app, infosys);
}

/** `GET /v1/site/{name}/glue[?format=ldif]`, public. */
function registerGlueRead(app: FastifyInstance, infosys: InfosysService): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/site/:name/glue',
    publicRoute({
      summary: 'The site’s latest GLUE 2.1 document, as published or as LDIF',
      params: SITE_PARAMS,
      querystring: GLUE_QUERY,
      response: {
        200: {
          description: 'The document: JSON as published (format=json), or LDIF text (format=ldif)',
          content: {
            'application/json': { schema: GLUE_DOCUMENT_RESPONSE },
            'text/plain': { schema: LDIF_RESPONSE },
          },
        },
        304: NOT_MODIFIED_RESPONSE,
        ...INFOSYS_ERROR_RESPONSES,
      },
    }),
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

const PUBLISH_RESPONSES = { 200: GLUE_PUBLISH_RESPONSE, ...INFOSYS_ERROR_RESPONSES };

/** `PUT` and `POST /v1/site/{name}/glue`: a publisher of the site (or an admin) publishes its document. */
function registerGluePublish(app: FastifyInstance, infosys: InfosysService): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const publish = async (request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
    const outcome = await infosys.publish(request.params.name, request.body, callerOf(request));
    return reply.code(200).send({
      site: outcome.site,
      shares: outcome.shares,
      expires_at: outcome.expiresAt,
      state: outcome.state,
    } satisfies z.output<typeof GLUE_PUBLISH_RESPONSE>);
  };
  routes.put(
    '/v1/site/:name/glue',
    {
      ...SITE_WRITE,
      schema: {
        ...SITE_WRITE.schema,
        summary: 'Publish a GLUE 2.1 document for the site (validated against the shipped schema)',
        response: PUBLISH_RESPONSES,
      },
    },
    publish,
  );
  routes.post(
    '/v1/site/:name/glue',
    {
      ...SITE_WRITE,
      schema: {
        ...SITE_WRITE.schema,
        summary: 'Publish a GLUE 2.1 document (same as PUT)',
        response: PUBLISH_RESPONSES,
      },
    },
    publish,
  );
}
