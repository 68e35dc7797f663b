// The hub's OpenAPI 3.1 document: detailed entries for our routes, a minimal one for any other route.
import { z } from 'zod';
import {
  ACK_BODY,
  ACK_DEADLINE_BODY,
  OFFSET_BODY,
  PULL_BODY,
  SUBSCRIPTION_BODY,
} from './ams-subscription-routes.js';
import { PUBLISH_BODY } from './ams-topic-routes.js';
import { REJECTS_QUERY, SUMMARIES_QUERY, VIEW_QUERY } from './accounting-schemas.js';
import {
  FLAVORS_QUERY,
  GLUE_QUERY,
  IMAGES_QUERY,
  REPORT_BODY,
  SITES_QUERY,
  SITE_QUERY,
} from './infosys-schemas.js';

/** A route as fastify registered it. */
export interface RouteInfo {
  readonly method: string;
  readonly url: string;
}

type Operation = Record<string, unknown>;

function schemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return rest;
}

function queryParameters(schema: z.ZodObject): unknown[] {
  const json = schemaOf(schema) as {
    properties?: Record<string, { description?: string }>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    ...(s.description ? { description: s.description } : {}),
    schema: s,
  }));
}

const AMS_ERROR = {
  description: 'AMS error: {"error":{"code","message","status"}}',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/AmsError' } } },
};
const HUB_ERROR = {
  description: 'Hub error: {"error":{"code","message"}} (codes in docs/errors.md)',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/HubError' } } },
};

function ams(summary: string, body?: z.ZodType, method = 'post'): [string, Operation] {
  return [
    method,
    {
      tags: ['messaging (AMS v1)'],
      summary,
      ...(body
        ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(body) } } } }
        : {}),
      responses: { 200: { description: 'OK (JSON)' }, default: AMS_ERROR },
    },
  ];
}

function accounting(summary: string, query: z.ZodObject, extra: Operation = {}): [string, Operation] {
  return [
    'get',
    {
      tags: ['accounting'],
      summary,
      parameters: queryParameters(query),
      responses: { 200: { description: 'OK', ...extra }, default: HUB_ERROR },
    },
  ];
}

const NAME = {
  name: 'name',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'site name',
};
const VO = { name: 'vo', in: 'path', required: true, schema: { type: 'string' }, description: 'VO name' };
const NO_QUERY = z.object({});

/** A public read of the information system (JSON, with ETag and gzip). */
function infosysRead(summary: string, query: z.ZodObject, path: object[] = []): [string, Operation] {
  return [
    'get',
    {
      tags: ['information system'],
      summary,
      security: [],
      parameters: [...path, ...queryParameters(query)],
      responses: { 200: { description: 'OK (JSON; ETag, gzip)' }, 304: { description: 'Not modified' } },
    },
  ];
}

/** A write of the information system (a publisher token of that site, or admin). */
function infosysWrite(summary: string, method: string, body?: z.ZodType): [string, Operation] {
  return [
    method,
    {
      tags: ['information system'],
      summary,
      parameters: [NAME],
      ...(body
        ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(body) } } } }
        : {}),
      responses: { 200: { description: 'OK' }, 204: { description: 'Done' }, default: HUB_ERROR },
    },
  ];
}

/** The information system's reads under /v1, also served at the unversioned cloud-info-api paths. */
const INFOSYS_READS: Record<string, [string, Operation][]> = {
  '/sites': [infosysRead('Sites with their shares (cloud-info-api)', SITES_QUERY)],
  '/site/{name}': [infosysRead('One site', SITE_QUERY, [NAME])],
  '/site/{name}/projects': [infosysRead('The projects of a site’s shares', NO_QUERY, [NAME])],
  '/site/{name}/images': [infosysRead('The images of a site', IMAGES_QUERY, [NAME])],
  '/site/{name}/{vo}/project': [infosysRead('The project of a VO at a site', NO_QUERY, [NAME, VO])],
  '/site/{name}/{vo}/images': [infosysRead('The images of a VO at a site', IMAGES_QUERY, [NAME, VO])],
  '/images': [infosysRead('Images across sites', IMAGES_QUERY)],
  '/vos': [infosysRead('The VOs with a share at some site', NO_QUERY)],
  '/flavors': [infosysRead('Flavors across sites, filtered by CPU, RAM and GPU', FLAVORS_QUERY)],
};

function infosysPaths(): Record<string, [string, Operation][]> {
  const paths: Record<string, [string, Operation][]> = {};
  for (const [path, ops] of Object.entries(INFOSYS_READS)) {
    paths[`/v1${path}`] = [...ops];
    paths[path] = ops.map(([m, op]) => [m, { ...op, summary: `Alias of /v1${path} (cloud-info-api path)` }]);
  }
  paths['/v1/discovery'] = [infosysRead('Discovery health per site: state, error, expiry', NO_QUERY)];
  paths['/v1/site/{name}/glue'] = [
    infosysRead('The site’s latest GLUE 2.1 document, as published or as LDIF', GLUE_QUERY, [NAME]),
    infosysWrite('Publish a GLUE 2.1 document for the site (validated against the shipped schema)', 'put'),
    infosysWrite('Publish a GLUE 2.1 document (same as PUT)', 'post'),
  ];
  paths['/v1/site/{name}/discovery'] = [
    infosysWrite('Report a discovery run that produced no document', 'put', REPORT_BODY),
  ];
  paths['/v1/site/{name}']!.push(infosysWrite('Remove a site from the information system (admin)', 'delete'));
  return paths;
}

