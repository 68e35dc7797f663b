// Information-system routes of one site: its shares, projects and images (cloud-info-api), and its removal.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { InfosysService } from '../infosys/index.js';
import {
  IMAGE_RESPONSE,
  IMAGES_QUERY,
  INFOSYS_ERROR_RESPONSES,
  NO_CONTENT_RESPONSE,
  NO_QUERY,
  PROJECT_RESPONSE,
  SITE_PARAMS,
  SITE_QUERY,
  SITE_RESPONSE,
  SITE_VO_PARAMS,
} from './infosys-schemas.js';
import { infosysRead, SITE_WRITE, type InfosysRead } from './infosys-routes.js';
import { callerOf } from './route-auth.js';

/** The read routes of one site (`/site/{name}…`, at every path {@link registerReads} gives them). */
export const SITE_READS: readonly InfosysRead[] = [
  infosysRead(
    '/site/:name',
    'site',
    { summary: 'One site', params: SITE_PARAMS, querystring: SITE_QUERY, response: SITE_RESPONSE },
    (index, p, q) => index.site(p.name, q.include_projects),
  ),
  infosysRead(
    '/site/:name/projects',
    'projects',
    {
      summary: 'The projects of a site’s shares',
      params: SITE_PARAMS,
      querystring: NO_QUERY,
      response: z.array(PROJECT_RESPONSE),
    },
    (index, p) => index.projects(p.name),
  ),
  infosysRead(
    '/site/:name/images',
    'site-images',
    {
      summary: 'The images of a site',
      params: SITE_PARAMS,
      querystring: IMAGES_QUERY,
      response: z.array(IMAGE_RESPONSE),
    },
    (index, p, q) => index.siteImages(p.name, undefined, q.only_egi_images),
  ),
  infosysRead(
    '/site/:name/:vo/project',
    'project',
    {
      summary: 'The project of a VO at a site',
      params: SITE_VO_PARAMS,
      querystring: NO_QUERY,
      response: PROJECT_RESPONSE,
    },
    (index, p) => {
      const share = index.share(p.name, p.vo);
      return { id: share.projectId, name: share.vo };
    },
  ),
  infosysRead(
    '/site/:name/:vo/images',
    'vo-images',
    {
      summary: 'The images of a VO at a site',
      params: SITE_VO_PARAMS,
      querystring: IMAGES_QUERY,
      response: z.array(IMAGE_RESPONSE),
    },
    (index, p, q) => index.siteImages(p.name, p.vo, q.only_egi_images),
  ),
];

/** `DELETE /v1/site/{name}`: removes a site from the information system (the service checks the caller). */
export function registerSiteRemoval(app: FastifyInstance, infosys: InfosysService): void {
  app.withTypeProvider<ZodTypeProvider>().delete(
    '/v1/site/:name',
    {
      ...SITE_WRITE,
      schema: {
        ...SITE_WRITE.schema,
        summary: 'Remove a site from the information system (admin)',
        response: { 204: NO_CONTENT_RESPONSE, ...INFOSYS_ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      await infosys.remove(request.params.name, callerOf(request));
      return reply.code(204).send();
    },
  );
}
