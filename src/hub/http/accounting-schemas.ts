// Query schemas of the accounting API (zod): the routes validate with them and /openapi.json shows them.
import { z } from 'zod';

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