const STATUS: [string, Operation] = [
  'get',
  {
    tags: ['hub'],
    summary: 'Liveness: {"status":"ok"} while the hub serves',
    security: [],
    responses: { 200: { description: 'OK (JSON)' } },
  },
];

const P = '/v1/projects/{project}';
const DOCUMENTED: Record<string, [string, Operation][]> = {
  [`${P}/topics`]: [ams('List topics', undefined, 'get')],
  [`${P}/topics/{topic}`]: [
    ams('Create a topic (admin)', undefined, 'put'),
    ams('Get a topic', undefined, 'get'),
    ams('Delete a topic and its messages (admin)', undefined, 'delete'),
  ],
  [`${P}/topics/{topic}:publish`]: [
    ams(
      'Publish messages (admin, publisher); data is base64, at most 1 MiB decoded; returns messageIds',
      PUBLISH_BODY,
    ),
  ],
  [`${P}/topics/{topic}/subscriptions`]: [ams('List the subscriptions of a topic', undefined, 'get')],
  [`${P}/subscriptions`]: [ams('List subscriptions', undefined, 'get')],
  [`${P}/subscriptions/{subscription}`]: [
    ams('Create a subscription at the end of its topic (admin)', SUBSCRIPTION_BODY, 'put'),
    ams('Get a subscription', undefined, 'get'),
    ams('Delete a subscription (admin)', undefined, 'delete'),
  ],
  [`${P}/subscriptions/{subscription}:pull`]: [
    ams('Pull messages (admin, consumer); maxMessages and returnImmediately are strings', PULL_BODY),
  ],
  [`${P}/subscriptions/{subscription}:acknowledge`]: [
    ams('Acknowledge cumulatively up to the highest ackId; 408 after the ack deadline', ACK_BODY),
  ],
  [`${P}/subscriptions/{subscription}:modifyAckDeadline`]: [
    ams('Set ackDeadlineSeconds (0-600)', ACK_DEADLINE_BODY),
  ],
  [`${P}/subscriptions/{subscription}:offsets`]: [ams('Offsets {max, min, current}', undefined, 'get')],
  [`${P}/subscriptions/{subscription}:modifyOffset`]: [
    ams('Move the cursor to an offset between min and max', OFFSET_BODY),
  ],
  [`${P}/subscriptions/{subscription}:timeToOffset`]: [
    ams('First offset published at or after ?time=<ISO, Z>', undefined, 'get'),
  ],
  '/v1/accounting/summaries': [
    accounting(
      'Monthly cloud summaries (APEL grouping and deltas), rolled up by group_by; JSON, CSV or APEL v0.4',
      SUMMARIES_QUERY,
      {
        content: { 'application/json': {}, 'text/csv': {}, 'text/plain': {} },
      },
    ),
  ],
  '/v1/accounting/rejects': [
    accounting('Rejected records and messages with reason, message id and record index', REJECTS_QUERY),
  ],
  '/v1/accounting/sites': [accounting('Accounting freshness per site', z.object({}))],
  '/v1/accounting/ip': [accounting('Public IP usage per site, month, VO and IP version', VIEW_QUERY)],
  '/v1/accounting/accelerators': [
    accounting('Accelerator usage per site, month, record type and type', VIEW_QUERY),
  ],
};

/** Fastify's `/a/:b` as OpenAPI's `/a/{b}`. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z_]\w*)/g, '{$1}');
}

/** Builds the document from the routes the app registered (ours detailed, others listed). */
export function buildOpenApiDocument(routes: readonly RouteInfo[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, ops] of Object.entries({ ...DOCUMENTED, ...infosysPaths(), '/v1/status': [STATUS] })) {
    paths[path] = Object.fromEntries(ops);
  }
  for (const r of routes) {
    // the AMS plugin routes `{name}:{action}` through one parameter; those are documented above
    if (r.url.includes(':target') || r.method === 'HEAD' || r.url === '/openapi.json') continue;
    const path = openApiPath(r.url);
    const method = r.method.toLowerCase();
    // a trailing-slash twin of a documented path (cloud-info-api clients call both)
    if (path.length > 1 && path.endsWith('/') && paths[path.slice(0, -1)]?.[method]) continue;
    paths[path] ??= {};
    paths[path][method] ??= { summary: `${r.method} ${path}`, responses: { 200: { description: 'OK' } } };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Fedstack hub',
      version: 'v1',
      description:
        'AMS-compatible messaging, the accounting repository and its summaries, and the other hub areas.',
    },
    security: [{ apiKeyHeader: [] }, { apiKeyQuery: [] }, { bearer: [] }],
    components: {
      securitySchemes: {
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        apiKeyQuery: { type: 'apiKey', in: 'query', name: 'key' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
      schemas: {
        AmsError: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: {
                code: { type: 'integer' },
                message: { type: 'string' },
                status: { type: 'string' },
              },
            },
          },
        },
        HubError: {
          type: 'object',
          properties: {
            error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
          },
        },
      },
    },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
  };
}
