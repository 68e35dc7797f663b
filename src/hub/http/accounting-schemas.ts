// Query and answer schemas of the accounting API (zod): the routes validate with them and /openapi.json shows them.
import { z } from 'zod';
import { SUMMARY_DIMENSIONS, type SummaryDimension } from '../store/summary-queries.js';

const MONTH = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM')
  .describe('a month, YYYY-MM (inclusive)');
const LIST = z.string().max(2000).describe('one value or a comma-separated list');

/** Query of `GET /v1/accounting/summaries`. */
export const SUMMARIES_QUERY = z.object({
  site: LIST.optional().describe('site name(s) (GOCDB SiteName)'),
  vo: LIST.optional().describe('VO name(s)'),
  from: MONTH.optional(),
  to: MONTH.optional(),
  group_by: LIST.optional().describe(
    "dimensions to group by: site, service, year, month, user, vo, vogroup, vorole, status, cloudtype, image, cpucount, benchmarktype, benchmark (default: APEL's summary grouping)",
  ),
  format: z
    .enum(['json', 'csv', 'apel'])
    .optional()
    .describe(
      'json (default), csv (also chosen by Accept: text/csv) or apel (APEL-cloud-summary-message v0.4)',
    ),
});

/** Query of the monthly IP and accelerator views. */
export const VIEW_QUERY = z.object({
  site: LIST.optional().describe('site name(s)'),
  vo: LIST.optional().describe('VO name(s)'),
  from: MONTH.optional(),
  to: MONTH.optional(),
  format: z.enum(['json', 'csv']).optional().describe('json (default) or csv'),
});

/** Query of `GET /v1/accounting/rejects`. */
export const REJECTS_QUERY = z.object({
  site: z.string().max(255).optional().describe("the publishing token's site or the record's site"),
  message_id: z.string().max(40).optional().describe('AMS message id (the topic offset)'),
  before: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe('only rejects with an id below this (paging)'),
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('page size, 1-1000 (default 100)'),
});

/** Splits a comma-separated parameter; undefined stays undefined. */
export function splitList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return items.length ? items : undefined;
}

/** `YYYY-MM` as the number `YYYYMM`. */
export function monthNumber(month: string | undefined): number | undefined {
  return month === undefined ? undefined : Number(month.replace('-', ''));
}

/** Query of the routes that take no parameters: any parameter is refused by name. */
export const NO_QUERY = z.object({});

// Answers. The routes write them with JSON.stringify (route-schema.ts); these schemas describe what
// they write, for the typed hub client and the tests that hold both to the same shape.

const ISO_TIME = z.string().nullable().describe('ISO 8601 time (UTC), null when unknown');
const YEAR_MONTH = z.string().describe('YYYY-MM');

/** The REST error body of the accounting API (and of the hub outside AMS and the information system). */
export const ERROR_RESPONSE = z
  .object({
    error: z.object({
      code: z.string().describe('a Fedstack error code (docs/errors.md)'),
      message: z.string(),
    }),
  })
  .describe('Hub error: {"error":{"code","message"}} (codes in docs/errors.md)');
/** The error answers of every accounting route. */
export const ERROR_RESPONSES = { '4xx': ERROR_RESPONSE, '5xx': ERROR_RESPONSE };

/** A CSV answer (`format=csv`, or `Accept: text/csv`): a header line, then one line per row. */
export const CSV_RESPONSE = z.string().describe('RFC 4180 CSV with a header line, CRLF line ends');
/** `format=apel` of `GET /v1/accounting/summaries`. */
export const APEL_SUMMARY_RESPONSE = z.string().describe('an APEL-cloud-summary-message v0.4');

/** The content types of a 200 answer: `json` as JSON, or CSV text. */
export function jsonOrCsv<J extends z.ZodType>(json: J) {
  return { 'application/json': { schema: json }, 'text/csv': { schema: CSV_RESPONSE } };
}

