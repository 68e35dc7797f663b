// Path, query, body and answer schemas of the registry (zod): the REST API and GOCDB's PI query.
import { z } from 'zod';
import { SITE_NAME_PATTERN, SITE_NAME_RULE } from '../auth/site-name.js';
import { CERTIFICATION_STATUSES, PRODUCTION_STATUSES } from '../../formats/gocdb/index.js';

export { NO_CONTENT_RESPONSE } from './infosys-schemas.js';
export {
  ERROR_RESPONSES as REGISTRY_ERROR_RESPONSES,
  NO_QUERY as REGISTRY_NO_QUERY,
} from './accounting-schemas.js';

const SITE = z.string().regex(SITE_NAME_PATTERN, `expected ${SITE_NAME_RULE}`).describe('site short name');
const KEY = z
  .string()
  .regex(/^[A-Za-z0-9]{1,40}$/, 'expected a primary key of letters and digits (e.g. 12FS or 7513G0)')
  .describe('primary key');
const EXTENSIONS = z.record(z.string(), z.string()).default({}).describe('key/value properties');
const TIME = z.iso.datetime({ offset: true }).describe('ISO 8601 time');

export const SITE_PARAMS = z.object({ site: SITE });
export const KEY_PARAMS = z.object({ key: KEY });

/** Body of `PUT /v1/registry/sites/{site}`. */
export const SITE_BODY = z.object({
  officialName: z.string().optional(),
  description: z.string().optional(),
  homeUrl: z.string().optional(),
  country: z.string().optional(),
  countryCode: z.string().optional(),
  roc: z.string().optional().describe('the NGI'),
  certificationStatus: z.enum(CERTIFICATION_STATUSES).default('Certified'),
  productionStatus: z.enum(PRODUCTION_STATUSES).default('Production'),
  contactEmail: z.string().optional(),
  contactTel: z.string().optional(),
  csirtEmail: z.string().optional(),
  timezone: z.string().optional().describe('IANA time zone, e.g. Europe/Madrid'),
  extensions: EXTENSIONS,
});

/** Body of `POST /v1/registry/sites/{site}/endpoints` and `PUT /v1/registry/endpoints/{key}`. */
export const ENDPOINT_BODY = z.object({
  serviceType: z
    .string()
    .min(1)
    .describe('e.g. org.openstack.nova (GET /v1/registry/service-types lists them)'),
  hostname: z.string().min(1),
  url: z.string().optional().describe('for org.openstack.nova: the Keystone v3 URL'),
  isMonitored: z.boolean().default(true),
  isInProduction: z.boolean().default(true),
  hostDn: z.string().optional().describe('the DN of the host certificate, for eu.egi.cloud.accounting'),
  extensions: EXTENSIONS,
});

/** Body of `POST /v1/registry/sites/{site}/downtimes`. */
export const DOWNTIME_BODY = z.object({
  classification: z.enum(['SCHEDULED', 'UNSCHEDULED']).default('SCHEDULED'),
  severity: z.enum(['OUTAGE', 'WARNING']).default('OUTAGE'),
  description: z.string().default(''),
  start: TIME,
  end: TIME,
  endpoints: z
    .array(KEY)
    .optional()
    .describe('keys of the affected endpoints; default every endpoint of the site'),
});

/** Query of `GET /v1/registry/sites`. */
export const SITES_QUERY = z.object({
  country: z.string().optional(),
  roc: z.string().optional(),
  certification_status: z.enum(CERTIFICATION_STATUSES).optional(),
  production_status: z.enum(PRODUCTION_STATUSES).optional(),
});

/** Query of `GET /v1/registry/endpoints`. */
export const ENDPOINTS_QUERY = z.object({
  site: SITE.optional(),
  service_type: z.string().optional(),
  hostname: z.string().optional(),
});

/** Query of `GET /v1/registry/downtimes`. */
export const DOWNTIMES_QUERY = z.object({
  site: SITE.optional(),
  ongoing: z.enum(['true', 'false']).optional().describe('only downtimes in progress now'),
  from: TIME.optional().describe('only downtimes ending after this'),
  to: TIME.optional().describe('only downtimes starting before this'),
});

/** Query of `/gocdbpi/public/`: GOCDB's method and filters (those this registry knows). */
export const GOCDB_QUERY = z.object({
  method: z
    .string()
    .describe(
      'get_site_list, get_site, get_service_endpoint (or get_service), get_downtime, get_downtime_nested_services, get_service_types',
    ),
  sitename: z.string().optional(),
  roc: z.string().optional(),
  country: z.string().optional(),
  certification_status: z.string().optional(),
  exclude_certification_status: z.string().optional(),
  production_status: z.string().optional(),
  service_type: z.string().optional(),
  hostname: z.string().optional(),
  monitored: z.enum(['Y', 'N']).optional(),
  scope: z.string().optional().describe('accepted; every record of this registry is in scope'),
  scope_match: z.string().optional(),
  topentity: z.string().optional().describe('a site or host name'),
  ongoing_only: z.enum(['yes', 'no']).optional(),
  startdate: z.string().optional().describe('YYYY-MM-DD: downtimes ending on or after'),
  enddate: z.string().optional().describe('YYYY-MM-DD: downtimes starting on or before'),
  windowstart: z.string().optional(),
  windowend: z.string().optional(),
  next_cursor: z.string().optional().describe('0 for the first page, then the meta next link'),
});

// Answers: the records as the registry holds them.

const SITE_RECORD = SITE_BODY.extend({ primaryKey: z.string(), shortName: z.string() });
const ENDPOINT_RECORD = ENDPOINT_BODY.extend({ primaryKey: z.string(), siteName: z.string() });
const DOWNTIME_RECORD = z.object({
  primaryKey: z.string(),
  classification: z.string(),
  severity: z.string(),
  description: z.string(),
  insertDate: z.number().describe('epoch seconds'),
  start: z.number().describe('epoch seconds'),
  end: z.number().describe('epoch seconds'),
  services: z
    .array(
      z.object({
        primaryKey: z.string().optional(),
        hostname: z.string(),
        serviceType: z.string(),
        siteName: z.string(),
        url: z.string().optional(),
      }),
    )
    .readonly(),
});

export const SITE_RESPONSE = SITE_RECORD;
export const SITES_RESPONSE = z.object({ sites: z.array(SITE_RECORD) });
export const SITE_DETAIL_RESPONSE = z.object({
  site: SITE_RECORD,
  endpoints: z.array(ENDPOINT_RECORD),
  downtimes: z.array(DOWNTIME_RECORD),
  freshness: z.object({
    discovery: z.object({ publishedAt: z.string().nullable(), status: z.string().nullable() }),
    accounting: z.object({
      lastReceivedAt: z.string().nullable(),
      lastMeasurementTime: z.string().nullable(),
    }),
  }),
});
export const ENDPOINT_RESPONSE = ENDPOINT_RECORD;
export const ENDPOINTS_RESPONSE = z.object({ endpoints: z.array(ENDPOINT_RECORD) });
export const DOWNTIME_RESPONSE = DOWNTIME_RECORD;
export const DOWNTIMES_RESPONSE = z.object({ downtimes: z.array(DOWNTIME_RECORD) });
export const SERVICE_TYPES_RESPONSE = z.object({ serviceTypes: z.record(z.string(), z.string()) });
export const GOCDB_XML_RESPONSE = z.string().describe('GOCDB PI XML');
