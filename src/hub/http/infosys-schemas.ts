// Path, query, body and answer schemas of the information-system API (zod): the routes validate with them and /openapi.json shows them.
import { z } from 'zod';
import { FedstackError } from '../../errors.js';
import { parseRequest } from './parse-request.js';
import { readBodyAs } from './route-schema.js';

// FastAPI's bool parsing, which cloud-info-api clients rely on (`include_projects=true`, `=1`, `=yes`).
const queryBool = (fallback: boolean, description: string) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', 'True', 'False'])
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes', 'on', 'True'].includes(v)))
    .describe(`${description} (default ${fallback})`);
// An empty value (`?vo_name=`) means "no filter", as cloud-info-api clients send it when a field is
// left blank; any other value is taken as given (`?vo=undefined` looks for a VO named "undefined").
// No `.catch()`: a value that does not fit is refused by name rather than silently dropped.
const queryText = (description: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .describe(`${description} (empty means no filter)`);
const queryCount = (description: string) => z.coerce.number().min(0).optional().describe(description);

const VO_NAME = 'only what this VO may use';
const INCLUDE_PROJECTS = 'add each share’s project id and name';
const ONLY_EGI_IMAGES = 'only images from the federation’s image lists (with a marketplace id)';

/** Query of `/v1/sites`. */
export const SITES_QUERY = z.object({
  vo_name: queryText(VO_NAME),
  site_name: queryText('only this site'),
  include_projects: queryBool(false, INCLUDE_PROJECTS),
});
/** Query of the routes that take no parameters: any parameter is refused by name. */
export const NO_QUERY = z.object({});
/** Query of `/v1/site/{name}`. */
export const SITE_QUERY = z.object({ include_projects: queryBool(false, INCLUDE_PROJECTS) });
/** Query of the image lists. */
export const IMAGES_QUERY = z.object({
  vo_name: queryText(VO_NAME),
  only_egi_images: queryBool(true, ONLY_EGI_IMAGES),
});
/** Query of `/v1/site/{name}/glue`. */
export const GLUE_QUERY = z.object({
  format: z.enum(['json', 'ldif']).default('json').describe('json (GLUE 2.1, as published) or ldif'),
});
/** Query of `/v1/flavors`. */
export const FLAVORS_QUERY = z.object({
  vo: queryText('only flavors of this VO’s shares'),
  site: queryText('only this site'),
  min_cpu: queryCount('at least this many virtual CPUs'),
  min_ram: queryCount('at least this much RAM, in MB'),
  gpu_vendor: queryText('GPU vendor, case-insensitive (e.g. nvidia)'),
  min_gpus: queryCount('at least this many GPUs'),
});
/** Path of the per-site routes. */
export const SITE_PARAMS = z.object({ name: z.string().describe('site name') });
/** Path of the per-VO routes of a site. */
export const SITE_VO_PARAMS = z.object({
  name: z.string().describe('site name'),
  vo: z.string().describe('VO name'),
});

const REPORT = z.object({
  state: z.enum(['ok', 'failed']),
  error: z.string().max(4000).optional(),
});
/**
 * Body of `PUT /v1/site/{name}/discovery`: JSON read from the raw text (the plugin reads every body
 * as text, for GLUE documents), then checked strictly.
 */
export const REPORT_BODY = readBodyAs(REPORT, {
  parse: (raw) => {
    let body: unknown = raw;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        throw new FedstackError('HUB_REQUEST_INVALID', 'body: expected a JSON object {state, error}');
      }
    }
    return parseRequest(REPORT, body, 'body');
  },
});

// Answers. The routes write them with JSON.stringify (route-schema.ts; the reads send the index's
// cached text); these schemas describe what they write. The read shapes are defined once, in
// infosys-responses.ts, which the index builds every answer from; their types come from them.
export {
  ACCELERATOR_RESPONSE,
  FLAVOR_RESPONSE,
  IMAGE_RESPONSE,
  PROJECT_RESPONSE,
  SITE_HEALTH_RESPONSE,
  SITE_RESPONSE,
  type AcceleratorResponse,
  type FlavorResponse,
  type ImageResponse,
  type ProjectResponse,
  type SiteHealthResponse,
  type SiteResponse,
  type Frozen,
} from '../infosys/index.js';

/** `GET /v1/vos`: the VO names. */
export const VOS_RESPONSE = z.array(z.string());
/** `GET /v1/site/{name}/glue`: the GLUE 2.1 document as published. */
export const GLUE_DOCUMENT_RESPONSE = z
  .record(z.string(), z.unknown())
  .describe('the GLUE 2.1 document, as published');
/** `GET /v1/site/{name}/glue?format=ldif`: the document as LDIF. */
export const LDIF_RESPONSE = z.string().describe('the GLUE 2.1 document as LDIF');
/**
 * An answer without a body (`reply.send()`, so the type is undefined); documented as JSON Schema's
 * `null` type, which @fastify/swagger shows as a response with no content.
 */
const noBody = (description: string) => z.undefined().meta({ type: 'null', description });
/** The answer of a route that answers 204 with no body. */
export const NO_CONTENT_RESPONSE = noBody('No Content');
/** A read's answer when `If-None-Match` names the current ETag. */
export const NOT_MODIFIED_RESPONSE = noBody('Not Modified (If-None-Match names the current ETag)');

/** The information system's error body: Fedstack's `{error:{code,message}}` plus FastAPI's `detail`. */
export const INFOSYS_ERROR_RESPONSE = z
  .object({
    error: z.object({
      code: z.string().describe('a Fedstack error code (docs/errors.md)'),
      message: z.string(),
    }),
    detail: z.string().describe('the message again, where cloud-info-api clients read it'),
  })
  .describe('Error: {"error":{"code","message"},"detail"} (codes in docs/errors.md)');
/** The error answers of every information-system route. */
export const INFOSYS_ERROR_RESPONSES = { '4xx': INFOSYS_ERROR_RESPONSE, '5xx': INFOSYS_ERROR_RESPONSE };

/** Answer of `PUT|POST /v1/site/{name}/glue`: what was stored. */
export const GLUE_PUBLISH_RESPONSE = z.object({
  site: z.string(),
  shares: z.number().int().describe('shares in the document'),
  expires_at: z.string().describe('ISO 8601: CreationTime + Validity'),
  state: z.string().describe('the endpoint health, or expired'),
});