/** One row of `GET /v1/accounting/summaries`: the fields of the `group_by` dimensions, then the measures. */
const SUMMARY_ROW = z.object({
  site: z.string().optional(),
  service: z.string().optional(),
  year: z.number().int().optional(),
  month: YEAR_MONTH.optional(),
  user: z.string().nullable().optional(),
  vo: z.string().nullable().optional(),
  voGroup: z.string().nullable().optional(),
  voRole: z.string().nullable().optional(),
  status: z.string().nullable().optional(),
  cloudType: z.string().nullable().optional(),
  imageId: z.string().nullable().optional(),
  cpuCount: z.number().optional(),
  benchmarkType: z.string().optional(),
  benchmark: z.number().optional(),
  wallDuration: z.number(),
  cpuDuration: z.number(),
  networkInbound: z.number(),
  networkOutbound: z.number(),
  memory: z.number(),
  disk: z.number(),
  numberOfVms: z.number(),
  earliestStartTime: ISO_TIME,
  latestStartTime: ISO_TIME,
});

/** JSON answer of `GET /v1/accounting/summaries`. */
export const SUMMARIES_RESPONSE = z.object({
  groupBy: z.array(z.enum(Object.keys(SUMMARY_DIMENSIONS) as SummaryDimension[])),
  summaries: z.array(SUMMARY_ROW),
});

/** Answer of `GET /v1/accounting/rejects`: newest first; `nextBefore` pages on (null on the last page). */
export const REJECTS_RESPONSE = z.object({
  rejects: z.array(
    z.object({
      id: z.number().int(),
      rejectedAt: ISO_TIME,
      project: z.string(),
      topic: z.string(),
      messageId: z.string(),
      recordIndex: z.number().int().nullable(),
      recordKind: z.string().nullable(),
      field: z.string().nullable(),
      code: z.string(),
      reason: z.string(),
      publisherSite: z.string().nullable(),
      recordSite: z.string().nullable(),
    }),
  ),
  nextBefore: z.number().int().nullable(),
});

/** Answer of `GET /v1/accounting/sites`: accounting freshness per site. */
export const ACCOUNTING_SITES_RESPONSE = z.object({
  sites: z.array(
    z.object({
      site: z.string(),
      cloudRecords: z.number(),
      recordsReceived: z.number(),
      recordsRejected: z.number(),
      lastReceivedAt: ISO_TIME,
      lastMeasurementTime: ISO_TIME,
      measurementLagSeconds: z.number().nullable(),
    }),
  ),
});

/** JSON answer of `GET /v1/accounting/ip`. */
export const IP_RESPONSE = z.object({
  ip: z.array(
    z.object({
      site: z.string(),
      month: YEAR_MONTH,
      vo: z.string().nullable(),
      ipVersion: z.number().int(),
      ipCount: z.number(),
      users: z.number(),
      lastMeasurementTime: ISO_TIME,
    }),
  ),
});

/** JSON answer of `GET /v1/accounting/accelerators`. */
/** Answer of `GET /v1/accounting/storage`: StAR storage per site, month and VO. */
export const STORAGE_RESPONSE = z.object({
  storage: z.array(
    z.object({
      site: z.string(),
      month: YEAR_MONTH,
      vo: z.string().nullable(),
      capacityUsed: z.number().describe('bytes: the sum of each share’s mean snapshot in the month'),
      maxCapacityUsed: z.number().describe('bytes: the largest snapshot'),
      records: z.number(),
    }),
  ),
});

export const ACCELERATORS_RESPONSE = z.object({
  accelerators: z.array(
    z.object({
      site: z.string(),
      month: YEAR_MONTH,
      associatedRecordType: z.string(),
      type: z.string(),
      count: z.number(),
      availableDuration: z.number(),
      activeDuration: z.number(),
      acceleratorHours: z
        .number()
        .describe('hours of accelerator use: the sum of each record’s ActiveDuration × Count, in hours'),
      records: z.number(),
    }),
  ),
});
