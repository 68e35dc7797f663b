// Information-system reads across sites (cloud-info-api): sites, images, VOs, and flavors.
import { z } from 'zod';
import {
  FLAVOR_RESPONSE,
  FLAVORS_QUERY,
  IMAGE_RESPONSE,
  IMAGES_QUERY,
  NO_QUERY,
  SITE_RESPONSE,
  SITES_QUERY,
  VOS_RESPONSE,
} from './infosys-schemas.js';
import { infosysRead, type InfosysRead } from './infosys-routes.js';

/** The read routes across sites (at every path {@link registerReads} gives them). */
export const CATALOGUE_READS: readonly InfosysRead[] = [
  infosysRead(
    '/sites',
    'sites',
    {
      summary: 'Sites with their shares (cloud-info-api)',
      querystring: SITES_QUERY,
      response: z.array(SITE_RESPONSE),
    },
    (index, _p, q) =>
      index.sites({ vo: q.vo_name, siteName: q.site_name, includeProjects: q.include_projects }),
  ),
  infosysRead(
    '/images',
    'images',
    { summary: 'Images across sites', querystring: IMAGES_QUERY, response: z.array(IMAGE_RESPONSE) },
    (index, _p, q) => index.images(q.vo_name, q.only_egi_images),
  ),
  infosysRead(
    '/vos',
    'vos',
    { summary: 'The VOs with a share at some site', querystring: NO_QUERY, response: VOS_RESPONSE },
    (index) => index.vos(),
  ),
  infosysRead(
    '/flavors',
    'flavors',
    {
      summary: 'Flavors across sites, filtered by CPU, RAM and GPU',
      querystring: FLAVORS_QUERY,
      response: z.array(FLAVOR_RESPONSE),
    },
    (index, _p, q) =>
      index.flavors({
        vo: q.vo,
        site: q.site,
        minCpu: q.min_cpu,
        minRamMb: q.min_ram,
        gpuVendor: q.gpu_vendor,
        minGpus: q.min_gpus,
      }),
  ),
];
